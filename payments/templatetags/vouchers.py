"""Template tags for vouchers: show the owner's code (decrypted only for display)."""

from django import template

from payments.vouchers.services import voucher_code as _voucher_code

register = template.Library()


@register.simple_tag
def voucher_code(voucher) -> str:
    return _voucher_code(voucher)
