"""Serializers of the shop counter's voucher API: look a code up, redeem it, undo a redemption."""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from bookings.api.order_serializers import MoneyField
from common.money import money_dict


class CodeInputSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=200, help_text=_("The 12-character code as typed, or the token read from the QR code.")
    )
    shop = serializers.IntegerField(required=False)


class RedeemInputSerializer(CodeInputSerializer):
    request_id = serializers.CharField(
        max_length=64, help_text=_("Chosen by the client; a retry with the same id is answered once.")
    )


# what DRF's CharField refuses in a string: NUL and lone surrogates
_PROHIBITED = re.compile("[\x00\ud800-\udfff]")
_LIMITS = {"code": 200, "request_id": 64}


def redeem_input_fast(data) -> dict | None:
    """``RedeemInputSerializer``'s ``validated_data`` for a plainly well-formed body (two non-blank
    strings within their lengths, an optional integer shop), or None for anything else, which the
    serializer then validates and answers. Building the serializer deep-copies its fields on every
    request; ``tests/console/test_redeem_input.py`` checks that for every body this accepts, the
    serializer gives exactly the same data."""
    if type(data) is not dict:
        return None
    out: dict = {}
    for name, limit in _LIMITS.items():
        value = data.get(name)
        if type(value) is not str:
            return None
        value = value.strip()
        if not value or len(value) > limit or _PROHIBITED.search(value):
            return None
        out[name] = value
    if "shop" in data:
        if type(data["shop"]) is not int:
            return None
        out["shop"] = data["shop"]
    return out


class VoucherLookupOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="issued, redeemed, refunded or expired")
    is_valid = serializers.BooleanField()
    valid_until = serializers.DateTimeField(source="expires_at")
    shop = serializers.IntegerField(source="shop_id")
    booking = serializers.IntegerField(source="booking_id")
    number = serializers.CharField(source="booking.number")
    booking_status = serializers.CharField(source="booking.status")
    starts_at = serializers.DateTimeField(source="booking.starts_at")
    plate = serializers.CharField(source="booking.vehicle.plate")
    car = serializers.SerializerMethodField()
    services = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    redeemed_at = serializers.DateTimeField(allow_null=True)

    def get_car(self, voucher) -> str:
        return str(voucher.booking.variant)

    def get_services(self, voucher) -> list[str]:
        return [line.name for line in voucher.booking.lines.all()]

    def get_total(self, voucher) -> dict:
        return {"amount": str(voucher.booking.total_amount), "currency": voucher.booking.currency}


class RedemptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    voucher = serializers.IntegerField(source="voucher_id")
    booking = serializers.IntegerField(source="booking_id")
    shop = serializers.IntegerField(source="shop_id")
    redeemed_by = serializers.CharField(source="redeemed_by.username")
    redeemed_at = serializers.DateTimeField()
    gross = MoneyField("gross_amount")
    undone_at = serializers.DateTimeField(allow_null=True)


_datetime = serializers.DateTimeField()


def redemption_data(redemption) -> dict:
    """``RedemptionOutputSerializer(redemption).data`` built directly, for the counter's hot path
    (a test compares the two): DRF's field machinery was a tenth of a redemption's CPU."""
    return {
        "id": redemption.pk,
        "voucher": redemption.voucher_id,
        "booking": redemption.booking_id,
        "shop": redemption.shop_id,
        "redeemed_by": redemption.redeemed_by.username,
        "redeemed_at": _datetime.to_representation(redemption.redeemed_at),
        "gross": money_dict(redemption.gross_amount, redemption.currency),
        "undone_at": _datetime.to_representation(redemption.undone_at) if redemption.undone_at else None,
    }
