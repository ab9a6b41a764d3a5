"""Additional work in the API: staff raise and withdraw extras and record parts actually used;
the owner lists, approves and declines them (paying is in ``payments.api.extras_views``)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import extras, selectors, services
from bookings.api.extras_serializers import (
    AdditionalWorkInputSerializer,
    AdditionalWorkOutputSerializer,
    DecideInputSerializer,
    PartUsedInputSerializer,
    PartUsedOutputSerializer,
)
from bookings.api.order_views import _paginated
from common.api import ErrorSerializer, IsOwner, IsShopStaff
from common.http import client_ip

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}
PARSERS = [JSONParser, MultiPartParser, FormParser]


def _extra_out(booking, additional_work_id: int) -> dict:
    extra = selectors.additional_work_list_for_booking(booking).get(pk=additional_work_id)
    return AdditionalWorkOutputSerializer(extra).data


class ShopExtraListCreateApi(APIView):
    """An order's additional work: every staff member reads it; technicians and managers raise it."""

    permission_classes = [IsShopStaff]
    parser_classes = PARSERS

    @extend_schema(responses={200: AdditionalWorkOutputSerializer(many=True), **ERRORS})
    def get(self, request, pk: int):
        booking, _membership = selectors.booking_get_for_staff(user=request.user, booking_id=pk)
        return _paginated(
            request, self, selectors.additional_work_list_for_booking(booking), AdditionalWorkOutputSerializer
        )

    @extend_schema(
        request={
            "application/json": AdditionalWorkInputSerializer,
            "multipart/form-data": AdditionalWorkInputSerializer,
        },
        responses={201: AdditionalWorkOutputSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        booking, _membership = selectors.booking_get_for_staff(
            user=request.user, booking_id=pk, roles=selectors.ROLES_EXTRA
        )
        data = AdditionalWorkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        extra = extras.additional_work_request(
            booking_id=booking.pk,
            staff=request.user,
            reason=d["reason"],
            service_items=d["service_items"],
            parts=[extras.PartWanted(code=p["code"], quantity=p["quantity"]) for p in d["parts"]],
            labour_hours=d.get("labour_hours"),
            labour_description=d["labour_description"],
            photo=d.get("photo"),
        )
        return Response(_extra_out(booking, extra.pk), status=status.HTTP_201_CREATED)


class ShopExtraWithdrawApi(APIView):
    """Take back an extra the owner has not paid."""

    permission_classes = [IsShopStaff]

    @extend_schema(request=None, responses={200: AdditionalWorkOutputSerializer, **ERRORS})
    def post(self, request, pk: int, extra_id: int):
        booking, _membership = selectors.booking_get_for_staff(
            user=request.user, booking_id=pk, roles=selectors.ROLES_EXTRA
        )
        extras.additional_work_withdraw(
            booking_id=booking.pk, additional_work_id=extra_id, staff=request.user
        )
        return Response(_extra_out(booking, extra_id))


class ShopPartUsedApi(APIView):
    """Record a part actually fitted (the health record lists these)."""

    permission_classes = [IsShopStaff]

    @extend_schema(request=PartUsedInputSerializer, responses={201: PartUsedOutputSerializer, **ERRORS})
    def post(self, request, pk: int):
        selectors.booking_get_for_staff(user=request.user, booking_id=pk, roles=selectors.ROLES_WORKSHOP)
        data = PartUsedInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        used = services.part_used_add(
            booking_id=pk,
            staff=request.user,
            code=d["code"],
            quantity=d["quantity"],
            name=d["name"],
            additional_work_id=d["additional_work"],
        )
        return Response(PartUsedOutputSerializer(used).data, status=status.HTTP_201_CREATED)


class OwnerExtraListApi(APIView):
    """The additional work the shop raised on one of the owner's orders."""

    permission_classes = [IsOwner]

    @extend_schema(responses={200: AdditionalWorkOutputSerializer(many=True), 404: ErrorSerializer})
    def get(self, request, pk: int):
        booking = selectors.booking_get_for_owner(owner=request.user, booking_id=pk)
        return _paginated(
            request, self, selectors.additional_work_list_for_booking(booking), AdditionalWorkOutputSerializer
        )


class _OwnerDecideApi(APIView):
    permission_classes = [IsOwner]
    approve = True

    def post(self, request, pk: int, extra_id: int):
        booking = selectors.booking_get_for_owner(owner=request.user, booking_id=pk)
        data = DecideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        extras.additional_work_decide(
            booking_id=booking.pk,
            additional_work_id=extra_id,
            owner=request.user,
            approve=self.approve,
            user_agent=request.headers.get("User-Agent", ""),
            ip_address=client_ip(request),
            seen_sha256=data.validated_data["offer_sha256"],
        )
        return Response(_extra_out(booking, extra_id))


class OwnerExtraApproveApi(_OwnerDecideApi):
    """Approve the extra: the shop may do it, and it is to be paid; kept as evidence."""

    approve = True

    @extend_schema(request=DecideInputSerializer, responses={200: AdditionalWorkOutputSerializer, **ERRORS})
    def post(self, request, pk: int, extra_id: int):
        return super().post(request, pk, extra_id)


class OwnerExtraDeclineApi(_OwnerDecideApi):
    """Decline the extra: it is not done and not charged; kept as evidence."""

    approve = False

    @extend_schema(request=DecideInputSerializer, responses={200: AdditionalWorkOutputSerializer, **ERRORS})
    def post(self, request, pk: int, extra_id: int):
        return super().post(request, pk, extra_id)
