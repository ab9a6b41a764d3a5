"""factory_boy factories of the catalogue (parts app)."""

from decimal import Decimal

import factory

from parts.models import (
    Brand,
    Fitment,
    Package,
    PackageItem,
    Part,
    ServiceItem,
    ServiceItemPart,
    Tier,
    Variant,
    VehicleModel,
)


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("slug",)

    slug = "toyota"
    name_en = "Toyota"
    name_zh = "丰田"
    country = "JP"
    initials = "ft"


class VehicleModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VehicleModel

    brand = factory.SubFactory(BrandFactory)
    slug = factory.Sequence(lambda n: f"corolla-{n}")
    name_en = "Corolla"
    name_zh = "卡罗拉"
    body = VehicleModel.Body.SEDAN
    initials = "kll"


class VariantFactory(factory.django.DjangoModelFactory):
    """A petrol 1.2T Corolla-like car; override what a test is about."""

    class Meta:
        model = Variant

    model = factory.SubFactory(VehicleModelFactory)
    slug = factory.Sequence(lambda n: f"corolla-1-2t-{n}")
    name_en = "1.2T S-CVT Pioneer 2019-2022"
    name_zh = "1.2T S-CVT 先锋版 2019-2022款"
    year_from = 2019
    year_to = 2022
    fuel = Variant.Fuel.PETROL
    engine_code = "8NR-FTS"
    displacement_l = Decimal("1.2")
    aspiration = Variant.Aspiration.TURBO
    cylinders = 4
    transmission = Variant.Gearbox.CVT
    oil_capacity_l = Decimal("4.2")
    oil_grade = "0W-20"
    oil_spec = "API SP"
    spark_plug = "Denso SC20HR11"
    tyre_front = "205/55 R16"
    tyre_rear = "205/55 R16"
    wiper_driver_mm = 650
    wiper_passenger_mm = 400
    battery = "46B24L"


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    sku = factory.Sequence(lambda n: f"TEST-PART-{n}")
    category = Part.Category.OIL_FILTER
    maker_en = "Bosch"
    maker_zh = "博世"
    name_en = factory.LazyAttribute(lambda o: f"Bosch {o.category} {o.sku}")
    name_zh = factory.LazyAttribute(lambda o: f"博世 {o.sku}")
    tier = Tier.STANDARD
    unit = Part.Unit.EACH
    pack_size = Decimal("1")
    list_price_amount = Decimal("38.00")


class FitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fitment

    variant = factory.SubFactory(VariantFactory)
    part = factory.SubFactory(PartFactory)
    category = factory.LazyAttribute(lambda o: o.part.category)


class ServiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"item_{n}")
    name_en = factory.LazyAttribute(lambda o: o.code.replace("_", " ").capitalize())
    name_zh = factory.LazyAttribute(lambda o: f"项目 {o.code}")
    labour_hours = Decimal("0.5")
    applies_to = ServiceItem.AppliesTo.ALL


class ServiceItemPartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItemPart

    service_item = factory.SubFactory(ServiceItemFactory)
    category = Part.Category.OIL_FILTER
    rule = ServiceItemPart.Rule.FIXED
    quantity = Decimal("1")


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    code = factory.Sequence(lambda n: f"package_{n}")
    family = "minor"
    tier = Tier.STANDARD
    name_en = "Standard minor service"
    name_zh = "标准型小保养"


class PackageItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PackageItem

    package = factory.SubFactory(PackageFactory)
    service_item = factory.SubFactory(ServiceItemFactory)
    sort = factory.Sequence(int)


def item_needing(code: str, category: str, rule=ServiceItemPart.Rule.FIXED, quantity="1", hours="0.5", **kw):
    """A service item that needs one part category by one quantity rule."""
    item = ServiceItemFactory(code=code, labour_hours=Decimal(hours), **kw)
    ServiceItemPartFactory(service_item=item, category=category, rule=rule, quantity=Decimal(quantity))
    return item


def fitting(variant, **part_fields) -> Part:
    """A part that fits the variant."""
    part = PartFactory(**part_fields)
    FitmentFactory(variant=variant, part=part)
    return part
