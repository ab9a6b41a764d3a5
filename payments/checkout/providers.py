"""The payment provider interface. The sandbox implements it here; Alipay, WeChat Pay or Stripe
plug in behind the same four methods (see docs/decisions/0006-payment-providers.md).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Checkout:
    """Where to send the payer, and the provider's reference for the charge."""

    provider_ref: str
    redirect_url: str


@dataclass(frozen=True)
class ProviderNotice:
    """A verified notification (or a query answer) about one charge."""

    event_id: str
    provider_ref: str
    status: str  # "succeeded" | "failed" | "pending"
    amount: Decimal
    currency: str
    payload: dict


class PaymentProvider(Protocol):
    code: str

    def checkout_start(
        self, *, amount: Decimal, currency: str, description: str, return_url: str, idempotency_key: str
    ) -> Checkout:
        """Open a charge at the provider; the same idempotency key gives the same charge."""

    def webhook_verify(self, *, body: bytes, headers) -> ProviderNotice:
        """Check the signature over the raw body and its timestamp; parse only after that.
        Raises ``payments.webhook_signing.WebhookRejected``."""

    def charge_query(self, *, provider_ref: str) -> ProviderNotice:
        """Ask the provider how a charge stands (for notifications that never came)."""

    def refund(self, *, provider_ref: str, amount: Decimal, idempotency_key: str) -> str:
        """Give the money back in full; the same key refunds once. Returns the refund reference."""


def provider_get(code: str) -> PaymentProvider:
    try:
        dotted = settings.PAYMENT_PROVIDERS[code]
    except KeyError as exc:
        raise LookupError(f"unknown payment provider {code!r}") from exc
    return import_string(dotted)()
