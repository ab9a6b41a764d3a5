"""The platform's user: one account model for car owners, shop staff and platform admins."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

phone_validator = RegexValidator(
    r"^1[3-9]\d{9}$", _("Enter a mainland China mobile number: 11 digits starting with 1.")
)


class User(AbstractUser):
    """An account. ``role`` decides which surfaces it sees.

    Shop staff also hold one ``shops.Membership`` per shop they work at, with a role there
    (manager, technician, cashier); platform admins are Django staff and use the admin site.
    """

    class Role(models.TextChoices):
        OWNER = "owner", _("Car owner")
        SHOP_STAFF = "shop_staff", _("Shop staff")
        PLATFORM_ADMIN = "platform_admin", _("Platform admin")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OWNER)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True, validators=[phone_validator])
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        blank=True,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~models.Q(phone=""), name="accounts_user_phone_unique"
            ),
        ]

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER

    @property
    def is_shop_staff(self) -> bool:
        return self.role == self.Role.SHOP_STAFF

    @property
    def is_platform_admin(self) -> bool:
        return self.role == self.Role.PLATFORM_ADMIN
