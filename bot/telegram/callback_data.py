"""Inline-button callback data: `v1|<seq>|<option id>`, at most 64 bytes.

The version prefix lets a future format coexist with buttons still sitting in old chats; the
seq is the dialog's question counter when the button was made, so the dialog can tell a
stale button ("this question has moved on") from a fresh one. Anything that does not parse
(an old format, a forged payload) decodes to None and is answered as stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from dialogs import actions

VERSION: Final = "v1"
MAX_BYTES: Final = 64  # Telegram's limit on callback_data, in UTF-8 bytes
# The paste-ready answer: an action of the dialog's one union, handled by the bot adapter.
PLAIN_TEXT_OPTION: Final = actions.encode(actions.PlainText())

# Option ids are the dialog's (`dialogs.actions.encode`): "r:changtu", "i:dibao", "n:back".
_DATA: Final = re.compile(r"v1\|(0|[1-9]\d{0,9})\|(\S{1,40})")


@dataclass(frozen=True)
class ButtonPress:
    seq: int
    option: str


class CallbackDataTooLong(ValueError):
    pass


def encode(seq: int, option: str) -> str:
    data = f"{VERSION}|{seq}|{option}"
    if len(data.encode("utf-8")) > MAX_BYTES:
        # A dialog option id grew past what a button can carry: a bug, caught in tests.
        raise CallbackDataTooLong(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> ButtonPress | None:
    if not data:
        return None
    match = _DATA.fullmatch(data)
    if match is None:
        return None
    return ButtonPress(seq=int(match.group(1)), option=match.group(2))
