"""Tests for dialogs.understanding.numerals."""

from __future__ import annotations

import pytest

from dialogs.understanding.numerals import (
    find_year_counts,
    normalize_width,
    parse_chinese_digit_sequence,
    parse_chinese_int,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("三", 3),
        ("两", 2),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("三十一", 31),
        ("一百", 100),
        ("一百零五", 105),
        ("两百", 200),
        ("〇", 0),
        ("零", 0),
        ("2", 2),
        ("31", 31),
        ("３", 3),
        ("１２", 12),
        # not a single number
        ("三四", None),
        ("", None),
        ("abc", None),
        ("2十", None),
        ("十百", None),
        ("零五", None),
        ("一百零", None),
        ("一百二", None),
        ("二〇二五", None),
        ("-3", None),
    ],
)
def test_parse_chinese_int(text: str, expected: int | None) -> None:
    assert parse_chinese_int(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二〇二五", 2025),
        ("二零二五", 2025),
        ("2025", 2025),
        ("２０２５", 2025),
        ("", None),
        ("二十", None),
        ("两〇", None),
    ],
)
def test_parse_chinese_digit_sequence(text: str, expected: int | None) -> None:
    assert parse_chinese_digit_sequence(text) == expected


def test_normalize_width_keeps_length() -> None:
    text = "２０２５－０３／１０　ＭＡＲ，。"
    folded = normalize_width(text)
    assert len(folded) == len(text)
    assert folded == "2025-03/10 MAR,。"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("断保两年", [(2, 2, 4)]),
        ("断了3年", [(3, 2, 4)]),
        ("没交三年了", [(3, 2, 4)]),
        ("补缴两年", [(2, 2, 4)]),
        ("3年", [(3, 0, 2)]),
        ("三年", [(3, 0, 2)]),
        ("十年", [(10, 0, 2)]),
        ("１０年", [(10, 0, 3)]),
        ("3 年", [(3, 0, 3)]),
        ("two years", [(2, 0, 9)]),
        ("3 years", [(3, 0, 7)]),
        ("1 year", [(1, 0, 6)]),
        ("Three-year gap", [(3, 0, 10)]),
        ("断保3年3个月", [(3, 2, 4)]),
        ("断了两年，又补缴3年", [(2, 2, 4), (3, 8, 10)]),
        # calendar years and other non-counts
        ("2025年", []),
        ("2024年度", []),
        ("25年3月", []),
        ("25年 3月10日", []),
        ("二〇二五年", []),
        ("第3年", []),
        ("3年级", []),
        ("80年代", []),
        ("1年半", []),
        ("两三年", []),
        ("100年", []),
        ("交了400元", []),
        ("", []),
    ],
)
def test_find_year_counts(text: str, expected: list[tuple[int, int, int]]) -> None:
    assert find_year_counts(text) == expected


def test_find_year_counts_span_points_at_original_text() -> None:
    text = "我断保两年了"
    [(count, start, end)] = find_year_counts(text)
    assert count == 2
    assert text[start:end] == "两年"
