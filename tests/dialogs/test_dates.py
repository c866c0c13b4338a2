"""Tests for dialogs.understanding.dates."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.understanding.dates import DateMention, DateProblem, find_dates, parse_date

# Fixed "today"s: late in a year (nearest year often next year) and early in a year.
LATE = date(2026, 11, 25)
EARLY = date(2025, 1, 15)

# (value, problem, year_inferred, relative, matched text)
Expected = tuple[date | None, DateProblem | None, bool, bool, str]


def summary(mention: DateMention) -> Expected:
    return (mention.value, mention.problem, mention.year_inferred, mention.relative, mention.text)


def explicit(value: date, text: str) -> Expected:
    return (value, None, False, False, text)


def inferred(value: date, text: str) -> Expected:
    return (value, None, True, False, text)


def relative(value: date, text: str) -> Expected:
    return (value, None, False, True, text)


def problem(kind: DateProblem, text: str, *, year_inferred: bool) -> Expected:
    return (None, kind, year_inferred, False, text)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # ISO and separators
        ("2025-03-10", LATE, [explicit(date(2025, 3, 10), "2025-03-10")]),
        ("2025/3/10", LATE, [explicit(date(2025, 3, 10), "2025/3/10")]),
        ("2025.3.10", LATE, [explicit(date(2025, 3, 10), "2025.3.10")]),
        ("２０２５－０３－１０", LATE, [explicit(date(2025, 3, 10), "２０２５－０３－１０")]),
        ("20250310", LATE, [explicit(date(2025, 3, 10), "20250310")]),
        ("生日是20250310吧", LATE, [explicit(date(2025, 3, 10), "20250310")]),
        # Chinese with a year
        ("2025年3月10日", LATE, [explicit(date(2025, 3, 10), "2025年3月10日")]),
        ("2025年3月10号", LATE, [explicit(date(2025, 3, 10), "2025年3月10号")]),
        ("2025 年 3 月 10 日", LATE, [explicit(date(2025, 3, 10), "2025 年 3 月 10 日")]),
        ("25年3月10日", LATE, [explicit(date(2025, 3, 10), "25年3月10日")]),
        ("２０２５年３月１０日", LATE, [explicit(date(2025, 3, 10), "２０２５年３月１０日")]),
        ("二〇二五年三月十日", LATE, [explicit(date(2025, 3, 10), "二〇二五年三月十日")]),
        (
            "二零二五年十二月三十一日",
            LATE,
            [explicit(date(2025, 12, 31), "二零二五年十二月三十一日")],
        ),
        ("2025年2月底", LATE, [explicit(date(2025, 2, 28), "2025年2月底")]),
        # Chinese without a year: nearest sensible year
        ("3月10日", LATE, [inferred(date(2027, 3, 10), "3月10日")]),
        ("3月10号", LATE, [inferred(date(2027, 3, 10), "3月10号")]),
        ("3月10", LATE, [inferred(date(2027, 3, 10), "3月10")]),
        ("3月10前交", LATE, [inferred(date(2027, 3, 10), "3月10")]),
        ("３月１０日", LATE, [inferred(date(2027, 3, 10), "３月１０日")]),
        ("三月十号", LATE, [inferred(date(2027, 3, 10), "三月十号")]),
        ("十二月三十一日", LATE, [inferred(date(2026, 12, 31), "十二月三十一日")]),
        ("10月1日", LATE, [inferred(date(2026, 10, 1), "10月1日")]),
        ("3月10日", EARLY, [inferred(date(2025, 3, 10), "3月10日")]),
        ("12月1日", EARLY, [inferred(date(2024, 12, 1), "12月1日")]),
        ("3月底", LATE, [inferred(date(2027, 3, 31), "3月底")]),
        # Relative years
        ("今年3月1日", LATE, [relative(date(2026, 3, 1), "今年3月1日")]),
        ("明年1月1号", LATE, [relative(date(2027, 1, 1), "明年1月1号")]),
        ("去年12月5日", EARLY, [relative(date(2024, 12, 5), "去年12月5日")]),
        # Short numeric without year
        ("3.10", LATE, [inferred(date(2027, 3, 10), "3.10")]),
        ("3/10", LATE, [inferred(date(2027, 3, 10), "3/10")]),
        ("3.10号交的", LATE, [inferred(date(2027, 3, 10), "3.10号")]),
        ("１２／２０", LATE, [inferred(date(2026, 12, 20), "１２／２０")]),
        # English
        ("10 March 2025", LATE, [explicit(date(2025, 3, 10), "10 March 2025")]),
        ("March 10, 2025", LATE, [explicit(date(2025, 3, 10), "March 10, 2025")]),
        ("march 10 2025", LATE, [explicit(date(2025, 3, 10), "march 10 2025")]),
        ("Mar 10", LATE, [inferred(date(2027, 3, 10), "Mar 10")]),
        ("10 Mar", LATE, [inferred(date(2027, 3, 10), "10 Mar")]),
        ("10 MAR", LATE, [inferred(date(2027, 3, 10), "10 MAR")]),
        ("Dec 1st", LATE, [inferred(date(2026, 12, 1), "Dec 1st")]),
        ("paid on Sept 3", LATE, [inferred(date(2026, 9, 3), "Sept 3")]),
        (
            "Feb 30, 2025",
            LATE,
            [problem(DateProblem.INVALID_DAY, "Feb 30, 2025", year_inferred=False)],
        ),
        # Relative days
        ("今天", LATE, [relative(date(2026, 11, 25), "今天")]),
        ("今日", LATE, [relative(date(2026, 11, 25), "今日")]),
        ("Today", LATE, [relative(date(2026, 11, 25), "Today")]),
        ("明天交", LATE, [relative(date(2026, 11, 26), "明天")]),
        ("明日", LATE, [relative(date(2026, 11, 26), "明日")]),
        ("tomorrow", LATE, [relative(date(2026, 11, 26), "tomorrow")]),
        ("后天", LATE, [relative(date(2026, 11, 27), "后天")]),
        ("大后天", LATE, [relative(date(2026, 11, 28), "大后天")]),
        ("昨天", EARLY, [relative(date(2025, 1, 14), "昨天")]),
        ("yesterday", EARLY, [relative(date(2025, 1, 14), "yesterday")]),
        ("前天", EARLY, [relative(date(2025, 1, 13), "前天")]),
        # Relative months
        ("下个月5号", LATE, [relative(date(2026, 12, 5), "下个月5号")]),
        ("下月5号", LATE, [relative(date(2026, 12, 5), "下月5号")]),
        ("下个月5日", LATE, [relative(date(2026, 12, 5), "下个月5日")]),
        ("下个月五号", LATE, [relative(date(2026, 12, 5), "下个月五号")]),
        ("下个月5号", date(2026, 12, 10), [relative(date(2027, 1, 5), "下个月5号")]),
        ("这个月20号", LATE, [relative(date(2026, 11, 20), "这个月20号")]),
        ("本月20号", LATE, [relative(date(2026, 11, 20), "本月20号")]),
        ("上个月3号", EARLY, [relative(date(2024, 12, 3), "上个月3号")]),
        ("月底", LATE, [relative(date(2026, 11, 30), "月底")]),
        ("这个月底", LATE, [relative(date(2026, 11, 30), "这个月底")]),
        ("下个月底", LATE, [relative(date(2026, 12, 31), "下个月底")]),
        ("下月底", date(2025, 1, 15), [relative(date(2025, 2, 28), "下月底")]),
        ("下个月底", date(2026, 12, 1), [relative(date(2027, 1, 31), "下个月底")]),
        # Bare day: this month unless already past
        ("20号", LATE, [relative(date(2026, 12, 20), "20号")]),
        ("20日", EARLY, [relative(date(2025, 1, 20), "20日")]),
        ("25号", LATE, [relative(date(2026, 11, 25), "25号")]),
        ("二十号之前", EARLY, [relative(date(2025, 1, 20), "二十号")]),
        ("每月15号前交", LATE, [relative(date(2026, 12, 15), "15号")]),
        ("31号", date(2026, 1, 5), [relative(date(2026, 1, 31), "31号")]),
        (
            "31号",
            LATE,
            [(None, DateProblem.INVALID_DAY, False, True, "31号")],
        ),
        # Invalid dates
        ("2月30日", LATE, [problem(DateProblem.INVALID_DAY, "2月30日", year_inferred=True)]),
        ("4月31日", LATE, [problem(DateProblem.INVALID_DAY, "4月31日", year_inferred=True)]),
        ("3月45日", LATE, [problem(DateProblem.INVALID_DAY, "3月45日", year_inferred=True)]),
        ("13月5日", LATE, [problem(DateProblem.INVALID_MONTH, "13月5日", year_inferred=True)]),
        (
            "十三月五日",
            LATE,
            [problem(DateProblem.INVALID_MONTH, "十三月五日", year_inferred=True)],
        ),
        (
            "2025-13-01",
            LATE,
            [problem(DateProblem.INVALID_MONTH, "2025-13-01", year_inferred=False)],
        ),
        ("2025-02-30", LATE, [problem(DateProblem.INVALID_DAY, "2025-02-30", year_inferred=False)]),
        ("2025-02-29", LATE, [problem(DateProblem.INVALID_DAY, "2025-02-29", year_inferred=False)]),
        (
            "2025年2月29日",
            LATE,
            [problem(DateProblem.INVALID_DAY, "2025年2月29日", year_inferred=False)],
        ),
        (
            "2025年13月1日",
            LATE,
            [problem(DateProblem.INVALID_MONTH, "2025年13月1日", year_inferred=False)],
        ),
        # Leap day
        ("2024-02-29", LATE, [explicit(date(2024, 2, 29), "2024-02-29")]),
        ("2024年2月29日", LATE, [explicit(date(2024, 2, 29), "2024年2月29日")]),
        ("2月29日", EARLY, [inferred(date(2024, 2, 29), "2月29日")]),
        ("2月29日", date(2027, 6, 1), [inferred(date(2028, 2, 29), "2月29日")]),
        ("2月29日", LATE, [problem(DateProblem.INVALID_DAY, "2月29日", year_inferred=True)]),
        ("2月底", date(2027, 11, 1), [inferred(date(2028, 2, 29), "2月底")]),
        # Nearest year across a year boundary
        ("1月3日", date(2025, 12, 28), [inferred(date(2026, 1, 3), "1月3日")]),
        ("12月30日", date(2026, 1, 2), [inferred(date(2025, 12, 30), "12月30日")]),
        ("Jan 3", date(2025, 12, 28), [inferred(date(2026, 1, 3), "Jan 3")]),
        ("12/30", date(2026, 1, 2), [inferred(date(2025, 12, 30), "12/30")]),
    ],
)
def test_single_forms(text: str, today: date, expected: list[Expected]) -> None:
    assert [summary(m) for m in find_dates(text, today)] == expected


def test_nearest_year_tie_prefers_future() -> None:
    # 2024 is a leap year: 2024-07-02 lies exactly 183 days after 2024-01-01 and 183 days
    # before 2025-01-01, so the future date wins the tie.
    [mention] = find_dates("1月1日", date(2024, 7, 2))
    assert mention.value == date(2025, 1, 1)
    # One day later the past is a day nearer.
    [mention] = find_dates("1月1日", date(2024, 7, 1))
    assert mention.value == date(2024, 1, 1)


def test_two_dates_in_one_sentence() -> None:
    text = "我家孩子4月10号出生的，5月20号去交，科左后旗"
    mentions = find_dates(text, LATE)
    assert [summary(m) for m in mentions] == [
        inferred(date(2027, 4, 10), "4月10号"),
        inferred(date(2027, 5, 20), "5月20号"),
    ]
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text


def test_spans_refer_to_the_original_text() -> None:
    text = "我 ２０２５年３月１０日 和 Mar 5 交过"
    first, second = find_dates(text, EARLY)
    assert (first.start, first.end) == (2, 12)
    assert text[first.start : first.end] == "２０２５年３月１０日"
    assert text[second.start : second.end] == "Mar 5"


def test_mixed_forms_keep_order() -> None:
    text = "明天或者2025-03-10，最晚下个月底"
    assert [m.text for m in find_dates(text, LATE)] == ["明天", "2025-03-10", "下个月底"]


@pytest.mark.parametrize(
    "text",
    [
        "400元",
        "交了380元",
        "3年",
        "断保两年",
        "补缴三年",
        "2025年度",
        "2025年",
        "2025年3月",
        "三月份",
        "75823186",
        "13812345678",
        "电话0471-75823186",
        "1-2级",
        "3.105",
        "3.5元",
        "3.5块",
        "3.5%",
        "1.2.3",
        "v3.10",
        "2.30",
        "13.5",
        "3月1次",
        "三月一次",
        "3月10元",
        "1800年3月1日",
        "2200-03-01",
        "19991399",
        "3号楼",
        "1号线",
        "7日内办好",
        "周六日休息",
        "第3日",
        "三四月10号",
        "第3.10条",
        "May 2025",
        "marble 10",
        "身份证110101199003071234",
        "",
        "   ",
    ],
)
def test_not_dates(text: str) -> None:
    assert find_dates(text, LATE) == []


def test_parse_date_single() -> None:
    mention = parse_date("2025年3月10日", LATE)
    assert mention is not None
    assert mention.value == date(2025, 3, 10)
    assert mention.problem is None


def test_parse_date_takes_first_of_several() -> None:
    mention = parse_date("3月10日或者3月12日", LATE)
    assert mention is not None
    assert mention.text == "3月10日"


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "\u3000"])
def test_parse_date_empty(text: str) -> None:
    mention = parse_date(text, LATE)
    assert mention is not None
    assert mention.problem is DateProblem.EMPTY
    assert mention.value is None
    assert (mention.start, mention.end, mention.text) == (0, len(text), text)


@pytest.mark.parametrize("text", ["不知道", "400元", "断保两年"])
def test_parse_date_nothing(text: str) -> None:
    assert parse_date(text, LATE) is None


def test_parse_date_invalid() -> None:
    mention = parse_date(" 2月30日 ", LATE)
    assert mention is not None
    assert mention.problem is DateProblem.INVALID_DAY
    assert mention.value is None
    assert (mention.start, mention.end) == (1, 6)


def test_problem_values_are_stable() -> None:
    assert [p.value for p in DateProblem] == [
        "invalid_month",
        "invalid_day",
        "empty",
        "range",
        "vague",
    ]


@given(st.text())
def test_find_dates_never_raises_and_spans_are_sane(text: str) -> None:
    mentions = find_dates(text, LATE)
    previous_end = 0
    for mention in mentions:
        assert 0 <= mention.start < mention.end <= len(text)
        assert mention.start >= previous_end
        assert mention.text == text[mention.start : mention.end]
        assert (mention.value is None) == (mention.problem is not None)
        previous_end = mention.end


@given(st.text(alphabet="0123456789年月日号.-/ 一二三十两〇底下个本这今明后天Mar"))
def test_find_dates_never_raises_on_date_like_noise(text: str) -> None:
    for today in (LATE, EARLY):
        previous_end = 0
        for mention in find_dates(text, today):
            assert previous_end <= mention.start < mention.end <= len(text)
            previous_end = mention.end


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_any_valid_chinese_date_round_trips(day: date) -> None:
    mentions = find_dates(f"{day.year}年{day.month}月{day.day}日", LATE)
    assert [(m.value, m.problem, m.year_inferred) for m in mentions] == [(day, None, False)]
