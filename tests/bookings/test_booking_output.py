"""The booking POST's direct answer is byte for byte what the documented serializer gives."""

import json

import pytest
from django.utils import translation

from bookings import selectors, services
from bookings.api.order_serializers import BookingDetailOutputSerializer, booking_detail_data
from parts.models import Package, PackageItem
from tests.factories import UserFactory


def _same(booking):
    fast = json.dumps(booking_detail_data(booking), sort_keys=True)
    documented = json.dumps(BookingDetailOutputSerializer(booking).data, sort_keys=True)
    assert fast == documented


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_fresh_booking_and_the_reread_one_answer_exactly_as_the_serializer(job, language):
    with translation.override(language):
        booking = job.book()
        _same(booking)  # as written: lines and events from the write, no second read
        _same(selectors.booking_get_for_owner(owner=job.owner, booking_id=booking.pk))


def test_a_package_booking_with_history_answers_exactly_as_the_serializer(job):
    package = Package.objects.create(code="bench-minor", name_en="Minor", name_zh="小保养", tier="standard")
    PackageItem.objects.create(package=package, service_item=job.item, sort=1)
    other = UserFactory()
    car = services.vehicle_add(owner=other, variant=job.vehicle.variant, plate="浙C33333")
    booking = services.booking_create(
        owner=other, vehicle=car, shop=job.shop, starts_at=job.slot, package=package
    )
    services.booking_cancel_unpaid(booking_id=booking.pk, actor=other)

    reread = selectors.booking_get_for_owner(owner=other, booking_id=booking.pk)

    assert reread.package.code == "bench-minor"
    assert len(reread.events.all()) == 2
    _same(reread)
