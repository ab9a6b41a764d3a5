"""Forms for the shop pages: application, the manager's settings, hours, closures, staff."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shops.models import District, Membership, Shop

WEEKDAY_NAMES = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)


class DistrictChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: District) -> str:
        return f"{obj.city_zh} {obj.name_zh} ({obj.name_en})"


class ShopApplicationForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=120)
    name_en = forms.CharField(label=_("English name"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_("Kind of shop"), choices=Shop.Kind.choices)
    phone = forms.CharField(label=_("Shop phone"), max_length=20)
    district = DistrictChoiceField(label=_("District"), queryset=District.objects.all())
    address = forms.CharField(label=_("Address"), max_length=200)


class ShopProfileForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=120)
    name_en = forms.CharField(label=_("English name"), max_length=120, required=False)
    phone = forms.CharField(label=_("Shop phone"), max_length=20)
    district = DistrictChoiceField(label=_("District"), queryset=District.objects.all())
    address = forms.CharField(label=_("Address"), max_length=200)
    lat = forms.FloatField(label=_("Latitude (GCJ-02)"), min_value=3.0, max_value=54.0)
    lng = forms.FloatField(label=_("Longitude (GCJ-02)"), min_value=73.0, max_value=136.0)
    service_radius_km = forms.IntegerField(label=_("Service radius (km)"), min_value=1, max_value=100)
    labour_rate_amount = forms.DecimalField(
        label=_("Labour rate per hour (CNY)"), min_value=0, max_digits=12, decimal_places=2
    )
    bays = forms.IntegerField(label=_("Bays"), min_value=1, max_value=50)
    slot_minutes = forms.TypedChoiceField(
        label=_("Slot length"),
        coerce=int,
        choices=[(30, _("30 minutes")), (60, _("1 hour")), (90, _("1.5 hours")), (120, _("2 hours"))],
    )
    payout_account_name = forms.CharField(label=_("Payout account holder"), max_length=120, required=False)
    payout_bank = forms.CharField(label=_("Payout bank"), max_length=120, required=False)
    payout_account_number = forms.CharField(label=_("Payout account number"), max_length=40, required=False)


class WeeklyHoursForm(forms.Form):
    """Seven weekdays, each open (with hours) or closed, and whether the public calendar applies."""

    observes_public_holidays = forms.BooleanField(
        label=_("Follow China's public holidays"),
        required=False,
        help_text=_("Closed on public holidays and open on the swapped working days (调休)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for weekday, name in enumerate(WEEKDAY_NAMES):
            self.fields[f"open_{weekday}"] = forms.BooleanField(label=_("Open on %s") % name, required=False)
            self.fields[f"opens_{weekday}"] = forms.TimeField(
                label=_("%s opens") % name, required=False, widget=forms.TimeInput(attrs={"type": "time"})
            )
            self.fields[f"closes_{weekday}"] = forms.TimeField(
                label=_("%s closes") % name, required=False, widget=forms.TimeInput(attrs={"type": "time"})
            )

    @staticmethod
    def initial_for(shop: Shop) -> dict:
        initial = {"observes_public_holidays": shop.observes_public_holidays}
        for weekday in range(7):
            hours = shop.hours_for_weekday(weekday)
            initial[f"open_{weekday}"] = hours is not None
            if hours:
                initial[f"opens_{weekday}"], initial[f"closes_{weekday}"] = hours
        return initial

    def clean(self):
        cleaned = super().clean()
        weekly = []
        for weekday in range(7):
            if not cleaned.get(f"open_{weekday}"):
                weekly.append(None)
                continue
            opens, closes = cleaned.get(f"opens_{weekday}"), cleaned.get(f"closes_{weekday}")
            if opens is None or closes is None or closes <= opens:
                self.add_error(
                    f"closes_{weekday}", _("Give opening and closing time, closing after opening.")
                )
                weekly.append(None)
            else:
                weekly.append((opens, closes))
        cleaned["weekly"] = weekly
        return cleaned

    def weekday_rows(self):
        return [
            (name, self[f"open_{weekday}"], self[f"opens_{weekday}"], self[f"closes_{weekday}"])
            for weekday, name in enumerate(WEEKDAY_NAMES)
        ]


class ClosureForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_open = forms.TypedChoiceField(
        label=_("On this date the shop is"),
        coerce=lambda value: value == "open",
        choices=[("closed", _("Closed")), ("open", _("Specially open"))],
    )
    opens = forms.TimeField(label=_("Opens"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(
        label=_("Closes"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=120, required=False)

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens"), cleaned.get("closes")
        if (opens is None) != (closes is None) or (opens and closes and closes <= opens):
            raise forms.ValidationError(_("Give both opening and closing time, closing after opening."))
        return cleaned


class StaffForm(forms.Form):
    username = forms.CharField(label=_("Username of a shop-staff account"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class ServicesForm(forms.Form):
    """One row per catalogue service item: offered or not, and an optional fixed labour price."""

    def __init__(self, *args, items, offered: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"offer_{item.code}"] = forms.BooleanField(
                label=item.name, required=False, initial=item.code in offered
            )
            self.fields[f"fixed_{item.code}"] = forms.DecimalField(
                label=_("Fixed labour price for %(item)s") % {"item": item.name},
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=2,
                initial=offered.get(item.code),
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            )

    def rows(self):
        return [(item, self[f"offer_{item.code}"], self[f"fixed_{item.code}"]) for item in self.items]

    def offers(self) -> dict:
        return {
            item.code: self.cleaned_data[f"fixed_{item.code}"]
            for item in self.items
            if self.cleaned_data[f"offer_{item.code}"]
        }


class PartPriceForm(forms.Form):
    sku = forms.CharField(label=_("Part SKU"), max_length=60)
    unit_price_amount = forms.DecimalField(
        label=_("Your unit price (CNY)"), min_value=0, max_digits=12, decimal_places=2
    )
