"""Input and output shapes of the quote (matching) API."""

import math
import re
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from bookings.matching import COORDINATE_SYSTEMS, SORTS
from shops.api.serializers import DistrictOutputSerializer, LocationOutputSerializer, MoneyOutputSerializer

MAX_DAYS_AHEAD = 60


class LocationInputSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    system = serializers.ChoiceField(
        choices=COORDINATE_SYSTEMS,
        default="gcj02",
        help_text="gcj02 (Amap, Tencent), wgs84 (GPS) or bd09 (Baidu); converted to GCJ-02.",
    )


class QuoteInputSerializer(serializers.Serializer):
    # The variant's id; whether it exists is answered by the quote engine's cached resolution
    # (QuoteApi), so a quote for a popular car reads no variant row.
    variant = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text="A car variant's id.",
        error_messages={
            "invalid": _("Unknown car variant."),
            "min_value": _("Unknown car variant."),
            "max_value": _("Unknown car variant."),
            "max_string_length": _("Unknown car variant."),
        },
    )
    service_items = serializers.ListField(
        child=serializers.SlugField(max_length=40), required=False, default=list, max_length=20
    )
    package = serializers.SlugField(max_length=40, required=False, help_text="A maintenance package code.")
    tier = serializers.ChoiceField(choices=["economy", "standard", "premium"], required=False)
    location = LocationInputSerializer(required=False)
    district = serializers.RegexField(r"^\d{6}$", required=False, help_text="A 6-digit district code.")
    date = serializers.DateField(help_text="The wanted day, YYYY-MM-DD.")
    sort = serializers.ChoiceField(choices=SORTS, default="best")
    max_distance_km = serializers.FloatField(min_value=0.5, max_value=50, required=False)
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    open_on_day = serializers.BooleanField(
        default=False, help_text="Only shops with a free place on the day (closed shops never match)."
    )
    limit = serializers.IntegerField(
        min_value=1,
        max_value=50,
        default=10,
        help_text="How many shops to return (the best first by `sort`): a page of 10 by default, up to 50.",
    )

    def validate_date(self, value):
        today = timezone.localdate()
        if value < today:
            raise serializers.ValidationError(_("Pick today or a later day."))
        if value > today + timedelta(days=MAX_DAYS_AHEAD):
            raise serializers.ValidationError(_("Bookings open at most 60 days ahead."))
        return value

    def validate(self, attrs):
        if not attrs.get("service_items") and not attrs.get("package"):
            raise serializers.ValidationError(
                {"service_items": [_("Choose at least one service or a maintenance package.")]}
            )
        if ("location" in attrs) == ("district" in attrs):
            raise serializers.ValidationError(
                {"location": [_("Give either a location or a district, not both.")]}
            )
        return attrs


class MatchLineOutputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["part", "labour"])
    service_item_code = serializers.CharField()
    sku = serializers.CharField(allow_blank=True)
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=8, decimal_places=2)
    unit_price = MoneyOutputSerializer()
    amount = MoneyOutputSerializer()


class MatchGapOutputSerializer(serializers.Serializer):
    service_item_code = serializers.CharField()
    category = serializers.CharField()
    tier = serializers.CharField(allow_null=True)


class MatchPriceOutputSerializer(serializers.Serializer):
    parts = MoneyOutputSerializer()
    labour = MoneyOutputSerializer()
    total = MoneyOutputSerializer()
    is_complete = serializers.BooleanField()
    lines = MatchLineOutputSerializer(many=True)


class MatchedShopOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    phone = serializers.CharField(allow_blank=True)
    address = serializers.CharField(allow_blank=True)
    district = DistrictOutputSerializer(allow_null=True)
    location = LocationOutputSerializer()
    dispatch_priority = serializers.IntegerField()


class FreeSlotOutputSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    free = serializers.IntegerField()


class MatchOutputSerializer(serializers.Serializer):
    shop = MatchedShopOutputSerializer()
    distance_km = serializers.FloatField()
    rating = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    score = serializers.FloatField()
    price = MatchPriceOutputSerializer()
    free_slot_count = serializers.IntegerField()
    next_free_slots = FreeSlotOutputSerializer(many=True)


class QuoteOutputSerializer(serializers.Serializer):
    variant = serializers.IntegerField()
    service_items = serializers.ListField(child=serializers.CharField())
    tier = serializers.CharField(allow_null=True)
    gaps = MatchGapOutputSerializer(many=True)
    location = LocationOutputSerializer()
    date = serializers.DateField()
    sort = serializers.CharField()
    count = serializers.IntegerField()
    results = MatchOutputSerializer(many=True)
    dispatch = MatchOutputSerializer(allow_null=True)


# --- the quote's input without building the serializer -------------------------------------------

_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,40}")
_DISTRICT = re.compile(r"[0-9]{6}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIERS = frozenset(["economy", "standard", "premium"])


def _number(value, low: float, high: float) -> float | None:
    """A FloatField's value for a JSON number in range (not a bool, a string or NaN), else None."""
    if type(value) is float:
        if not math.isfinite(value):
            return None
    elif type(value) is not int:
        return None
    return float(value) if low <= value <= high else None


def quote_input_fast(data) -> dict | None:
    """``QuoteInputSerializer``'s ``validated_data`` for a plainly well-formed body (JSON numbers,
    slugs, an ISO date…), or None for anything else, which the serializer then validates and, when
    invalid, answers with its errors. Building the serializer deep-copies its fields on every
    request, which cost a quote more than validating; ``tests/bookings/test_quote_input.py``
    checks that for every body this accepts, the serializer gives exactly the same data.
    ``max_price`` (a Decimal to quantize) is always left to the serializer."""
    if type(data) is not dict or "max_price" in data:
        return None
    out: dict = {}
    variant = data.get("variant")
    if type(variant) is not int or not 1 <= variant <= 2**63 - 1:
        return None
    out["variant"] = variant
    items = data.get("service_items", [])
    if type(items) is not list or len(items) > 20:
        return None
    for item in items:
        if type(item) is not str or not _SLUG.fullmatch(item):
            return None
    out["service_items"] = list(items)
    for name in ("package", "tier", "district"):
        if name in data:
            value = data[name]
            if type(value) is not str:
                return None
            valid = {"package": _SLUG, "district": _DISTRICT}.get(name)
            if (valid.fullmatch(value) is None) if valid else value not in _TIERS:
                return None
            out[name] = value
    if "location" in data:
        location = data["location"]
        if type(location) is not dict:
            return None
        lat, lng = _number(location.get("lat"), -90, 90), _number(location.get("lng"), -180, 180)
        system = location.get("system", "gcj02")
        if lat is None or lng is None or type(system) is not str or system not in COORDINATE_SYSTEMS:
            return None
        out["location"] = {"lat": lat, "lng": lng, "system": system}
    day = data.get("date")
    if type(day) is not str or not _ISO_DATE.fullmatch(day):
        return None
    try:
        day = date.fromisoformat(day)
    except ValueError:
        return None
    today = timezone.localdate()
    if not today <= day <= today + timedelta(days=MAX_DAYS_AHEAD):
        return None
    out["date"] = day
    sort = data.get("sort", "best")
    if type(sort) is not str or sort not in SORTS:
        return None
    out["sort"] = sort
    if "max_distance_km" in data:
        distance = _number(data["max_distance_km"], 0.5, 50)
        if distance is None:
            return None
        out["max_distance_km"] = distance
    open_on_day = data.get("open_on_day", False)
    limit = data.get("limit", 10)
    if type(open_on_day) is not bool or type(limit) is not int or not 1 <= limit <= 50:
        return None
    out["open_on_day"], out["limit"] = open_on_day, limit
    if not out["service_items"] and "package" not in out:
        return None
    if ("location" in out) == ("district" in out):
        return None
    return out
