"""What a request says about where it came from."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's IP address, kept as evidence (an owner's approval of extra work).

    Without proxies in front (``TRUSTED_PROXY_COUNT`` 0) it is the peer of the connection,
    ``REMOTE_ADDR``. Behind N trusted proxies that each append the address they saw to
    ``X-Forwarded-For``, it is the N-th address from the right: the one the outermost trusted
    proxy saw; addresses further left are the client's own claims and are not trusted. A header
    shorter than N entries, or an entry that is not an IP address, gives ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote
