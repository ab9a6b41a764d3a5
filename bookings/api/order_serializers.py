"""Serializers of the owner's booking API: one input and one output per operation."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from bookings.models import Booking, Complaint, plate_validator
from common.api import MoneyField
from common.money import money_dict


class PlateField(serializers.CharField):
    """A plate as people type it: any case, spaces or a middle dot allowed."""

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper().replace(" ", "").replace("·", "")


class VehicleInputSerializer(serializers.Serializer):
    variant = serializers.IntegerField()
    plate = PlateField(max_length=10, validators=[plate_validator])
    vin = serializers.CharField(max_length=17, required=False, allow_blank=True, default="")
    nickname = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    odometer_km = serializers.IntegerField(min_value=0, max_value=2_000_000, required=False, default=0)


class VehiclePatchSerializer(VehicleInputSerializer):
    variant = serializers.IntegerField(required=False)
    plate = PlateField(max_length=10, validators=[plate_validator], required=False)


class VehicleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plate = serializers.CharField()
    vin = serializers.CharField()
    nickname = serializers.CharField()
    odometer_km = serializers.IntegerField()
    variant = serializers.SerializerMethodField()

    def get_variant(self, vehicle) -> dict:
        v = vehicle.variant
        return {
            "id": v.pk,
            "name": str(v),
            "model": str(v.model),
            "brand": str(v.model.brand),
        }


class BookingInputSerializer(serializers.Serializer):
    vehicle = serializers.IntegerField()
    shop = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    package = serializers.CharField(required=False, allow_blank=True, default="")
    service_items = serializers.ListField(child=serializers.SlugField(), required=False, default=list)

    def validate(self, attrs):
        if not attrs["package"] and not attrs["service_items"]:
            raise serializers.ValidationError(_("Choose a package or at least one service item."))
        return attrs


class BookingLineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    service_item_code = serializers.CharField()
    sku = serializers.CharField()
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=8, decimal_places=2)
    unit_price = MoneyField("unit_price_amount")
    amount = MoneyField("amount")


class BookingEventSerializer(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class BookingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Booking.Status.choices)
    shop = serializers.SerializerMethodField()
    vehicle = serializers.IntegerField(source="vehicle_id")
    starts_at = serializers.DateTimeField()
    pay_by = serializers.DateTimeField()
    package = serializers.CharField(source="package.code", allow_null=True, default=None)
    service_items = serializers.ListField(source="service_item_codes", child=serializers.CharField())
    parts = MoneyField("parts_amount")
    labour = MoneyField("labour_amount")
    total = MoneyField("total_amount")
    created_at = serializers.DateTimeField()

    def get_shop(self, booking) -> dict:
        return {"id": booking.shop_id, "name": booking.shop.name}


class BookingDetailOutputSerializer(BookingOutputSerializer):
    lines = BookingLineSerializer(many=True, source="lines.all")
    events = BookingEventSerializer(many=True, source="events.all")


# --- the booking's hot path ---------------------------------------------------------------------
# ``POST /api/v1/bookings/`` answers with exactly what ``BookingDetailOutputSerializer`` gives (a
# test compares the two on varied orders) but without DRF building and deep-copying a dozen field
# objects per order and line: on the busiest write, that was a tenth of the request's CPU.
_datetime = serializers.DateTimeField()
_quantity = serializers.DecimalField(max_digits=8, decimal_places=2)


def booking_detail_data(booking: Booking) -> dict:
    """``BookingDetailOutputSerializer(booking).data``, built directly (lines and events prefetched)."""
    currency = booking.currency
    return {
        "id": booking.pk,
        "number": booking.number,
        "status": booking.status,
        "shop": {"id": booking.shop_id, "name": booking.shop.name},
        "vehicle": booking.vehicle_id,
        "starts_at": _datetime.to_representation(booking.starts_at),
        "pay_by": _datetime.to_representation(booking.pay_by),
        "package": booking.package.code if booking.package_id else None,
        "service_items": [str(code) for code in booking.service_item_codes],
        "parts": money_dict(booking.parts_amount, currency),
        "labour": money_dict(booking.labour_amount, currency),
        "total": money_dict(booking.total_amount, currency),
        "created_at": _datetime.to_representation(booking.created_at),
        "lines": [
            {
                "kind": line.kind,
                "service_item_code": line.service_item_code,
                "sku": line.sku,
                "name_en": line.name_en,
                "name_zh": line.name_zh,
                "quantity": _quantity.to_representation(line.quantity),
                "unit_price": money_dict(line.unit_price_amount),
                "amount": money_dict(line.amount),
            }
            for line in booking.lines.all()
        ],
        "events": [
            {
                "from_status": event.from_status,
                "to_status": event.to_status,
                "reason": event.reason,
                "created_at": _datetime.to_representation(event.created_at),
            }
            for event in booking.events.all()
        ],
    }


class ComplaintInputSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Complaint.Category.choices)
    text = serializers.CharField(max_length=Complaint.TEXT_MAX_LENGTH)


class ComplaintOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    booking = serializers.IntegerField(source="booking_id")
    number = serializers.CharField(source="booking.number")
    category = serializers.ChoiceField(choices=Complaint.Category.choices)
    category_display = serializers.CharField(source="get_category_display")
    text = serializers.CharField()
    status = serializers.ChoiceField(choices=Complaint.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    resolution_note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
