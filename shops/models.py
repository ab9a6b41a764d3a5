"""The shop network: shops and the staff who work at them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Shop(models.Model):
    """A service shop on the platform (4S dealer, chain branch or independent garage)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLIED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Membership(models.Model):
    """A staff member's place at one shop, with their role there."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Manager")
        TECHNICIAN = "technician", _("Technician")
        CASHIER = "cashier", _("Cashier")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [models.UniqueConstraint(fields=["shop", "user"], name="shops_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.shop} ({self.get_role_display()})"
