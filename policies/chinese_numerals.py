"""Whole numbers written in Chinese numerals or full-width digits.

Shared by the notice reader (clause labels such as 二十三、) and the dialog's understanding of
what people type (三年, 一百零五, ３). Pure functions, standard library only.
"""

from __future__ import annotations

# Digits as written in Chinese; 两 is the colloquial 2 ("两年"), 〇/零 both mean 0.
CHINESE_DIGITS: dict[str, int] = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CHINESE_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}

# Full-width ASCII variants (！ .. ～) and the ideographic space, mapped one character to one
# character so that spans computed on the normalized text stay valid for the original text.
_WIDTH_TABLE: dict[int, str] = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = " "


def normalize_width(text: str) -> str:
    """Fold full-width digits, letters and punctuation to ASCII, keeping the length unchanged."""
    return text.translate(_WIDTH_TABLE)


def parse_chinese_digit_sequence(text: str) -> int | None:
    """Read digits one by one, as years are written: "二〇二五" -> 2025.

    Returns None unless every character is a digit (Chinese, ASCII or full-width).
    """
    if not text:
        return None
    value = 0
    for char in normalize_width(text):
        if "0" <= char <= "9":
            digit = ord(char) - ord("0")
        elif char in CHINESE_DIGITS and char != "两":  # nobody writes a year digit as 两
            digit = CHINESE_DIGITS[char]
        else:
            return None
        value = value * 10 + digit
    return value


def parse_chinese_int(text: str) -> int | None:
    """Parse a whole number written with ASCII/full-width digits or Chinese numerals.

    "三" -> 3, "十二" -> 12, "二十三" -> 23, "一百零五" -> 105, "３" -> 3.
    Returns None for anything that is not exactly one number: "三四" (a range), "", "abc".
    """
    folded = normalize_width(text)
    if not folded:
        return None
    if folded.isascii() and folded.isdigit():
        return int(folded)
    return _parse_chinese_positional(folded)


def _parse_chinese_positional(text: str) -> int | None:
    total = 0
    pending: int | None = None  # a digit waiting for its unit (or for the end)
    last_unit: int | None = None  # units must strictly decrease: 一百二十, not 十百
    zero_filler = False  # 零 inside a number ("一百零五") marks a skipped position
    for char in text:
        if char in CHINESE_DIGITS:
            digit = CHINESE_DIGITS[char]
            if pending is not None:
                # Two digits in a row are only fine after a filler zero ("零五").
                if not (pending == 0 and total > 0 and not zero_filler):
                    return None
                zero_filler = True
            pending = digit
        elif char in CHINESE_UNITS:
            unit = CHINESE_UNITS[char]
            if last_unit is not None and unit >= last_unit:
                return None
            if pending is None:
                # A bare leading 十 means 一十 ("十二" = 12); elsewhere a unit needs a digit.
                if total != 0 or unit != 10:
                    return None
                pending = 1
            if pending == 0:
                return None
            total += pending * unit
            pending = None
            last_unit = unit
            zero_filler = False
        else:
            return None
    if pending is not None:
        if pending == 0 and total > 0:
            return None  # a trailing 零 ("一百零") is not a number
        if last_unit is not None and last_unit > 10 and not zero_filler:
            # "一百二" is colloquially 120; too ambiguous to guess, so refuse.
            return None
        total += pending
    return total
