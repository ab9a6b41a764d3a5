"""Serializers of additional work (staff and owner), service photos and parts actually used."""

import json

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings import extras
from bookings.models import AdditionalWork, AdditionalWorkDecision, BookingLine
from common.api import MoneyField


class PhotoOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField(
        help_text=_("Shown only to the order's owner and the shop's staff.")
    )
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    sha256 = serializers.CharField()

    def get_url(self, photo) -> str:
        return reverse("orders:photo", args=[photo.pk])


class AdditionalWorkLineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=BookingLine.Kind.choices)
    service_item = serializers.CharField(source="service_item_code")
    code = serializers.CharField(source="sku")
    name = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=8, decimal_places=2)
    unit_price = MoneyField("unit_price_amount")
    amount = MoneyField("amount")


class DecisionOutputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=AdditionalWorkDecision.Decision.choices)
    decided_at = serializers.DateTimeField()
    snapshot_sha256 = serializers.CharField(help_text=_("SHA-256 of exactly what the owner decided on."))


class AdditionalWorkOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    booking = serializers.IntegerField(source="booking_id")
    status = serializers.ChoiceField(choices=AdditionalWork.Status.choices)
    reason = serializers.CharField()
    lines = AdditionalWorkLineSerializer(many=True, source="lines.all")
    parts = MoneyField("parts_amount")
    labour = MoneyField("labour_amount")
    total = MoneyField("total_amount")
    photos = PhotoOutputSerializer(many=True, source="photos.all")
    raised_by = serializers.CharField(source="raised_by.username")
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    offer_sha256 = serializers.SerializerMethodField(
        help_text=_("Digest of the offer as shown; send it back when deciding to prove what you saw.")
    )
    decision = serializers.SerializerMethodField()

    def get_offer_sha256(self, extra) -> str:
        return extras.offer_digest(extra)

    @staticmethod
    def _decision(extra):
        try:
            return extra.decision
        except AdditionalWorkDecision.DoesNotExist:
            return None

    @extend_schema_field(DecisionOutputSerializer(allow_null=True))
    def get_decision(self, extra):
        decision = self._decision(extra)
        return DecisionOutputSerializer(decision).data if decision is not None else None


class PartWantedSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=60, help_text=_("The catalogue part's SKU."))
    quantity = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)


class AdditionalWorkInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    service_items = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list
    )
    parts = PartWantedSerializer(
        many=True,
        required=False,
        default=list,
        help_text=_("Single parts; in a multipart request, a JSON array as a string."),
    )
    labour_hours = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, required=False)
    labour_description = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    photo = serializers.FileField(required=False, help_text=_("JPEG, PNG or WebP, at most 8 MB."))

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):  # multipart: lists arrive flat or as a JSON string
            plain = {key: data.get(key) for key in data}
            plain["service_items"] = [code for code in data.getlist("service_items") if code]
            if isinstance(plain.get("parts"), str):
                try:
                    plain["parts"] = json.loads(plain["parts"] or "[]")
                except ValueError as exc:
                    raise serializers.ValidationError(
                        {"parts": [_("Send the parts as a JSON array.")]}
                    ) from exc
            data = plain
        return super().to_internal_value(data)


class DecideInputSerializer(serializers.Serializer):
    offer_sha256 = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The offer_sha256 you were shown: a different one answers 409 offer_changed."),
    )


class PartUsedInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=60)
    quantity = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Needed for a code outside the catalogue."),
    )
    additional_work = serializers.IntegerField(required=False, allow_null=True, default=None)


class PartUsedOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=8, decimal_places=2)
    additional_work = serializers.IntegerField(source="additional_work_id", allow_null=True)
    recorded_by = serializers.CharField(source="recorded_by.username")
    created_at = serializers.DateTimeField()
