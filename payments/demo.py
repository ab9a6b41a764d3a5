"""Demo payments for `make run`: the demo owner's paid order with a voucher at the manager's shop."""

from django.utils import timezone

from accounts.models import User
from bookings import services as booking_services
from bookings.demo import DEMO_SHOP, demo_next_slot, demo_package_for
from bookings.models import Booking, Vehicle
from payments.checkout import sandbox
from payments.checkout import services as checkout
from payments.checkout.models import SandboxCharge
from payments.checkout.webhooks import webhook_receive
from payments.vouchers.models import Voucher
from payments.vouchers.services import voucher_code
from shops.models import Shop


def load() -> list[str]:
    """Make sure the demo owner holds one valid voucher (paid through the sandbox, signed notice)."""
    owner = User.objects.get(username="owner")
    voucher = (
        Voucher.objects.filter(
            booking__owner=owner, status=Voucher.Status.ISSUED, expires_at__gt=timezone.now()
        )
        .select_related("shop")
        .first()
    )
    if voucher is None:
        car = (
            Vehicle.objects.filter(owner=owner, is_active=True)
            .select_related("variant")
            .order_by("pk")
            .first()
        )
        shop = Shop.objects.filter(slug=DEMO_SHOP).first()
        package = demo_package_for(car.variant, shop) if car and shop else None
        starts_at = demo_next_slot(shop, days_ahead=1) if package else None
        if starts_at is None:
            return ["payments: skipped (no demo car, package or free slot)"]
        booking = booking_services.booking_create(
            owner=owner, vehicle=car, shop=shop, starts_at=starts_at, package=package
        )
        start = checkout.payment_start(booking_id=booking.pk, owner=owner)
        charge = SandboxCharge.objects.get(ref=start.payment.provider_ref)
        charge.status = SandboxCharge.Status.SUCCEEDED
        charge.save(update_fields=["status", "updated_at"])
        body, headers = sandbox.sandbox_notification(charge)
        webhook_receive(provider="sandbox", body=body, headers=headers)
        voucher = Voucher.objects.select_related("shop").get(booking=booking)
    paid = Booking.objects.filter(owner=owner, status=Booking.Status.PAID).count()
    return [f"voucher: {voucher_code(voucher)} at {voucher.shop.name} ({paid} paid order(s) for `owner`)"]
