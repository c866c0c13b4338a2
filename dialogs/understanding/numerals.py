"""Counts of years as people type them in chat (三年, 3 years); the numerals themselves are
read by `policies.chinese_numerals`, re-exported here for the dialog.

Pure functions, standard library only.
"""

from __future__ import annotations

import re

from policies.chinese_numerals import (
    CHINESE_DIGITS,
    CHINESE_UNITS,
    normalize_width,
    parse_chinese_digit_sequence,
    parse_chinese_int,
)

__all__ = [
    "CHINESE_DIGITS",
    "find_year_counts",
    "normalize_width",
    "parse_chinese_digit_sequence",
    "parse_chinese_int",
]

_NUMERAL_CHARS = "0-9" + "".join(CHINESE_DIGITS) + "".join(CHINESE_UNITS)

# A run of numeral characters, then 年. The run must not continue a longer number (lookbehind),
# and "第3年" is an ordinal, not a count.
_CHINESE_COUNT_RE = re.compile(
    rf"(?<![{_NUMERAL_CHARS}第])(?P<num>[{_NUMERAL_CHARS}]+)\s*年"
    # 年度/年级/年代/年纪/年龄/年底... name a calendar year or something else, not a duration;
    # 年半 is not a whole number of years. A following month ("25年3月") makes it a calendar year.
    rf"(?![度级代纪龄底初末半])(?!\s*[{_NUMERAL_CHARS}]+\s*月)"
)

_ENGLISH_NUMBER_WORDS: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_ENGLISH_COUNT_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<num>[0-9]{1,2}|" + "|".join(_ENGLISH_NUMBER_WORDS) + r")"
    r"\s*-?\s*(?:years?|yrs?)(?![A-Za-z])",
    re.IGNORECASE,
)

_MAX_COUNT = 99


def find_year_counts(text: str) -> list[tuple[int, int, int]]:
    """Find counts of years ("断保两年", "3 years") as (count, start, end), in text order.

    Calendar years ("2025年", "2024年度", "25年3月") are not counts; only 0..99 is accepted.
    The span covers the number and the word for year.
    """
    folded = normalize_width(text)
    found: list[tuple[int, int, int]] = []
    for match in _CHINESE_COUNT_RE.finditer(folded):
        count = parse_chinese_int(match.group("num"))
        if count is not None and count <= _MAX_COUNT:
            found.append((count, match.start(), match.end()))
    for match in _ENGLISH_COUNT_RE.finditer(folded):
        word = match.group("num").lower()
        count = _ENGLISH_NUMBER_WORDS[word] if word in _ENGLISH_NUMBER_WORDS else int(word)
        found.append((count, match.start(), match.end()))
    found.sort(key=lambda item: item[1])
    return found
