"""The quote API's fast input path gives exactly the serializer's data, or leaves the body to it."""

from datetime import timedelta

from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.api.serializers import QuoteInputSerializer, quote_input_fast


def serializer_data(body):
    serializer = QuoteInputSerializer(data=body)
    if not serializer.is_valid():
        return None
    data = dict(serializer.validated_data)
    if "location" in data:
        data["location"] = dict(data["location"])
    return data


def days(offset):
    return str(timezone.localdate() + timedelta(days=offset))


# plausible values and near misses for each field: types, bounds, formats, blanks, nulls
anything = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5))
slugs = st.one_of(
    st.sampled_from(["oil_change", "minor_standard", "a", "x" * 40, "x" * 41, "", " a", "a\n", "é", "a-b_c"]),
    anything,
)
numbers = st.one_of(
    st.sampled_from([0, 0.4, 0.5, 1, 30.25, 50, 50.01, 90, -90, 91, 180, -181, 10**400, "30.1", True]),
    st.floats(allow_nan=True, allow_infinity=True),
    anything,
)
location = st.fixed_dictionaries(
    {"lat": numbers, "lng": numbers},
    optional={"system": st.sampled_from(["gcj02", "wgs84", "bd09", "utm", 1, None]), "extra": anything},
)
FIELDS = {
    "variant": st.one_of(st.sampled_from([1, 42, 0, -1, 2**63 - 1, 2**63, "7", 7.0, True]), anything),
    "service_items": st.one_of(st.lists(slugs, max_size=22), anything),
    "package": slugs,
    "tier": st.one_of(st.sampled_from(["economy", "standard", "premium", "gold", ""]), anything),
    "location": st.one_of(location, anything),
    "district": st.one_of(st.sampled_from(["330106", "33010", "3301066", "١٢٣٤٥٦", "330106\n"]), anything),
    "date": st.one_of(
        st.sampled_from(
            [days(0), days(1), days(60), days(61), days(-1), "2026-02-30", "20261124", "2026-1-1"]
        ),
        anything,
    ),
    "sort": st.one_of(st.sampled_from(["best", "distance", "price", "rating", "cheapest"]), anything),
    "max_distance_km": numbers,
    "max_price": st.sampled_from(["100", "99.999", 5]),
    "open_on_day": st.one_of(st.sampled_from([True, False, "true", 1, 0]), anything),
    "limit": st.one_of(st.sampled_from([1, 10, 50, 0, 51, "5", 5.0]), anything),
    "unknown": anything,
}


@st.composite
def bodies(draw):
    """A valid body with up to three fields changed (a near miss or another valid value) or left out."""
    body = {"variant": 12, "service_items": ["oil_change"], "location": {"lat": 30.25, "lng": 120.15}}
    body["date"] = days(1)
    for name in draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=3, unique=True)):
        if name in body and draw(st.booleans()):
            del body[name]
        else:
            body[name] = draw(FIELDS[name])
    return body


@settings(max_examples=2000, deadline=None)
@given(body=bodies())
def test_the_fast_path_accepts_only_what_the_serializer_accepts_with_the_same_data(body):
    fast = quote_input_fast(body)

    if fast is not None:
        assert fast == serializer_data(body)


@given(
    items=st.lists(st.sampled_from(["oil_change", "oil_filter", "wipers"]), min_size=1, max_size=3),
    offset=st.integers(min_value=0, max_value=60),
    sort=st.sampled_from(["best", "distance", "price", "rating"]),
    system=st.sampled_from(["gcj02", "wgs84", "bd09"]),
    limit=st.integers(min_value=1, max_value=50),
)
def test_the_bodies_an_app_sends_take_the_fast_path(items, offset, sort, system, limit):
    body = {
        "variant": 12,
        "service_items": items,
        "location": {"lat": 30.25, "lng": 120.15, "system": system},
        "date": days(offset),
        "sort": sort,
        "limit": limit,
    }

    assert quote_input_fast(body) is not None
    assert quote_input_fast(body) == serializer_data(body)
    assert quote_input_fast(
        {"variant": 12, "package": "minor_standard", "district": "330106", "date": days(1)}
    ) == (
        serializer_data({"variant": 12, "package": "minor_standard", "district": "330106", "date": days(1)})
    )
