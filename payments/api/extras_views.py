"""Paying for approved additional work through the API, like the order's own pay endpoint."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import selectors as booking_selectors
from common.api import ErrorSerializer, IsOwner
from common.idempotency import idempotent
from payments.api.serializers import PayOutputSerializer
from payments.api.views import IDEMPOTENCY
from payments.checkout import extras as checkout_extras


class ExtraPayApi(APIView):
    """Start paying an approved extra; answers where to pay (the provider's page)."""

    permission_classes = [IsOwner]

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY],
        responses={200: PayOutputSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request, pk: int, extra_id: int):
        extra = booking_selectors.additional_work_get_for_owner(
            owner=request.user, booking_id=pk, additional_work_id=extra_id
        )

        def run():
            start = checkout_extras.extra_payment_start(
                booking_id=extra.booking_id, additional_work_id=extra.pk, owner=request.user
            )
            return Response(PayOutputSerializer(start).data)

        return idempotent(request, scope=f"pay-extra:{extra.pk}", run=run)
