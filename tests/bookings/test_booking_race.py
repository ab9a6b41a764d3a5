"""On PostgreSQL with real concurrent connections: a slot is never oversold, an order paid once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from bookings import services
from bookings.models import Booking
from payments.checkout import services as checkout
from payments.checkout.models import Payment, SandboxCharge
from payments.checkout.providers import ProviderNotice
from payments.ledger.models import JournalEntry
from payments.vouchers.models import Voucher
from shops.models import SlotCapacity
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 50


def _run_together(count, work):
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - reported through the results
            results[index] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_fifty_concurrent_bookings_of_three_free_places_sell_exactly_three(job):
    clients = []
    for i in range(THREADS):
        owner = UserFactory()
        car = services.vehicle_add(owner=owner, variant=job.vehicle.variant, plate=f"浙A{i:05d}")
        client = APIClient()
        client.force_authenticate(owner)
        clients.append((client, car))
    body = {"shop": job.shop.pk, "starts_at": job.slot.isoformat(), "service_items": [job.item.code]}

    codes = _run_together(
        THREADS,
        lambda i: (
            clients[i][0]
            .post("/api/v1/bookings/", {**body, "vehicle": clients[i][1].pk}, format="json")
            .status_code
        ),
    )

    assert codes.count(201) == 3
    assert codes.count(409) == 47
    assert Booking.objects.count() == 3
    assert SlotCapacity.objects.get(shop=job.shop, starts_at=job.slot).booked == 3


def test_concurrent_notices_for_one_charge_pay_the_order_once(job):
    booking = job.book()
    start = checkout.payment_start(booking_id=booking.pk, owner=job.owner)
    SandboxCharge.objects.filter(ref=start.payment.provider_ref).update(status="succeeded")

    def deliver(i):
        notice = ProviderNotice(
            event_id=f"evt_{i}",
            provider_ref=start.payment.provider_ref,
            status="succeeded",
            amount=Decimal("133.00"),
            currency="CNY",
            payload={"i": i},
        )
        return checkout.notice_apply(provider="sandbox", notice=notice)

    outcomes = _run_together(10, deliver)

    assert outcomes.count("paid") == 1
    assert outcomes.count("ignored: already succeeded") == 9
    assert Payment.objects.get(pk=start.payment.pk).status == "succeeded"
    assert JournalEntry.objects.filter(kind="payment").count() == 1
    assert Voucher.objects.count() == 1
