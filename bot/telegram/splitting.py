"""Splitting a long reply into Telegram messages of at most 4096 characters.

Cuts fall on paragraph boundaries (blank lines) where possible, else on line breaks, else
on spaces, else anywhere outside an HTML tag or entity. In HTML, a tag left open at a cut is
closed at the end of that part and reopened at the start of the next, so every part parses
on its own.

Telegram counts the limit in UTF-16 code units of the text after entity parsing. We measure
the HTML source instead (never shorter than what Telegram counts), so a part that passes
here always passes there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

MAX_MESSAGE_LENGTH: Final = 4096
# Room kept in each HTML part for the closing and reopening tags a cut adds.
_TAG_RESERVE: Final = 256

_TOKEN: Final = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;")
_TAG: Final = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*>")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass(frozen=True)
class _OpenTag:
    name: str
    opening: str  # the tag as written, attributes included, to reopen it verbatim


def split_message(text: str, *, html: bool, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """The parts to send, in order; one part when the text fits."""
    if utf16_len(text) <= limit:
        return [text]
    budget = limit - _TAG_RESERVE if html else limit
    protected = _protected_spans(text) if html else []
    pieces = _cut(text, budget, protected)
    parts = _rebalance(pieces) if html else pieces
    # A part of only whitespace (or only tags) would be an empty message, which Telegram refuses.
    return [part for part in parts if _TAG.sub("", part).strip()]


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Index ranges a cut must not fall strictly inside: tags and entities."""
    return [(m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _safe(index: int, protected: list[tuple[int, int]]) -> bool:
    return not any(start < index < end for start, end in protected)


def _prefix_fitting(text: str, start: int, budget: int) -> int:
    """The largest end such that text[start:end] is at most `budget` UTF-16 units."""
    used = 0
    end = start
    while end < len(text):
        width = 2 if ord(text[end]) > 0xFFFF else 1
        if used + width > budget:
            break
        used += width
        end += 1
    return end


def _cut(text: str, budget: int, protected: list[tuple[int, int]]) -> list[str]:
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = _prefix_fitting(text, start, budget)
        if end >= len(text):
            pieces.append(text[start:])
            break
        cut, resume = _best_cut(text, start, end, protected)
        pieces.append(text[start:cut])
        start = resume
    return pieces


def _best_cut(
    text: str, start: int, end: int, protected: list[tuple[int, int]]
) -> tuple[int, int]:
    """(end of this piece, start of the next): the separator between them is dropped."""
    # Prefer the latest paragraph break, then line break, then space, in the window; only
    # accept one past the window's first quarter so parts do not come out tiny.
    floor = start + (end - start) // 4
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, floor, end)
        while at > start and not _safe(at, protected):
            at = text.rfind(separator, floor, at)
        if at > start:
            return at, at + len(separator)
    cut = end
    while cut > start + 1 and not _safe(cut, protected):
        cut -= 1
    if cut <= start + 1:  # one enormous tag: cut it anyway rather than loop forever
        cut = end
    return cut, cut


def _rebalance(pieces: list[str]) -> list[str]:
    """Close the tags open at the end of each piece and reopen them in the next."""
    parts: list[str] = []
    carried: list[_OpenTag] = []
    for piece in pieces:
        opened = "".join(tag.opening for tag in carried)
        stack = list(carried)
        for match in _TAG.finditer(piece):
            closing, name = match.group(1), match.group(2).lower()
            if closing:
                if stack and stack[-1].name == name:
                    stack.pop()
            else:
                stack.append(_OpenTag(name, match.group(0)))
        closed = "".join(f"</{tag.name}>" for tag in reversed(stack))
        parts.append(opened + piece + closed)
        carried = stack
    return parts
