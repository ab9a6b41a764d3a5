"""The shop counter's voucher API: look a code up, redeem it exactly once, undo within the hour."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ErrorSerializer, IsShopStaff
from payments.api.counter_serializers import (
    CodeInputSerializer,
    RedeemInputSerializer,
    RedemptionOutputSerializer,
    VoucherLookupOutputSerializer,
    redeem_input_fast,
    redemption_data,
)
from payments.vouchers import counter

ERRORS = {
    400: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
    429: ErrorSerializer,
}


class VoucherLookupApi(APIView):
    permission_classes = [IsShopStaff]

    @extend_schema(request=CodeInputSerializer, responses={200: VoucherLookupOutputSerializer, **ERRORS})
    def post(self, request):
        data = CodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        voucher = counter.voucher_lookup(
            user=request.user, code=data.validated_data["code"], shop_id=data.validated_data.get("shop")
        )
        return Response(VoucherLookupOutputSerializer(voucher).data)


class VoucherRedeemApi(APIView):
    permission_classes = [IsShopStaff]

    @extend_schema(request=RedeemInputSerializer, responses={200: RedemptionOutputSerializer, **ERRORS})
    def post(self, request):
        given = redeem_input_fast(request.data)
        if given is None:
            data = RedeemInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            given = data.validated_data
        redemption = counter.voucher_redeem_by_code(
            user=request.user,
            code=given["code"],
            request_id=given["request_id"],
            shop_id=given.get("shop"),
        )
        return Response(redemption_data(redemption))


class RedemptionUndoApi(APIView):
    permission_classes = [IsShopStaff]

    @extend_schema(request=None, responses={200: RedemptionOutputSerializer, **ERRORS})
    def post(self, request, pk: int):
        redemption = counter.redemption_undo(user=request.user, redemption_id=pk)
        return Response(RedemptionOutputSerializer(redemption).data)
