"""Forms for the owner's pages: the garage, booking a slot, a complaint."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.models import Complaint, Vehicle, plate_validator
from common.errors import DomainError
from parts.models import Variant
from parts.vin import vin_validate


class PlateField(forms.CharField):
    """A plate as people type it: any case, spaces or a middle dot allowed."""

    def to_python(self, value):
        return super().to_python(value).upper().replace(" ", "").replace("·", "")


class VehicleForm(forms.ModelForm):
    variant = forms.ModelChoiceField(
        queryset=Variant.objects.select_related("model__brand"), widget=forms.HiddenInput, label=_("Model")
    )
    plate = PlateField(
        label=_("Plate"),
        max_length=10,
        validators=[plate_validator],
        widget=forms.TextInput(attrs={"placeholder": "浙A12345", "autocapitalize": "characters"}),
    )

    class Meta:
        model = Vehicle
        fields = ("variant", "plate", "vin", "nickname", "odometer_km")
        widgets = {"vin": forms.TextInput(attrs={"autocapitalize": "characters", "maxlength": 17})}

    def clean_vin(self):
        vin = self.cleaned_data.get("vin", "").strip().upper()
        if vin:
            try:
                vin = vin_validate(vin)
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from exc
        return vin


class BookForm(forms.Form):
    """What the owner confirms on the booking page; prices are recomputed, never posted."""

    shop = forms.IntegerField(widget=forms.HiddenInput)
    vehicle = forms.IntegerField(widget=forms.HiddenInput)
    package = forms.CharField(required=False, widget=forms.HiddenInput)
    items = forms.CharField(required=False, widget=forms.HiddenInput)
    slot = forms.DateTimeField(label=_("Time"))


class ComplaintForm(forms.Form):
    prefix = "complaint"  # the order page also has the review form, whose text field is "text"

    category = forms.ChoiceField(label=_("What went wrong"), choices=Complaint.Category.choices)
    text = forms.CharField(
        label=_("What happened"),
        max_length=Complaint.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A platform admin reads it and answers here; the shop may be penalised."),
    )
