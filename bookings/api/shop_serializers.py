"""Serializers of the shop staff's API and the owner's review: one input and one output per operation."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from bookings.api.extras_serializers import PartUsedOutputSerializer, PhotoOutputSerializer
from bookings.api.order_serializers import BookingDetailOutputSerializer, BookingOutputSerializer, MoneyField
from bookings.models import ServiceStep


class ShopBookingListInputSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text=_("One day (YYYY-MM-DD); without it, today on."))
    shop = serializers.IntegerField(required=False)


class ShopBookingOutputSerializer(BookingOutputSerializer):
    plate = serializers.CharField(source="vehicle.plate")
    car = serializers.SerializerMethodField()

    def get_car(self, booking) -> str:
        return f"{booking.variant.model.brand} {booking.variant.model}"


class ServiceStepOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    technician = serializers.CharField(source="technician.username")
    result = serializers.ChoiceField(choices=ServiceStep.Result.choices)
    note = serializers.CharField()
    additional_work = serializers.IntegerField(source="additional_work_id", allow_null=True)
    photos = PhotoOutputSerializer(many=True, source="photos.all")
    created_at = serializers.DateTimeField()


class ShopBookingDetailOutputSerializer(BookingDetailOutputSerializer):
    plate = serializers.CharField(source="vehicle.plate")
    steps = ServiceStepOutputSerializer(many=True, source="steps.all")
    parts_used = PartUsedOutputSerializer(many=True, source="parts_used.all")


class CheckInInputSerializer(serializers.Serializer):
    odometer_km = serializers.IntegerField(min_value=0, max_value=2_000_000)
    fault_description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    confirm_lower = serializers.BooleanField(required=False, default=False)


class StepInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=200)
    result = serializers.ChoiceField(choices=ServiceStep.Result.choices, default=ServiceStep.Result.DONE)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    additional_work = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("An extra of this order the owner approved (409 while it waits for the owner)."),
    )
    photo = serializers.FileField(
        required=False, help_text=_("JPEG, PNG or WebP, at most 8 MB; send the step as multipart.")
    )


class PartUsedSerializer(serializers.Serializer):
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    code = serializers.CharField()
    quantity = serializers.CharField()


class HealthRecordOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    booking = serializers.IntegerField(source="booking_id")
    shop_name = serializers.CharField()
    vin = serializers.CharField()
    plate = serializers.CharField()
    drop_off_date = serializers.DateField()
    drop_off_mileage_km = serializers.IntegerField()
    settlement_date = serializers.DateField()
    settlement_number = serializers.CharField()
    fault_description = serializers.CharField()
    repair_items = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    labour_hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    parts = PartUsedSerializer(many=True)


class ReviewInputSerializer(serializers.Serializer):
    quality = serializers.IntegerField(min_value=1, max_value=5)
    timeliness = serializers.IntegerField(min_value=1, max_value=5)
    attitude = serializers.IntegerField(min_value=1, max_value=5)
    transparency = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ReviewOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    booking = serializers.IntegerField(source="booking_id")
    quality = serializers.IntegerField()
    timeliness = serializers.IntegerField()
    attitude = serializers.IntegerField()
    transparency = serializers.IntegerField()
    text = serializers.CharField()
    reply = serializers.CharField()
    shop_rating = serializers.DecimalField(
        source="shop.rating", max_digits=3, decimal_places=2, allow_null=True
    )
    created_at = serializers.DateTimeField()


class ReviewReplyInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=1000)


__all__ = ["MoneyField"]
