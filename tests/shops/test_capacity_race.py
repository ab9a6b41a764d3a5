"""Decision 0004 on PostgreSQL: 50 concurrent bookings of a slot with 3 free places."""

import threading

import pytest
from django.db import connection, transaction

from shops.models import SlotCapacity
from shops.services import SlotFull, slot_take
from tests.factories import ShopFactory
from tests.shops.factories import at, future_weekday

THREADS = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_takes_of_three_free_places_sell_exactly_three():
    shop = ShopFactory(bays=3)
    starts_at = at(future_weekday(), "10:30")
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book():
        try:
            barrier.wait(timeout=30)
            try:
                with transaction.atomic():
                    slot_take(shop=shop, starts_at=starts_at)
                result = "ok"
            except SlotFull:
                result = "full"
            except Exception as exc:  # noqa: BLE001 - any other outcome fails the test below
                result = f"error: {exc!r}"
            with lock:
                outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=book) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes.count("ok") == 3
    assert outcomes.count("full") == 47
    row = SlotCapacity.objects.get(shop=shop, starts_at=starts_at)
    assert (row.capacity, row.booked) == (3, 3)
