"""The owner's booking API: the garage and service orders."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import selectors, services
from bookings.api.order_serializers import (
    BookingDetailOutputSerializer,
    BookingInputSerializer,
    BookingOutputSerializer,
    ComplaintInputSerializer,
    ComplaintOutputSerializer,
    VehicleInputSerializer,
    VehicleOutputSerializer,
    VehiclePatchSerializer,
    booking_detail_data,
)
from common.api import ErrorSerializer, IsOwner
from common.errors import NotFound
from parts.models import Package, Variant


def _variant(pk: int) -> Variant:
    variant = Variant.objects.filter(pk=pk).first()
    if variant is None:
        raise NotFound(_("No such car model."))
    return variant


def _paginated(request, view, queryset, serializer_class):
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class VehicleListCreateApi(APIView):
    permission_classes = [IsOwner]

    @extend_schema(responses=VehicleOutputSerializer(many=True))
    def get(self, request):
        return _paginated(
            request, self, selectors.vehicle_list_for_owner(request.user), VehicleOutputSerializer
        )

    @extend_schema(
        request=VehicleInputSerializer, responses={201: VehicleOutputSerializer, 400: ErrorSerializer}
    )
    def post(self, request):
        data = VehicleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["variant"] = _variant(fields["variant"])
        vehicle = services.vehicle_add(owner=request.user, **fields)
        return Response(VehicleOutputSerializer(vehicle).data, status=status.HTTP_201_CREATED)


class VehicleDetailApi(APIView):
    permission_classes = [IsOwner]

    @extend_schema(responses={200: VehicleOutputSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return Response(
            VehicleOutputSerializer(selectors.vehicle_get_for_owner(owner=request.user, vehicle_id=pk)).data
        )

    @extend_schema(
        request=VehiclePatchSerializer, responses={200: VehicleOutputSerializer, 400: ErrorSerializer}
    )
    def patch(self, request, pk: int):
        vehicle = selectors.vehicle_get_for_owner(owner=request.user, vehicle_id=pk)
        data = VehiclePatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k in request.data}
        if "variant" in fields:
            fields["variant"] = _variant(fields["variant"])
        services.vehicle_update(vehicle=vehicle, **fields)
        return Response(VehicleOutputSerializer(vehicle).data)

    @extend_schema(responses={204: None, 409: ErrorSerializer})
    def delete(self, request, pk: int):
        services.vehicle_remove(vehicle=selectors.vehicle_get_for_owner(owner=request.user, vehicle_id=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VehicleHistoryApi(APIView):
    """The car's health record: the jobs done on it through the platform."""

    permission_classes = [IsOwner]

    @extend_schema(responses=BookingOutputSerializer(many=True))
    def get(self, request, pk: int):
        vehicle = selectors.vehicle_get_for_owner(owner=request.user, vehicle_id=pk)
        done = selectors.booking_list_for_owner(request.user).filter(vehicle=vehicle, status="completed")
        return _paginated(request, self, done, BookingOutputSerializer)


class BookingListCreateApi(APIView):
    permission_classes = [IsOwner]

    @extend_schema(responses=BookingOutputSerializer(many=True))
    def get(self, request):
        return _paginated(
            request, self, selectors.booking_list_for_owner(request.user), BookingOutputSerializer
        )

    @extend_schema(
        request=BookingInputSerializer,
        responses={
            201: BookingDetailOutputSerializer,
            400: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request):
        data = BookingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        vehicle, shop = selectors.booking_targets(
            owner=request.user, vehicle_id=d["vehicle"], shop_id=d["shop"]
        )
        package = None
        if d["package"]:
            package = Package.objects.filter(code=d["package"]).first()
            if package is None:
                raise NotFound(_("No such package."))
        booking = services.booking_create(
            owner=request.user,
            vehicle=vehicle,
            shop=shop,
            starts_at=d["starts_at"],
            service_items=d["service_items"],
            package=package,
        )
        return Response(booking_detail_data(booking), status=status.HTTP_201_CREATED)


class BookingDetailApi(APIView):
    permission_classes = [IsOwner]

    @extend_schema(responses={200: BookingDetailOutputSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        booking = selectors.booking_get_for_owner(owner=request.user, booking_id=pk)
        return Response(BookingDetailOutputSerializer(booking).data)


class ComplaintApi(APIView):
    """The owner's complaint about one of their orders: file it once, then follow its status."""

    permission_classes = [IsOwner]

    @extend_schema(responses={200: ComplaintOutputSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        complaint = selectors.complaint_get_for_owner(owner=request.user, booking_id=pk)
        return Response(ComplaintOutputSerializer(complaint).data)

    @extend_schema(
        request=ComplaintInputSerializer,
        responses={
            201: ComplaintOutputSerializer,
            400: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request, pk: int):
        data = ComplaintInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_create(booking_id=pk, owner=request.user, **data.validated_data)
        return Response(ComplaintOutputSerializer(complaint).data, status=status.HTTP_201_CREATED)
