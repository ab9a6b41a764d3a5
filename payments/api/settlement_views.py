"""Settlement API: runs, payouts and commission reconciliation (platform admins), statements (managers)."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ErrorSerializer, IsPlatformAdmin
from common.errors import DomainError
from payments.api.settlement_serializers import (
    CommissionsOutputSerializer,
    PayoutActionInputSerializer,
    PayoutOutputSerializer,
    RunOutputSerializer,
    RunStartInputSerializer,
    StatementOutputSerializer,
)
from payments.settlement import selectors, services
from payments.settlement.csv_export import reconciliation_csv
from payments.settlement.models import Payout


def _page(request, view, queryset, serializer):
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class SettlementRunsApi(APIView):
    permission_classes = [IsPlatformAdmin]

    @extend_schema(responses={200: RunOutputSerializer(many=True), 403: ErrorSerializer})
    def get(self, request):
        return _page(request, self, selectors.settlement_run_list(), RunOutputSerializer)

    @extend_schema(
        request=RunStartInputSerializer,
        responses={
            202: RunOutputSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request):
        data = RunStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.settlement_run_start(
            period_end=data.validated_data.get("period_end"), actor=request.user
        )
        run.refresh_from_db()
        return Response(RunOutputSerializer(run).data, status=202)


class PayoutsApi(APIView):
    permission_classes = [IsPlatformAdmin]

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=Payout.Status.values, required=False)],
        responses={200: PayoutOutputSerializer(many=True), 403: ErrorSerializer},
    )
    def get(self, request):
        status = request.query_params.get("status")
        return _page(request, self, selectors.payout_list(status=status or None), PayoutOutputSerializer)


class PayoutActionApi(APIView):
    """Hold a payout, release a held one, or retry a failed one now."""

    permission_classes = [IsPlatformAdmin]

    @extend_schema(
        request=PayoutActionInputSerializer,
        responses={
            200: PayoutOutputSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request, pk: int):
        data = PayoutActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = {
            "hold": services.payout_hold,
            "release": services.payout_release,
            "retry": services.payout_retry,
        }[data.validated_data["action"]]
        payout = action(payout_id=pk)
        payout.refresh_from_db()
        return Response(PayoutOutputSerializer(payout).data)


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode("utf-8")
        return (data.get("detail", "") if isinstance(data, dict) else str(data)).encode("utf-8")


class PeriodSerializer(serializers.Serializer):
    period = serializers.DateField(required=False)


class CommissionsApi(APIView):
    """Commission reconciliation of one period against the ledger; ``?format=csv`` for a file."""

    permission_classes = [IsPlatformAdmin]
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period", date, required=False, description=_("Period end; the latest by default.")
            ),
            OpenApiParameter("format", str, enum=["json", "csv"], required=False),
        ],
        responses={200: CommissionsOutputSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    def get(self, request):
        data = PeriodSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        period_end = data.validated_data.get("period")
        if period_end is None:
            periods = selectors.settlement_periods(limit=1)
            if not periods:
                raise DomainError(_("No period has been settled yet."), code="no_period")
            period_end = periods[0]
        recon = selectors.reconciliation_for_period(period_end)
        if request.accepted_renderer.format == "csv":
            response = Response(reconciliation_csv(recon))
            response["Content-Disposition"] = (
                f'attachment; filename="commissions-{period_end.isoformat()}.csv"'
            )
            return response
        body = {
            "period_end": period_end,
            "difference": recon.difference,
            "commission_amount": recon.totals["commission"],
            "rows": recon.rows,
        }
        return Response(CommissionsOutputSerializer(body).data)


class ShopQuerySerializer(serializers.Serializer):
    shop = serializers.IntegerField()


class ShopStatementsApi(APIView):
    """A shop's statements and payouts, for its managers: another shop 404, other staff 403."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("shop", int, required=True)],
        responses={200: StatementOutputSerializer(many=True), 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request):
        data = ShopQuerySerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        _shop, statements = selectors.statement_list_for_manager(
            user=request.user, shop_id=data.validated_data["shop"]
        )
        return _page(request, self, statements, StatementOutputSerializer)
