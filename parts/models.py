"""The catalogue: vehicles (brand → model → variant), parts and fitment, service items, packages.

Names are stored in both languages (``name_en``, ``name_zh``); ``.name`` gives the one of the
active language. Money is ``*_amount`` in CNY (``settings.CURRENCY``), exact to the fen.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def is_chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


class Bilingual(models.Model):
    """Two names, one shown: Chinese when the page is Chinese, English otherwise."""

    name_en = models.CharField(_("name (English)"), max_length=160)
    name_zh = models.CharField(_("name (Chinese)"), max_length=160)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if is_chinese() else self.name_en


class Tier(models.TextChoices):
    """Quality tiers of parts and maintenance packages (cheapest first)."""

    ECONOMY = "economy", _("Economy")
    STANDARD = "standard", _("Standard")
    PREMIUM = "premium", _("Premium")


class Brand(Bilingual):
    """A car brand sold in China (比亚迪, 丰田, …)."""

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    initials = models.CharField(_("pinyin initials"), max_length=40, blank=True, db_index=True)
    pinyin = models.CharField(_("pinyin"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["initials", "name_en"]


class VehicleModel(Bilingual):
    """A model or series of a brand (卡罗拉, Model Y, …)."""

    class Body(models.TextChoices):
        SEDAN = "sedan", _("Sedan")
        HATCHBACK = "hatchback", _("Hatchback")
        SUV = "suv", _("SUV")
        MPV = "mpv", _("MPV")
        WAGON = "wagon", _("Estate")
        COUPE = "coupe", _("Coupé")
        PICKUP = "pickup", _("Pick-up")
        OTHER = "other", _("Other")

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="models")
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    body = models.CharField(_("body"), max_length=12, choices=Body.choices, default=Body.OTHER)
    initials = models.CharField(_("pinyin initials"), max_length=40, blank=True, db_index=True)
    pinyin = models.CharField(_("pinyin"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("vehicle model")
        verbose_name_plural = _("vehicle models")
        ordering = ["brand_id", "name_en"]


class Variant(Bilingual):
    """One exact car: model + engine + gearbox + trim over a span of production years."""

    class Fuel(models.TextChoices):
        PETROL = "petrol", _("Petrol")
        DIESEL = "diesel", _("Diesel")
        HEV = "hev", _("Hybrid")
        PHEV = "phev", _("Plug-in hybrid")
        EREV = "erev", _("Range-extended electric")
        EV = "ev", _("Electric")

    class Aspiration(models.TextChoices):
        NATURAL = "na", _("Naturally aspirated")
        TURBO = "turbo", _("Turbocharged")
        NONE = "none", _("No engine")

    class Gearbox(models.TextChoices):
        MANUAL = "mt", _("Manual")
        AUTOMATIC = "at", _("Automatic")
        DCT = "dct", _("Dual-clutch")
        CVT = "cvt", _("CVT")
        ECVT = "ecvt", _("Hybrid e-CVT")
        SINGLE_SPEED = "single-speed", _("Single-speed")

    model = models.ForeignKey(VehicleModel, on_delete=models.CASCADE, related_name="variants")
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    year_from = models.PositiveSmallIntegerField(_("from year"))
    year_to = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    fuel = models.CharField(_("fuel"), max_length=8, choices=Fuel.choices)
    engine_code = models.CharField(_("engine"), max_length=40, blank=True, db_index=True)
    displacement_l = models.DecimalField(
        _("displacement (L)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    aspiration = models.CharField(
        _("aspiration"), max_length=8, choices=Aspiration.choices, default=Aspiration.NATURAL
    )
    cylinders = models.PositiveSmallIntegerField(_("cylinders"), default=0)
    transmission = models.CharField(_("gearbox"), max_length=16, choices=Gearbox.choices, blank=True)
    oil_capacity_l = models.DecimalField(
        _("engine oil capacity (L)"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    oil_grade = models.CharField(_("engine oil grade"), max_length=12, blank=True)
    oil_spec = models.CharField(_("engine oil specification"), max_length=40, blank=True)
    spark_plug = models.CharField(_("spark plug"), max_length=40, blank=True)
    tyre_front = models.CharField(_("front tyre size"), max_length=20, blank=True)
    tyre_rear = models.CharField(_("rear tyre size"), max_length=20, blank=True)
    wiper_driver_mm = models.PositiveSmallIntegerField(_("driver wiper (mm)"), null=True, blank=True)
    wiper_passenger_mm = models.PositiveSmallIntegerField(_("passenger wiper (mm)"), null=True, blank=True)
    battery = models.CharField(_("12 V battery"), max_length=30, blank=True)
    brake_front = models.CharField(_("front brakes"), max_length=30, blank=True)
    brake_rear = models.CharField(_("rear brakes"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["model_id", "-year_from", "name_en"]

    def __str__(self) -> str:
        return f"{self.model.brand.name} {self.model.name} {self.name}"

    @property
    def has_engine(self) -> bool:
        return self.fuel != self.Fuel.EV

    @property
    def years(self) -> str:
        return f"{self.year_from}–{self.year_to}" if self.year_to else f"{self.year_from}–"

    @property
    def absent_part_categories(self) -> frozenset[str]:
        """Part categories this car has no place for: brake pads on an axle with drum brakes."""
        absent = set()
        if "drum" in self.brake_front:
            absent.add(Part.Category.BRAKE_PADS_FRONT)
        if "drum" in self.brake_rear:
            absent.add(Part.Category.BRAKE_PADS_REAR)
        return frozenset(absent)


class Part(Bilingual):
    """A part or consumable with a list price (CNY) per unit; what it fits is in ``Fitment``.

    Fluids are sold in packs (``unit`` = litre pack, ``pack_size`` litres, the price is per
    pack). Tyres and wiper blades keep their size in ``match_key`` (``205/55 R16``, ``650`` mm), so
    a quote can tell the front axle's tyre from the rear's and the driver's blade from the
    passenger's.
    """

    class Category(models.TextChoices):
        ENGINE_OIL = "engine_oil", _("Engine oil")
        OIL_FILTER = "oil_filter", _("Oil filter")
        AIR_FILTER = "air_filter", _("Air filter")
        CABIN_FILTER = "cabin_filter", _("Cabin filter")
        BRAKE_PADS_FRONT = "brake_pads_front", _("Brake pads (front)")
        BRAKE_PADS_REAR = "brake_pads_rear", _("Brake pads (rear)")
        SPARK_PLUG = "spark_plug", _("Spark plug")
        TYRE = "tyre", _("Tyre")
        BATTERY = "battery", _("12 V battery")
        WIPER_BLADE = "wiper_blade", _("Wiper blade")
        COOLANT = "coolant", _("Coolant")
        BRAKE_FLUID = "brake_fluid", _("Brake fluid")
        TRANSMISSION_FLUID = "transmission_fluid", _("Transmission fluid")
        AC_REFRIGERANT = "ac_refrigerant", _("A/C refrigerant")
        FUEL_FILTER = "fuel_filter", _("Fuel filter")
        OTHER = "other", _("Other")

    class Unit(models.TextChoices):
        EACH = "each", _("each")
        SET = "set", _("set")
        LITRE_PACK = "litre_pack", _("pack")

    sku = models.CharField(_("SKU"), max_length=60, unique=True)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    maker_en = models.CharField(_("maker (English)"), max_length=60)
    maker_zh = models.CharField(_("maker (Chinese)"), max_length=60)
    spec = models.CharField(_("specification"), max_length=120, blank=True)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, blank=True)
    unit = models.CharField(_("unit"), max_length=12, choices=Unit.choices, default=Unit.EACH)
    pack_size = models.DecimalField(_("pack size"), max_digits=6, decimal_places=2, default=Decimal("1"))
    list_price_amount = models.DecimalField(_("list price"), max_digits=12, decimal_places=2)
    match_key = models.CharField(_("size"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["category", "list_price_amount", "sku"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(list_price_amount__gte=0), name="parts_part_price_not_negative"
            ),
            models.CheckConstraint(condition=models.Q(pack_size__gt=0), name="parts_part_pack_positive"),
        ]

    @property
    def maker(self) -> str:
        return self.maker_zh if is_chinese() else self.maker_en


class Fitment(models.Model):
    """A part fits a variant. ``category`` repeats the part's so one index answers a quote.

    The unique index (variant, category, part) is the quote's access path (an index-only scan for
    one variant and the wanted categories); it also serves every look-up by variant, so the
    variant foreign key has no index of its own. The part foreign key keeps its index ("which cars
    does this part fit").
    """

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="fitments", db_index=False)
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="fitments")
    category = models.CharField(_("category"), max_length=24, choices=Part.Category.choices)

    class Meta:
        verbose_name = _("fitment")
        verbose_name_plural = _("fitments")
        constraints = [
            models.UniqueConstraint(fields=["variant", "category", "part"], name="parts_fitment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.part_id} → {self.variant_id}"


class ServiceItem(Bilingual):
    """A job a shop does (oil change, front brake pads, …): labour hours and the parts it needs."""

    class AppliesTo(models.TextChoices):
        ALL = "all", _("Every car")
        ICE = "ice", _("Cars with a combustion engine")
        EV = "ev", _("Electric cars")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)
    description_zh = models.CharField(_("description (Chinese)"), max_length=300, blank=True)
    labour_hours = models.DecimalField(_("labour hours"), max_digits=5, decimal_places=2)
    applies_to = models.CharField(_("applies to"), max_length=4, choices=AppliesTo.choices, default="all")
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["sort", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(labour_hours__gte=0), name="parts_item_hours_ok")
        ]

    @property
    def description(self) -> str:
        return self.description_zh if is_chinese() else self.description_en

    def applies_to_variant(self, variant: "Variant") -> bool:
        return applies(self.applies_to, variant)


def applies(applies_to: str, variant: Variant) -> bool:
    """Whether a service item for ``applies_to`` cars (all, ice, ev) can be done on this variant."""
    if applies_to == ServiceItem.AppliesTo.ICE:
        return variant.has_engine
    if applies_to == ServiceItem.AppliesTo.EV:
        return not variant.has_engine
    return True


class ServiceItemPart(models.Model):
    """One part a service item needs: a category and a rule that gives the quantity for a variant."""

    class Rule(models.TextChoices):
        FIXED = "fixed", _("Fixed quantity")
        OIL_CAPACITY = "oil_capacity", _("Engine oil capacity, in whole packs")
        LITRES = "litres", _("Litres, in whole packs")
        CYLINDERS = "cylinders", _("One per cylinder")
        WIPER_PAIR = "wiper_pair", _("Driver and passenger blades")
        TYRE_SET = "tyre_set", _("Tyres of the front and rear axles")

    service_item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="needs")
    category = models.CharField(_("category"), max_length=24, choices=Part.Category.choices)
    rule = models.CharField(_("quantity rule"), max_length=16, choices=Rule.choices, default=Rule.FIXED)
    quantity = models.DecimalField(_("quantity"), max_digits=6, decimal_places=2, default=Decimal("1"))

    class Meta:
        verbose_name = _("part needed")
        verbose_name_plural = _("parts needed")
        constraints = [
            models.UniqueConstraint(fields=["service_item", "category"], name="parts_need_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="parts_need_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.service_item.code}: {self.category}"


class Package(Bilingual):
    """A maintenance package tier (量车定制保养套餐): service items resolved per variant at a tier.

    ``family`` groups the tiers of one package (the minor service in economy, standard and
    premium); a variant is offered the packages whose every service item applies to it.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)
    description_zh = models.CharField(_("description (Chinese)"), max_length=300, blank=True)
    family = models.SlugField(_("family"), max_length=40, blank=True)
    items = models.ManyToManyField(ServiceItem, through="PackageItem", related_name="packages")
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("maintenance package")
        verbose_name_plural = _("maintenance packages")
        ordering = ["sort", "code"]

    @property
    def description(self) -> str:
        return self.description_zh if is_chinese() else self.description_en


class PackageItem(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="package_items")
    service_item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="package_items")
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("package item")
        verbose_name_plural = _("package items")
        ordering = ["sort"]
        constraints = [
            models.UniqueConstraint(fields=["package", "service_item"], name="parts_package_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.package_id}: {self.service_item_id}"
