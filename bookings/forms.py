"""Forms for the owner's pages: the shop search."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parts.models import Package, ServiceItem, Variant
from shops.forms import DistrictChoiceField
from shops.models import District

SORTS = [
    ("best", _("Best match")),
    ("price", _("Lowest price")),
    ("distance", _("Nearest")),
    ("rating", _("Best rated")),
]


class VariantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Variant) -> str:
        return str(obj)


class PackageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Package) -> str:
        return obj.name


class ServiceItemsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: ServiceItem) -> str:
        return obj.name


class ShopSearchForm(forms.Form):
    """A car, a package or service items, a district and a day (GET: the results can be linked)."""

    variant = VariantChoiceField(
        label=_("Your car"),
        queryset=Variant.objects.select_related("model__brand").order_by(
            "model__brand__name_en", "model__name_en", "year_from", "name_en"
        ),
        empty_label=_("Pick your car"),
    )
    package = PackageChoiceField(
        label=_("Maintenance package"),
        queryset=Package.objects.order_by("sort", "code"),
        required=False,
        empty_label=_("No package"),
    )
    service_items = ServiceItemsField(
        label=_("Or single services"),
        queryset=ServiceItem.objects.order_by("sort", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
    )
    district = DistrictChoiceField(
        label=_("Where are you?"), queryset=District.objects.all(), empty_label=_("Pick a district")
    )
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)
    max_distance_km = forms.IntegerField(
        label=_("Max distance (km)"), min_value=1, max_value=50, required=False
    )
    max_price = forms.DecimalField(
        label=_("Max total price (CNY)"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    open_on_day = forms.BooleanField(label=_("Only shops with a free time that day"), required=False)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("Pick today or a later day."))
        return day

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("package") and not cleaned.get("service_items"):
            raise forms.ValidationError(_("Choose at least one service or a maintenance package."))
        return cleaned
