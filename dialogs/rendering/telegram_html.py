"""What Telegram's HTML parse mode accepts, checked locally.

Used by the tests (and available to adapters) to catch a reply Telegram would reject with
"can't parse entities": unknown tags, unbalanced tags, bare '&' or '<', unknown named
entities, or more than MAX_MESSAGE_LENGTH characters.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Final

ALLOWED_TAGS: Final = frozenset({"b", "i", "u", "s", "code", "pre", "a", "blockquote"})
# Telegram knows only these named entities; numeric ones (&#39;) are all accepted.
_NAMED_ENTITIES: Final = frozenset({"lt", "gt", "amp", "quot"})
_ENTITY: Final = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_LIMIT: Final = 4096


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self.stack: list[str] = []
        self.visible = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed")
        if tag == "a" and not any(name == "href" for name, _ in attrs):
            self.problems.append("<a> without href")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> does not close the open tag")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.problems.append(f"unescaped angle bracket in {data[:40]!r}")
        self.visible += len(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _NAMED_ENTITIES:
            self.problems.append(f"unknown entity &{name};")
        self.visible += 1

    def handle_charref(self, name: str) -> None:
        self.visible += 1


def check_telegram_html(text: str) -> list[str]:
    """Every reason Telegram would refuse `text` in HTML parse mode; empty when it is fine."""
    problems: list[str] = []
    for match in re.finditer(r"&", text):
        if not _ENTITY.match(text, match.start()):
            problems.append(f"bare '&' at {match.start()}")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    problems += checker.problems
    problems += [f"<{tag}> is never closed" for tag in checker.stack]
    if len(text) >= _LIMIT:
        problems.append(f"{len(text)} characters; Telegram's limit is {_LIMIT}")
    return problems
