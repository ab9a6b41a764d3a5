"""Celery tasks of payments: take ids, call a service, nothing else."""

from celery import shared_task

from payments.checkout import sandbox, services
from payments.checkout.models import SandboxCharge
from payments.checkout.webhooks import webhook_receive


@shared_task(acks_late=True)
def sandbox_notify(charge_ref: str) -> str:
    """The sandbox provider tells us how a charge ended (signed, through the webhook path)."""
    charge = SandboxCharge.objects.get(ref=charge_ref)
    body, headers = sandbox.sandbox_notification(charge)
    return webhook_receive(provider="sandbox", body=body, headers=headers)


@shared_task(acks_late=True)
def payments_reconcile_pending() -> int:
    return services.payments_reconcile_pending()


@shared_task(acks_late=True)
def vouchers_expire_due() -> int:
    return services.vouchers_expire_due()
