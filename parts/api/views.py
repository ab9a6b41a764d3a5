"""Catalogue API: brands, models, variants, VIN look-up, service items, packages for a variant.

Anyone may read. Lists are paginated (``?page=``); names come in both languages plus ``name`` in
the request's language; money is ``{"amount": "368.00", "currency": "CNY"}``.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ErrorSerializer
from parts import selectors
from parts.api.serializers import (
    BrandOutputSerializer,
    ModelListInputSerializer,
    ModelOutputSerializer,
    PackageListInputSerializer,
    ResolvedPackageOutputSerializer,
    SearchInputSerializer,
    ServiceItemOutputSerializer,
    VariantListInputSerializer,
    VariantOutputSerializer,
    VinOutputSerializer,
)
from parts.quoting import resolve

Q_PARAM = OpenApiParameter("q", str, description="Search: Chinese, English or pinyin initials")


class CatalogueApi(APIView):
    """Public reads: no authentication needed."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def paginated(self, request, items, serializer_class):
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)


def _model_of(ref: str):
    return selectors.model_get(slug=ref) if not ref.isdigit() else selectors.model_get_by_id(pk=int(ref))


def _brand_of(ref: str):
    return selectors.brand_get(slug=ref) if not ref.isdigit() else selectors.brand_get_by_id(pk=int(ref))


class BrandListApi(CatalogueApi):
    """Car brands, searchable."""

    @extend_schema(parameters=[Q_PARAM], responses={200: BrandOutputSerializer(many=True)})
    def get(self, request):
        data = SearchInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        return self.paginated(
            request, selectors.brand_list(q=data.validated_data["q"]), BrandOutputSerializer
        )


class ModelListApi(CatalogueApi):
    """The models of a brand (``?brand=`` slug or id), or models matching ``?q=``."""

    @extend_schema(
        parameters=[OpenApiParameter("brand", str, description="Brand slug or id"), Q_PARAM],
        responses={200: ModelOutputSerializer(many=True), 404: ErrorSerializer},
    )
    def get(self, request):
        data = ModelListInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        ref = data.validated_data["brand"]
        brand = _brand_of(ref) if ref else None
        models = selectors.model_list(brand=brand, q=data.validated_data["q"])
        return self.paginated(request, models, ModelOutputSerializer)


class VariantListApi(CatalogueApi):
    """The variants of one model (``?model=`` slug or id)."""

    @extend_schema(
        parameters=[OpenApiParameter("model", str, required=True, description="Model slug or id")],
        responses={200: VariantOutputSerializer(many=True), 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request):
        data = VariantListInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        model = _model_of(data.validated_data["model"])
        return self.paginated(request, selectors.variant_list(model=model), VariantOutputSerializer)


class VinApi(CatalogueApi):
    """What a VIN says: maker, model year and the catalogue's matching variants; 400 when invalid."""

    @extend_schema(responses={200: VinOutputSerializer, 400: ErrorSerializer})
    def get(self, request, vin: str):
        return Response(VinOutputSerializer(selectors.vin_lookup(vin=vin)).data)


class ServiceItemListApi(CatalogueApi):
    """Service items with labour hours and the parts they need."""

    @extend_schema(responses={200: ServiceItemOutputSerializer(many=True)})
    def get(self, request):
        return self.paginated(request, selectors.service_item_list(), ServiceItemOutputSerializer)


class PackageListApi(CatalogueApi):
    """Maintenance packages resolved for one variant: parts, quantities, labour, list prices, gaps."""

    @extend_schema(
        parameters=[OpenApiParameter("variant", int, required=True)],
        responses={
            200: ResolvedPackageOutputSerializer(many=True),
            400: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request):
        data = PackageListInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        variant = selectors.variant_get(pk=data.validated_data["variant"])
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            selectors.package_list_for_variant(variant=variant), request, view=self
        )
        resolved = []
        for package in page:
            resolution = resolve(variant=variant, package=package)
            resolved.append(selectors.ResolvedPackage(package, resolution, resolution.price()))
        return paginator.get_paginated_response(ResolvedPackageOutputSerializer(resolved, many=True).data)
