"""Django admin for payments: the ledger is read-only here (a mistake gets a reversing entry)."""

import contextlib

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from payments.ledger.models import JournalEntry, JournalLine, LedgerAccount
from payments.settlement.models import CommissionRule, Payout, Penalty, SettlementRun, Statement
from payments.settlement.services import payout_hold, payout_release, penalty_create


class ReadOnlyAdmin(admin.ModelAdmin):
    """Platform admins may look; nobody adds, changes or deletes ledger rows through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "shop", "currency", "created_at")
    list_filter = ("kind",)
    search_fields = ("code", "shop__name")
    list_select_related = ("shop",)

    @admin.display(description=_("name"))
    def name(self, account: LedgerAccount) -> str:
        return account.display_name


class JournalLineInline(admin.TabularInline):
    model = JournalLine
    fields = ("account", "amount", "currency")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "created_at",
        "reference_type",
        "reference_id",
        "idempotency_key",
        "reverses",
    )
    list_filter = ("kind", "reference_type")
    search_fields = ("idempotency_key", "reference_id", "memo")
    date_hierarchy = "created_at"
    inlines = [JournalLineInline]


@admin.register(JournalLine)
class JournalLineAdmin(ReadOnlyAdmin):
    list_display = ("id", "entry", "account", "amount", "currency")
    list_filter = ("account__kind",)
    search_fields = ("account__code", "entry__idempotency_key", "entry__reference_id")
    list_select_related = ("entry", "account", "account__shop")


# --- settlement ---------------------------------------------------------------------------------


@admin.register(CommissionRule)
class CommissionRuleAdmin(admin.ModelAdmin):
    list_display = ("id", "shop", "service_item", "rate", "valid_from", "valid_until", "note")
    list_filter = ("service_item",)
    search_fields = ("shop__name", "service_item__code", "note")
    autocomplete_fields = ("shop",)
    list_select_related = ("shop", "service_item")


class PenaltyForm(forms.ModelForm):
    class Meta:
        model = Penalty
        fields = ("shop", "amount", "reason")


@admin.register(Penalty)
class PenaltyAdmin(admin.ModelAdmin):
    """Fining a shop posts to the ledger at once; a penalty is never edited or deleted here."""

    form = PenaltyForm
    list_display = ("id", "shop", "amount", "reason", "created_by", "created_at", "statement")
    search_fields = ("shop__name", "reason")
    autocomplete_fields = ("shop",)
    list_select_related = ("shop", "created_by", "statement")

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        penalty = penalty_create(
            shop=form.cleaned_data["shop"],
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
        obj.pk = penalty.pk
        obj.__dict__.update(penalty.__dict__)


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "period_end",
        "status",
        "shops_done",
        "shops_total",
        "statements_created",
        "created_at",
    )
    list_filter = ("status",)


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "shop",
        "number",
        "period_start",
        "period_end",
        "covers_until",
        "redemption_count",
        "gross_amount",
        "commission_amount",
        "penalty_amount",
        "net_amount",
    )
    list_filter = ("period_end",)
    search_fields = ("shop__name",)
    list_select_related = ("shop",)


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("id", "shop", "amount", "status", "attempts", "last_error", "paid_at", "created_at")
    list_filter = ("status",)
    search_fields = ("shop__name",)
    list_select_related = ("shop",)
    actions = ["hold", "release"]

    @admin.action(description=_("Hold the selected payouts"))
    def hold(self, request, queryset):
        for payout in queryset:
            with contextlib.suppress(DomainError):
                payout_hold(payout_id=payout.pk)

    @admin.action(description=_("Release the selected payouts"))
    def release(self, request, queryset):
        for payout in queryset:
            with contextlib.suppress(DomainError):
                payout_release(payout_id=payout.pk)
