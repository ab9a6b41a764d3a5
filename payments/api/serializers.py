"""Serializers of the payments API."""

from django.urls import reverse
from rest_framework import serializers

from common.money import money_dict
from payments.vouchers.services import voucher_code


class PayOutputSerializer(serializers.Serializer):
    payment = serializers.IntegerField(source="payment.pk")
    status = serializers.CharField(source="payment.status")
    redirect_url = serializers.CharField()


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CancelOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    refunded = serializers.SerializerMethodField()

    def get_refunded(self, booking) -> dict | None:
        return money_dict(booking.total_amount, booking.currency) if booking.status == "refunded" else None


class VoucherOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    booking = serializers.IntegerField(source="booking_id")
    shop = serializers.CharField(source="shop.name")
    status = serializers.CharField()
    code = serializers.SerializerMethodField()
    qr_url = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField()

    def get_code(self, voucher) -> str | None:
        return voucher_code(voucher) if voucher.status == "issued" else None

    def get_qr_url(self, voucher) -> str | None:
        return (
            reverse("payments:voucher-qr", args=[voucher.booking_id]) if voucher.status == "issued" else None
        )


class WebhookOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()
