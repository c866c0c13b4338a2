"""The languages the helpdesk speaks, and how a requested language maps onto them."""

from __future__ import annotations

from typing import Final, Literal, TypeGuard, get_args

Lang = Literal["zh_Hans", "zh_Hant", "en"]
Markup = Literal["html", "text"]

LANGUAGES: Final[tuple[Lang, ...]] = get_args(Lang)
MARKUPS: Final[tuple[Markup, ...]] = get_args(Markup)
DEFAULT_LANG: Final[Lang] = "zh_Hans"

# Telegram sends IETF tags ("zh-hans", "zh-TW", "en-GB"); users and configs write POSIX-ish
# names ("zh_CN"). Scripts decide, regions only hint: TW/HK/MO write Traditional characters.
_TRADITIONAL_HINTS: Final = ("hant", "tw", "hk", "mo")


def is_lang(value: object) -> TypeGuard[Lang]:
    return value in LANGUAGES


def normalise_lang(code: str | None) -> Lang:
    """The shipped language closest to `code`; anything unknown is zh_Hans (primary)."""
    if not code:
        return DEFAULT_LANG
    if is_lang(code):
        return code
    parts = code.replace("-", "_").lower().split("_")
    if parts[0] == "en":
        return "en"
    if parts[0] == "zh":
        return "zh_Hant" if any(p in _TRADITIONAL_HINTS for p in parts[1:]) else "zh_Hans"
    return DEFAULT_LANG
