"""A waiting period of days plus months is said the way the notice and the national rule
build it: the days first, then the months added to them (second trust audit)."""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.rendering.quote import render_quote
from policies.engine import quote
from policies.result import QuoteRequest

# 昌图 一、3 "未在集中缴费期缴纳 2025 年度保费的，自缴费之日起设 90 天待遇等待期。", and the
# national rule (国办发〔2024〕38号) adds a month for the second lapsed year: 90 days from
# 10 March end on 8 June, one month more on 8 July.
REQUEST = QuoteRequest(region="changtu", payment_date=date(2025, 3, 10), lapsed_years=2)


@pytest.mark.parametrize(
    ("lang", "said", "never"),
    [
        ("zh_Hans", "90天加1个月", "1个月90天"),
        ("zh_Hant", "90天加1個月", "1個月90天"),
        ("en", "90 days plus 1 month", "1 month 90 days"),
    ],
)
def test_days_plus_months_is_said_in_the_order_they_are_counted(
    lang: str, said: str, never: str
) -> None:
    result = quote(REQUEST)
    assert result.waiting is not None and result.waiting.last_day == date(2025, 7, 8)
    assert result.coverage is not None and result.coverage.start == date(2025, 7, 9)
    text = render_quote(result, lang, "text")
    assert said in text
    assert never not in text
