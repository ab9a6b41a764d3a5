"""Django admin for payments: the ledger is read-only here (a mistake gets a reversing entry)."""

import contextlib
import re
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from bookings.models import Complaint
from bookings.services import complaint_decide
from common.errors import DomainError
from payments.ledger.models import JournalEntry, JournalLine, LedgerAccount
from payments.settlement.models import CommissionRule, Payout, Penalty, SettlementRun, Statement
from payments.settlement.services import (
    complaint_resolve_with_penalty,
    payout_hold,
    payout_release,
    penalty_create,
)


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


# --- complaints ----------------------------------------------------------------------------------
# ``Complaint`` lives in ``bookings``; its admin lives here because resolving one may fine the shop
# (``complaint_resolve_with_penalty``), and ``bookings`` is a floor below ``payments``.

ORDER_NUMBER = re.compile(r"^CP\d{6}(\d+)$", re.IGNORECASE)


class ComplaintDecisionForm(forms.ModelForm):
    """Decide an open complaint: resolve (optionally fining the shop) or reject, with a note."""

    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("resolve", _("Resolve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("resolution note"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The owner sees it on the order page."),
    )
    penalty_amount = forms.DecimalField(
        label=_("fine the shop (CNY)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("Optional, only when resolving: deducted from the shop's next statement."),
    )

    class Meta:
        model = Complaint
        fields = ()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and cleaned.get("penalty_amount"):
            self.add_error("penalty_amount", _("A rejected complaint fines nobody."))
        return cleaned


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Admins read complaints and decide each open one once; nothing else is edited here."""

    list_display = ("id", "order_number", "shop", "category", "status", "created_at", "decided_at")
    list_filter = ("status", "category", "shop")
    search_fields = ("text",)
    search_help_text = _("Order number (CP…) or words of the complaint")
    list_select_related = ("booking", "shop")
    readonly_fields = (
        "order_number",
        "shop",
        "owner",
        "category",
        "text",
        "created_at",
        "status",
        "resolution_note",
        "decided_by",
        "decided_at",
        "penalties_charged",
    )

    @admin.display(description=_("order"), ordering="booking_id")
    def order_number(self, obj):
        return obj.booking.number

    @admin.display(description=_("penalties"))
    def penalties_charged(self, obj):
        return ", ".join(f"{p.amount} {p.currency}" for p in obj.penalties.all()) or "—"

    def get_search_results(self, request, queryset, search_term):
        match = ORDER_NUMBER.match(search_term.strip())
        if match:
            return queryset.filter(booking_id=int(match.group(1))), False
        if search_term.strip().isdigit():
            return queryset.filter(booking_id=int(search_term.strip())), False
        return super().get_search_results(request, queryset, search_term)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and obj.is_open:
            kwargs["form"] = ComplaintDecisionForm
            kwargs["fields"] = ("decision", "note", "penalty_amount")
        else:
            kwargs["fields"] = ()
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.is_open:
            fields += ["decision", "note", "penalty_amount"]
        return fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        """A decided complaint is only looked at."""
        return super().has_change_permission(request, obj) and (obj is None or obj.is_open)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if "decision" not in data:
            return
        try:
            if data["decision"] == "resolve" and data.get("penalty_amount"):
                complaint_resolve_with_penalty(
                    complaint_id=obj.pk, note=data["note"], amount=data["penalty_amount"], actor=request.user
                )
            else:
                complaint_decide(
                    complaint_id=obj.pk,
                    resolve=data["decision"] == "resolve",
                    note=data["note"],
                    actor=request.user,
                )
        except DomainError as exc:
            request._complaint_error = exc.message
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """Nothing related is edited on this form."""

    def log_change(self, request, obj, message):
        if not getattr(request, "_complaint_error", None):
            super().log_change(request, obj, message)

    def response_change(self, request, obj):
        error = getattr(request, "_complaint_error", None)
        if error:
            self.message_user(request, error, messages.ERROR)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)
