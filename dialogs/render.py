"""Rendering a dialog Reply for an adapter: Telegram HTML or paste-ready plain text.

Each block is a template under `dialogs/templates/dialog/`; an answer block goes through the
quote renderer, at the most detailed level that keeps the whole reply under Telegram's limit.
A reference answer (the latest notice on file, offered when no notice governs the date) is
labelled on every line, so a pasted fragment can never pass for the current year's rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.rendering.environment import render_template
from dialogs.rendering.languages import Markup
from dialogs.rendering.quote import ANSWER_TEMPLATE, LEVELS, MAX_MESSAGE_LENGTH, answer_context
from dialogs.replies import Block, Reply
from policies.result import QuoteResult

PARAGRAPH_BREAK: Final = "\n\n"


@dataclass(frozen=True)
class RenderedReply:
    kind: str
    text: str
    buttons: list[list[tuple[str, str]]]  # rows of (option id, label)
    seq: int


def _quote_text(result: QuoteResult, lang: str, markup: Markup, budget: int) -> str:
    text = ""
    for detail in LEVELS:
        text = render_template(
            ANSWER_TEMPLATE, lang, markup, **answer_context(result, lang, markup, detail)
        )
        if len(text) < budget:
            break
    return text


def _labelled(text: str, label: str) -> str:
    return "\n".join(f"{label}{line}" if line.strip() else line for line in text.split("\n"))


def _render_blocks(blocks: list[Block], lang: str, markup: Markup) -> str:
    plain = [b for b in blocks if b.template not in ("answer", "reference_answer")]
    answers = [b for b in blocks if b.template in ("answer", "reference_answer")]
    parts = [render_template(f"dialog/{b.template}.j2", lang, markup, **b.params) for b in plain]
    used = sum(len(p) + len(PARAGRAPH_BREAK) for p in parts)
    for block in answers:
        result: QuoteResult = block.params["result"]
        if block.template == "answer":
            budget = MAX_MESSAGE_LENGTH - used - (400 if len(answers) > 1 else 0)
            text = _quote_text(result, lang, markup, budget)
        else:
            label = render_template("dialog/reference_label.j2", lang, markup, result=result)
            intro = render_template("dialog/reference_answer.j2", lang, markup, **block.params)
            budget = MAX_MESSAGE_LENGTH - used - len(intro) - 2
            body = ""
            for detail in LEVELS:
                body = _labelled(
                    render_template(
                        ANSWER_TEMPLATE,
                        lang,
                        markup,
                        **answer_context(result, lang, markup, detail),
                    ),
                    label + " ",
                )
                if len(body) < budget:
                    break
            text = intro + PARAGRAPH_BREAK + body
        parts.append(text)
        used += len(text) + len(PARAGRAPH_BREAK)
    return PARAGRAPH_BREAK.join(p for p in parts if p)


def render_reply(reply: Reply, markup: Markup) -> RenderedReply:
    """The reply's text and its buttons (rows of `reply.columns`)."""
    text = _render_blocks(reply.blocks, reply.lang, markup)
    labels = [
        (
            option.id,
            render_template(
                f"dialog/{option.label.template}.j2",
                reply.lang,
                "text",  # button labels are plain text on every platform
                selected=option.selected,
                **option.label.params,
            ),
        )
        for option in reply.options
    ]
    columns = max(1, reply.columns)
    rows = [labels[i : i + columns] for i in range(0, len(labels), columns)]
    return RenderedReply(kind=reply.kind, text=text, buttons=rows, seq=reply.seq)
