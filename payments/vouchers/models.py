"""Voucher data. The codes themselves are never stored in clear (see payments.codes)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Voucher(models.Model):
    """Issued when an order is paid; the shop redeems it once when the work is done."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Valid")
        REDEEMED = "redeemed", _("Redeemed")
        REFUNDED = "refunded", _("Refunded")
        EXPIRED = "expired", _("Expired")

    booking = models.OneToOneField("bookings.Booking", on_delete=models.PROTECT, related_name="voucher")
    shop = models.ForeignKey("shops.Shop", on_delete=models.PROTECT, related_name="vouchers")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    code_digest = models.CharField(max_length=64, unique=True)
    qr_digest = models.CharField(max_length=64, unique=True)
    code_encrypted = models.TextField()
    qr_encrypted = models.TextField()
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        indexes = [models.Index(fields=["status", "expires_at"], name="vouchers_due_idx")]

    def __str__(self) -> str:
        return f"voucher #{self.pk} ({self.get_status_display()})"

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.ISSUED and self.expires_at > timezone.now()
