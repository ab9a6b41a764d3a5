"""Forms of the staff console's pages: check-in, a service step, a reply to a review."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.models import ServiceStep


class CheckInForm(forms.Form):
    odometer_km = forms.IntegerField(
        label=_("Odometer (km)"),
        min_value=0,
        max_value=2_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    fault_description = forms.CharField(
        label=_("What the owner reports"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm_lower = forms.BooleanField(label=_("Yes, the reading is lower than the last one"), required=False)


class StepForm(forms.Form):
    description = forms.CharField(label=_("What was done"), max_length=200)
    result = forms.ChoiceField(
        label=_("Result"), choices=ServiceStep.Result.choices, initial=ServiceStep.Result.DONE
    )
    note = forms.CharField(
        label=_("Note for the owner"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Your reply"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    SCORE_CHOICES = [(i, "★" * i) for i in range(5, 0, -1)]

    quality = forms.TypedChoiceField(label=_("Quality"), choices=SCORE_CHOICES, coerce=int, initial=5)
    timeliness = forms.TypedChoiceField(label=_("Timeliness"), choices=SCORE_CHOICES, coerce=int, initial=5)
    attitude = forms.TypedChoiceField(label=_("Attitude"), choices=SCORE_CHOICES, coerce=int, initial=5)
    transparency = forms.TypedChoiceField(
        label=_("Price transparency"), choices=SCORE_CHOICES, coerce=int, initial=5
    )
    text = forms.CharField(
        label=_("Your review"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
