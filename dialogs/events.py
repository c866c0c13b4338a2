"""What a person does in the conversation: types text, presses a button, sends a command.

Each event carries the day it happened (the dialog never reads a clock) and the language the
client reports, so a step is a function of the state, the event and the catalog alone.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _EventBase(BaseModel):
    model_config = ConfigDict(frozen=True)

    today: date
    client_lang: str | None = None


class Text(_EventBase):
    kind: Literal["text"] = "text"
    text: str


class Choice(_EventBase):
    kind: Literal["choice"] = "choice"
    option: str
    seq: int | None = None  # the seq the button was made with; None: unversioned


class Command(_EventBase):
    kind: Literal["command"] = "command"
    name: str
    arg: str = ""


Event = Annotated[Text | Choice | Command, Field(discriminator="kind")]
