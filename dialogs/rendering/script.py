"""Traditional characters for zh_Hant, converted at render time with OpenCC.

The policy data (region and office names, identity labels, channels, document citations) is
Simplified, as the notices print it; zh_Hant readers get it in Traditional script around the
notice's own words, which stay as printed: text inside “…” (a verbatim quote, nesting counted)
is never converted. The catalogs' zh_Hant strings are Traditional already, and OpenCC leaves
Traditional text as it is.
"""

from __future__ import annotations

from functools import cache
from typing import Final, Protocol

OPEN: Final = "“"
CLOSE: Final = "”"


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@cache
def _s2tw() -> _Converter:
    import opencc  # OpenCC's own tables (Taiwan standard characters), as policies/ uses t2s

    converter: _Converter = opencc.OpenCC("s2tw")
    return converter


def outside_quotes(text: str) -> list[tuple[bool, str]]:
    """`text` cut into (quoted, segment) pieces; quotes nest and end at a line's end."""
    pieces: list[tuple[bool, str]] = []
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char == OPEN:
            if depth == 0:
                pieces.append((False, text[start:index]))
                start = index
            depth += 1
        elif char == CLOSE and depth:
            depth -= 1
            if depth == 0:
                pieces.append((True, text[start : index + 1]))
                start = index + 1
        elif char == "\n" and depth:
            # an unbalanced quote ends with its line: the labels below it still convert
            pieces.append((True, text[start:index]))
            depth = 0
            start = index
    pieces.append((depth > 0, text[start:]))
    return [(quoted, piece) for quoted, piece in pieces if piece]


def to_traditional(text: str) -> str:
    """Simplified outside verbatim quotes becomes Traditional (Taiwan standard)."""
    convert = _s2tw().convert
    return "".join(p if quoted else convert(p) for quoted, p in outside_quotes(text))
