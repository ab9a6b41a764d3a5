"""The sandbox payment provider: a hosted pay page that runs here, and signed notifications.

It behaves like a real provider: it keeps its own book of charges (``SandboxCharge``), the payer
confirms or declines on its page, and it notifies us with a body signed by HMAC-SHA256 over the
timestamp and the raw body (``payments.webhook_signing``), delivered through the very code path
that receives an HTTP webhook. It also answers queries about a charge and refunds idempotently.
"""

import json
import secrets
import time
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from payments.checkout.models import SandboxCharge
from payments.checkout.providers import Checkout, ProviderNotice
from payments.webhook_signing import HEADER, signature_header, signature_verify


class SandboxProvider:
    code = "sandbox"

    def checkout_start(self, *, amount, currency, description, return_url, idempotency_key) -> Checkout:
        ref = f"sbx_{idempotency_key}"
        charge, _created = SandboxCharge.objects.get_or_create(
            ref=ref,
            defaults={
                "amount": amount,
                "currency": currency,
                "description": description,
                "return_url": return_url,
            },
        )
        return Checkout(
            provider_ref=charge.ref, redirect_url=reverse("payments:sandbox-pay", args=[charge.ref])
        )

    def webhook_verify(self, *, body: bytes, headers) -> ProviderNotice:
        signature_verify(
            body, headers.get(HEADER), secret=settings.SANDBOX_WEBHOOK_SECRET, now=int(time.time())
        )
        data = json.loads(body)
        return ProviderNotice(
            event_id=str(data["event_id"]),
            provider_ref=str(data["charge"]),
            status=str(data["status"]),
            amount=Decimal(str(data["amount"])),
            currency=str(data["currency"]),
            payload=data,
        )

    def charge_query(self, *, provider_ref: str) -> ProviderNotice:
        charge = SandboxCharge.objects.get(ref=provider_ref)
        status = {"succeeded": "succeeded", "declined": "failed", "refunded": "succeeded"}.get(
            charge.status, "pending"
        )
        return ProviderNotice(
            event_id=f"query:{charge.ref}:{charge.status}",
            provider_ref=charge.ref,
            status=status,
            amount=charge.amount,
            currency=charge.currency,
            payload={"charge": charge.ref, "status": charge.status, "source": "query"},
        )

    def refund(self, *, provider_ref: str, amount: Decimal, idempotency_key: str) -> str:
        with transaction.atomic():
            charge = SandboxCharge.objects.select_for_update().get(ref=provider_ref)
            if charge.status == SandboxCharge.Status.REFUNDED:
                if charge.refund_key != idempotency_key:
                    raise RuntimeError("sandbox: this charge was already refunded under another key")
                return f"rf_{charge.ref}"
            if charge.status != SandboxCharge.Status.SUCCEEDED or amount != charge.amount:
                raise RuntimeError("sandbox: only a paid charge can be refunded, in full")
            charge.status = SandboxCharge.Status.REFUNDED
            charge.refund_key = idempotency_key
            charge.save(update_fields=["status", "refund_key", "updated_at"])
        return f"rf_{charge.ref}"


def sandbox_notification(
    charge: SandboxCharge, *, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The signed notification the sandbox sends about a charge's outcome: (raw body, headers)."""
    status = "succeeded" if charge.status == SandboxCharge.Status.SUCCEEDED else "failed"
    body = json.dumps(
        {
            "event_id": f"evt_{secrets.token_hex(12)}",
            "charge": charge.ref,
            "status": status,
            "amount": str(charge.amount),
            "currency": charge.currency,
        },
        separators=(",", ":"),
    ).encode()
    header = signature_header(
        body, secret=settings.SANDBOX_WEBHOOK_SECRET, timestamp=timestamp or int(time.time())
    )
    return body, {HEADER: header}
