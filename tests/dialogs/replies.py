"""What the dialog tests say to the dialog and read out of its replies."""

from __future__ import annotations

from datetime import date

from dialogs.engine import Command, Text, step
from dialogs.render import render_reply
from dialogs.replies import Reply
from dialogs.state import DialogState
from policies.result import QuoteResult

# The day the dialog tests speak on where they say no other: after 科左后旗's 缴费时间 (三),
# so its 五(二) waiting rules decide.
SPRING = date(2025, 3, 10)


def say(
    *texts: str, today: date = SPRING, lang: str | None = None
) -> tuple[DialogState, list[Reply]]:
    """A fresh conversation (/start) told `texts` one message each: the last state and replies."""
    state, replies = step(DialogState(lang=lang), Command(name="start", arg="", today=today))
    for text in texts:
        state, replies = step(state, Text(text=text, today=today))
    return state, replies


def plain_text(replies: list[Reply]) -> str:
    """The replies as the terminal and an SMS show them."""
    return "\n".join(render_reply(r, "text").text for r in replies)


def templates(replies: list[Reply]) -> list[str]:
    return [b.template for r in replies for b in r.blocks]


def answer(replies: list[Reply]) -> QuoteResult:
    """The calculator's result the replies show (the first answer block's)."""
    for reply in replies:
        for block in reply.blocks:
            if block.template == "answer":
                result: QuoteResult = block.params["result"]
                return result
    raise AssertionError(f"no answer in {templates(replies)}")
