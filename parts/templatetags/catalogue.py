"""Template filters of the catalogue pages: names in the page's language, money, quantities."""

from decimal import Decimal

from django import template

from common.money import quantize_fen
from parts.models import Part, Tier, is_chinese
from parts.vin import country_label as _country_label

register = template.Library()


@register.filter
def bi(obj, field: str = "name") -> str:
    """``{{ line|bi:"name" }}``: ``name_zh`` on a Chinese page, ``name_en`` otherwise."""
    suffix = "zh" if is_chinese() else "en"
    return getattr(obj, f"{field}_{suffix}", "") or getattr(obj, f"{field}_en", "")


@register.filter
def yuan(amount) -> str:
    """``¥368.00``: two places, always."""
    if amount is None or amount == "":
        return ""
    return f"¥{quantize_fen(Decimal(amount)):,}"


@register.filter
def qty(value) -> str:
    """A quantity without trailing zeros: 2.00 → 2, 0.50 → 0.5."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def category_label(code: str) -> str:
    try:
        return str(Part.Category(code).label)
    except ValueError:
        return code


@register.filter
def tier_label(code: str | None) -> str:
    try:
        return str(Tier(code).label) if code else ""
    except ValueError:
        return code or ""


@register.filter
def country_label(name: str) -> str:
    return _country_label(name)
