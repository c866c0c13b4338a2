"""Money and dates formatted with Babel for each shipped language.

Babel's CLDR currency format for Chinese is "¥400.00", but the notices and the people who
read them write "400元" (and "160.50元" only when there are fen). The number patterns below are
therefore locale data chosen for this domain, not sentences: the digits, separators and
calendar come from Babel.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal

from dialogs.rendering.languages import Lang, normalise_lang

# (pattern for whole yuan, pattern with fen). Chinese notices never group thousands ("1000元").
_ZH_MONEY: Final = ("0元", "0.00元")
_EN_MONEY: Final = ("¤¤ #,##0", "¤¤ #,##0.00")  # ¤¤ is the ISO code: "CNY 400"

# zh: 2025年2月28日 (CLDR "long"); en: 28 Feb 2025, unambiguous for readers of either order.
_DATE_PATTERNS: Final[dict[Lang, str]] = {"zh_Hans": "long", "zh_Hant": "long", "en": "d MMM y"}


def _babel_locale(lang: Lang) -> str:
    return lang  # Babel knows zh_Hans, zh_Hant and en by these very names


def format_money(amount: Decimal, lang: str) -> str:
    """400元 / 160.50元 in Chinese; CNY 400 / CNY 160.50 in English."""
    language = normalise_lang(lang)
    whole = amount == amount.to_integral_value()
    if language == "en":
        pattern = _EN_MONEY[0] if whole else _EN_MONEY[1]
        return format_currency(
            amount, "CNY", format=pattern, locale=_babel_locale(language), currency_digits=False
        )
    pattern = _ZH_MONEY[0] if whole else _ZH_MONEY[1]
    return format_decimal(amount, format=pattern, locale=_babel_locale(language))


def format_date(day: date, lang: str) -> str:
    """2025年2月28日 in Chinese; 28 Feb 2025 in English."""
    language = normalise_lang(lang)
    return babel_format_date(day, _DATE_PATTERNS[language], locale=_babel_locale(language))
