"""Serializers of the catalogue API: one input (query parameters) and one output per operation."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api import MoneySerializer
from common.money import money_dict


class SearchInputSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")


class ModelListInputSerializer(SearchInputSerializer):
    brand = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")


class VariantListInputSerializer(serializers.Serializer):
    model = serializers.CharField(max_length=80, error_messages={"required": _("Choose a model: ?model=")})


class PackageListInputSerializer(serializers.Serializer):
    variant = serializers.IntegerField(
        min_value=1,
        error_messages={"required": _("Choose a variant: ?variant="), "invalid": _("A variant is a number.")},
    )


class BrandOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    initials = serializers.CharField()
    country = serializers.CharField()


class ModelOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    brand = serializers.CharField(source="brand.slug")
    name = serializers.CharField()
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    body = serializers.CharField()
    initials = serializers.CharField()


class VariantOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    brand = serializers.CharField(source="model.brand.slug")
    model = serializers.CharField(source="model.slug")
    name = serializers.CharField()
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    year_from = serializers.IntegerField()
    year_to = serializers.IntegerField(allow_null=True)
    fuel = serializers.CharField()
    engine_code = serializers.CharField()
    displacement_l = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)
    aspiration = serializers.CharField()
    cylinders = serializers.IntegerField()
    transmission = serializers.CharField()
    oil_capacity_l = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    oil_grade = serializers.CharField()
    oil_spec = serializers.CharField()
    tyre_front = serializers.CharField()
    tyre_rear = serializers.CharField()
    wiper_driver_mm = serializers.IntegerField(allow_null=True)
    wiper_passenger_mm = serializers.IntegerField(allow_null=True)
    battery = serializers.CharField()
    spark_plug = serializers.CharField()
    brake_front = serializers.CharField()
    brake_rear = serializers.CharField()


class VinOutputSerializer(serializers.Serializer):
    vin = serializers.CharField(source="decoded.vin")
    wmi = serializers.CharField(source="decoded.wmi")
    manufacturer = serializers.CharField(source="decoded.manufacturer")
    country = serializers.CharField(source="decoded.country")
    model_year = serializers.IntegerField(source="decoded.model_year", allow_null=True)
    check_digit_checked = serializers.BooleanField(source="decoded.check_digit_checked")
    brands = BrandOutputSerializer(many=True)
    variants = VariantOutputSerializer(many=True)


class NeedOutputSerializer(serializers.Serializer):
    category = serializers.CharField()
    rule = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=6, decimal_places=2)


class ServiceItemOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    description = serializers.CharField()
    labour_hours = serializers.DecimalField(max_digits=5, decimal_places=2)
    applies_to = serializers.CharField()
    needs = NeedOutputSerializer(many=True, source="needs.all")


class QuoteLineOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    service_item_code = serializers.CharField()
    sku = serializers.CharField()
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=8, decimal_places=2)
    unit_price = serializers.SerializerMethodField()
    amount = serializers.SerializerMethodField()

    @extend_schema_field(MoneySerializer)
    def get_unit_price(self, line) -> dict:
        return money_dict(line.unit_price)

    @extend_schema_field(MoneySerializer)
    def get_amount(self, line) -> dict:
        return money_dict(line.amount)


class GapOutputSerializer(serializers.Serializer):
    service_item_code = serializers.CharField()
    category = serializers.CharField()
    tier = serializers.CharField(allow_null=True)


class SkippedOutputSerializer(serializers.Serializer):
    service_item_code = serializers.CharField()
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    categories = serializers.ListField(child=serializers.CharField())


class ResolvedPackageOutputSerializer(serializers.Serializer):
    code = serializers.CharField(source="package.code")
    tier = serializers.CharField(source="package.tier")
    name = serializers.CharField(source="package.name")
    name_en = serializers.CharField(source="package.name_en")
    name_zh = serializers.CharField(source="package.name_zh")
    description = serializers.CharField(source="package.description")
    service_items = serializers.ListField(
        child=serializers.CharField(), source="resolution.service_item_codes"
    )
    lines = QuoteLineOutputSerializer(many=True, source="quote.lines")
    parts_amount = serializers.SerializerMethodField()
    labour_amount = serializers.SerializerMethodField()
    total_amount = serializers.SerializerMethodField()
    gaps = GapOutputSerializer(many=True, source="quote.gaps")
    skipped = SkippedOutputSerializer(many=True, source="resolution.skipped")
    is_complete = serializers.BooleanField(source="quote.is_complete")

    @extend_schema_field(MoneySerializer)
    def get_parts_amount(self, obj) -> dict:
        return money_dict(obj.quote.parts_amount, obj.quote.currency)

    @extend_schema_field(MoneySerializer)
    def get_labour_amount(self, obj) -> dict:
        return money_dict(obj.quote.labour_amount, obj.quote.currency)

    @extend_schema_field(MoneySerializer)
    def get_total_amount(self, obj) -> dict:
        return money_dict(obj.quote.total_amount, obj.quote.currency)
