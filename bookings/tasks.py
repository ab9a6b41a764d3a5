"""Celery tasks of bookings: take ids, call a service, nothing else."""

from celery import shared_task

from bookings import services


@shared_task(acks_late=True)
def bookings_expire_unpaid() -> int:
    """Release the slots of bookings not paid in time; a second run finds nothing left to do."""
    return services.booking_expire_due()
