"""The shop staff's API: their shops' bookings, the service log (check-in, steps, complete), replies."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import selectors, services
from bookings.api.order_views import _paginated
from bookings.api.shop_serializers import (
    CheckInInputSerializer,
    HealthRecordOutputSerializer,
    ReviewInputSerializer,
    ReviewOutputSerializer,
    ReviewReplyInputSerializer,
    ServiceStepOutputSerializer,
    ShopBookingDetailOutputSerializer,
    ShopBookingListInputSerializer,
    ShopBookingOutputSerializer,
    StepInputSerializer,
)
from common.api import ErrorSerializer, IsOwner, IsShopStaff

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class ShopBookingListApi(APIView):
    permission_classes = [IsShopStaff]

    @extend_schema(
        parameters=[ShopBookingListInputSerializer], responses=ShopBookingOutputSerializer(many=True)
    )
    def get(self, request):
        data = ShopBookingListInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        shop_id = data.validated_data.get("shop")
        if shop_id is not None:
            selectors.membership_get(user=request.user, shop_id=shop_id)
        bookings = selectors.booking_list_for_staff(
            user=request.user, day=data.validated_data.get("date"), shop_id=shop_id
        )
        return _paginated(request, self, bookings, ShopBookingOutputSerializer)


class ShopBookingDetailApi(APIView):
    permission_classes = [IsShopStaff]

    @extend_schema(responses={200: ShopBookingDetailOutputSerializer, **ERRORS})
    def get(self, request, pk: int):
        booking, _membership = selectors.booking_get_for_staff(user=request.user, booking_id=pk)
        return Response(ShopBookingDetailOutputSerializer(booking).data)


class CheckInApi(APIView):
    permission_classes = [IsShopStaff]

    @extend_schema(
        request=CheckInInputSerializer, responses={200: ShopBookingDetailOutputSerializer, **ERRORS}
    )
    def post(self, request, pk: int):
        selectors.booking_get_for_staff(user=request.user, booking_id=pk, roles=selectors.ROLES_COUNTER)
        data = CheckInInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.booking_check_in(booking_id=pk, staff=request.user, **data.validated_data)
        booking, _membership = selectors.booking_get_for_staff(user=request.user, booking_id=pk)
        return Response(ShopBookingDetailOutputSerializer(booking).data)


class StepApi(APIView):
    permission_classes = [IsShopStaff]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": StepInputSerializer, "multipart/form-data": StepInputSerializer},
        responses={201: ServiceStepOutputSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        selectors.booking_get_for_staff(user=request.user, booking_id=pk, roles=selectors.ROLES_WORKSHOP)
        data = StepInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        step = services.service_step_add(
            booking_id=pk,
            technician=request.user,
            additional_work_id=fields.pop("additional_work", None),
            photo=fields.pop("photo", None),
            **fields,
        )
        return Response(ServiceStepOutputSerializer(step).data, status=status.HTTP_201_CREATED)


class CompleteApi(APIView):
    permission_classes = [IsShopStaff]

    @extend_schema(request=None, responses={200: HealthRecordOutputSerializer, **ERRORS})
    def post(self, request, pk: int):
        selectors.booking_get_for_staff(user=request.user, booking_id=pk, roles=selectors.ROLES_COUNTER)
        record = services.booking_complete(booking_id=pk, staff=request.user)
        return Response(HealthRecordOutputSerializer(record).data)


class ReviewReplyApi(APIView):
    permission_classes = [IsShopStaff]

    @extend_schema(request=ReviewReplyInputSerializer, responses={200: ReviewOutputSerializer, **ERRORS})
    def post(self, request, shop_id: int, pk: int):
        selectors.membership_get(user=request.user, shop_id=shop_id, roles=selectors.ROLES_MANAGER)
        data = ReviewReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_reply(
            review_id=pk, shop_id=shop_id, manager=request.user, text=data.validated_data["text"]
        )
        return Response(ReviewOutputSerializer(review).data)


class ReviewApi(APIView):
    """The owner rates a completed order, once."""

    permission_classes = [IsOwner]

    @extend_schema(request=ReviewInputSerializer, responses={201: ReviewOutputSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_create(booking_id=pk, owner=request.user, **data.validated_data)
        review.shop.refresh_from_db(fields=["rating"])
        return Response(ReviewOutputSerializer(review).data, status=status.HTTP_201_CREATED)


class VehicleHealthRecordApi(APIView):
    """The car's health record (JT/T 1132 fields), newest first."""

    permission_classes = [IsOwner]

    @extend_schema(responses=HealthRecordOutputSerializer(many=True))
    def get(self, request, pk: int):
        vehicle = selectors.vehicle_get_for_owner(owner=request.user, vehicle_id=pk)
        return _paginated(
            request, self, selectors.health_record_list_for_vehicle(vehicle), HealthRecordOutputSerializer
        )
