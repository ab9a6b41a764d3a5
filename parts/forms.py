"""Forms of the catalogue pages: the quote builder and the parts browser's filter."""

from django import forms
from django.utils.translation import gettext_lazy as _

from parts.models import Part, Tier


class QuoteForm(forms.Form):
    """Service items to quote for one variant, at a tier (or the cheapest fitting parts)."""

    items = forms.MultipleChoiceField(
        label=_("Services"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one service.")},
    )
    tier = forms.ChoiceField(
        label=_("Parts tier"),
        required=False,
        choices=[("", _("Cheapest that fits")), *Tier.choices],
    )

    def __init__(self, *args, service_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(item.code, item.name) for item in service_items]


class PartFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=40)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Part.Category.choices]
    )
    fits = forms.BooleanField(label=_("Only parts that fit my car"), required=False)
