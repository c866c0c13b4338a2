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


@pytest.mark.parametrize(
    ("lang", "said", "never"),
    [
        ("zh_Hans", "按去年已参保或只断保1年计算", "按未连续断保2年及以上计算"),
        ("zh_Hant", "按去年已參保或只斷保1年計算", "按未連續斷保2年及以上計算"),
        ("en", "Calculated as insured last year, or lapsed for one year only", "not lapsed for"),
    ],
)
def test_the_assumed_history_is_said_as_what_it_is(lang: str, said: str, never: str) -> None:
    # 昌图 after 一、1's collection period: one lapsed year waits 一、3's 90 days like everyone,
    # so the answer assumes "insured last year or lapsed one year" and gives the 2-year case.
    # "按未连续断保2年及以上计算" reads "as not continuously insured, lapsed 2 years or more":
    # the opposite of what was computed.
    from dialogs.engine import Command, Text, step
    from dialogs.render import render_reply
    from dialogs.state import DialogState

    day = date(2025, 3, 10)
    state, _ = step(DialogState(lang=lang), Command(name="start", arg="", today=day))
    state, replies = step(state, Text(text="昌图 普通居民 今天交", today=day))
    text = "\n".join(render_reply(r, "text").text for r in replies)
    assert said in text
    assert never not in text
