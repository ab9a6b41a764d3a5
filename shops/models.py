"""The shop network: districts, shops, their hours, closures, staff, capacity and agreements."""

from datetime import time
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

#: The one coordinate system we store: GCJ-02 (as Amap/Tencent maps use). Convert at the edges.
COORDINATE_SYSTEM = "gcj02"


def default_commission_rate() -> Decimal:
    """The platform's default commission rate for a new shop (``settings.SHOP_DEFAULT_COMMISSION_RATE``)."""
    return Decimal(str(settings.SHOP_DEFAULT_COMMISSION_RATE))


def default_weekly_hours() -> list:
    """Monday to Sunday, 08:30-18:00 every day."""
    return [["08:30", "18:00"] for _ in range(7)]


@lru_cache(maxsize=512)
def _parse_hours(opens: str, closes: str) -> tuple[time, time]:
    return time.fromisoformat(opens), time.fromisoformat(closes)


class District(models.Model):
    """A county-level division (区/县/县级市), loaded from the data packages by ``load_districts``."""

    code = models.CharField(_("division code"), max_length=6, primary_key=True)
    name_zh = models.CharField(_("Chinese name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=80)
    city_code = models.CharField(_("city code"), max_length=6, db_index=True)
    city_zh = models.CharField(_("city"), max_length=40)
    province_zh = models.CharField(_("province"), max_length=40)
    lat = models.FloatField(_("latitude (GCJ-02)"))
    lng = models.FloatField(_("longitude (GCJ-02)"))

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.city_zh}{self.name_zh}"


class Shop(models.Model):
    """A service shop on the platform (4S dealer, chain branch or independent garage).

    Coordinates are GCJ-02. ``weekly_hours`` holds seven entries, Monday first: ``["08:30",
    "18:00"]`` or ``None`` for a closed day; they are read with the shop row, so a match over many
    shops needs no extra query for hours.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    class Kind(models.TextChoices):
        DEALER_4S = "dealer_4s", _("4S dealer")
        CHAIN = "chain", _("Chain store")
        INDEPENDENT = "independent", _("Independent garage")

    class SettlementCycle(models.TextChoices):
        DAILY = "daily", _("Daily (T+1)")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLIED)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INDEPENDENT)
    brand_focus = models.CharField(_("brand focus"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shops",
    )
    lat = models.FloatField(_("latitude (GCJ-02)"), null=True, blank=True)
    lng = models.FloatField(_("longitude (GCJ-02)"), null=True, blank=True)
    service_radius_km = models.PositiveSmallIntegerField(
        _("service radius (km)"), default=15, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    bays = models.PositiveSmallIntegerField(
        _("bays"), default=2, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=60, validators=[MinValueValidator(15), MaxValueValidator(240)]
    )
    weekly_hours = models.JSONField(_("opening hours"), default=default_weekly_hours)
    observes_public_holidays = models.BooleanField(
        _("follows China's public holidays"),
        default=True,
        help_text=_("Closed on public holidays and open on the swapped working days (调休)."),
    )
    labour_rate_amount = models.DecimalField(
        _("labour rate per hour"), max_digits=12, decimal_places=2, default=Decimal("100.00")
    )
    rating = models.DecimalField(_("rating"), max_digits=3, decimal_places=2, null=True, blank=True)
    dispatch_priority = models.PositiveSmallIntegerField(
        _("dispatch priority"), default=5, validators=[MaxValueValidator(10)]
    )
    # The agreement with the platform (used by settlement).
    commission_rate = models.DecimalField(
        _("commission rate"),
        max_digits=5,
        decimal_places=4,
        default=default_commission_rate,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    settlement_cycle = models.CharField(
        _("settlement cycle"), max_length=10, choices=SettlementCycle.choices, default=SettlementCycle.DAILY
    )
    payout_account_name = models.CharField(_("payout account holder"), max_length=120, blank=True)
    payout_bank = models.CharField(_("payout bank"), max_length=120, blank=True)
    payout_account_number = models.CharField(_("payout account number"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["name"]
        indexes = [
            # Matching searches a bounding box on the coordinates of active shops.
            models.Index(
                fields=["lat", "lng"], name="shops_shop_active_latlng", condition=models.Q(status="active")
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(bays__gte=1), name="shops_shop_bays_positive"),
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=15), name="shops_shop_slot_minutes_min"
            ),
            models.CheckConstraint(
                condition=models.Q(commission_rate__gte=0, commission_rate__lte=1),
                name="shops_shop_commission_rate_range",
            ),
            models.CheckConstraint(
                condition=models.Q(lat__isnull=True, lng__isnull=True)
                | models.Q(lat__isnull=False, lng__isnull=False),
                name="shops_shop_lat_lng_together",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def hours_for_weekday(self, weekday: int) -> tuple[time, time] | None:
        """Regular opening hours on a weekday (0 = Monday), or None when closed that day."""
        entry = (self.weekly_hours or [None] * 7)[weekday]
        if not entry:
            return None
        return _parse_hours(entry[0], entry[1])


class Membership(models.Model):
    """A staff member's place at one shop, with their role there."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Manager")
        TECHNICIAN = "technician", _("Technician")
        CASHIER = "cashier", _("Cashier")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [models.UniqueConstraint(fields=["shop", "user"], name="shops_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.shop} ({self.get_role_display()})"


class ShopClosure(models.Model):
    """A shop's own exception for one date: closed (holiday, stocktaking) or specially open."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("date"))
    is_open = models.BooleanField(
        _("specially open"), default=False, help_text=_("Open on this date although it would be closed.")
    )
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("closure or special opening")
        verbose_name_plural = _("closures and special openings")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "date"], name="shops_closure_unique_date"),
            models.CheckConstraint(
                condition=models.Q(opens__isnull=True, closes__isnull=True)
                | models.Q(opens__isnull=False, closes__isnull=False, closes__gt=models.F("opens")),
                name="shops_closure_hours_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop} {self.date} ({'open' if self.is_open else 'closed'})"


class SlotCapacity(models.Model):
    """Places of one shop slot: created on first use; ``booked`` moves by guarded updates (0004)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="slot_capacities")
    starts_at = models.DateTimeField(_("starts at"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        verbose_name = _("slot capacity")
        verbose_name_plural = _("slot capacities")
        constraints = [
            models.UniqueConstraint(fields=["shop", "starts_at"], name="shops_slotcapacity_unique"),
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("capacity")), name="shops_slotcapacity_not_oversold"
            ),
            models.CheckConstraint(
                condition=models.Q(booked__gte=0), name="shops_slotcapacity_booked_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop} {self.starts_at:%Y-%m-%d %H:%M} {self.booked}/{self.capacity}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


class ShopService(models.Model):
    """A service item the shop offers; labour at the shop's rate unless it sets a fixed price."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="services")
    service_item = models.ForeignKey(
        "parts.ServiceItem",
        verbose_name=_("service item"),
        on_delete=models.PROTECT,
        related_name="shop_services",
    )
    fixed_price_amount = models.DecimalField(
        _("fixed labour price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Leave empty to charge labour hours × the shop's labour rate."),
    )

    class Meta:
        verbose_name = _("service offered")
        verbose_name_plural = _("services offered")
        constraints = [
            models.UniqueConstraint(fields=["shop", "service_item"], name="shops_shopservice_unique"),
            models.CheckConstraint(
                condition=models.Q(fixed_price_amount__isnull=True) | models.Q(fixed_price_amount__gte=0),
                name="shops_shopservice_fixed_price_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop} · {self.service_item}"


class ShopPartPrice(models.Model):
    """The shop's own price for one catalogue part (instead of the list price)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="part_prices")
    part = models.ForeignKey("parts.Part", verbose_name=_("part"), on_delete=models.CASCADE, related_name="+")
    unit_price_amount = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("part price override")
        verbose_name_plural = _("part price overrides")
        constraints = [
            models.UniqueConstraint(fields=["shop", "part"], name="shops_shoppartprice_unique"),
            models.CheckConstraint(
                condition=models.Q(unit_price_amount__gte=0), name="shops_shoppartprice_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop} · {self.part_id}: {self.unit_price_amount}"
