"""Commission: the agreement's rate, rounded half-up to the fen; the merchant gets the exact rest."""

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from payments.settlement.commission import commission_quote
from tests.payments.commission_rules import RULES, rules_create


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


@pytest.mark.django_db
def test_the_most_specific_rule_valid_at_redemption_wins(job):
    from datetime import timedelta

    from django.utils import timezone

    from payments.settlement.models import CommissionRule
    from tests.factories import ShopFactory

    booking = job.book()
    now = timezone.now()
    assert commission_quote(shop=job.shop, booking=booking, at=now).rate == job.shop.commission_rate
    CommissionRule.objects.create(
        service_item=job.item, rate=Decimal("0.1000"), valid_from=now - timedelta(days=1)
    )
    assert commission_quote(shop=job.shop, booking=booking, at=now).rate == Decimal("0.1000")
    CommissionRule.objects.create(shop=job.shop, rate=Decimal("0.0600"), valid_from=now - timedelta(days=1))
    CommissionRule.objects.create(shop=ShopFactory(), service_item=job.item, rate=Decimal("0.0100"))
    assert commission_quote(shop=job.shop, booking=booking, at=now).rate == Decimal("0.0600")
    CommissionRule.objects.create(
        shop=job.shop,
        service_item=job.item,
        rate=Decimal("0.0500"),
        valid_from=now - timedelta(days=1),
        valid_until=now - timedelta(hours=1),
    )
    assert commission_quote(shop=job.shop, booking=booking, at=now).rate == Decimal("0.0600")

    quote = commission_quote(shop=job.shop, booking=booking, at=now - timedelta(hours=2))

    assert quote.rate == Decimal("0.0500")  # the shop's per-service agreement then in force
    assert quote.commission_amount == Decimal("6.65")  # 133.00 × 0.05
    assert quote.merchant_amount == Decimal("126.35")


@pytest.mark.django_db
def test_lines_of_different_categories_take_their_own_rates_rounded_once(job):
    from datetime import timedelta

    from django.utils import timezone

    from bookings.models import BookingLine
    from parts.models import ServiceItem
    from payments.settlement.models import CommissionRule

    booking = job.book()
    labour = BookingLine.objects.get(booking=booking, kind="labour")
    wash = ServiceItem.objects.create(
        code="wash-test", name_en="Wash", name_zh="洗车", labour_hours=Decimal("0.5")
    )
    BookingLine.objects.filter(pk=labour.pk).update(service_item_code=wash.code)
    CommissionRule.objects.create(
        service_item=wash, rate=Decimal("0.2000"), valid_from=timezone.now() - timedelta(days=1)
    )

    quote = commission_quote(shop=job.shop, booking=booking, at=timezone.now())

    exact = (booking.total_amount - labour.amount) * job.shop.commission_rate + labour.amount * Decimal(
        "0.2000"
    )
    assert quote.commission_amount == exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert quote.commission_amount != (booking.total_amount * job.shop.commission_rate).quantize(
        Decimal("0.01")
    )
    assert quote.merchant_amount == booking.total_amount - quote.commission_amount
    assert quote.rate == (quote.commission_amount / booking.total_amount).quantize(Decimal("0.0001"))


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rules=RULES,
    booked=st.sampled_from([("first",), ("first", "second"), ("second",), ()]),
    second_line=st.booleans(),
)
# two shop-wide rules in force: the later one wins
@example(
    rules=[("this", None, "open", 500), ("this", None, "closed-later", 700)],
    booked=("first",),
    second_line=False,
)
# a service of the order's lines (not of its booked services) has its own rate
@example(
    rules=[("this", None, "open", 500), (None, "second", "open", 2000)], booked=("first",), second_line=True
)
def test_reading_the_rules_without_the_lines_gives_the_split_the_lines_give(job, rules, booked, second_line):
    """``commission_quote`` reads an order's lines only when one of its services has a rule of its
    own (``_one_rate``); whatever the rules, its split is the one computed from the lines."""
    from django.db import transaction
    from django.utils import timezone

    from bookings.models import BookingLine

    now = timezone.now()
    with transaction.atomic():
        booking = job.book()
        items = rules_create(job, rules, now=now)
        if second_line:  # the labour line belongs to another service
            BookingLine.objects.filter(booking=booking, kind="labour").update(service_item_code="p-second")
        booking.service_item_codes = [items[name].code for name in booked]
        booking.save(update_fields=["service_item_codes"])
        lines = list(BookingLine.objects.filter(booking=booking).values_list("service_item_code", "amount"))

        without_lines = commission_quote(shop=job.shop, booking=booking, at=now)
        from_lines = commission_quote(shop=job.shop, booking=booking, at=now, lines=lines)

        assert without_lines == from_lines
        transaction.set_rollback(True)
