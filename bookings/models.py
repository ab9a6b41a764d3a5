"""Bookings data: the owner's garage, the service order with its frozen lines, and its events."""

from datetime import datetime
from uuid import uuid4

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

plate_validator = RegexValidator(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]$",
    _("Enter a mainland China plate, e.g. 浙A12345 or 浙AD12345 (new energy)."),
)


class Vehicle(models.Model):
    """A car in an owner's garage."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vehicles")
    variant = models.ForeignKey(
        "parts.Variant", on_delete=models.PROTECT, related_name="+", verbose_name=_("model")
    )
    plate = models.CharField(_("plate"), max_length=10, validators=[plate_validator])
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    nickname = models.CharField(_("nickname"), max_length=40, blank=True)
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), default=0)
    is_active = models.BooleanField(_("in the garage"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "plate"],
                condition=models.Q(is_active=True),
                name="bookings_vehicle_plate_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.nickname or self.plate


class Booking(models.Model):
    """A service order: one slot at one shop for one car, with its prices frozen at booking."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        PAID = "paid", _("Paid")
        CHECKED_IN = "checked_in", _("Checked in")
        IN_SERVICE = "in_service", _("In service")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")
        EXPIRED = "expired", _("Expired")
        NO_SHOW = "no_show", _("No-show")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="bookings")
    variant = models.ForeignKey("parts.Variant", on_delete=models.PROTECT, related_name="+")
    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="bookings")
    package = models.ForeignKey(
        "parts.Package", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service_item_codes = models.JSONField(_("service items"), default=list)
    starts_at = models.DateTimeField(_("slot"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT
    )
    parts_amount = models.DecimalField(_("parts"), max_digits=12, decimal_places=2)
    labour_amount = models.DecimalField(_("labour"), max_digits=12, decimal_places=2)
    total_amount = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    pay_by = models.DateTimeField(_("pay by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "pay_by"], name="bookings_unpaid_due_idx"),
            models.Index(fields=["shop", "starts_at"], name="bookings_shop_day_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_amount__gte=0), name="bookings_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The order number people read: date booked + id, e.g. CP261122000042."""
        created: datetime = timezone.localtime(self.created_at) if self.created_at else timezone.localtime()
        return f"CP{created:%y%m%d}{self.pk or 0:06d}"

    @property
    def is_cancellable(self) -> bool:
        return self.status in (self.Status.AWAITING_PAYMENT, self.Status.PAID)

    @property
    def is_payable(self) -> bool:
        return self.status == self.Status.AWAITING_PAYMENT and self.pay_by > timezone.now()


class PricedLine(models.Model):
    """A frozen priced line (a part or labour) as the owner saw it: an order's or an extra's."""

    class Kind(models.TextChoices):
        PART = "part", _("Part")
        LABOUR = "labour", _("Labour")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    sku = models.CharField(max_length=60, blank=True)
    name_en = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    unit_price_amount = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position"]

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en

    @classmethod
    def frozen(cls, quote_lines, **parent) -> list:
        """Unsaved lines of ``cls`` for a quote's lines (``parts.quoting.QuoteLine``), in order,
        each with ``parent`` (``booking=…`` or ``additional_work=…``)."""
        return [
            cls(
                kind=line.kind,
                service_item_code=line.service_item_code,
                sku=line.sku,
                name_en=line.name_en,
                name_zh=line.name_zh,
                quantity=line.quantity,
                unit_price_amount=line.unit_price,
                amount=line.amount,
                position=position,
                **parent,
            )
            for position, line in enumerate(quote_lines)
        ]


class BookingLine(PricedLine):
    """One frozen line of the order's quote, exactly as the owner saw it."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="lines")
    service_item_code = models.CharField(max_length=40)

    class Meta(PricedLine.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.name_en} × {self.quantity}"


class StateEvent(models.Model):
    """One state change (an order's or an extra's): who, when and why; the subclass adds what
    changed and its from/to states."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]


class BookingEvent(StateEvent):
    """One state change of a booking: who, when, from what to what, and why."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=Booking.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Booking.Status.choices)

    class Meta(StateEvent.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status or '-'} → {self.to_status}"


class ServiceStep(models.Model):
    """One step of the service log: what was done, by which technician, with what result."""

    class Result(models.TextChoices):
        DONE = "done", _("Done")
        NEEDS_ATTENTION = "needs_attention", _("Needs attention")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="steps")
    description = models.CharField(_("what was done"), max_length=200)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("technician")
    )
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, default=Result.DONE)
    note = models.CharField(_("note for the owner"), max_length=500, blank=True)
    additional_work = models.ForeignKey(
        "AdditionalWork",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="steps",
        verbose_name=_("additional work"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("service step")
        verbose_name_plural = _("service steps")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.description}"


class ServiceVisit(models.Model):
    """The shop's side of one order: check-in (drop-off time and odometer) and completion."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="visit")
    checked_in_at = models.DateTimeField(_("dropped off at"))
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    odometer_km = models.PositiveIntegerField(_("odometer at drop-off (km)"))
    fault_description = models.CharField(_("fault or request described"), max_length=500, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("service visit")
        verbose_name_plural = _("service visits")

    def __str__(self) -> str:
        return f"visit of booking {self.booking_id}"


class HealthRecord(models.Model):
    """The car's health-record entry for one completed order: the 13 fields of JT/T 1132."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="health_records")
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="health_record")
    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="+")
    shop_name = models.CharField(_("repair shop"), max_length=120)
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    plate = models.CharField(_("plate"), max_length=10)
    drop_off_date = models.DateField(_("drop-off date"))
    drop_off_mileage_km = models.PositiveIntegerField(_("drop-off mileage (km)"))
    settlement_date = models.DateField(_("settlement date"))
    settlement_number = models.CharField(_("settlement list number"), max_length=30, unique=True)
    fault_description = models.CharField(_("fault description"), max_length=500, blank=True)
    repair_items = models.JSONField(_("repair items"), default=list)
    labour_hours = models.DecimalField(_("labour hours"), max_digits=6, decimal_places=2)
    parts = models.JSONField(_("parts"), default=list)  # [{"name", "code", "quantity"}]
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("health record entry")
        verbose_name_plural = _("health record entries")
        ordering = ["-settlement_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.plate} {self.settlement_number}"


class Review(models.Model):
    """The owner's rating of a completed order (once), and the shop manager's reply (once)."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="review")
    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="reviews")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    quality = models.PositiveSmallIntegerField(_("quality"))
    timeliness = models.PositiveSmallIntegerField(_("timeliness"))
    attitude = models.PositiveSmallIntegerField(_("attitude"))
    transparency = models.PositiveSmallIntegerField(_("price transparency"))
    text = models.TextField(_("your review"), max_length=1000, blank=True)
    reply = models.TextField(_("shop's reply"), max_length=1000, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    SCORES = ("quality", "timeliness", "attitude", "transparency")

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    quality__range=(1, 5),
                    timeliness__range=(1, 5),
                    attitude__range=(1, 5),
                    transparency__range=(1, 5),
                ),
                name="bookings_review_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"review of booking {self.booking_id}"

    @property
    def score(self):
        from decimal import Decimal

        return Decimal(sum(getattr(self, s) for s in self.SCORES)) / 4


class Complaint(models.Model):
    """The owner's complaint about one order (at most one per order), decided once by a platform
    admin: resolved (possibly with a penalty on the shop, linked from ``payments.Penalty``) or
    rejected, with a note."""

    class Category(models.TextChoices):
        PRICE = "price", _("Charged more than booked")
        QUALITY = "quality", _("Quality of the work")
        TIMELINESS = "timeliness", _("Timeliness")
        ATTITUDE = "attitude", _("Attitude")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("complaint", "Open")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Rejected")

    TEXT_MAX_LENGTH = 1000

    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, related_name="complaint", verbose_name=_("order")
    )
    shop = models.ForeignKey(
        "shops.Shop", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("shop")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("car owner")
    )
    category = models.CharField(_("what went wrong"), max_length=12, choices=Category.choices)
    text = models.TextField(_("what happened"), max_length=TEXT_MAX_LENGTH)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution_note = models.TextField(_("resolution note"), max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="bookings_complaint_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="open", decided_at__isnull=True, decided_by__isnull=True)
                    | (
                        models.Q(status__in=("resolved", "rejected"))
                        & models.Q(decided_at__isnull=False, decided_by__isnull=False)
                        & ~models.Q(resolution_note="")
                    )
                ),
                name="bookings_complaint_decided_with_who_when_note",
            ),
        ]

    def __str__(self) -> str:
        return f"complaint about {self.booking}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


# --- additional work (price lock), photos, parts actually used -------------------------------


class AdditionalWork(models.Model):
    """Extra work found in the workshop: priced like a booking, done and charged only once the
    owner approves it on their phone (the approval is kept as ``AdditionalWorkDecision``)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for the owner")
        APPROVED = "approved", _("Approved, to pay")
        PAID = "paid", _("Approved and paid")
        DECLINED = "declined", _("Declined by the owner")
        WITHDRAWN = "withdrawn", _("Withdrawn by the shop")
        EXPIRED = "expired", _("Expired")

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="extras")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(_("why it is needed"), max_length=500)
    parts_amount = models.DecimalField(_("parts"), max_digits=12, decimal_places=2)
    labour_amount = models.DecimalField(_("labour"), max_digits=12, decimal_places=2)
    total_amount = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("additional work")
        verbose_name_plural = _("additional work")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_amount__gt=0), name="bookings_extra_total_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(total_amount=models.F("parts_amount") + models.F("labour_amount")),
                name="bookings_extra_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"extra #{self.pk} of booking {self.booking_id} ({self.status})"

    @property
    def service_item_codes(self) -> list[str]:
        """The service items of its lines (the commission quote reads them like a booking's)."""
        return sorted({line.service_item_code for line in self.lines.all()})

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.REQUESTED, self.Status.APPROVED)


class AdditionalWorkLine(PricedLine):
    """One frozen line of an extra, priced at the shop when it was raised."""

    additional_work = models.ForeignKey(AdditionalWork, on_delete=models.CASCADE, related_name="lines")
    service_item_code = models.CharField(max_length=40, blank=True)

    class Meta(PricedLine.Meta):
        pass

    def __str__(self) -> str:
        return f"extra {self.additional_work_id}: {self.name_en} × {self.quantity}"


class AdditionalWorkEvent(StateEvent):
    """One state change of an extra: who, when, from what to what."""

    additional_work = models.ForeignKey(AdditionalWork, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=AdditionalWork.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=AdditionalWork.Status.choices)

    class Meta(StateEvent.Meta):
        pass

    def __str__(self) -> str:
        return f"extra {self.additional_work_id}: {self.from_status or '-'} → {self.to_status}"


class EvidenceImmutable(Exception):
    """Evidence rows are written once (the database refuses updates too)."""


class AdditionalWorkDecision(models.Model):
    """The owner's approval or refusal of an extra, kept as evidence: who, when, from which
    device, and the exact snapshot (lines, totals, reason, photo digests) with its SHA-256.
    Written once; the database refuses any UPDATE (migration 0004's trigger)."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    additional_work = models.OneToOneField(AdditionalWork, on_delete=models.PROTECT, related_name="decision")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))
    snapshot = models.JSONField(_("what was shown"))
    snapshot_sha256 = models.CharField(_("SHA-256 of what was shown"), max_length=64)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("owner's decision on additional work")
        verbose_name_plural = _("owners' decisions on additional work")

    def __str__(self) -> str:
        return f"{self.decision} extra {self.additional_work_id} at {self.decided_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise EvidenceImmutable("an owner's decision is evidence: it is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise EvidenceImmutable("an owner's decision is evidence: it is never deleted")


PHOTO_FOLDER = "service-photos"


def photo_upload_to(instance, filename: str) -> str:
    """Photos live under MEDIA_ROOT/service-photos/<booking>/ with an unguessable name."""
    return f"{PHOTO_FOLDER}/{instance.booking_id}/{uuid4().hex}.jpg"


class ServicePhoto(models.Model):
    """A photo of the work (on a step or an extra). Re-encoded on upload (no EXIF); served only
    to the order's owner and the shop's staff, through ``orders:photo``, never as public media."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="photos")
    step = models.ForeignKey(
        ServiceStep, on_delete=models.PROTECT, null=True, blank=True, related_name="photos"
    )
    additional_work = models.ForeignKey(
        AdditionalWork, on_delete=models.PROTECT, null=True, blank=True, related_name="photos"
    )
    image = models.ImageField(
        _("photo"), upload_to=photo_upload_to, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("service photo")
        verbose_name_plural = _("service photos")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"photo {self.pk} of booking {self.booking_id}"


class PartUsed(models.Model):
    """A part actually fitted during the service (may differ from the booked lines); the health
    record's part name, code and quantity come from these rows."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="parts_used")
    additional_work = models.ForeignKey(
        AdditionalWork,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parts_used",
        verbose_name=_("additional work"),
    )
    part = models.ForeignKey("parts.Part", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    code = models.CharField(_("part code"), max_length=60)
    name_en = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=8, decimal_places=2)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="bookings_part_used_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} × {self.quantity} on booking {self.booking_id}"

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en
