"""Matching: only shops that can really do the job that day are matched, each with its own price."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.matching import match
from parts.models import Part
from shops.models import ShopClosure, ShopPartPrice, ShopService
from tests.factories import ShopFactory
from tests.parts.factories import (
    PackageFactory,
    PackageItemFactory,
    ServiceItemFactory,
    VariantFactory,
    fitting,
    item_needing,
)
from tests.shops.factories import SlotCapacityFactory, at, future_weekday

pytestmark = pytest.mark.django_db

HOME = (30.2431, 120.1507)  # West Lake, GCJ-02
KM = 1 / 111.195  # one km of latitude, in degrees


@pytest.fixture
def job():
    """A car, an oil-filter job (a part + 0.5 h) and a wash (labour only, 0.3 h)."""
    variant = VariantFactory()
    oil_filter = item_needing("filter_job", Part.Category.OIL_FILTER, hours="0.5")
    wash = ServiceItemFactory(code="wash_job", labour_hours=Decimal("0.3"))
    part = fitting(variant, category=Part.Category.OIL_FILTER, list_price_amount=Decimal("40.00"))
    return {"variant": variant, "items": [oil_filter, wash], "part": part}


def shop_at(job, km_north: float, *, offers=None, **fields):
    shop = ShopFactory(lat=HOME[0] + km_north * KM, lng=HOME[1], **fields)
    for item in offers if offers is not None else job["items"]:
        ShopService.objects.create(shop=shop, service_item=item)
    return shop


def run(job, **kwargs):
    params = {
        "variant": job["variant"],
        "service_items": ["filter_job", "wash_job"],
        "lat": HOME[0],
        "lng": HOME[1],
        "day": future_weekday(),
    }
    return match(**(params | kwargs))


def test_each_shop_is_priced_with_its_own_rate_fixed_price_and_part_price(job):
    plain = shop_at(job, 1, labour_rate_amount=Decimal("100.00"))
    fixed = shop_at(job, 2, labour_rate_amount=Decimal("200.00"))
    ShopService.objects.filter(shop=fixed, service_item__code="wash_job").update(
        fixed_price_amount=Decimal("25")
    )
    cheap_part = shop_at(job, 3, labour_rate_amount=Decimal("100.00"))
    ShopPartPrice.objects.create(shop=cheap_part, part=job["part"], unit_price_amount=Decimal("31.50"))

    result = run(job, sort="price")

    totals = {
        m.shop.id: (m.quote.parts_amount, m.quote.labour_amount, m.quote.total_amount) for m in result.matches
    }
    assert totals[plain.id] == (Decimal("40.00"), Decimal("80.00"), Decimal("120.00"))
    assert totals[fixed.id] == (Decimal("40.00"), Decimal("125.00"), Decimal("165.00"))
    assert totals[cheap_part.id] == (Decimal("31.50"), Decimal("80.00"), Decimal("111.50"))
    assert [m.shop.id for m in result.matches] == [cheap_part.id, plain.id, fixed.id]
    assert result.matches[0].quote.is_complete


def test_a_shops_prices_of_other_parts_leave_its_quote_at_list_price(job):
    other = fitting(job["variant"], category=Part.Category.AIR_FILTER, list_price_amount=Decimal("44.00"))
    shop = shop_at(job, 1, labour_rate_amount=Decimal("100.00"))
    ShopPartPrice.objects.create(shop=shop, part=other, unit_price_amount=Decimal("9.00"))

    result = run(job, service_items=["filter_job"])

    (found,) = result.matches
    assert found.shop.id == shop.id
    assert [line.unit_price for line in found.quote.lines if line.kind == "part"] == [Decimal("40.00")]


def test_out_of_range_closed_suspended_or_incomplete_shops_are_never_matched(job):
    day = future_weekday()
    good = shop_at(job, 2)
    shop_at(job, 40)  # beyond every radius
    shop_at(job, 12, service_radius_km=10)  # outside its own service area
    shop_at(job, 2, weekly_hours=[None] * 7)  # closed every day
    closed = shop_at(job, 2)
    ShopClosure.objects.create(shop=closed, date=day, is_open=False)
    shop_at(job, 2, status="suspended")
    shop_at(job, 2, status="applied")
    shop_at(job, 2, offers=job["items"][:1])  # no wash

    result = run(job, day=day)

    assert [m.shop.id for m in result.matches] == [good.id]


def test_the_owners_max_distance_and_max_price_filter(job):
    near = shop_at(job, 1, labour_rate_amount=Decimal("300.00"))  # total 40 + 240 = 280
    far = shop_at(job, 8, labour_rate_amount=Decimal("100.00"))  # total 120

    assert [m.shop.id for m in run(job, max_distance_km=5).matches] == [near.id]
    assert [m.shop.id for m in run(job, max_price=Decimal("200")).matches] == [far.id]


def test_open_on_day_keeps_only_shops_with_a_free_place(job):
    day = future_weekday()
    full = shop_at(job, 1, bays=1, weekly_hours=[["09:00", "10:00"]] * 7)
    SlotCapacityFactory(shop=full, starts_at=at(day, "09:00"), capacity=1, booked=1)
    free = shop_at(job, 2)

    everyone = run(job, day=day, sort="distance")
    available = run(job, day=day, open_on_day=True)

    assert [(m.shop.id, len(m.slots)) for m in everyone.matches] == [(full.id, 0), (free.id, 9)]
    assert [m.shop.id for m in available.matches] == [free.id]
    assert available.matches[0].next_free_slots[0].starts_at == at(day, "08:30")


def test_sorting_by_distance_rating_and_best(job):
    near = shop_at(job, 1, rating=Decimal("3.80"), labour_rate_amount=Decimal("150.00"))
    rated = shop_at(job, 6, rating=Decimal("4.90"), labour_rate_amount=Decimal("150.00"))
    cheap = shop_at(job, 4, rating=Decimal("4.20"), labour_rate_amount=Decimal("60.00"))

    assert [m.shop.id for m in run(job, sort="distance").matches] == [near.id, cheap.id, rated.id]
    assert [m.shop.id for m in run(job, sort="rating").matches] == [rated.id, cheap.id, near.id]
    best = run(job, sort="best").matches
    assert best[0].shop.id == cheap.id
    assert best[0].score > best[1].score > best[2].score


def test_any_nearby_shop_dispatch_honours_priority_among_shops_with_capacity(job):
    day = future_weekday()
    top_but_full = shop_at(job, 1, bays=1, dispatch_priority=10, weekly_hours=[["09:00", "10:00"]] * 7)
    SlotCapacityFactory(shop=top_but_full, starts_at=at(day, "09:00"), capacity=1, booked=1)
    second = shop_at(job, 9, dispatch_priority=8)
    shop_at(job, 2, dispatch_priority=3)

    result = run(job, day=day)

    assert result.dispatch.shop.id == second.id


def test_a_package_is_matched_on_every_item_it_resolves_to(job):
    package = PackageFactory(code="filter_and_wash")
    for item in job["items"]:
        PackageItemFactory(package=package, service_item=item)
    complete = shop_at(job, 1)
    shop_at(job, 2, offers=job["items"][1:])

    result = run(job, service_items=(), package=package)

    assert result.resolution.service_item_codes == ("filter_job", "wash_job")
    assert [m.shop.id for m in result.matches] == [complete.id]


@pytest.mark.parametrize("count", [1, 20, 50])
def test_a_match_costs_the_same_queries_for_1_20_or_50_shops(job, count):
    day = future_weekday()
    for n in range(count):
        shop = shop_at(job, 0.1 * n)
        ShopPartPrice.objects.create(shop=shop, part=job["part"], unit_price_amount=Decimal("35.00"))
        SlotCapacityFactory(shop=shop, starts_at=at(day, "09:30"), booked=1)
    ShopClosure.objects.create(shop=shop, date=day + timedelta(days=1), is_open=False)

    with CaptureQueriesContext(connection) as queries:
        result = run(job, day=day, limit=50)

    assert len(result.matches) == count
    # resolve: items + fitting parts; the shops with their prices and the day's booked places
    assert len(queries) == 3
    assert {
        (s.booked, s.free) for m in result.matches for s in m.slots if s.starts_at == at(day, "09:30")
    } == {(1, 1)}


@pytest.mark.postgres
def test_the_candidate_statement_has_one_text_whatever_the_job_so_it_is_prepared_once():
    # decision 0007: the job's codes and parts are array parameters and the status a literal (the
    # partial index's), so psycopg prepares one statement and PostgreSQL plans it once per connection
    from shops.selectors import shop_candidates_sql

    day = future_weekday()
    one, one_params = shop_candidates_sql(
        lat=30.0, lng=120.0, radius_km=50, day=day, codes=["a"], part_ids=[]
    )
    two, two_params = shop_candidates_sql(
        lat=40.0, lng=116.0, radius_km=10, day=day, codes=["a", "b", "c"], part_ids=[1, 2, 3, 4]
    )

    assert one == two
    assert len(one_params) == len(two_params)
    assert "'active'" in one


def test_any_nearby_shop_counts_free_places_only_down_to_the_one_it_picks():
    """``dispatch_pick`` picks what ``max`` over the shops with a free place would (priority, then
    score, then nearest; the first of equals), asking for free places in order of preference only
    until one has some."""
    from types import SimpleNamespace

    from bookings.matching import _Ranked, dispatch_pick

    class CountingSlots:
        def __init__(self, free):
            self.free, self.asked = free, []

        def free_count(self, shop):
            self.asked.append(shop.id)
            return self.free[shop.id]

    # (id, dispatch priority, score, distance, free places)
    rows = [
        (1, 0, 0.9, 1.0, 3),
        (2, 5, 0.2, 4.0, 0),
        (3, 5, 0.2, 2.0, 1),
        (4, 5, 0.2, 2.0, 2),
        (5, 1, 0.5, 1.0, 1),
    ]
    slots = CountingSlots({row[0]: row[4] for row in rows})
    ranked = []
    for shop_id, priority, score, distance, _free in rows:
        r = _Ranked(SimpleNamespace(id=shop_id, dispatch_priority=priority), distance, None, None, slots)
        r.score = score
        ranked.append(r)

    picked = dispatch_pick(ranked)

    key = lambda r: (r.shop.dispatch_priority, r.score, -r.distance_km)  # noqa: E731
    assert picked is max((r for r in ranked if slots.free[r.shop.id]), key=key)
    assert picked.shop.id == 3  # priority 5, nearer than shop 2; shop 4 ties with it and comes later
    assert slots.asked == [3]  # shop 3 came first in preference and had a place: nothing else asked
    assert dispatch_pick([]) is None
