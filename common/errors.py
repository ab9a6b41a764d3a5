"""One family of domain errors; the API and the pages map it to 400/404/409 in one place."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A business rule refused the request. ``message`` is translatable and shown to the user."""

    status_code = 400
    default_message = _("The request could not be processed.")
    code = "invalid"

    def __init__(self, message=None, *, code: str | None = None, extra: dict | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.extra = extra or {}
        super().__init__(str(self.message))


class NotFound(DomainError):
    """The object does not exist, or is not the caller's (we never tell which)."""

    status_code = 404
    default_message = _("Not found.")
    code = "not_found"


class Conflict(DomainError):
    """The request conflicts with the current state (slot full, already redeemed, already paid)."""

    status_code = 409
    default_message = _("This conflicts with the current state.")
    code = "conflict"


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""

    status_code = 403
    default_message = _("You do not have permission to do this.")
    code = "permission_denied"
