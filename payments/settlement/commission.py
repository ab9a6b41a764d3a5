"""Commission: what the platform keeps of an order redeemed at a shop.

The one seam redemption calls. Today the rate is the shop's agreement rate
(``Shop.commission_rate``, default ``SHOP_DEFAULT_COMMISSION_RATE``); rules by service category
plug in here without touching redemption. Rounding: the commission is rounded half-up to the
fen where it is born; the merchant gets the rest, so gross = commission + merchant to the fen.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from common.money import ZERO, quantize_fen


@dataclass(frozen=True)
class CommissionQuote:
    rate: Decimal
    commission_amount: Decimal
    subsidy_amount: Decimal
    merchant_amount: Decimal


def commission_quote(*, shop, booking, at: datetime) -> CommissionQuote:
    """The split of ``booking.total_amount`` if it is redeemed at ``shop`` at ``at``."""
    rate = Decimal(shop.commission_rate)
    gross = booking.total_amount
    commission = quantize_fen(gross * rate)
    subsidy = ZERO
    return CommissionQuote(
        rate=rate,
        commission_amount=commission,
        subsidy_amount=subsidy,
        merchant_amount=gross - commission + subsidy,
    )
