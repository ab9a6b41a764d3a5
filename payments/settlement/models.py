"""Settlement data: commission rules, penalties, settlement runs, statements and payouts.

A statement is unique per shop and period end (the exactly-once key of settlement, decision 0011),
and per shop and number; a shop's statements cover contiguous, disjoint ranges of redemption time,
so a redemption belongs to a statement by its time, with no link written on it (decision 0012).
A payout is unique per statement.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CommissionRule(models.Model):
    """A commission rate for a shop, a service item (the service category), or both, in a window.

    The most specific rule valid at redemption wins: shop + service, then shop, then service;
    without one, the shop's agreement rate (``Shop.commission_rate``, whose default is the
    platform default ``SHOP_DEFAULT_COMMISSION_RATE``).
    """

    shop = models.ForeignKey(
        "shops.Shop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commission_rules",
        verbose_name=_("shop"),
    )
    service_item = models.ForeignKey(
        "parts.ServiceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service category"),
    )
    rate = models.DecimalField(_("commission rate"), max_digits=5, decimal_places=4)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("commission rule")
        verbose_name_plural = _("commission rules")
        ordering = ["shop_id", "service_item_id", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, rate__lte=1), name="payments_commissionrule_rate_range"
            ),
            models.CheckConstraint(
                condition=models.Q(shop__isnull=False) | models.Q(service_item__isnull=False),
                name="payments_commissionrule_names_shop_or_service",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gt=models.F("valid_from")),
                name="payments_commissionrule_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop or '*'} / {self.service_item or '*'}: {self.rate}"


class Penalty(models.Model):
    """A fine an admin charged a shop; posted to the ledger at once, deducted in its next statement."""

    shop = models.ForeignKey(
        "shops.Shop", on_delete=models.PROTECT, related_name="penalties", verbose_name=_("shop")
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=settings.CURRENCY)
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("charged by")
    )
    created_at = models.DateTimeField(_("charged at"), default=timezone.now)
    ledger_entry = models.ForeignKey("payments.JournalEntry", on_delete=models.PROTECT, related_name="+")
    statement = models.ForeignKey(
        "payments.Statement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="penalties",
        verbose_name=_("statement"),
    )
    complaint = models.ForeignKey(
        "bookings.Complaint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="penalties",
        verbose_name=_("complaint"),
    )

    class Meta:
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payments_penalty_amount_positive"),
        ]
        indexes = [models.Index(fields=["shop", "statement"], name="payments_penalty_open_idx")]

    def __str__(self) -> str:
        return f"{self.shop}: {self.amount} ({self.reason})"


class SettlementRun(models.Model):
    """One execution of settlement for a period end (by beat or by hand), with its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    period_end = models.DateField(_("period end"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    shops_total = models.PositiveIntegerField(_("shops to settle"), default=0)
    shops_done = models.PositiveIntegerField(_("shops settled"), default=0)
    statements_created = models.PositiveIntegerField(_("statements created"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("settlement run")
        verbose_name_plural = _("settlement runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"settlement {self.period_end} #{self.pk} ({self.status})"

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.COMPLETED:
            return 100
        if not self.shops_total:
            return 0
        return min(100, round(100 * self.shops_done / self.shops_total))

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


#: Where a shop's first statement starts: before any redemption the platform can hold.
SETTLEMENT_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class Statement(models.Model):
    """What one shop earned in one period: its settled redemptions, minus penalties.

    ``net = opening + merchant − penalty``; ``opening`` carries a negative net of the shop's
    previous statement (penalties larger than the earnings); ``payout`` is the net when positive.

    Its redemptions are the shop's live ones with ``covers_from <= redeemed_at < covers_until``.
    Statement ``number`` n + 1 of a shop starts where statement n ended (the first at
    ``SETTLEMENT_EPOCH``), so the ranges are contiguous and disjoint and each live redemption is
    in at most one statement; a database trigger refuses a redemption written, undone or changed
    inside a range already settled (decision 0012).
    """

    shop = models.ForeignKey(
        "shops.Shop", on_delete=models.PROTECT, related_name="statements", verbose_name=_("shop")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    number = models.PositiveIntegerField(_("statement number"))
    covers_from = models.DateTimeField(_("redeemed from"))
    covers_until = models.DateTimeField(_("redeemed before"))
    run = models.ForeignKey(SettlementRun, on_delete=models.PROTECT, related_name="statements")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    redemption_count = models.PositiveIntegerField(_("redemptions"), default=0)
    gross_amount = models.DecimalField(_("order totals"), max_digits=14, decimal_places=2, default=0)
    commission_amount = models.DecimalField(_("commission"), max_digits=14, decimal_places=2, default=0)
    subsidy_amount = models.DecimalField(_("campaign subsidies"), max_digits=14, decimal_places=2, default=0)
    merchant_amount = models.DecimalField(_("merchant earnings"), max_digits=14, decimal_places=2, default=0)
    penalty_amount = models.DecimalField(_("penalties"), max_digits=14, decimal_places=2, default=0)
    opening_amount = models.DecimalField(_("carried over"), max_digits=14, decimal_places=2, default=0)
    net_amount = models.DecimalField(_("net"), max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default=settings.CURRENCY)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-period_end", "shop_id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "period_end"], name="payments_statement_once_per_period"),
            models.UniqueConstraint(fields=["shop", "number"], name="payments_statement_number_unique"),
            models.CheckConstraint(
                condition=models.Q(covers_until__gt=models.F("covers_from")),
                name="payments_statement_covers_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    net_amount=models.F("opening_amount")
                    + models.F("merchant_amount")
                    - models.F("penalty_amount")
                ),
                name="payments_statement_net_adds_up",
            ),
            models.CheckConstraint(
                condition=models.Q(opening_amount__lte=0), name="payments_statement_opening_le_0"
            ),
        ]
        indexes = [
            models.Index(fields=["period_end"], name="payments_statement_period_idx"),
            # "is this moment settled?" (the redemption trigger, undo, counters) and "where does the
            # shop's next statement start?" (settlement): one probe each
            models.Index(fields=["shop", "covers_until"], name="payments_statement_covers_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.shop} {self.period_start}–{self.period_end}"

    @property
    def payout_amount(self):
        return max(self.net_amount, 0)


class Payout(models.Model):
    """Money sent to a shop for one statement; retried on failure; an admin may hold it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        HELD = "held", _("On hold")
        SENT = "sent", _("Sent, awaiting the bank")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    statement = models.OneToOneField(Statement, on_delete=models.PROTECT, related_name="payout")
    shop = models.ForeignKey(
        "shops.Shop", on_delete=models.PROTECT, related_name="payouts", verbose_name=_("shop")
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=settings.CURRENCY)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    provider_ref = models.CharField(_("provider reference"), max_length=80, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payments_payout_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="payments_payout_due_idx")]

    def __str__(self) -> str:
        return f"payout #{self.pk} {self.shop} {self.amount} ({self.status})"
