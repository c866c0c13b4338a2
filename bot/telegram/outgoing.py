"""A dialog Reply as Telegram messages: HTML text, inline keyboard, split to fit.

The dialog renders text and button labels; this module only adds what is Telegram's: callback
data, the "plain text" button under answers, and splitting at 4096 characters with the
keyboard on the last part.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram import callback_data
from bot.telegram.splitting import split_message
from bot.telegram.ui_text import plain_text_label
from dialogs.render import render_paste_ready, render_reply
from dialogs.replies import Reply


@dataclass(frozen=True)
class Outgoing:
    """One message to send (or to edit into an existing message)."""

    text: str
    html: bool  # parse_mode HTML; False sends the text as is
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Rendered:
    kind: str  # the dialog's reply kind: question, answer, info, error
    seq: int
    messages: list[Outgoing]


def keyboard(
    seq: int, rows: list[list[tuple[str, str]]], lang: str, *, plain_text_button: bool
) -> InlineKeyboardMarkup | None:
    """The inline keyboard for a reply's buttons (made once per distinct keyboard: PTB's
    markup objects are immutable, and the same questions are asked over and over)."""
    return _keyboard(seq, tuple(tuple(row) for row in rows if row), lang, plain_text_button)


# The largest keyboard (28 buttons) is ~14 KB; 512 of them ~7 MB at worst.
@lru_cache(maxsize=512)
def _keyboard(
    seq: int, rows: tuple[tuple[tuple[str, str], ...], ...], lang: str, plain_text_button: bool
) -> InlineKeyboardMarkup | None:
    buttons = [
        [
            InlineKeyboardButton(label, callback_data=callback_data.encode(seq, option))
            for option, label in row
        ]
        for row in rows
    ]
    if plain_text_button:
        # Under the answer: the paste-ready version for WeChat/SMS (see bot.telegram.handlers).
        buttons.append(
            [
                InlineKeyboardButton(
                    plain_text_label(lang),
                    callback_data=callback_data.encode(seq, callback_data.PLAIN_TEXT_OPTION),
                )
            ]
        )
    return InlineKeyboardMarkup(buttons) if buttons else None


def render(reply: Reply, *, plain_text_button: bool = False) -> Rendered:
    """The reply in Telegram HTML, split into messages; the keyboard rides on the last one."""
    html = render_reply(reply, "html")
    parts = split_message(html.text, html=True)
    markup = keyboard(html.seq, html.buttons, reply.lang, plain_text_button=plain_text_button)
    messages = [
        Outgoing(text=part, html=True, keyboard=markup if index == len(parts) - 1 else None)
        for index, part in enumerate(parts)
    ]
    return Rendered(kind=html.kind, seq=html.seq, messages=messages)


def render_step(replies: list[Reply]) -> list[Rendered]:
    """All replies of one dialog step. An answer carries the "plain text" button, on its last
    message (where the keyboard rides) when it had to be split."""
    return [render(r, plain_text_button=r.kind == "answer") for r in replies]


def render_plain(reply: Reply) -> list[Outgoing]:
    """The paste-ready version: no markup at all, so no parse mode and no keyboard; an answer
    as one SMS-sized paragraph (`dialogs.render.render_paste_ready`)."""
    text = render_paste_ready(reply)
    return [Outgoing(text=part, html=False) for part in split_message(text, html=False)]


# -- owed messages, as the store keeps them (bot.store's outbox) ---------------------------

# What delivering a message does to the conversation's "message showing the question":
QUESTION = "question"  # it is the question now (its buttons edit it in place)
ANSWERED = "answered"  # the question was answered: no message shows it any more
NO_EFFECT = "none"


@dataclass(frozen=True)
class Delivery:
    """One message a step owes: sent as new, or edited into `edit_message_id` (falling back
    to a new message when the edit certainly failed)."""

    chat_id: int
    message: Outgoing
    reply_to: int | None = None
    edit_message_id: int | None = None
    effect: str = NO_EFFECT

    def to_json(self) -> str:
        keyboard = self.message.keyboard.to_dict() if self.message.keyboard else None
        return json.dumps(
            {
                "chat_id": self.chat_id,
                "text": self.message.text,
                "html": self.message.html,
                "keyboard": keyboard,
                "reply_to": self.reply_to,
                "edit": self.edit_message_id,
                "effect": self.effect,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str) -> Delivery:
        data = json.loads(raw)
        keyboard = data.get("keyboard")
        markup = InlineKeyboardMarkup.de_json(keyboard, None) if keyboard else None
        return cls(
            chat_id=int(data["chat_id"]),
            message=Outgoing(text=str(data["text"]), html=bool(data["html"]), keyboard=markup),
            reply_to=data.get("reply_to"),
            edit_message_id=data.get("edit"),
            effect=str(data.get("effect", NO_EFFECT)),
        )
