"""Django admin for payments: the ledger is read-only here (a mistake gets a reversing entry)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from payments.ledger.models import JournalEntry, JournalLine, LedgerAccount


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
