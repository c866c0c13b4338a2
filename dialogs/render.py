"""Rendering a dialog Reply for an adapter: Telegram HTML or paste-ready plain text.

Each block is a template under `dialogs/templates/dialog/`; an answer block goes through the
quote renderer, at the most detailed level that keeps the whole reply under Telegram's limit.
A reference answer (the latest notice on file, offered when no notice governs the date) is
labelled on every line, so a pasted fragment can never pass for the current year's rules.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from dialogs.rendering.environment import render_template
from dialogs.rendering.languages import Markup
from dialogs.rendering.quote import ANSWER_TEMPLATE, LEVELS, MAX_MESSAGE_LENGTH, answer_context
from dialogs.replies import Block, Option, Reply
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


@lru_cache(maxsize=4096)
def _cached_label(
    template: str, lang: str, selected: bool, params: tuple[tuple[str, Hashable], ...]
) -> str:
    return _render_label(template, lang, selected, dict(params))


def _render_label(template: str, lang: str, selected: bool, params: dict[str, Any]) -> str:
    return render_template(
        f"dialog/{template}.j2",
        lang,
        "text",  # button labels are plain text on every platform
        selected=selected,
        **params,
    )


def _label(option: Option, lang: str) -> str:
    """A button's label. Labels depend on nothing but template, language and parameters (a
    region name, an identity code, a count, a date), and a question may carry 26 of them, so
    each is rendered once per process."""
    params = option.label.params
    key = tuple(sorted(params.items()))
    try:
        hash(key)
    except TypeError:  # a parameter that is a list or a dict: render it every time
        return _render_label(option.label.template, lang, option.selected, params)
    return _cached_label(option.label.template, lang, option.selected, key)


def render_reply(reply: Reply, markup: Markup) -> RenderedReply:
    """The reply's text and its buttons (rows of `reply.columns`)."""
    text = _render_blocks(reply.blocks, reply.lang, markup)
    labels = [(option.id, _label(option, reply.lang)) for option in reply.options]
    columns = max(1, reply.columns)
    rows = [labels[i : i + columns] for i in range(0, len(labels), columns)]
    return RenderedReply(kind=reply.kind, text=text, buttons=rows, seq=reply.seq)
