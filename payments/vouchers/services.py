"""Writes for vouchers: issue on payment, redeem exactly once at the shop, undo a redemption."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from common.errors import Conflict, NotFound
from payments import codes
from payments.ledger import services as ledger
from payments.settlement.commission import commission_quote
from payments.settlement.services import redemption_settlement_hold
from payments.vouchers.models import Redemption, Voucher


def voucher_issue(*, booking: Booking) -> Voucher:
    """Issue the voucher of a paid order (once: the booking is one-to-one with its voucher).

    Valid at the booked shop until ``VOUCHER_VALID_DAYS`` after the booked slot. The short code
    and QR token are generated here, stored encrypted, and found again only through their keyed
    hashes.
    """
    existing = Voucher.objects.filter(booking=booking).first()
    if existing is not None:
        return existing
    for _attempt in range(5):
        code, token = codes.short_code_new(), codes.qr_token_new()
        try:
            with transaction.atomic():
                return Voucher.objects.create(
                    booking=booking,
                    shop_id=booking.shop_id,
                    code_digest=codes.short_code_digest(code, shop_id=booking.shop_id),
                    qr_digest=codes.qr_token_digest(token),
                    code_encrypted=codes.secret_encrypt(code),
                    qr_encrypted=codes.secret_encrypt(token),
                    expires_at=booking.starts_at + timedelta(days=settings.VOUCHER_VALID_DAYS),
                )
        except IntegrityError:
            # a digest collision (about 1 in 2**55 per issued code): draw again
            if Voucher.objects.filter(booking=booking).exists():
                return Voucher.objects.get(booking=booking)
    raise RuntimeError("could not draw a unique voucher code")


def voucher_close(*, voucher: Voucher, to: str) -> Voucher:
    """An issued voucher ends as refunded or expired (its order's money goes back)."""
    if voucher.status != Voucher.Status.ISSUED:
        return voucher
    voucher.status = to
    voucher.save(update_fields=["status"])
    return voucher


def voucher_code(voucher: Voucher) -> str:
    """The short code for its owner's eyes, grouped for reading aloud."""
    return codes.short_code_display(codes.secret_decrypt(voucher.code_encrypted))


def voucher_qr_token(voucher: Voucher) -> str:
    return codes.secret_decrypt(voucher.qr_encrypted)


def voucher_valid_until(voucher: Voucher):
    return timezone.localtime(voucher.expires_at)


class VoucherNotRedeemable(Conflict):
    default_message = _("This voucher cannot be redeemed.")
    code = "not_redeemable"


class RedemptionNotUndoable(Conflict):
    default_message = _("This redemption can no longer be undone.")
    code = "not_undoable"


@transaction.atomic
def voucher_redeem(*, voucher_id: int, shop, staff, request_id: str, now=None) -> Redemption:
    """Redeem a voucher at its shop, exactly once; the same staff member's retry of the same
    ``request_id`` returns the first redemption instead of failing.

    The voucher row is locked first, so of two concurrent attempts one redeems and the other
    finds it redeemed (409). The money split is frozen here (``commission_quote``) and posted to
    the ledger (escrow → merchant payable + commission) in the same transaction.
    """
    now = now or timezone.now()
    replay = Redemption.objects.filter(redeemed_by=staff, request_id=request_id).first()
    if replay is not None:
        return replay
    voucher = Voucher.objects.select_for_update().select_related("booking").filter(pk=voucher_id).first()
    if voucher is None or voucher.shop_id != shop.pk:
        raise NotFound(_("No valid voucher with this code at this shop."))
    replay = Redemption.objects.filter(redeemed_by=staff, request_id=request_id).first()
    if replay is not None:  # the same request won the lock a moment ago
        return replay
    if voucher.status == Voucher.Status.REDEEMED:
        raise VoucherNotRedeemable(_("This voucher was already redeemed."), code="already_redeemed")
    booking = voucher.booking
    if (
        voucher.status != Voucher.Status.ISSUED
        or voucher.expires_at <= now
        or booking.status != Booking.Status.PAID
    ):
        raise VoucherNotRedeemable()
    split = commission_quote(shop=shop, booking=booking, at=now)
    key = f"redemption:{voucher.pk}:{Redemption.objects.filter(voucher=voucher).count()}"
    entry = ledger.post_redemption(
        shop=shop,
        order_ref=str(booking.pk),
        gross_amount=booking.total_amount,
        commission_amount=split.commission_amount,
        subsidy_amount=split.subsidy_amount,
        idempotency_key=key,
    )
    redemption = Redemption.objects.create(
        voucher=voucher,
        booking=booking,
        shop=shop,
        redeemed_by=staff,
        request_id=request_id,
        redeemed_at=now,
        gross_amount=booking.total_amount,
        commission_rate=split.rate,
        commission_amount=split.commission_amount,
        subsidy_amount=split.subsidy_amount,
        merchant_amount=split.merchant_amount,
        currency=booking.currency,
        ledger_entry=entry,
    )
    voucher.status = Voucher.Status.REDEEMED
    voucher.redeemed_at, voucher.redeemed_by = now, staff
    voucher.save(update_fields=["status", "redeemed_at", "redeemed_by"])
    return redemption


@transaction.atomic
def voucher_redeem_undo(*, redemption_id: int, manager, now=None) -> Redemption:
    """Undo a redemption within ``REDEMPTION_UNDO_MINUTES`` and before settlement; the voucher is
    redeemable again and the ledger entry is reversed."""
    now = now or timezone.now()
    redemption = Redemption.objects.select_for_update().filter(pk=redemption_id).first()
    if redemption is None:
        raise NotFound()
    if (
        redemption.undone_at is not None
        or now - redemption.redeemed_at > timedelta(minutes=settings.REDEMPTION_UNDO_MINUTES)
        or redemption_settlement_hold(redemption)
    ):
        raise RedemptionNotUndoable()
    if (
        redemption.additional_work_id is not None
        or Redemption.objects.filter(voucher_id=redemption.voucher_id, additional_work__isnull=False).exists()
    ):
        # the order's paid extras were settled on top of this redemption: it stands
        raise RedemptionNotUndoable(
            _(
                "This redemption can no longer be undone: "
                "the owner has paid for additional work on this order."
            ),
            code="extras_paid",
        )
    voucher = Voucher.objects.select_for_update().get(pk=redemption.voucher_id)
    redemption.undo_ledger_entry = ledger.post_redemption_undo(
        redemption=redemption.ledger_entry, idempotency_key=f"redemption-undo:{redemption.pk}"
    )
    redemption.undone_at, redemption.undone_by = now, manager
    redemption.save(update_fields=["undone_at", "undone_by", "undo_ledger_entry"])
    voucher.status = Voucher.Status.ISSUED
    voucher.redeemed_at = voucher.redeemed_by = None
    voucher.save(update_fields=["status", "redeemed_at", "redeemed_by"])
    return redemption
