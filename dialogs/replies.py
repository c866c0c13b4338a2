"""What the dialog says, before rendering: text blocks and options with stable ids.

A block names a template under `dialogs/templates/dialog/` and its parameters; the adapter
renders a reply to Telegram HTML or plain text with `dialogs.render.render_reply`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Block(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    template: str
    params: dict[str, Any] = Field(default_factory=dict)


class Option(BaseModel):
    model_config = ConfigDict(frozen=True)

    # Stable and ASCII, so "v1|<seq>|<id>" fits Telegram's 64-byte callback data:
    # "r:changtu", "i:dibao", "d:today", "n:back".
    id: str = Field(max_length=40, pattern=r"^[\x21-\x7e]+$")
    label: Block
    selected: bool = False


class Reply(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["question", "answer", "info", "error"]
    lang: str
    blocks: list[Block]
    options: list[Option] = Field(default_factory=list)
    columns: int = 2
    seq: int = 0  # the state's seq when this reply was made; adapters version buttons with it
