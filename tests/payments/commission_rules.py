"""Random commission rules for property tests: what a rule names (this shop, another, every shop;
one of the order's services, another service, or every service), its window and its rate."""

from datetime import timedelta
from decimal import Decimal

from hypothesis import strategies as st

from parts.models import ServiceItem
from payments.settlement.models import CommissionRule
from tests.factories import ShopFactory

RULE_SHOPS = st.sampled_from(["this", "other", None])
RULE_ITEMS = st.sampled_from(["first", "second", "elsewhere", None])
RULE_WINDOWS = st.sampled_from(["open", "ended", "future", "closed-later"])
#: up to ``max_size`` rules; a rule names a shop, a service or both (a check constraint)
RULES = st.lists(
    st.tuples(RULE_SHOPS, RULE_ITEMS, RULE_WINDOWS, st.integers(min_value=0, max_value=3000)).filter(
        lambda rule: rule[0] or rule[1]
    ),
    max_size=5,
)


def rules_create(job, rules, *, now) -> dict:
    """The rules in the database, for ``job``'s shop and service ("first") and two other services
    (codes ``p-second``, ``p-else``); returns the service items by name."""
    windows = {
        "open": (now - timedelta(days=1), None),
        "ended": (now - timedelta(days=2), now - timedelta(days=1)),
        "future": (now + timedelta(days=1), None),
        "closed-later": (now - timedelta(days=3), now + timedelta(days=1)),
    }
    items = {
        "first": job.item,
        "second": ServiceItem.objects.create(code="p-second", name_en="Second", name_zh="二", labour_hours=1),
        "elsewhere": ServiceItem.objects.create(code="p-else", name_en="Else", name_zh="三", labour_hours=1),
    }
    shops = {"this": job.shop, "other": ShopFactory(), None: None}
    for shop, item, window, basis_points in rules:
        valid_from, valid_until = windows[window]
        CommissionRule.objects.create(
            shop=shops[shop],
            service_item=items.get(item),
            rate=Decimal(basis_points) / 10000,
            valid_from=valid_from,
            valid_until=valid_until,
        )
    return items
