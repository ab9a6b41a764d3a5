"""Django admin for the catalogue."""

from django.contrib import admin

from parts import quoting
from parts.models import (
    Brand,
    Fitment,
    Package,
    PackageItem,
    Part,
    ServiceItem,
    ServiceItemPart,
    Variant,
    VehicleModel,
)


class CatalogueAdmin(admin.ModelAdmin):
    """Deleting catalogue rows here makes the cached resolutions unreachable, as saving does (saves
    signal it from anywhere; deletes are announced where they happen, so that bulk deletes elsewhere
    keep Django's fast path instead of loading every row to send a signal)."""

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        quoting.catalogue_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        quoting.catalogue_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        quoting.catalogue_changed()  # inline rows may have been deleted


@admin.register(Brand)
class BrandAdmin(CatalogueAdmin):
    list_display = ("name_zh", "name_en", "slug", "country", "initials")
    search_fields = ("name_zh", "name_en", "slug", "initials", "pinyin")


@admin.register(VehicleModel)
class VehicleModelAdmin(CatalogueAdmin):
    list_display = ("name_zh", "name_en", "brand", "body", "slug")
    list_filter = ("brand", "body")
    search_fields = ("name_zh", "name_en", "slug", "initials", "pinyin")


@admin.register(Variant)
class VariantAdmin(CatalogueAdmin):
    list_display = (
        "slug",
        "model",
        "name_zh",
        "year_from",
        "year_to",
        "fuel",
        "engine_code",
        "oil_capacity_l",
    )
    list_filter = ("fuel", "model__brand")
    search_fields = ("slug", "name_zh", "name_en", "engine_code")
    list_select_related = ("model__brand",)


@admin.register(Part)
class PartAdmin(CatalogueAdmin):
    list_display = ("sku", "name_zh", "category", "maker_zh", "tier", "list_price_amount", "match_key")
    list_filter = ("category", "tier")
    search_fields = ("sku", "name_zh", "name_en", "spec")


@admin.register(Fitment)
class FitmentAdmin(CatalogueAdmin):
    list_display = ("part", "variant", "category")
    list_filter = ("category",)
    raw_id_fields = ("part", "variant")
    list_select_related = ("part", "variant__model__brand")


class ServiceItemPartInline(admin.TabularInline):
    model = ServiceItemPart
    extra = 0


@admin.register(ServiceItem)
class ServiceItemAdmin(CatalogueAdmin):
    list_display = ("code", "name_zh", "name_en", "labour_hours", "applies_to", "sort")
    inlines = [ServiceItemPartInline]


class PackageItemInline(admin.TabularInline):
    model = PackageItem
    extra = 0


@admin.register(Package)
class PackageAdmin(CatalogueAdmin):
    list_display = ("code", "name_zh", "family", "tier", "sort")
    inlines = [PackageItemInline]
