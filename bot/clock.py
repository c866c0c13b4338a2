"""Today's date where the policies apply: China Standard Time (Asia/Shanghai)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _china() -> tzinfo:
    try:
        return ZoneInfo("Asia/Shanghai")
    except ZoneInfoNotFoundError:
        # A slim container without tzdata: China has had no daylight saving since 1991,
        # so the fixed offset gives the same dates.
        return timezone(timedelta(hours=8), "CST")


CHINA = _china()


def today_in_china() -> date:
    """A resident paying at 00:30 in Beijing pays "today" there, whatever the server's zone."""
    return datetime.now(CHINA).date()
