"""Payments API: pay for and cancel an order, the provider webhook, the owner's vouchers."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import selectors as booking_selectors
from common.api import ErrorSerializer, IsOwner
from common.errors import NotFound
from common.idempotency import HEADER, idempotent
from payments.api.serializers import (
    CancelInputSerializer,
    CancelOutputSerializer,
    PayOutputSerializer,
    VoucherOutputSerializer,
    WebhookOutputSerializer,
)
from payments.checkout import services as checkout
from payments.checkout.webhooks import webhook_receive
from payments.vouchers.models import Voucher

IDEMPOTENCY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_("Same key and body → same answer; the world changes once."),
)


class PayApi(APIView):
    permission_classes = [IsOwner]

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY],
        responses={200: PayOutputSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request, pk: int):
        booking = booking_selectors.booking_get_for_owner(owner=request.user, booking_id=pk)

        def run():
            start = checkout.payment_start(booking_id=booking.pk, owner=request.user)
            return Response(PayOutputSerializer(start).data)

        return idempotent(request, scope=f"pay:{booking.pk}", run=run)


class CancelApi(APIView):
    permission_classes = [IsOwner]

    @extend_schema(
        request=CancelInputSerializer,
        parameters=[IDEMPOTENCY],
        responses={200: CancelOutputSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request, pk: int):
        booking = booking_selectors.booking_get_for_owner(owner=request.user, booking_id=pk)
        data = CancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def run():
            cancelled = checkout.order_cancel(
                booking_id=booking.pk, actor=request.user, reason=data.validated_data["reason"]
            )
            return Response(CancelOutputSerializer(cancelled).data)

        return idempotent(request, scope=f"cancel:{booking.pk}", run=run)


class RawBodyParser(BaseParser):
    """Keep the body as bytes: signatures are checked over exactly what the provider sent."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read()


class WebhookApi(APIView):
    """Signed notifications from a payment provider; a replay changes nothing."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [RawBodyParser]

    @extend_schema(
        request=None, responses={200: WebhookOutputSerializer, 400: ErrorSerializer, 404: ErrorSerializer}
    )
    def post(self, request, provider: str):
        if provider not in settings.PAYMENT_PROVIDERS:
            raise NotFound()
        outcome = webhook_receive(provider=provider, body=request.body, headers=request.headers)
        status_code = 400 if outcome.startswith("refused") else 200
        return Response({"detail": outcome}, status=status_code)


class VoucherListApi(APIView):
    permission_classes = [IsOwner]

    @extend_schema(responses=VoucherOutputSerializer(many=True))
    def get(self, request):
        vouchers = (
            Voucher.objects.filter(booking__owner=request.user).select_related("shop").order_by("-issued_at")
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(vouchers, request, view=self)
        return paginator.get_paginated_response(VoucherOutputSerializer(page, many=True).data)
