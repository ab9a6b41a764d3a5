"""Celery tasks of bookings: take ids, call a service, nothing else."""

from celery import shared_task

from bookings import photos, services


@shared_task(acks_late=True)
def bookings_expire_unpaid() -> int:
    """Release the slots of bookings not paid in time; a second run finds nothing left to do."""
    return services.booking_expire_due()


@shared_task(acks_late=True)
def photos_sweep_orphans() -> int:
    """Delete photo files left without their row by a rolled-back upload (a rerun deletes nothing)."""
    return photos.photos_sweep_orphans()
