"""Slots follow the hours, the public calendar, the shop's closures and its bays."""

from datetime import date, time, timedelta

import pytest

from shops.models import SlotCapacity
from shops.selectors import DaySlots, closures_on, opening_hours_on, slots_for_shops
from shops.services import SlotFull, SlotUnavailable, shop_set_capacity, slot_release, slot_take
from tests.factories import ShopFactory
from tests.shops.factories import ShopClosureFactory, SlotCapacityFactory, at, future_weekday

pytestmark = pytest.mark.django_db

NATIONAL_DAY = date(2026, 10, 1)  # Thursday, a public holiday
SWAPPED_SUNDAY = date(2026, 9, 20)  # Sunday, an official working day (调休) before National Day


def _starts(slots):
    return [s.starts_at.strftime("%H:%M") for s in slots]


def test_slots_run_from_opening_until_the_last_slot_that_ends_by_closing():
    shop = ShopFactory(weekly_hours=[["08:30", "12:00"]] * 7, slot_minutes=60, bays=3)
    day = future_weekday()

    slots = slots_for_shops([shop], day)[shop.id]

    assert _starts(slots) == ["08:30", "09:30", "10:30"]
    assert [(s.capacity, s.booked, s.free) for s in slots] == [(3, 0, 3)] * 3
    assert slots[0].ends_at == at(day, "09:30")


def test_a_closed_weekday_has_no_slots():
    hours = [["08:30", "18:00"]] * 6 + [None]  # closed on Sundays
    shop = ShopFactory(weekly_hours=hours)

    assert slots_for_shops([shop], future_weekday(6))[shop.id] == []
    assert len(slots_for_shops([shop], future_weekday(5))[shop.id]) == 9


def test_public_holidays_close_shops_that_follow_the_calendar_only():
    following = ShopFactory(observes_public_holidays=True)
    ignoring = ShopFactory(observes_public_holidays=False)

    assert opening_hours_on(following, NATIONAL_DAY, None) is None
    assert opening_hours_on(ignoring, NATIONAL_DAY, None) == (time(8, 30), time(18, 0))


def test_a_swapped_working_day_opens_a_shop_closed_on_sundays_with_weekday_hours():
    hours = [["08:00", "19:00"]] * 5 + [["09:00", "17:00"], None]
    shop = ShopFactory(observes_public_holidays=True, weekly_hours=hours)

    assert opening_hours_on(shop, SWAPPED_SUNDAY, None) == (time(8, 0), time(19, 0))
    assert opening_hours_on(shop, SWAPPED_SUNDAY + timedelta(days=7), None) is None


def test_the_shop_can_override_the_calendar_both_ways():
    shop = ShopFactory(observes_public_holidays=True)
    open_on_holiday = ShopClosureFactory.build(
        shop=shop, date=NATIONAL_DAY, is_open=True, opens=time(10, 0), closes=time(14, 0)
    )
    closed_on_wednesday = ShopClosureFactory.build(shop=shop, date=date(2026, 10, 14), is_open=False)

    assert opening_hours_on(shop, NATIONAL_DAY, open_on_holiday) == (time(10, 0), time(14, 0))
    assert opening_hours_on(shop, date(2026, 10, 14), closed_on_wednesday) is None


def test_a_closure_row_removes_the_days_slots():
    shop = ShopFactory()
    day = future_weekday()
    ShopClosureFactory(shop=shop, date=day)

    assert slots_for_shops([shop], day)[shop.id] == []
    assert len(slots_for_shops([shop], day + timedelta(days=1))[shop.id]) == 9


def test_bays_and_bookings_decide_free_places():
    shop = ShopFactory(bays=2)
    day = future_weekday()
    SlotCapacityFactory(shop=shop, starts_at=at(day, "09:30"), booked=2)
    SlotCapacityFactory(shop=shop, starts_at=at(day, "10:30"), booked=1)

    slots = {s.starts_at.strftime("%H:%M"): s.free for s in slots_for_shops([shop], day)[shop.id]}

    assert slots["08:30"] == 2
    assert slots["09:30"] == 0
    assert slots["10:30"] == 1


def test_slots_already_started_are_not_offered():
    shop = ShopFactory()
    day = future_weekday()

    slots = slots_for_shops([shop], day, now=at(day, "12:00"))[shop.id]

    assert _starts(slots)[0] == "12:30"


def test_free_capacity_of_many_shops_costs_the_same_queries_as_one(django_assert_num_queries):
    day = future_weekday()
    one = [ShopFactory()]
    twenty = [ShopFactory() for _ in range(20)]

    with django_assert_num_queries(2):
        slots_for_shops(one, day)
    with django_assert_num_queries(2):
        result = slots_for_shops(twenty, day)
    assert len(result) == 20


def test_day_slots_count_free_slots_as_the_slot_lists_do(django_assert_num_queries):
    day = future_weekday()
    quiet = ShopFactory(bays=2)
    busy = ShopFactory(bays=2)
    SlotCapacityFactory(shop=busy, starts_at=at(day, "08:30"), booked=2)  # before `now`: not counted
    SlotCapacityFactory(shop=busy, starts_at=at(day, "12:30"), booked=2)  # full
    SlotCapacityFactory(shop=busy, starts_at=at(day, "13:30"), booked=1)  # one place left
    SlotCapacityFactory(shop=busy, starts_at=at(day, "14:30"), capacity=1, booked=1)  # capacity cut: full
    SlotCapacityFactory(shop=busy, starts_at=at(day, "14:45"), booked=2)  # off the grid: no slot
    ShopClosureFactory(shop=quiet, date=day, is_open=True, opens=time(9, 0), closes=time(15, 0))

    closures = closures_on([quiet, busy], day)

    with django_assert_num_queries(1):  # closures given: only the day's capacity rows
        day_slots = DaySlots([quiet, busy], day, closures=closures, now=at(day, "12:00"))
    counts = {shop.id: day_slots.free_count(shop) for shop in (quiet, busy)}
    free = {shop.id: day_slots.free(shop) for shop in (quiet, busy)}

    assert _starts(free[busy.id]) == ["13:30", "15:30", "16:30"]
    assert _starts(free[quiet.id]) == ["13:00", "14:00"]  # its special hours, 09:00 to 15:00
    assert counts == {quiet.id: 2, busy.id: 3}
    assert {shop_id: len(slots) for shop_id, slots in free.items()} == counts
    for n in (1, 2, 3, 5):
        assert {shop.id: day_slots.first_free(shop, n) for shop in (quiet, busy)} == {
            shop_id: slots[:n] for shop_id, slots in free.items()
        }
    assert day_slots.all(busy) == slots_for_shops([busy], day, now=at(day, "12:00"))[busy.id]


def test_slot_take_takes_one_place_until_the_slot_is_full():
    shop = ShopFactory(bays=1)
    day = future_weekday()

    row = slot_take(shop=shop, starts_at=at(day, "09:30"))
    with pytest.raises(SlotFull) as full:
        slot_take(shop=shop, starts_at=at(day, "09:30"))

    assert (row.capacity, row.booked) == (1, 1)
    assert SlotCapacity.objects.get(id=row.id).booked == 1
    assert full.value.status_code == 409
    assert full.value.extra["next_free_slots"][0] == at(day, "10:30").isoformat()
    assert len(full.value.extra["next_free_slots"]) == 3


@pytest.mark.parametrize("hhmm", ["07:30", "09:45", "17:30"])
def test_slot_take_refuses_a_time_that_is_not_a_slot(hhmm):
    shop = ShopFactory()

    with pytest.raises(SlotUnavailable):
        slot_take(shop=shop, starts_at=at(future_weekday(), hhmm))

    assert SlotCapacity.objects.count() == 0


def test_slot_take_refuses_a_closed_day_and_a_suspended_shop():
    shop = ShopFactory()
    day = future_weekday()
    ShopClosureFactory(shop=shop, date=day)
    suspended = ShopFactory(status="suspended")

    with pytest.raises(SlotUnavailable):
        slot_take(shop=shop, starts_at=at(day, "09:30"))
    with pytest.raises(SlotUnavailable):
        slot_take(shop=suspended, starts_at=at(day + timedelta(days=1), "09:30"))

    assert SlotCapacity.objects.count() == 0


def test_slot_release_gives_a_place_back_and_never_goes_below_zero():
    shop = ShopFactory()
    starts_at = at(future_weekday(), "09:30")
    slot_take(shop=shop, starts_at=starts_at)

    first = slot_release(shop=shop, starts_at=starts_at)
    second = slot_release(shop=shop, starts_at=starts_at)

    assert first.booked == 0
    assert second.booked == 0
    assert slot_release(shop=shop, starts_at=at(future_weekday(), "10:30")) is None


def test_fewer_bays_lower_future_capacity_but_never_below_what_is_booked():
    shop = ShopFactory(bays=4)
    day = future_weekday()
    busy = SlotCapacityFactory(shop=shop, starts_at=at(day, "09:30"), booked=3)
    quiet = SlotCapacityFactory(shop=shop, starts_at=at(day, "10:30"), booked=0)

    shop_set_capacity(shop=shop, bays=2, slot_minutes=60)

    busy.refresh_from_db()
    quiet.refresh_from_db()
    assert (busy.capacity, busy.booked) == (3, 3)
    assert (quiet.capacity, quiet.booked) == (2, 0)
