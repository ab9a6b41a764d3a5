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


@shared_task(acks_late=True)
def settlement_run_execute_task(run_id: int) -> int:
    """Execute one settlement run (started by an admin); a second delivery settles nothing twice."""
    from payments.settlement.services import settlement_run_execute

    return settlement_run_execute(run_id=run_id).statements_created


@shared_task(acks_late=True)
def settlement_run_due_task() -> int:
    """The beat's T+1 run: settle yesterday."""
    from payments.settlement.services import settlement_run_due

    return settlement_run_due()


@shared_task(acks_late=True)
def payouts_send_due_task() -> int:
    """Send the payouts that are due (new, or failed and due for a retry)."""
    from payments.settlement.services import payouts_send_due

    return payouts_send_due()
