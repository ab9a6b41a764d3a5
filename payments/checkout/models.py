"""Checkout data: payments, refunds, the provider-event inbox, and the sandbox provider's own book."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Payment(models.Model):
    """One attempt to collect an order's total through a provider."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        REFUNDED = "refunded", _("Refunded")

    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, related_name="payments")
    # What it pays for: the booking itself (null) or one approved extra of it.
    additional_work = models.ForeignKey(
        "bookings.AdditionalWork", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    provider = models.CharField(_("provider"), max_length=20)
    provider_ref = models.CharField(_("provider reference"), max_length=80)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    flag = models.CharField(_("flag"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_ref"], name="payments_payment_ref_unique"),
            # An order is paid once: at most one payment that succeeded (or was later refunded)
            # for the booking itself, and at most one for each of its extras.
            models.UniqueConstraint(
                fields=["booking"],
                condition=models.Q(status__in=["succeeded", "refunded"], additional_work__isnull=True),
                name="payments_payment_one_success_per_booking",
            ),
            models.UniqueConstraint(
                fields=["additional_work"],
                condition=models.Q(status__in=["succeeded", "refunded"], additional_work__isnull=False),
                name="payments_payment_one_success_per_extra",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payments_payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="payments_pending_idx")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_ref} {self.amount} {self.currency} ({self.status})"


class Refund(models.Model):
    """Money given back to the owner through the provider, in full."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="refund")
    provider_ref = models.CharField(max_length=80)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"refund {self.provider_ref} {self.amount} {self.currency}"


class ProviderEvent(models.Model):
    """Every notification a provider sent, recorded under its id before anything else happens."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=120)
    payload = models.JSONField()
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="payments_provider_event_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


class SandboxCharge(models.Model):
    """The sandbox provider's own record of a charge: what a real provider keeps on its side."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the payer")
        SUCCEEDED = "succeeded", _("Paid")
        DECLINED = "declined", _("Declined")
        REFUNDED = "refunded", _("Refunded")

    ref = models.CharField(max_length=80, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=200)
    return_url = models.CharField(max_length=300)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    refund_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.ref} {self.amount} {self.currency} ({self.status})"
