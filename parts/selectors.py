"""Reads of the catalogue: the car picker, VIN look-up, parts with fitment, packages for a variant."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from common.errors import NotFound
from parts.models import Brand, Fitment, Package, Part, ServiceItem, Variant, VehicleModel, applies
from parts.quoting import Quote, Resolution, resolve
from parts.vin import DecodedVin, vin_decode


def _search_q(q: str, prefix: str = "") -> Q:
    """Chinese or English name (anywhere), pinyin initials or full pinyin (from the start)."""
    q = q.strip()
    key = "".join(ch for ch in q.lower() if ch.isascii() and ch.isalnum())
    condition = Q(**{f"{prefix}name_zh__icontains": q}) | Q(**{f"{prefix}name_en__icontains": q})
    if key:
        condition |= Q(**{f"{prefix}initials__startswith": key}) | Q(**{f"{prefix}pinyin__startswith": key})
    return condition


def brand_list(*, q: str = "") -> QuerySet[Brand]:
    """Brands, optionally searched in Chinese, English or pinyin initials."""
    brands = Brand.objects.all()
    if q.strip():
        brands = brands.filter(_search_q(q))
    return brands.order_by("initials", "name_en")


def brand_get(*, slug: str) -> Brand:
    brand = Brand.objects.filter(slug=slug).first()
    if brand is None:
        raise NotFound(_("No such brand."))
    return brand


def brand_get_by_id(*, pk: int) -> Brand:
    brand = Brand.objects.filter(pk=pk).first()
    if brand is None:
        raise NotFound(_("No such brand."))
    return brand


def model_list(*, brand: Brand | None = None, q: str = "") -> QuerySet[VehicleModel]:
    """Models of a brand, or models matching a search (their own name or their brand's)."""
    models = VehicleModel.objects.select_related("brand")
    if brand is not None:
        models = models.filter(brand=brand)
    if q.strip():
        term = q.strip()
        models = models.filter(_search_q(term) | _search_q(term, prefix="brand__"))
    return models.order_by("brand__initials", "initials", "name_en")


def model_get(*, slug: str) -> VehicleModel:
    model = VehicleModel.objects.select_related("brand").filter(slug=slug).first()
    if model is None:
        raise NotFound(_("No such model."))
    return model


def model_get_by_id(*, pk: int) -> VehicleModel:
    model = VehicleModel.objects.select_related("brand").filter(pk=pk).first()
    if model is None:
        raise NotFound(_("No such model."))
    return model


def variant_list(*, model: VehicleModel) -> QuerySet[Variant]:
    return (
        Variant.objects.filter(model=model)
        .select_related("model__brand")
        .order_by("-year_from", "name_en", "pk")
    )


def variant_get(*, pk: int) -> Variant:
    variant = Variant.objects.select_related("model__brand").filter(pk=pk).first()
    if variant is None:
        raise NotFound(_("No such car variant."))
    return variant


def service_item_list() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.prefetch_related("needs").order_by("sort", "code")


def package_list_for_variant(*, variant: Variant) -> list[Package]:
    """The packages whose every service item can be done on this car (no oil change on an EV)."""
    packages = Package.objects.prefetch_related("items").order_by("sort", "code")
    return [p for p in packages if all(applies(item.applies_to, variant) for item in p.items.all())]


@dataclass(frozen=True)
class ResolvedPackage:
    package: Package
    resolution: Resolution
    quote: Quote


def package_quotes_for_variant(*, variant: Variant) -> list[ResolvedPackage]:
    """Every package of this car resolved into fitting parts + labour and priced at list prices."""
    resolved = []
    for package in package_list_for_variant(variant=variant):
        resolution = resolve(variant=variant, package=package)
        resolved.append(ResolvedPackage(package, resolution, resolution.price()))
    return resolved


def fits_expression(variant: Variant) -> Exists:
    """True where a part fits the variant (a fitment row exists)."""
    return Exists(Fitment.objects.filter(variant=variant, part=OuterRef("pk")))


def part_list(*, category: str = "", q: str = "", variant: Variant | None = None, only_fitting: bool = False):
    """Parts of the catalogue, searched by name, maker, SKU or spec; ``fits`` marks the chosen car's."""
    parts = Part.objects.all()
    if category:
        parts = parts.filter(category=category)
    if q.strip():
        term = q.strip()
        parts = parts.filter(
            Q(name_zh__icontains=term)
            | Q(name_en__icontains=term)
            | Q(maker_en__icontains=term)
            | Q(maker_zh__icontains=term)
            | Q(sku__icontains=term)
            | Q(spec__icontains=term)
        )
    if variant is not None:
        parts = parts.annotate(fits=fits_expression(variant))
        if only_fitting:
            parts = parts.filter(fits=True)
    return parts.order_by("category", "list_price_amount", "sku")


@dataclass(frozen=True)
class VinLookup:
    decoded: DecodedVin
    brands: list[Brand]
    variants: list[Variant]


def vin_lookup(*, vin: str, limit: int = 50) -> VinLookup:
    """What a VIN says and the catalogue's variants of that maker built for that model year."""
    decoded = vin_decode(vin)
    brands = list(Brand.objects.filter(slug__in=decoded.brand_slugs).order_by("initials"))
    variants: list[Variant] = []
    if brands:
        found = Variant.objects.filter(model__brand__in=brands).select_related("model__brand")
        if decoded.model_year:
            found = found.filter(year_from__lte=decoded.model_year).filter(
                Q(year_to__isnull=True) | Q(year_to__gte=decoded.model_year)
            )
        variants = list(
            found.order_by("model__brand__initials", "model__name_en", "-year_from", "pk")[:limit]
        )
    return VinLookup(decoded, brands, variants)
