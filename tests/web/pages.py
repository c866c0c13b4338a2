"""Reading the chat page in tests: its CSRF token, its buttons, its reply text."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
_SEQ = re.compile(r'name="seq" value="(\d+)"')
_BUTTON = re.compile(r'<button type="submit" name="option" value="([^"]+)">([^<]*)</button>')
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Page:
    source: str

    @property
    def csrf(self) -> str:
        match = _CSRF.search(self.source)
        assert match, "no CSRF token on the page"
        return match.group(1)

    @property
    def seq(self) -> str:
        matches = _SEQ.findall(self.source)
        assert matches, "no button form on the page"
        return str(matches[-1])

    @property
    def buttons(self) -> dict[str, str]:
        """label -> option id"""
        return {html.unescape(label): option for option, label in _BUTTON.findall(self.source)}

    @property
    def text(self) -> str:
        """The chat's replies as text."""
        body = self.source[self.source.index('id="chat"'):]
        body = body.split('class="composer"')[0]
        return html.unescape(_TAG.sub("", body))
