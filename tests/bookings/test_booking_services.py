"""Placing a booking, its state machine, expiry: prices frozen, capacity exact."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import Booking, BookingEvent
from common.errors import NotFound
from shops.models import ShopService, SlotCapacity
from shops.services import SlotFull
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
S = Booking.Status


def _booked(job) -> int:
    row = SlotCapacity.objects.filter(shop=job.shop, starts_at=job.slot).first()
    return row.booked if row else 0


def test_booking_freezes_the_quote_and_takes_one_place(job):
    booking = job.book()

    assert booking.status == S.AWAITING_PAYMENT
    assert [
        (line.kind, line.sku, line.quantity, line.unit_price_amount, line.amount)
        for line in booking.lines.all()
    ] == [
        ("part", "MANN-W610/3", Decimal("1.00"), Decimal("58.00"), Decimal("58.00")),
        ("labour", "", Decimal("0.50"), Decimal("150.00"), Decimal("75.00")),
    ]
    assert (booking.parts_amount, booking.labour_amount, booking.total_amount) == (
        Decimal("58.00"),
        Decimal("75.00"),
        Decimal("133.00"),
    )
    assert _booked(job) == 1
    assert list(booking.events.values_list("from_status", "to_status")) == [("", S.AWAITING_PAYMENT)]
    assert booking.pay_by > timezone.now()


def test_later_price_changes_do_not_touch_a_frozen_order(job):
    booking = job.book()

    job.filter_part.list_price_amount = Decimal("99.00")
    job.filter_part.save()
    job.shop.labour_rate_amount = Decimal("300.00")
    job.shop.save()

    booking.refresh_from_db()
    assert booking.total_amount == Decimal("133.00")
    assert sum(line.amount for line in booking.lines.all()) == Decimal("133.00")


def test_a_full_slot_is_refused_with_the_next_free_slots_and_nothing_is_written(job):
    job.shop.bays = 1
    job.shop.save()
    job.book()
    other = services.vehicle_add(owner=UserFactory(), variant=job.vehicle.variant, plate="浙B54321")

    with pytest.raises(SlotFull) as excinfo:
        services.booking_create(
            owner=other.owner, vehicle=other, shop=job.shop, starts_at=job.slot, service_items=[job.item.code]
        )

    assert excinfo.value.status_code == 409
    assert excinfo.value.extra["next_free_slots"]
    assert Booking.objects.count() == 1
    assert _booked(job) == 1


def test_a_shop_that_does_not_offer_the_item_is_refused_and_no_place_is_taken(job):
    ShopService.objects.filter(shop=job.shop).delete()

    with pytest.raises(services.QuoteIncomplete):
        job.book()

    assert Booking.objects.count() == 0
    assert _booked(job) == 0


def test_a_slot_in_the_past_is_refused(job):
    with pytest.raises(services.SlotInPast):
        job.book(starts_at=timezone.now() - timedelta(hours=1))

    assert Booking.objects.count() == 0


def test_someone_elses_car_cannot_be_booked(job):
    with pytest.raises(NotFound):
        job.book(owner=UserFactory())

    assert Booking.objects.count() == 0


ALL = list(S)
ALLOWED_PAIRS = {(frm, to) for frm, tos in services.ALLOWED.items() for to in tos}


@pytest.mark.parametrize("frm", ALL)
@pytest.mark.parametrize("to", ALL)
def test_the_transition_table_is_the_only_gate(job, frm, to):
    booking = job.book()
    Booking.objects.filter(pk=booking.pk).update(status=frm)
    booking.refresh_from_db()
    events_before = BookingEvent.objects.count()

    if (frm, to) in ALLOWED_PAIRS:
        services.booking_transition(booking, to=to, actor=job.owner, reason="test")
        assert Booking.objects.get(pk=booking.pk).status == to
        assert BookingEvent.objects.count() == events_before + 1
    else:
        with pytest.raises(services.InvalidTransition):
            services.booking_transition(booking, to=to, actor=job.owner)
        assert Booking.objects.get(pk=booking.pk).status == frm
        assert BookingEvent.objects.count() == events_before


def test_the_table_allows_exactly_the_documented_lifecycle():
    assert {
        (S.AWAITING_PAYMENT, S.PAID),
        (S.AWAITING_PAYMENT, S.CANCELLED),
        (S.AWAITING_PAYMENT, S.EXPIRED),
        (S.PAID, S.CHECKED_IN),
        (S.PAID, S.REFUNDED),
        (S.PAID, S.NO_SHOW),
        (S.CHECKED_IN, S.IN_SERVICE),
        (S.CHECKED_IN, S.COMPLETED),
        (S.IN_SERVICE, S.COMPLETED),
        (S.NO_SHOW, S.REFUNDED),
    } == ALLOWED_PAIRS


def test_unpaid_bookings_expire_and_release_their_place_once(job):
    booking = job.book()
    later = booking.pay_by + timedelta(seconds=1)

    first = services.booking_expire_due(now=later)
    second = services.booking_expire_due(now=later)

    booking.refresh_from_db()
    assert (first, second) == (1, 0)
    assert booking.status == S.EXPIRED
    assert _booked(job) == 0
    assert booking.events.last().reason == "not paid in time"


def test_a_booking_not_yet_due_does_not_expire(job):
    booking = job.book()

    assert services.booking_expire_due(now=booking.pay_by - timedelta(seconds=1)) == 0
    booking.refresh_from_db()
    assert booking.status == S.AWAITING_PAYMENT
    assert _booked(job) == 1


def test_cancelling_an_unpaid_booking_releases_its_place(job):
    booking = job.book()

    services.booking_cancel_unpaid(booking_id=booking.pk, actor=job.owner)

    booking.refresh_from_db()
    assert booking.status == S.CANCELLED
    assert _booked(job) == 0


def test_a_booking_costs_at_most_eight_sql_statements(job):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    job.book()  # the slot's capacity row exists from now on: the hot path
    second_owner = UserFactory()
    car = services.vehicle_add(owner=second_owner, variant=job.vehicle.variant, plate="浙B22222")
    car = type(car).objects.select_related("variant").get(pk=car.pk)

    with CaptureQueriesContext(connection) as ctx:
        services.booking_create(
            owner=second_owner, vehicle=car, shop=job.shop, starts_at=job.slot, service_items=[job.item.code]
        )

    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) <= 8, statements


def test_a_closure_that_day_refuses_the_booking_and_a_special_opening_allows_its_own_hours(job):
    from datetime import time

    from shops.models import ShopClosure
    from shops.services import SlotUnavailable
    from tests.shops.factories import at

    day = job.slot.date()
    ShopClosure.objects.create(shop=job.shop, date=day, is_open=False, reason="inventory")
    with pytest.raises(SlotUnavailable):
        job.book()

    ShopClosure.objects.filter(shop=job.shop, date=day).update(
        is_open=True, opens=time(13, 0), closes=time(16, 0)
    )
    with pytest.raises(SlotUnavailable):
        job.book()  # 10:30 lies outside that day's special hours
    booking = job.book(starts_at=at(day, "13:00"))

    assert booking.status == S.AWAITING_PAYMENT
    assert SlotCapacity.objects.get(shop=job.shop, starts_at=at(day, "13:00")).booked == 1
    assert not SlotCapacity.objects.filter(shop=job.shop, starts_at=job.slot).exists()  # nothing half-written


def test_a_full_slot_writes_nothing_and_suggests_the_next_free_ones(job):
    for plate in ("浙B00001", "浙B00002", "浙B00003"):
        owner = UserFactory()
        car = services.vehicle_add(owner=owner, variant=job.vehicle.variant, plate=plate)
        services.booking_create(
            owner=owner, vehicle=car, shop=job.shop, starts_at=job.slot, service_items=[job.item.code]
        )
    orders = Booking.objects.count()

    with pytest.raises(SlotFull) as full:
        job.book()

    assert full.value.extra["next_free_slots"]
    assert Booking.objects.count() == orders
    assert SlotCapacity.objects.get(shop=job.shop, starts_at=job.slot).booked == 3
