"""Forms for the owner's pages: the shop search."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shops.forms import DistrictChoiceField
from shops.models import District

SORTS = [
    ("best", _("Best match")),
    ("distance", _("Nearest")),
    ("price", _("Lowest price")),
    ("rating", _("Best rated")),
]


class ShopSearchForm(forms.Form):
    district = DistrictChoiceField(
        label=_("Where are you?"), queryset=District.objects.all(), empty_label=_("Pick a district")
    )
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False, initial="best")
    max_distance_km = forms.IntegerField(
        label=_("Max distance (km)"), min_value=1, max_value=50, required=False
    )
    open_on_day = forms.BooleanField(label=_("Only shops with a free time that day"), required=False)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("Pick today or a later day."))
        return day
