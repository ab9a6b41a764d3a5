"""China's public holidays and swapped working days (调休), from the chinese-calendar package."""

import enum
from datetime import date
from functools import lru_cache

import chinese_calendar


class DayKind(enum.Enum):
    NORMAL = "normal"  # the weekday's own rule applies
    PUBLIC_HOLIDAY = "public_holiday"  # a statutory holiday (or a day off given for one)
    SWAPPED_WORKDAY = "swapped_workday"  # a Saturday or Sunday that is an official working day


@lru_cache(maxsize=1024)
def day_kind(day: date) -> DayKind:
    """What the State Council calendar says about ``day``.

    Years the package does not know yet (it is updated each December for the next year) are
    treated as normal: the weekly hours decide, and shops add their own closures.
    """
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return DayKind.NORMAL
    if is_holiday and name is not None:
        return DayKind.PUBLIC_HOLIDAY
    if not is_holiday and day.weekday() >= 5:
        return DayKind.SWAPPED_WORKDAY
    return DayKind.NORMAL


def holiday_name(day: date) -> str | None:
    """The English name of the public holiday on ``day`` (e.g. "National Day"), or None."""
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name if is_holiday else None
