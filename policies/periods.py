"""Date arithmetic for periods counted in days or months.

One rule for the whole project, taken from the Civil Code of the PRC (民法典 第二百零一条、
第二百零二条): a period counted from a day does not include that day; a period of N months
ends on the day of the N-th later month that bears the same number, or on that month's last
day when it has no such day (31 Jan + 1 month ends on 28/29 Feb). A period of N days from
day D therefore ends on D + N days. The first day *after* a period is its end + 1 day.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field


def add_months(day: date, months: int) -> date:
    """The day `months` months after `day`, clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def first_of_next_month(day: date) -> date:
    return add_months(day.replace(day=1), 1)


class Duration(BaseModel):
    """A waiting period or time limit as a notice states it: months and/or days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    months: int = Field(default=0, ge=0)
    days: int = Field(default=0, ge=0)

    def is_zero(self) -> bool:
        return self.months == 0 and self.days == 0

    def plus_months(self, months: int) -> Duration:
        return Duration(months=self.months + months, days=self.days)

    def last_day_from(self, start: date) -> date:
        """Last day of this period counted from `start` (which itself does not count)."""
        return add_months(start + timedelta(days=self.days), self.months)

    def first_day_after(self, start: date) -> date:
        return self.last_day_from(start) + timedelta(days=1)


def age_on(birth: date, day: date) -> int:
    """Age in full years (周岁) on `day`."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years
