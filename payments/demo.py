"""Demo payments for `make run`: the demo owner's paid order with a voucher at the manager's shop."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from bookings import services as booking_services
from bookings.demo import DEMO_SHOP, demo_next_slot, demo_package_for
from bookings.models import Booking, Vehicle
from payments.checkout import sandbox
from payments.checkout import services as checkout
from payments.checkout.models import SandboxCharge
from payments.checkout.webhooks import webhook_receive
from payments.settlement.models import SettlementRun, Statement
from payments.settlement.services import payouts_send_due, penalty_create, settlement_run_execute
from payments.vouchers.models import Voucher
from payments.vouchers.services import voucher_code, voucher_redeem
from shops.models import Shop


def _paid(owner, car, shop, *, days_ahead: int) -> Booking | None:
    package = demo_package_for(car.variant, shop)
    starts_at = demo_next_slot(shop, days_ahead=days_ahead) if package else None
    if starts_at is None:
        return None
    booking = booking_services.booking_create(
        owner=owner, vehicle=car, shop=shop, starts_at=starts_at, package=package
    )
    start = checkout.payment_start(booking_id=booking.pk, owner=owner)
    charge = SandboxCharge.objects.get(ref=start.payment.provider_ref)
    charge.status = SandboxCharge.Status.SUCCEEDED
    charge.save(update_fields=["status", "updated_at"])
    body, headers = sandbox.sandbox_notification(charge)
    webhook_receive(provider="sandbox", body=body, headers=headers)
    booking.refresh_from_db()
    return booking


def _settled_period(owner) -> str:
    """A settled demo period (yesterday) for the reconciliation page: three redeemed orders at the
    manager's shop, a penalty, one settlement run and its payout. Once: skipped when any
    statement exists."""
    if Statement.objects.exists():
        period = Statement.objects.order_by("-period_end").values_list("period_end", flat=True).first()
        return f"settlement: demo period {period} already settled"
    shop = Shop.objects.filter(slug=DEMO_SHOP).first()
    manager = User.objects.filter(username="manager").first()
    admin = User.objects.filter(username="admin").first()
    car = Vehicle.objects.filter(owner=owner, is_active=True).select_related("variant").order_by("pk").first()
    if not (shop and manager and admin and car):
        return "settlement: skipped (no demo shop, manager, admin or car)"
    if not shop.payout_account_number:
        Shop.objects.filter(pk=shop.pk).update(
            payout_account_name=shop.name,
            payout_bank="中国工商银行杭州分行",
            payout_account_number="6222021202004567890",
        )
        shop.refresh_from_db()
    yesterday = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=1)
    for n in range(3):
        booking = _paid(owner, car, shop, days_ahead=2 + n)
        if booking is None:
            return "settlement: skipped (no free demo slot)"
        voucher_redeem(
            voucher_id=booking.voucher.pk,
            shop=shop,
            staff=manager,
            request_id=f"demo-settlement-{booking.pk}",
            now=yesterday + timedelta(hours=2 * n),
        )
    penalty_create(shop=shop, amount=Decimal("20.00"), reason="演示：超时未接车", actor=admin, now=yesterday)
    run = SettlementRun.objects.create(period_end=yesterday.date())
    with transaction.atomic():
        settlement_run_execute(run_id=run.pk)
    payouts_send_due()
    return f"settlement: demo period {yesterday.date()} settled"


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
    return [
        _settled_period(owner),
        f"voucher: {voucher_code(voucher)} at {voucher.shop.name} ({paid} paid order(s) for `owner`)",
    ]
