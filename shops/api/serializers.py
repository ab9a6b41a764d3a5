"""Input and output shapes of the shop API."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.money import money_dict
from shops.models import COORDINATE_SYSTEM, Shop

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class DistrictOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    city_zh = serializers.CharField()


class LocationOutputSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    system = serializers.CharField(help_text="Always gcj02: the coordinate system we store.")


class MoneyOutputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()


class HoursOutputSerializer(serializers.Serializer):
    weekday = serializers.ChoiceField(choices=WEEKDAYS)
    opens = serializers.CharField(allow_null=True)
    closes = serializers.CharField(allow_null=True)


class ShopOutputSerializer(serializers.Serializer):
    """One shop as owners see it (no agreement or payout details)."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    kind = serializers.CharField()
    brand_focus = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    district = DistrictOutputSerializer(allow_null=True)
    location = serializers.SerializerMethodField()
    rating = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    service_radius_km = serializers.IntegerField()
    bays = serializers.IntegerField()
    slot_minutes = serializers.IntegerField()
    labour_rate = serializers.SerializerMethodField()
    observes_public_holidays = serializers.BooleanField()
    hours = serializers.SerializerMethodField()

    @extend_schema_field(LocationOutputSerializer(allow_null=True))
    def get_location(self, shop: Shop) -> dict | None:
        if shop.lat is None:
            return None
        return {"lat": shop.lat, "lng": shop.lng, "system": COORDINATE_SYSTEM}

    @extend_schema_field(MoneyOutputSerializer)
    def get_labour_rate(self, shop: Shop) -> dict:
        return money_dict(shop.labour_rate_amount)

    @extend_schema_field(HoursOutputSerializer(many=True))
    def get_hours(self, shop: Shop) -> list[dict]:
        rows = []
        for weekday, name in enumerate(WEEKDAYS):
            hours = shop.hours_for_weekday(weekday)
            rows.append(
                {
                    "weekday": name,
                    "opens": hours[0].strftime("%H:%M") if hours else None,
                    "closes": hours[1].strftime("%H:%M") if hours else None,
                }
            )
        return rows


class ShopServiceOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    labour_hours = serializers.DecimalField(max_digits=5, decimal_places=2)
    labour = MoneyOutputSerializer(help_text="Labour at this shop: hours x its rate, or its fixed price.")
    is_fixed = serializers.BooleanField()


class ShopDetailOutputSerializer(ShopOutputSerializer):
    services = ShopServiceOutputSerializer(many=True)


class ShopListInputSerializer(serializers.Serializer):
    district = serializers.CharField(required=False, max_length=6, help_text="6-digit district code")
    kind = serializers.ChoiceField(choices=Shop.Kind.choices, required=False)


class SlotsInputSerializer(serializers.Serializer):
    date = serializers.DateField(
        error_messages={
            "required": _("Give the date as YYYY-MM-DD."),
            "invalid": _("Give the date as YYYY-MM-DD."),
        }
    )


class SlotOutputSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    booked = serializers.IntegerField()
    free = serializers.IntegerField()


class SlotsOutputSerializer(serializers.Serializer):
    shop = serializers.IntegerField()
    date = serializers.DateField()
    time_zone = serializers.CharField(default=settings.TIME_ZONE)
    slots = SlotOutputSerializer(many=True)
