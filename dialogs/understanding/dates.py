"""Find and parse dates in free-text chat messages (Chinese, numeric and English forms).

Pure functions, standard library only. Nothing here renders text for the user: callers get
structured `DateMention`s and decide what to say from templates.
"""

from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dialogs.understanding.numerals import (
    CHINESE_DIGITS,
    normalize_width,
    parse_chinese_digit_sequence,
    parse_chinese_int,
)

__all__ = ["DateMention", "DateProblem", "find_dates", "parse_date"]

MIN_YEAR = 1900
MAX_YEAR = 2100


class DateProblem(StrEnum):
    """Why a date-looking string is not a valid date."""

    INVALID_MONTH = "invalid_month"
    INVALID_DAY = "invalid_day"
    EMPTY = "empty"
    RANGE = "range"  # "2月25日到3月5日": two days, not one (set by the message reader)
    VAGUE = "vague"  # "过年后", "春节后": a time, not a day; asked, never picked


@dataclass(frozen=True)
class DateMention:
    """One date-like mention in a message.

    `year_inferred` is True when the text named no year (the dialog may need to say which
    year was chosen); `relative` is True when the value was computed from `today`
    ("明天", "下个月5号", "20号", "今年3月1日").
    """

    value: date | None
    problem: DateProblem | None
    year_inferred: bool
    relative: bool
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    # None marks a "blocker": text that looks like a date but is not one (e.g. year 1800).
    # It still claims its span so that a shorter match inside it ("3月1日") cannot win.
    mention: DateMention | None


# --- regular-expression building blocks (applied to width-normalized text) -------------------

_CN_DIGITS = "".join(CHINESE_DIGITS)
_CN_NUM = f"[{_CN_DIGITS}十]"  # enough for months and days (at most 三十一)
_NUMERAL_BEFORE = f"0-9{_CN_DIGITS}十百千"  # a match must not continue a longer number
_YEAR_CN = "[〇零一二三四五六七八九]{4}"

# Month; the number is parsed by parse_chinese_int either way.
_MONTH = rf"(?P<m>[0-9]{{1,2}}|{_CN_NUM}{{1,3}})\s*月"
# Day after a month: digits may omit 日/号 ("3月10") unless a unit follows ("3月10元");
# Chinese numerals must carry 日/号 ("三月一次" is not a date); 底/末 = last day of the month.
_DAY_AFTER_MONTH = (
    r"\s*(?:"
    r"(?P<dd>[0-9]{1,2})(?![0-9])(?:\s*[日号]|(?!\s*[元块%个次天岁年万千百.:]))"
    rf"|(?P<dc>{_CN_NUM}{{1,3}})\s*[日号]"
    r"|(?P<end>[底末])"
    r")"
)

_RELATIVE_YEAR_OFFSETS = {"前": -2, "去": -1, "今": 0, "明": 1, "后": 2}

_CN_WITH_YEAR_RE = re.compile(
    r"(?:"
    r"(?<![0-9])(?P<yd>[0-9]{4}|[0-9]{2})\s*年"
    rf"|(?<![{_CN_DIGITS}])(?P<yc>{_YEAR_CN})\s*年"
    r"|(?P<yr>[前去今明后])年"
    r")\s*" + _MONTH + _DAY_AFTER_MONTH
)
_CN_MONTH_DAY_RE = re.compile(rf"(?<![{_NUMERAL_BEFORE}])" + _MONTH + _DAY_AFTER_MONTH)

_RELATIVE_MONTH = r"(?P<rel>下个?|这个?|本|上个?)"
_RELATIVE_MONTH_OFFSETS = {"下": 1, "这": 0, "本": 0, "上": -1}
_RELATIVE_MONTH_DAY_RE = re.compile(
    _RELATIVE_MONTH + rf"月\s*(?:(?P<dd>[0-9]{{1,2}})(?![0-9])|(?P<dc>{_CN_NUM}{{1,3}}))\s*[日号]"
)
_MONTH_END_RE = re.compile(_RELATIVE_MONTH + r"?月[底末]")

# "20号"/"二十日": not after a month/weekday word ("周六日" is Saturday and Sunday, "第3日" an
# ordinal, "三四月10号" names no single month) and not before words that make 号/日 a label or
# a duration ("3号楼", "7日内"). "每月15号" (every month) does mean the next 15th.
_BARE_DAY_RE = re.compile(
    rf"(?:(?<=每月)|(?<![{_NUMERAL_BEFORE}月周期拜第]))"
    rf"(?P<d>[0-9]{{1,2}}|{_CN_NUM}{{1,3}})\s*[日号]"
    r"(?![楼线窗口院房门床柜台位机车馆厅室栋码文内游均])"
)

_RELATIVE_DAY_OFFSETS = {
    "大前天": -3,
    "前天": -2,
    "昨天": -1,
    "昨日": -1,
    "yesterday": -1,
    "今天": 0,
    "今日": 0,
    "today": 0,
    "明天": 1,
    "明日": 1,
    "tomorrow": 1,
    "后天": 2,
    "大后天": 3,
}
_RELATIVE_DAY_RE = re.compile(
    r"大前天|前天|昨天|昨日|今天|今日|明天|明日|大后天|后天"
    r"|(?<![A-Za-z])(?:yesterday|today|tomorrow)(?![A-Za-z])",
    re.IGNORECASE,
)

# "下周一", "这个星期五", "本周日": weeks run Monday to Sunday, as Chinese calendars print
# them, so 下周一 said on a Monday is a week ahead and on a Sunday is tomorrow. A weekday
# with no week ("周一") is not read: this week's or next week's is the person's to say.
_WEEKDAY_RE = re.compile(
    r"(?P<rel>下下个?|下个?|这个?|本|上个?)\s*(?:周|星期|礼拜|禮拜)(?P<d>[一二三四五六日天1-7])"
)
_WEEK_OFFSETS = {"下下": 2, "下": 1, "这": 0, "本": 0, "上": -1}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}

# A time of year that is no day: "过年后" is February for one resident and March for another,
# and a notice's window can end in between (昌图 一、1: 28 February). Not after a number:
# "断保3年后" counts years.
_VAGUE_RE = re.compile(
    rf"(?<![0-9{_CN_DIGITS}十几多])(?:过完?了?年(?:以后|之后|后)?|过完年|春节(?:以后|之后|后|过后)|"
    r"年(?:以后|之后|后|以前|之前|前)|节后|开春(?:以后|之后|后)?|正月里?"
    # a month, a part of one, or a weekday of no stated week: "下个月", "月初", "年底", "周一"
    r"|(?:下个?|这个?|本)月(?![0-9一二三四五六七八九十底末])|月初|月中|年底|年初|这两天|过几天"
    r"|(?<![下这本上个])(?:周|星期|礼拜)[一二三四五六日天](?![一二三四五六日天]))"
)

_ISO_RE = re.compile(
    r"(?<![0-9./-])(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"
    r"(?![0-9])(?![./-][0-9])(?:\s*[日号])?"
)
_COMPACT_RE = re.compile(r"(?<![0-9])(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?![0-9])")

# "3.10" / "3/10": conservative, because the same shape is a price, a decimal or a fraction.
_SHORT_NUMERIC_RE = re.compile(
    r"(?<![0-9A-Za-z./:$¥￥第-])(?P<m>[0-9]{1,2})[./](?P<d>[0-9]{1,2})"
    r"(?![0-9])(?![./:-][0-9])"
    r"(?!\s*(?:[元块%万千百角分毛倍岁折斤米]|kg|km|cm|mm))"
    r"(?:\s*[日号])?",
    re.IGNORECASE,
)

_ENGLISH_MONTHS: dict[str, int] = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
# Longest names first so that "march" is not read as "mar" + "ch".
_ENGLISH_MONTH_ALT = "|".join(sorted(_ENGLISH_MONTHS, key=len, reverse=True))
_ORDINAL = r"(?:st|nd|rd|th)?"
_ENGLISH_YEAR = r"(?:(?:,\s*|\s+)(?P<y>[0-9]{4}))?"
_ENGLISH_DAY_MONTH_RE = re.compile(
    rf"(?<![A-Za-z0-9])(?P<d>[0-9]{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<mon>{_ENGLISH_MONTH_ALT})\.?"
    rf"{_ENGLISH_YEAR}(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_ENGLISH_MONTH_DAY_RE = re.compile(
    rf"(?<![A-Za-z0-9])(?P<mon>{_ENGLISH_MONTH_ALT})\.?\s*(?P<d>[0-9]{{1,2}}){_ORDINAL}"
    rf"{_ENGLISH_YEAR}(?![A-Za-z0-9])",
    re.IGNORECASE,
)

_LAST_DAY = -1  # sentinel day: the last day of the month ("月底")


# --- calendar helpers --------------------------------------------------------------------------


def _days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _make_date(year: int, month: int, day: int) -> date | None:
    if not 1 <= year <= 9999 or not 1 <= month <= 12:
        return None
    last = _days_in_month(year, month)
    if day == _LAST_DAY:
        day = last
    if not 1 <= day <= last:
        return None
    return date(year, month, day)


def _shift_month(year: int, month: int, offset: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + offset
    return index // 12, index % 12 + 1


def _nearest_year(month: int, day: int, today: date) -> date | None:
    """The date in today.year-1, today.year or today.year+1 closest to today (ties: future)."""
    best: date | None = None
    best_key: tuple[int, int] | None = None
    for year in (today.year - 1, today.year, today.year + 1):
        candidate = _make_date(year, month, day)
        if candidate is None:
            continue
        distance = abs((candidate - today).days)
        key = (distance, 0 if candidate >= today else 1)
        if best_key is None or key < best_key:
            best, best_key = candidate, key
    return best


# --- building mentions -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    original: str
    today: date

    def mention(
        self,
        match: re.Match[str],
        value: date | None,
        problem: DateProblem | None,
        *,
        year_inferred: bool,
        relative: bool,
    ) -> _Candidate:
        start, end = match.span()
        # Trailing blanks can be swallowed by optional suffix groups; never report them.
        while end > start and self.original[end - 1].isspace():
            end -= 1
        return _Candidate(
            start,
            end,
            DateMention(
                value=value,
                problem=problem,
                year_inferred=year_inferred,
                relative=relative,
                start=start,
                end=end,
                text=self.original[start:end],
            ),
        )

    def calendar_mention(
        self,
        match: re.Match[str],
        year: int | None,
        month: int,
        day: int,
        *,
        relative: bool = False,
    ) -> _Candidate:
        """A month/day with an explicit year, or with the nearest sensible year if None."""
        inferred = year is None
        if not 1 <= month <= 12:
            return self.mention(
                match, None, DateProblem.INVALID_MONTH, year_inferred=inferred, relative=relative
            )
        if year is None:
            value = _nearest_year(month, day, self.today)
        else:
            value = _make_date(year, month, day)
        problem = None if value is not None else DateProblem.INVALID_DAY
        return self.mention(match, value, problem, year_inferred=inferred, relative=relative)


def _blocker(match: re.Match[str]) -> _Candidate:
    return _Candidate(match.start(), match.end(), None)


def _day_after_month(match: re.Match[str]) -> int | None:
    if match.group("end") is not None:
        return _LAST_DAY
    digits = match.group("dd")
    return parse_chinese_int(digits if digits is not None else match.group("dc"))


def _chinese_with_year(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    month = parse_chinese_int(match.group("m"))
    day = _day_after_month(match)
    if month is None or day is None:
        return None
    if match.group("yr") is not None:
        year = ctx.today.year + _RELATIVE_YEAR_OFFSETS[match.group("yr")]
        return ctx.calendar_mention(match, year, month, day, relative=True)
    if match.group("yd") is not None:
        raw = match.group("yd")
        # A two-digit year is this century ("25年" is 2025) unless that is still to come:
        # "60年3月1日" is a birth in 1960 (no one pays two years ahead).
        year = int(raw)
        if len(raw) == 2:
            year += 2000 if 2000 + year <= ctx.today.year + 1 else 1900
    else:
        parsed = parse_chinese_digit_sequence(match.group("yc"))
        if parsed is None:
            return None
        year = parsed
    if not MIN_YEAR <= year <= MAX_YEAR:
        return _blocker(match)
    return ctx.calendar_mention(match, year, month, day)


def _chinese_month_day(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    month = parse_chinese_int(match.group("m"))
    day = _day_after_month(match)
    if month is None or day is None:
        return None
    return ctx.calendar_mention(match, None, month, day)


def _relative_month_day(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    digits = match.group("dd")
    day = parse_chinese_int(digits if digits is not None else match.group("dc"))
    if day is None:
        return None
    year, month = _shift_month(
        ctx.today.year, ctx.today.month, _RELATIVE_MONTH_OFFSETS[match.group("rel")[0]]
    )
    return ctx.calendar_mention(match, year, month, day, relative=True)


def _month_end(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    rel = match.group("rel")
    offset = _RELATIVE_MONTH_OFFSETS[rel[0]] if rel else 0
    year, month = _shift_month(ctx.today.year, ctx.today.month, offset)
    return ctx.calendar_mention(match, year, month, _LAST_DAY, relative=True)


def _bare_day(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    day = parse_chinese_int(match.group("d"))
    if day is None or not 1 <= day <= 31:
        return None
    today = ctx.today
    # This month while the day is still ahead (or today), otherwise next month.
    offset = 0 if day >= today.day else 1
    year, month = _shift_month(today.year, today.month, offset)
    return ctx.calendar_mention(match, year, month, day, relative=True)


def _relative_day(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    offset = _RELATIVE_DAY_OFFSETS[match.group(0).lower()]
    try:
        value = ctx.today + timedelta(days=offset)
    except OverflowError:
        return None
    return ctx.mention(match, value, None, year_inferred=False, relative=True)


def _weekday(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    rel = match.group("rel")
    weeks = _WEEK_OFFSETS["下下" if rel.startswith("下下") else rel[0]]
    raw = match.group("d")
    weekday = int(raw) - 1 if raw.isdigit() else _WEEKDAYS[raw]
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    try:
        value = monday + timedelta(days=7 * weeks + weekday)
    except OverflowError:
        return None
    return ctx.mention(match, value, None, year_inferred=False, relative=True)


def _vague(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    return ctx.mention(match, None, DateProblem.VAGUE, year_inferred=False, relative=True)


def _iso(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    year = int(match.group("y"))
    if not MIN_YEAR <= year <= MAX_YEAR:
        return _blocker(match)
    return ctx.calendar_mention(match, year, int(match.group("m")), int(match.group("d")))


def _compact(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    # Eight bare digits are as often a phone or account number as a date: only a fully valid
    # date in range counts, and nothing is reported as an invalid date.
    year = int(match.group("y"))
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    value = _make_date(year, int(match.group("m")), int(match.group("d")))
    if value is None:
        return None
    return ctx.mention(match, value, None, year_inferred=False, relative=False)


def _short_numeric(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    # "2.30" is more likely a price than 30 February: only real dates count here.
    month, day = int(match.group("m")), int(match.group("d"))
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    value = _nearest_year(month, day, ctx.today)
    if value is None:
        return None
    return ctx.mention(match, value, None, year_inferred=True, relative=False)


def _english(match: re.Match[str], ctx: _Context) -> _Candidate | None:
    day = int(match.group("d"))
    if not 1 <= day <= 31:
        return None
    month = _ENGLISH_MONTHS[match.group("mon").lower()]
    raw_year = match.group("y")
    if raw_year is None:
        return ctx.calendar_mention(match, None, month, day)
    year = int(raw_year)
    if not MIN_YEAR <= year <= MAX_YEAR:
        return _blocker(match)
    return ctx.calendar_mention(match, year, month, day)


_Builder = Callable[[re.Match[str], _Context], _Candidate | None]

_PATTERNS: tuple[tuple[re.Pattern[str], _Builder], ...] = (
    (_CN_WITH_YEAR_RE, _chinese_with_year),
    (_CN_MONTH_DAY_RE, _chinese_month_day),
    (_RELATIVE_MONTH_DAY_RE, _relative_month_day),
    (_MONTH_END_RE, _month_end),
    (_BARE_DAY_RE, _bare_day),
    (_RELATIVE_DAY_RE, _relative_day),
    (_WEEKDAY_RE, _weekday),
    (_VAGUE_RE, _vague),
    (_ISO_RE, _iso),
    (_COMPACT_RE, _compact),
    (_SHORT_NUMERIC_RE, _short_numeric),
    (_ENGLISH_DAY_MONTH_RE, _english),
    (_ENGLISH_MONTH_DAY_RE, _english),
)


def _candidates(text: str, today: date) -> Iterator[_Candidate]:
    ctx = _Context(original=text, today=today)
    folded = normalize_width(text)
    for pattern, build in _PATTERNS:
        for match in pattern.finditer(folded):
            candidate = build(match, ctx)
            if candidate is not None and candidate.end > candidate.start:
                yield candidate


# --- public API --------------------------------------------------------------------------------


def find_dates(text: str, today: date) -> list[DateMention]:
    """Every date-like mention in `text`, in order of appearance and non-overlapping.

    Where forms overlap the longest match wins ("2025年3月10日" over "3月10日"). Mentions
    with a `problem` (e.g. "2月30日") are included so that the dialog can point them out.
    """
    # Kept spans stay sorted by start (and are disjoint), so one neighbour on each side
    # decides whether a new candidate overlaps.
    starts: list[int] = []
    chosen: list[_Candidate] = []
    for candidate in sorted(_candidates(text, today), key=lambda c: (c.start - c.end, c.start)):
        index = bisect.bisect_left(starts, candidate.start)
        if index > 0 and chosen[index - 1].end > candidate.start:
            continue
        if index < len(chosen) and chosen[index].start < candidate.end:
            continue
        starts.insert(index, candidate.start)
        chosen.insert(index, candidate)
    return [c.mention for c in chosen if c.mention is not None]


def parse_date(text: str, today: date) -> DateMention | None:
    """Read the answer to "which date?".

    Returns the only mention (or the first, when there are several), a mention with problem
    EMPTY for blank input, or None when nothing date-like is present.
    """
    if not text.strip():
        return DateMention(
            value=None,
            problem=DateProblem.EMPTY,
            year_inferred=False,
            relative=False,
            start=0,
            end=len(text),
            text=text,
        )
    mentions = find_dates(text, today)
    return mentions[0] if mentions else None
