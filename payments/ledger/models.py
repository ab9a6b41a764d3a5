"""Ledger data: the chart of accounts and the append-only journal (entries and their lines).

Sign convention: a line's ``amount`` is signed, **debit positive, credit negative**; every entry's
lines sum to exactly zero, so the whole ledger (the trial balance) sums to zero too.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MERCHANT_PAYABLE_PREFIX = "merchant_payable:"


class AppendOnlyError(Exception):
    """A ledger row was asked to change or disappear; post a reversing entry instead."""


class AccountKind(models.TextChoices):
    """The four kinds we use; a contra account keeps its parent's kind (see decision 0005)."""

    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    REVENUE = "revenue", _("Revenue")
    EXPENSE = "expense", _("Expense")


class SystemAccount(models.TextChoices):
    """The platform-wide accounts, by code (one row each, created on first use)."""

    PROVIDER_CLEARING = "provider_clearing", _("Provider clearing (owner payments received)")
    ESCROW = "escrow", _("Escrow held for orders")
    COMMISSION_REVENUE = "commission_revenue", _("Platform commission revenue")
    REFUNDS = "refunds", _("Refunds (contra revenue)")
    PENALTY_REVENUE = "penalty_revenue", _("Penalties charged to merchants")
    CAMPAIGN_SUBSIDIES = "campaign_subsidies", _("Campaign subsidies")
    PAYOUTS_SENT = "payouts_sent", _("Payouts sent (bank)")


SYSTEM_ACCOUNT_KINDS: dict[str, str] = {
    SystemAccount.PROVIDER_CLEARING: AccountKind.ASSET,
    SystemAccount.ESCROW: AccountKind.LIABILITY,
    SystemAccount.COMMISSION_REVENUE: AccountKind.REVENUE,
    SystemAccount.REFUNDS: AccountKind.REVENUE,
    SystemAccount.PENALTY_REVENUE: AccountKind.REVENUE,
    SystemAccount.CAMPAIGN_SUBSIDIES: AccountKind.EXPENSE,
    SystemAccount.PAYOUTS_SENT: AccountKind.ASSET,
}


class LedgerAccount(models.Model):
    """One account of the chart: a platform account, or one shop's merchant payable."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=AccountKind.choices)
    shop = models.ForeignKey(
        "shops.Shop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
        verbose_name=_("shop"),
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.CURRENCY)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=AccountKind.values), name="payments_ledgeraccount_kind_valid"
            ),
            # A per-shop account names its shop; a platform account names none.
            models.CheckConstraint(
                condition=(
                    models.Q(code__startswith=MERCHANT_PAYABLE_PREFIX, shop__isnull=False)
                    | (~models.Q(code__startswith=MERCHANT_PAYABLE_PREFIX) & models.Q(shop__isnull=True))
                ),
                name="payments_ledgeraccount_shop_iff_per_shop",
            ),
        ]

    def __str__(self) -> str:
        return str(self.display_name)

    @property
    def display_name(self) -> str:
        if self.code in SystemAccount.values:
            return str(SystemAccount(self.code).label)
        if self.code.startswith(MERCHANT_PAYABLE_PREFIX) and self.shop_id:
            return _("Merchant payable: %(shop)s") % {"shop": self.shop}
        return self.code


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk writes that would change or remove ledger rows are refused (inserts are fine)."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only; post a reversing entry")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only; post a reversing entry")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only; post a reversing entry")

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only; post a reversing entry")

    update.queryset_only = True
    delete.queryset_only = True
    bulk_update.queryset_only = True


class AppendOnlyModel(models.Model):
    """A row is written once: saving an existing row or deleting any row raises."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only; post a reversing entry")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only; post a reversing entry")


class EntryKind(models.TextChoices):
    """What a journal entry records."""

    PAYMENT = "payment", _("Payment received")
    REFUND = "refund", _("Refund")
    REDEMPTION = "redemption", _("Redemption")
    REDEMPTION_UNDO = "redemption_undo", _("Redemption undone")
    COMMISSION = "commission", _("Commission")
    PENALTY = "penalty", _("Penalty")
    PAYOUT = "payout", _("Payout")
    PAYOUT_FAILED = "payout_failed", _("Payout failed")
    SUBSIDY = "subsidy", _("Campaign subsidy")
    REVERSAL = "reversal", _("Reversal")


REVERSING_KINDS = (EntryKind.REVERSAL.value, EntryKind.REDEMPTION_UNDO.value)


class JournalEntry(AppendOnlyModel):
    """One balanced transaction: its lines sum to zero. Written once, never changed."""

    Kind = EntryKind

    #: Kinds that negate an earlier entry (and only these carry ``reverses``).
    REVERSING_KINDS = REVERSING_KINDS

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    reference_type = models.CharField(_("reference type"), max_length=40, blank=True)
    reference_id = models.CharField(_("reference id"), max_length=64, blank=True)
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("reverses"),
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.CURRENCY)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False, db_index=True)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="payments_journalentry_idempotency_key"),
            models.CheckConstraint(
                condition=models.Q(kind__in=EntryKind.values), name="payments_journalentry_kind_valid"
            ),
            models.UniqueConstraint(fields=["reverses"], name="payments_journalentry_reversed_once"),
            models.CheckConstraint(
                condition=models.Q(kind__in=REVERSING_KINDS, reverses__isnull=False)
                | (~models.Q(kind__in=REVERSING_KINDS) & models.Q(reverses__isnull=True)),
                name="payments_journalentry_reverses_iff_reversing_kind",
            ),
        ]
        indexes = [models.Index(fields=["reference_type", "reference_id"], name="payments_je_reference")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.idempotency_key})"


class JournalLine(AppendOnlyModel):
    """One leg of an entry: a signed amount on one account (debit positive, credit negative)."""

    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="lines", verbose_name=_("journal entry")
    )
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="lines", verbose_name=_("account")
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=settings.CURRENCY)

    class Meta:
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        ordering = ["entry_id", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="payments_journalline_amount_nonzero"),
        ]

    def __str__(self) -> str:
        side = _("debit") if self.amount > 0 else _("credit")
        return f"{self.account} {side} {abs(self.amount)} {self.currency}"
