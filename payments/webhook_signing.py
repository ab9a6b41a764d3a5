"""Webhook signatures: HMAC-SHA256 over the timestamp and the raw body, checked in constant time.

The header carries ``t=<unix seconds>,v1=<hex digest>`` where the digest is
``HMAC-SHA256(secret, f"{t}." + raw_body)``. A receiver refuses a bad or missing signature and a
timestamp more than five minutes away from its clock (replays of old captures), before it parses
the body. The sandbox provider signs its notifications this way; a real provider's adapter
checks its own scheme and hands the verified event to the same code.
"""

import hashlib
import hmac

from django.utils.translation import gettext_lazy as _

from common.errors import DomainError

TOLERANCE_SECONDS = 300
HEADER = "X-Sandbox-Signature"


class WebhookRejected(DomainError):
    status_code = 400
    default_message = _("The notification's signature is not valid.")
    code = "bad_signature"


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(body: bytes, *, secret: str, timestamp: int) -> str:
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def signature_verify(body: bytes, header: str | None, *, secret: str, now: int) -> int:
    """Check the header against the raw body; return its timestamp or raise ``WebhookRejected``."""
    if not header:
        raise WebhookRejected(_("The notification is not signed."), code="unsigned")
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError) as exc:
        raise WebhookRejected(
            _("The notification's signature header is malformed."), code="malformed"
        ) from exc
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise WebhookRejected(_("The notification is too old or from the future."), code="stale")
    if not hmac.compare_digest(_digest(secret, timestamp, body), given):
        raise WebhookRejected()
    return timestamp
