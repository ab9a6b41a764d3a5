"""Commission: the agreement's rate, rounded half-up to the fen; the merchant gets the exact rest."""

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from payments.settlement.commission import commission_quote


@pytest.mark.parametrize(
    ("rate", "total", "commission", "merchant"),
    [
        ("0.0800", "133.00", "10.64", "122.36"),
        ("0.0800", "368.00", "29.44", "338.56"),
        ("0.1250", "0.04", "0.01", "0.03"),  # 0.005 rounds half up
        ("0.1250", "0.12", "0.02", "0.10"),  # 0.015 rounds half up
        ("0.0000", "99.99", "0.00", "99.99"),
    ],
)
def test_commission_is_rounded_half_up_and_the_split_adds_up(rate, total, commission, merchant):
    shop = SimpleNamespace(commission_rate=Decimal(rate))
    booking = SimpleNamespace(total_amount=Decimal(total))

    quote = commission_quote(shop=shop, booking=booking, at=datetime(2026, 11, 22))

    assert quote.rate == Decimal(rate)
    assert quote.commission_amount == Decimal(commission)
    assert quote.merchant_amount == Decimal(merchant)
    assert quote.commission_amount + quote.merchant_amount - quote.subsidy_amount == Decimal(total)
