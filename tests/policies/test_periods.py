"""The one month/day arithmetic rule (民法典 第二百零一、二百零二条): policies/periods.py."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from policies.periods import Duration, add_months, age_on, first_of_next_month


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # no 31 Feb: the month's last day
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 1, 31), 2, date(2025, 3, 31)),  # the clamp does not carry over
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),  # across a year end
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 5, 17), 0, date(2025, 5, 17)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_first_of_next_month() -> None:
    assert first_of_next_month(date(2025, 1, 1)) == date(2025, 2, 1)
    assert first_of_next_month(date(2025, 2, 28)) == date(2025, 3, 1)
    assert first_of_next_month(date(2025, 12, 31)) == date(2026, 1, 1)


def test_ninety_days_from_a_payment() -> None:
    # 90 days counted from 1 Mar (which does not count) end on 30 May; cover starts 31 May.
    ninety = Duration(days=90)
    assert ninety.last_day_from(date(2025, 3, 1)) == date(2025, 5, 30)
    assert ninety.first_day_after(date(2025, 3, 1)) == date(2025, 5, 31)
    # a newborn's 90 days: born 1 Mar, the 90th day is 30 May
    assert date(2025, 3, 1) + timedelta(days=90) == ninety.last_day_from(date(2025, 3, 1))
    assert ninety.last_day_from(date(2024, 12, 31)) == date(2025, 3, 31)
    assert ninety.first_day_after(date(2024, 12, 31)) == date(2025, 4, 1)


def test_three_months_from_a_payment() -> None:
    three = Duration(months=3)
    assert three.last_day_from(date(2025, 3, 1)) == date(2025, 6, 1)
    assert three.first_day_after(date(2025, 3, 1)) == date(2025, 6, 2)
    assert three.last_day_from(date(2024, 11, 30)) == date(2025, 2, 28)
    assert three.first_day_after(date(2024, 11, 30)) == date(2025, 3, 1)
    assert three.first_day_after(date(2023, 11, 30)) == date(2024, 3, 1)  # 29 Feb 2024 + 1


def test_duration_helpers() -> None:
    assert Duration().is_zero()
    assert not Duration(days=1).is_zero()
    assert Duration(months=3).plus_months(2) == Duration(months=5)
    assert Duration(days=90).plus_months(1) == Duration(months=1, days=90)
    with pytest.raises(ValidationError):
        Duration(months=-1)
    with pytest.raises(ValidationError):
        Duration.model_validate({"weeks": 2})


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(1965, 3, 1), date(2025, 3, 1), 60),  # on the 60th birthday: 60 周岁
        (date(1965, 3, 1), date(2025, 2, 28), 59),  # the day before
        (date(2007, 3, 1), date(2025, 3, 1), 18),  # 18th birthday: no longer a minor
        (date(2007, 3, 1), date(2025, 2, 28), 17),
        (date(2025, 3, 1), date(2025, 3, 1), 0),
        (date(2000, 12, 31), date(2025, 1, 1), 24),
    ],
)
def test_age_on(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age


@settings(max_examples=300, deadline=None)
@given(st.dates(date(1990, 1, 1), date(2040, 12, 31)), st.integers(0, 120))
def test_add_months_properties(start: date, months: int) -> None:
    end = add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day <= start.day
    assert end.day == start.day or end == add_months(end.replace(day=1), 1) - timedelta(days=1)
    if months:
        assert Duration(months=months).first_day_after(start) > start


@settings(max_examples=200, deadline=None)
@given(st.dates(date(1930, 1, 1), date(2030, 12, 31)), st.integers(0, 40000))
def test_age_never_decreases(birth: date, days: int) -> None:
    day = birth + timedelta(days=days)
    assert age_on(birth, day) >= 0
    assert age_on(birth, day + timedelta(days=1)) >= age_on(birth, day)
