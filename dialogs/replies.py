"""What the dialog says, before rendering: text blocks and options with stable ids.

A block names a template under `dialogs/templates/dialog/` and its parameters; the adapter
renders a reply to Telegram HTML or plain text with `dialogs.render.render_reply`.

Blocks and options are frozen dataclasses, not pydantic models: a step builds ~16 of them
(a question's buttons, their labels), and validating each as a model was ~4.5 % of the web
server's CPU. What validation gave them is kept: an option's id is checked as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, InstanceOf

# Stable and ASCII, so "v1|<seq>|<id>" fits Telegram's 64-byte callback data:
# "r:changtu", "i:dibao", "d:today", "n:back".
_OPTION_ID: Final = re.compile(r"[\x21-\x7e]{1,40}")


@dataclass(frozen=True, slots=True)
class Block:
    template: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: Block
    selected: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.id, str) and _OPTION_ID.fullmatch(self.id)):
            raise ValueError(f"an option id is 1-40 printable ASCII characters: {self.id!r}")


class Reply(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["question", "answer", "info", "error"]
    lang: str
    blocks: list[InstanceOf[Block]]
    options: list[InstanceOf[Option]] = Field(default_factory=list)
    columns: int = 2
    seq: int = 0  # the state's seq when this reply was made; adapters version buttons with it
