"""What the dialog tests read out of replies."""

from __future__ import annotations

from dialogs.replies import Reply
from policies.result import QuoteResult


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
