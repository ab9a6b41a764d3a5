"""Django admin for the shop network: platform admins approve, suspend and reactivate shops here."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from shops.models import District, Membership, Shop, ShopClosure, ShopService, SlotCapacity
from shops.services import InvalidShopTransition, shop_transition


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class ShopClosureInline(admin.TabularInline):
    model = ShopClosure
    extra = 0


class ShopServiceInline(admin.TabularInline):
    model = ShopService
    extra = 0
    raw_id_fields = ["service_item"]


def _transition_action(to: str, label):
    def action(modeladmin, request, queryset):
        done = 0
        for shop in queryset:
            try:
                shop_transition(shop=shop, to=to)
            except InvalidShopTransition:
                modeladmin.message_user(
                    request,
                    _("%(shop)s: not possible from status %(status)s.")
                    % {"shop": shop.name, "status": shop.get_status_display()},
                    level=messages.WARNING,
                )
            else:
                done += 1
        modeladmin.message_user(
            request, ngettext("%(count)d shop updated.", "%(count)d shops updated.", done) % {"count": done}
        )

    action.__name__ = f"make_{to}"
    action.short_description = label
    return action


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "district", "status", "rating", "dispatch_priority", "created_at")
    list_filter = ("status", "kind", "district")
    search_fields = ("name", "name_en", "slug", "address")
    prepopulated_fields = {"slug": ("name_en",)}
    readonly_fields = ("status",)
    inlines = [MembershipInline, ShopServiceInline, ShopClosureInline]
    actions = [
        _transition_action(Shop.Status.ACTIVE, _("Approve or reactivate the selected shops")),
        _transition_action(Shop.Status.SUSPENDED, _("Suspend the selected shops")),
    ]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "city_zh", "lat", "lng")
    search_fields = ("code", "name_zh", "name_en")
    list_filter = ("city_zh",)


@admin.register(SlotCapacity)
class SlotCapacityAdmin(admin.ModelAdmin):
    list_display = ("shop", "starts_at", "capacity", "booked")
    list_filter = ("shop",)
    readonly_fields = ("shop", "starts_at", "capacity", "booked")
    date_hierarchy = "starts_at"
