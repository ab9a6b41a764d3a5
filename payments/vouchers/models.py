"""Voucher data. The codes themselves are never stored in clear (see payments.codes)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Voucher(models.Model):
    """Issued when an order is paid; the shop redeems it once when the work is done."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Valid")
        REDEEMED = "redeemed", _("Redeemed")
        REFUNDED = "refunded", _("Refunded")
        EXPIRED = "expired", _("Expired")

    booking = models.OneToOneField("bookings.Booking", on_delete=models.PROTECT, related_name="voucher")
    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="vouchers")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    # unique by constraints (Meta): ``unique=True`` would add a second, pattern-ops index per digest
    # on PostgreSQL, never used (look-ups are by equality) and rewritten on every redemption
    code_digest = models.CharField(max_length=64)
    qr_digest = models.CharField(max_length=64)
    code_encrypted = models.TextField()
    qr_encrypted = models.TextField()
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    redeemed_at = models.DateTimeField(null=True, blank=True)
    # no index: nothing looks vouchers up by who redeemed them (the redemptions say it)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        indexes = [models.Index(fields=["status", "expires_at"], name="vouchers_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["code_digest"], name="vouchers_code_digest_unique"),
            models.UniqueConstraint(fields=["qr_digest"], name="vouchers_qr_digest_unique"),
        ]

    def __str__(self) -> str:
        return f"voucher #{self.pk} ({self.get_status_display()})"

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.ISSUED and self.expires_at > timezone.now()


#: Request ids of the settlement lines of paid extras (``extra-<id>``): never a counter's.
EXTRA_REQUEST_ID_PREFIX = "extra-"


class Redemption(models.Model):
    """One redemption of a voucher at its shop: who, when, and the money split frozen at that moment.

    A manager may undo it within the undo window (then the voucher is redeemable again and a new
    row is written on the next redemption); at most one row per voucher is live (not undone).
    A paid extra of the order adds one more row (``additional_work`` set), written when it is
    paid, never undone; settlement sums it like any other line (decision 0013).
    Settlement gathers live redemptions past the undo window: a redemption belongs to the
    statement of its shop whose range of redemption time holds ``redeemed_at`` (nothing is written
    on the row; ``payments.settlement.selectors``, decision 0012).
    """

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, related_name="redemptions")
    # Null: the voucher's own redemption. Set: the settlement line of an extra paid after it.
    additional_work = models.ForeignKey(
        "bookings.AdditionalWork", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # no index of its own: vouchers_redemption_shop_idx (shop, redeemed_at) serves every shop lookup
    shop = models.ForeignKey(
        "shops.Shop", on_delete=models.PROTECT, related_name="redemptions", db_index=False
    )
    # no index of its own: vouchers_redemption_request_unique (redeemed_by, request_id) leads with it
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    request_id = models.CharField(_("request id"), max_length=64)
    redeemed_at = models.DateTimeField(_("redeemed at"), default=timezone.now)
    gross_amount = models.DecimalField(_("order total"), max_digits=12, decimal_places=2)
    commission_rate = models.DecimalField(_("commission rate"), max_digits=5, decimal_places=4)
    commission_amount = models.DecimalField(_("commission"), max_digits=12, decimal_places=2)
    subsidy_amount = models.DecimalField(_("campaign subsidy"), max_digits=12, decimal_places=2, default=0)
    merchant_amount = models.DecimalField(_("merchant earns"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    ledger_entry = models.ForeignKey("payments.JournalEntry", on_delete=models.PROTECT, related_name="+")
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    # undo columns: no indexes (nothing looks redemptions up by them; each redemption paid for two)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    undo_ledger_entry = models.ForeignKey(
        "payments.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        constraints = [
            models.UniqueConstraint(
                fields=["voucher"],
                condition=models.Q(undone_at__isnull=True, additional_work__isnull=True),
                name="vouchers_one_live_redemption",
            ),
            models.UniqueConstraint(
                fields=["additional_work"],
                condition=models.Q(additional_work__isnull=False),
                name="vouchers_one_line_per_extra",
            ),
            models.UniqueConstraint(
                fields=["redeemed_by", "request_id"], name="vouchers_redemption_request_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    merchant_amount=models.F("gross_amount")
                    - models.F("commission_amount")
                    + models.F("subsidy_amount")
                ),
                name="vouchers_redemption_split_adds_up",
            ),
        ]
        indexes = [
            # also settlement's access path: a shop's redemptions in a range of redemption time
            models.Index(fields=["shop", "redeemed_at"], name="vouchers_redemption_shop_idx"),
        ]

    def __str__(self) -> str:
        return f"redemption of voucher {self.voucher_id} at {self.redeemed_at:%Y-%m-%d %H:%M}"

    @property
    def is_live(self) -> bool:
        return self.undone_at is None


class RedemptionAttempt(models.Model):
    """One code typed or scanned at a shop's counter: the log the guessing throttle counts."""

    shop = models.ForeignKey("shops.Shop", on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=10)  # lookup | redeem
    outcome = models.CharField(max_length=30)  # ok, not_found, already_redeemed, ...
    is_failure = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("redemption attempt")
        verbose_name_plural = _("redemption attempts")
        # The throttle counts failures only: partial indexes keep that count (and the insert of a
        # successful attempt) independent of how many codes a counter redeems.
        indexes = [
            models.Index(
                fields=["staff", "created_at"],
                condition=models.Q(is_failure=True),
                name="vouchers_attempt_staff_fails",
            ),
            models.Index(
                fields=["shop", "created_at"],
                condition=models.Q(is_failure=True),
                name="vouchers_attempt_shop_fails",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} at shop {self.shop_id}: {self.outcome}"
