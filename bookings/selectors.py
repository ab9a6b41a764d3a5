"""Reads for bookings: an owner's garage and orders (never another owner's: 404)."""

from django.db.models import Prefetch, QuerySet

from bookings.models import Booking, BookingEvent, Vehicle
from common.errors import NotFound


def vehicle_list_for_owner(owner) -> QuerySet[Vehicle]:
    return Vehicle.objects.filter(owner=owner, is_active=True).select_related("variant__model__brand")


def vehicle_get_for_owner(*, owner, vehicle_id: int) -> Vehicle:
    vehicle = vehicle_list_for_owner(owner).filter(pk=vehicle_id).first()
    if vehicle is None:
        raise NotFound()
    return vehicle


def booking_list_for_owner(owner) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(owner=owner)
        .select_related("shop", "vehicle", "variant__model__brand", "package")
        .order_by("-created_at")
    )


def booking_get_for_owner(*, owner, booking_id: int) -> Booking:
    booking = (
        booking_list_for_owner(owner)
        .prefetch_related("lines", Prefetch("events", queryset=BookingEvent.objects.select_related("actor")))
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise NotFound()
    return booking
