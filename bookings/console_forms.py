"""Forms of the staff console's pages: check-in, a service step, additional work, a part used, a reply."""

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


PHOTO_WIDGET = forms.ClearableFileInput(
    attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
)


def _extra_choices(extras) -> list[tuple[str, str]]:
    """The order's approved extras, for a step or a part that belongs to one."""
    return [("", _("The booked work"))] + [
        (
            str(extra.pk),
            _("Additional work #%(n)s: %(reason)s") % {"n": extra.pk, "reason": extra.reason[:40]},
        )
        for extra in extras
    ]


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
    additional_work = forms.TypedChoiceField(
        label=_("Part of"), required=False, coerce=int, empty_value=None, choices=()
    )
    photo = forms.FileField(
        label=_("Photo for the owner"),
        required=False,
        widget=PHOTO_WIDGET,
        help_text=_("JPEG, PNG or WebP, at most 8 MB."),
    )

    def __init__(self, *args, extras=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["additional_work"].choices = _extra_choices(extras)
        if not extras:
            del self.fields["additional_work"]


class ExtraForm(forms.Form):
    """Staff raise additional work: what, why, and a photo; the server prices it."""

    reason = forms.CharField(
        label=_("Why it is needed"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    service_items = forms.MultipleChoiceField(
        label=_("Services"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    part_code = forms.CharField(label=_("Part code (SKU)"), max_length=60, required=False)
    part_quantity = forms.DecimalField(
        label=_("Part quantity"), min_value=0, max_digits=8, decimal_places=2, required=False, initial=1
    )
    labour_hours = forms.DecimalField(
        label=_("Extra labour hours"), min_value=0, max_digits=6, decimal_places=2, required=False
    )
    labour_description = forms.CharField(label=_("Labour for"), max_length=150, required=False)
    photo = forms.FileField(
        label=_("Photo for the owner"),
        required=False,
        widget=PHOTO_WIDGET,
        help_text=_("JPEG, PNG or WebP, at most 8 MB."),
    )

    def __init__(self, *args, service_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_items"].choices = [(item.code, item.name) for item in service_items]


class PartUsedForm(forms.Form):
    code = forms.CharField(label=_("Part code"), max_length=60)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, max_digits=8, decimal_places=2, initial=1)
    name = forms.CharField(
        label=_("Part name"),
        max_length=200,
        required=False,
        help_text=_("Needed for a code outside the catalogue."),
    )
    additional_work = forms.TypedChoiceField(
        label=_("Part of"), required=False, coerce=int, empty_value=None, choices=()
    )

    def __init__(self, *args, extras=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["additional_work"].choices = _extra_choices(extras)
        if not extras:
            del self.fields["additional_work"]


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
