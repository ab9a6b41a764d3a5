"""Exact money: Decimal quantized to the fen with one rounding rule, always beside a currency."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize_fen(value: Decimal | int | str) -> Decimal:
    """Round to the fen, half up: the one rounding rule for every amount we create."""
    if type(value) is Decimal:  # the common case, on hot paths (quotes for many shops)
        return value.quantize(FEN, rounding=ROUND_HALF_UP)
    if isinstance(value, float):
        raise TypeError("money is never a float")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def money_dict(amount: Decimal, currency: str | None = None) -> dict[str, str]:
    """The API's money shape: ``{"amount": "368.00", "currency": "CNY"}``."""
    return {"amount": str(quantize_fen(amount)), "currency": currency or settings.CURRENCY}
