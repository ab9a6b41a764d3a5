"""Forms for the account pages."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import phone_validator

User = get_user_model()


class OwnerSignUpForm(UserCreationForm):
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=11,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "phone")

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if User.objects.filter(phone=phone).exists():
            raise forms.ValidationError(_("This mobile number is already registered."))
        return phone


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "phone", "preferred_language")
