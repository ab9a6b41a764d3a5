"""Commission: what the platform keeps of an order redeemed at a shop.

The one seam redemption calls: ``commission_quote(*, shop, booking, at)``. Each line of the order
belongs to a service item (the service category); its rate is the most specific
``CommissionRule`` valid at ``at``: shop + service, then shop, then service; without one, the
shop's agreement rate ``Shop.commission_rate`` (default ``SHOP_DEFAULT_COMMISSION_RATE``).

Rounding (decision 0011): the commission is computed exactly (Σ line amount × its rate) and
rounded **once, half up to the fen**; the merchant gets ``gross − commission + subsidy``, so the
sub-fen remainder goes to the merchant when it is below half a fen and to the platform from half a
fen up, and gross = commission + merchant − subsidy holds to the fen.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connections, router

from common.money import ZERO, quantize_fen
from common.sql import fetch_instances, placeholders

RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class CommissionQuote:
    rate: Decimal
    commission_amount: Decimal
    subsidy_amount: Decimal
    merchant_amount: Decimal

    def frozen(self) -> dict:
        """The split as a ``Redemption`` freezes it (its field names)."""
        return {
            "commission_rate": self.rate,
            "commission_amount": self.commission_amount,
            "subsidy_amount": self.subsidy_amount,
            "merchant_amount": self.merchant_amount,
        }


def _specificity(rule) -> tuple[int, int, datetime]:
    return (rule.shop_id is not None, rule.service_item_id is not None, rule.valid_from)


def _rules(*, shop, at: datetime, codes, booking_id: int | None = None) -> list:
    """The rules valid at ``at`` for this shop or for every shop, for every service or for one of
    ``codes`` (and, with ``booking_id``, for one of that order's lines' services), each with its
    service item's code as ``service_item_code``: one statement, written out because it runs on
    every redemption (decision 0014)."""
    from bookings.models import BookingLine
    from parts.models import ServiceItem
    from payments.settlement.models import CommissionRule

    connection = connections[router.db_for_read(CommissionRule)]
    quote = connection.ops.quote_name
    rules_table, items_table = quote(CommissionRule._meta.db_table), quote(ServiceItem._meta.db_table)
    moment = connection.ops.adapt_datetimefield_value(at)
    ordered = sorted(codes)
    wanted, params = f"i.code IN ({placeholders(ordered)})", [*ordered]
    if booking_id is not None:
        lines = quote(BookingLine._meta.db_table)
        wanted = f"{wanted} OR i.code IN (SELECT l.service_item_code FROM {lines} l WHERE l.booking_id = %s)"  # noqa: S608
        params.append(booking_id)
    sql = (
        f"SELECT r.*, i.code AS service_item_code FROM {rules_table} r "  # noqa: S608 - names from _meta; values are params
        f"LEFT OUTER JOIN {items_table} i ON i.id = r.service_item_id "
        f"WHERE (r.shop_id = %s OR r.shop_id IS NULL) "
        f"AND (r.service_item_id IS NULL OR {wanted}) "
        f"AND r.valid_from <= %s AND (r.valid_until IS NULL OR r.valid_until > %s) "
        # the first of equally specific rules wins (``max``, ``_best_rates``): the oldest, as in
        # the redemption's one statement (decision 0016)
        f"ORDER BY r.id"
    )
    return fetch_instances(CommissionRule, sql, [shop.pk, *params, moment, moment])


def _best_rates(rules, codes: set[str], base: Decimal) -> dict[str, Decimal]:
    """Each code's rate: its most specific rule (shop + service, shop, service, then the latest),
    or ``base``."""
    best: dict[str, object] = {}
    for rule in rules:
        targets = [rule.service_item_code] if rule.service_item_id else codes
        for code in targets:
            if code in codes and (code not in best or _specificity(rule) > _specificity(best[code])):
                best[code] = rule
    return {code: (Decimal(best[code].rate) if code in best else base) for code in codes}


def commission_rates(*, shop, service_codes, at: datetime) -> dict[str, Decimal]:
    """The rate of each service item code at ``shop`` at ``at`` (one query for all of them)."""
    codes = set(service_codes)
    if not codes:
        return {}
    return _best_rates(_rules(shop=shop, at=at, codes=codes), codes, Decimal(shop.commission_rate))


def _one_rate(*, shop, booking, at: datetime) -> Decimal | None:
    """The order's single rate, read without its lines, when no service of the order has a rule
    of its own (the usual case); None when one has (then the rate depends on the lines).

    One statement: the rules that could apply to any service of the order (the booked services or
    its lines' services) are read; with none bound to a service, every service of the order gets
    the same, most specific shop-wide rule (or the agreement rate), so the split is the gross
    times that rate whatever the lines hold. An order without booked services takes the general
    path (its codes come from its lines).
    """
    codes = set(getattr(booking, "service_item_codes", None) or ())
    if not codes or booking.pk is None:
        return None
    rules = _rules(shop=shop, at=at, codes=codes, booking_id=booking.pk)
    if any(rule.service_item_id for rule in rules):
        return None
    best = max(rules, key=_specificity, default=None)  # the first of equals, as in _best_rates
    return Decimal(best.rate) if best is not None else Decimal(shop.commission_rate)


def commission_quote(*, shop, booking, at: datetime, lines=None) -> CommissionQuote:
    """The split of ``booking.total_amount`` if it is redeemed at ``shop`` at ``at``.

    ``lines``: the order's ``(service item code, amount)`` pairs when the caller has read them
    already; otherwise they are read here, and only when a service of the order has a rate of its
    own (``_one_rate``: one statement in the usual case).
    """
    gross = booking.total_amount
    rate = _one_rate(shop=shop, booking=booking, at=at) if lines is None else None
    if rate is not None:
        return _split(gross, quantize_fen(gross * rate), rate)
    amounts: dict[str, Decimal] = defaultdict(lambda: ZERO)
    if lines is None and getattr(booking, "lines", None) is not None:
        lines = booking.lines.values_list("service_item_code", "amount")
    for code, amount in lines or ():
        amounts[code] += amount
    codes = set(amounts) or set(getattr(booking, "service_item_codes", None) or [])
    rates = commission_rates(shop=shop, service_codes=codes, at=at) if codes else {}
    distinct = set(rates.values())
    if len(distinct) <= 1 or sum(amounts.values(), ZERO) != gross:
        # one rate for the whole order (or lines that do not add up to the total: the base rate)
        rate = distinct.pop() if len(distinct) == 1 else Decimal(shop.commission_rate)
        commission = quantize_fen(gross * rate)
    else:
        exact = sum((amounts[code] * rates[code] for code in amounts), ZERO)
        commission = min(quantize_fen(exact), gross)
        # the blended rate, for reading only: the commission amount is what counts
        rate = (commission / gross).quantize(RATE_PLACES) if gross else ZERO
    return _split(gross, commission, rate)


def _split(gross: Decimal, commission: Decimal, rate: Decimal) -> CommissionQuote:
    subsidy = ZERO  # campaigns (a later issue) fill this in
    return CommissionQuote(
        rate=rate,
        commission_amount=commission,
        subsidy_amount=subsidy,
        merchant_amount=gross - commission + subsidy,
    )
