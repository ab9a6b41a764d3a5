"""Receiving provider notifications: verify over the raw body first, then apply exactly once."""

from payments.checkout.providers import provider_get
from payments.checkout.services import notice_apply


def webhook_receive(*, provider: str, body: bytes, headers) -> str:
    """Verify a notification (raises ``WebhookRejected``) and apply it; returns the outcome.

    The HTTP endpoint and the sandbox's in-process delivery both come through here, so the
    signature, the timestamp window and the replay guard are never skipped.
    """
    notice = provider_get(provider).webhook_verify(body=body, headers=headers)
    return notice_apply(provider=provider, notice=notice)
