"""Reads for bookings: an owner's garage and orders (never another owner's: 404), a shop's orders."""

from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from bookings.models import (
    AdditionalWork,
    Booking,
    BookingEvent,
    Complaint,
    HealthRecord,
    Review,
    ServicePhoto,
    ServiceStep,
    Vehicle,
)
from bookings.photos import photo_is_visible_to
from common.errors import NotFound, PermissionDenied
from common.sql import fetch_instances
from shops.models import Membership, Shop

#: Who may do what at the counter. Technicians log steps; they never touch money or vouchers.
ROLES_COUNTER = frozenset({Membership.Role.MANAGER, Membership.Role.CASHIER})
ROLES_WORKSHOP = frozenset({Membership.Role.MANAGER, Membership.Role.CASHIER, Membership.Role.TECHNICIAN})
ROLES_MANAGER = frozenset({Membership.Role.MANAGER})
#: Who may raise or withdraw additional work: the people in the workshop, not the cashier.
ROLES_EXTRA = frozenset({Membership.Role.MANAGER, Membership.Role.TECHNICIAN})


def vehicle_list_for_owner(owner) -> QuerySet[Vehicle]:
    return Vehicle.objects.filter(owner=owner, is_active=True).select_related("variant__model__brand")


def vehicle_get_for_owner(*, owner, vehicle_id: int) -> Vehicle:
    vehicle = vehicle_list_for_owner(owner).filter(pk=vehicle_id).first()
    if vehicle is None:
        raise NotFound()
    return vehicle


def booking_targets(*, owner, vehicle_id: int, shop_id: int) -> tuple[Vehicle, Shop]:
    """The owner's car (in the garage) and the shop to book it at, read in one short statement.

    The car comes back with what booking needs (id, owner, variant); its other fields load on
    access. ``NotFound`` when either is missing or the car is not this owner's.
    """
    shops = fetch_instances(
        Shop,
        f"SELECT s.*, v.id AS booking_vehicle_id, v.variant_id AS booking_variant_id "  # noqa: S608 - our tables
        f"FROM {Shop._meta.db_table} s LEFT JOIN {Vehicle._meta.db_table} v "
        "ON v.id = %s AND v.owner_id = %s AND v.is_active = %s WHERE s.id = %s",
        [vehicle_id, owner.pk, True, shop_id],
    )
    if not shops or shops[0].booking_vehicle_id is None:
        raise NotFound()
    shop = shops[0]
    vehicle = Vehicle.from_db(
        shop._state.db,
        ["id", "owner_id", "variant_id", "is_active"],
        [shop.booking_vehicle_id, owner.pk, shop.booking_variant_id, True],
    )
    return vehicle, shop


def booking_list_for_owner(owner) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(owner=owner)
        .select_related("shop", "vehicle", "variant__model__brand", "package")
        .order_by("-created_at")
    )


def booking_get_for_owner(*, owner, booking_id: int) -> Booking:
    booking = (
        booking_list_for_owner(owner)
        .prefetch_related(
            "lines",
            Prefetch("events", queryset=BookingEvent.objects.select_related("actor")),
            Prefetch("steps", queryset=ServiceStep.objects.prefetch_related("photos")),
        )
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise NotFound()
    return booking


def complaint_get_for_owner(*, owner, booking_id: int) -> Complaint:
    """The owner's complaint about their order; 404 when there is none or the order is not theirs."""
    complaint = Complaint.objects.select_related("booking").filter(booking_id=booking_id, owner=owner).first()
    if complaint is None:
        raise NotFound()
    return complaint


def health_record_list_for_vehicle(vehicle: Vehicle) -> QuerySet[HealthRecord]:
    return HealthRecord.objects.filter(vehicle=vehicle).select_related("booking")


# --- the shop's side -------------------------------------------------------------------------

SHOP_VISIBLE = (
    Booking.Status.PAID,
    Booking.Status.CHECKED_IN,
    Booking.Status.IN_SERVICE,
    Booking.Status.COMPLETED,
    Booking.Status.NO_SHOW,
)


def booking_list_for_staff(*, user, day: date | None = None, shop_id: int | None = None) -> QuerySet[Booking]:
    """Paid and later orders at the user's shops: one day's, or from today on (open ones first)."""
    shops = Membership.objects.filter(user=user).values("shop_id")
    qs = (
        Booking.objects.filter(shop_id__in=shops, status__in=SHOP_VISIBLE)
        .select_related("shop", "vehicle", "variant__model__brand", "package", "owner")
        .order_by("starts_at", "pk")
    )
    if shop_id is not None:
        qs = qs.filter(shop_id=shop_id)
    tz = timezone.get_current_timezone()
    start_day = day or timezone.localdate()
    start = datetime.combine(start_day, time.min, tzinfo=tz)
    qs = qs.filter(starts_at__gte=start)
    if day is not None:
        qs = qs.filter(starts_at__lt=start + timedelta(days=1))
    return qs


def booking_get_for_staff(*, user, booking_id: int, roles=ROLES_WORKSHOP) -> tuple[Booking, Membership]:
    """One order of a shop the user works at: another shop's is 404, a role too low is 403."""
    booking = (
        Booking.objects.filter(pk=booking_id)
        .select_related("shop", "vehicle", "variant__model__brand", "package", "owner")
        .prefetch_related(
            "lines",
            Prefetch("events", queryset=BookingEvent.objects.select_related("actor")),
            Prefetch(
                "steps", queryset=ServiceStep.objects.select_related("technician").prefetch_related("photos")
            ),
            "parts_used",
        )
        .first()
    )
    if booking is None or not user.is_authenticated:
        raise NotFound()
    membership = Membership.objects.filter(user=user, shop_id=booking.shop_id).first()
    if membership is None:
        raise NotFound()
    if membership.role not in roles:
        raise PermissionDenied()
    return booking, membership


def membership_get(*, user, shop_id: int, roles=ROLES_WORKSHOP) -> Membership:
    """The user's place at a shop: none is 404, a role too low is 403."""
    if not user.is_authenticated:
        raise NotFound()
    membership = Membership.objects.filter(user=user, shop_id=shop_id).select_related("shop").first()
    if membership is None:
        raise NotFound()
    if membership.role not in roles:
        raise PermissionDenied()
    return membership


def review_list_for_shop(shop_id: int) -> QuerySet[Review]:
    return Review.objects.filter(shop_id=shop_id).select_related("owner", "booking")


# --- additional work and photos --------------------------------------------------------------


def additional_work_list_for_booking(booking: Booking) -> QuerySet[AdditionalWork]:
    """An order's extras, oldest first, with their lines, photos, decision and who raised them."""
    return (
        AdditionalWork.objects.filter(booking=booking)
        .select_related("raised_by", "decision", "booking__shop", "booking__vehicle")
        .prefetch_related("lines", "photos")
        .order_by("created_at", "pk")
    )


def additional_work_paid_context(booking: Booking) -> dict:
    """The paid extras of an order and what was paid in all (for receipts and settlement lists)."""
    paid = list(additional_work_list_for_booking(booking).filter(status=AdditionalWork.Status.PAID))
    return {
        "paid_extras": paid,
        "paid_total": booking.total_amount + sum((extra.total_amount for extra in paid), 0),
    }


def additional_work_get_for_owner(*, owner, booking_id: int, additional_work_id: int) -> AdditionalWork:
    booking = booking_get_for_owner(owner=owner, booking_id=booking_id)
    extra = additional_work_list_for_booking(booking).filter(pk=additional_work_id).first()
    if extra is None:
        raise NotFound()
    return extra


def photo_get_for_user(*, user, photo_id: int) -> ServicePhoto:
    """A photo of an order the user owns or whose shop they work at; anything else is 404."""
    photo = ServicePhoto.objects.select_related("booking").filter(pk=photo_id).first()
    if photo is None or not photo_is_visible_to(photo, user):
        raise NotFound()
    return photo
