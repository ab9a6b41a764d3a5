"""Shop API: the network, one shop, its free slots. Anyone may read."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from common.api import ErrorSerializer
from common.money import money_dict
from shops.api.serializers import (
    ShopDetailOutputSerializer,
    ShopListInputSerializer,
    ShopOutputSerializer,
    SlotsInputSerializer,
    SlotsOutputSerializer,
)
from shops.selectors import shop_get_public, shop_list_public, shop_services_for_profile, slots_for_shops


class ShopListApi(APIView):
    """Active shops, optionally of one district or kind; paginated."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[ShopListInputSerializer], responses={200: ShopOutputSerializer(many=True)})
    def get(self, request):
        params = ShopListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        shops = shop_list_public().order_by("id")
        if "district" in params.validated_data:
            shops = shops.filter(district_id=params.validated_data["district"])
        if "kind" in params.validated_data:
            shops = shops.filter(kind=params.validated_data["kind"])
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        page = paginator.paginate_queryset(shops, request, view=self)
        return paginator.get_paginated_response(ShopOutputSerializer(page, many=True).data)


class ShopDetailApi(APIView):
    """One active shop; applied or suspended shops are 404."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: ShopDetailOutputSerializer, 404: ErrorSerializer})
    def get(self, request, shop_id: int):
        shop = shop_get_public(shop_id=shop_id)
        body = ShopOutputSerializer(shop).data
        body["services"] = [
            service | {"labour": money_dict(service.pop("labour_amount"))}
            for service in shop_services_for_profile(shop)
        ]
        return Response(body)


class ShopSlotsApi(APIView):
    """Every future slot of a shop on a date with its free places (0 when full)."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("date", str, required=True, description="YYYY-MM-DD")],
        responses={200: SlotsOutputSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, shop_id: int):
        params = SlotsInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        shop = shop_get_public(shop_id=shop_id)
        day = params.validated_data["date"]
        slots = slots_for_shops([shop], day)[shop.id]
        body = {
            "shop": shop.id,
            "date": day,
            "slots": [
                {
                    "starts_at": s.starts_at,
                    "ends_at": s.ends_at,
                    "capacity": s.capacity,
                    "booked": s.booked,
                    "free": s.free,
                }
                for s in slots
            ],
        }
        return Response(SlotsOutputSerializer(body).data)
