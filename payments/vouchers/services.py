"""Writes for vouchers: issue on payment. (Redemption comes with the shop console.)"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import Booking
from payments import codes
from payments.vouchers.models import Voucher


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
