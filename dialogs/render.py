"""Rendering a dialog Reply for an adapter: Telegram HTML or paste-ready plain text.

Each block is a template under `dialogs/templates/dialog/`; an answer block goes through the
quote renderer, at the most detailed level that keeps the reply under Telegram's limit.
A reference answer (the latest notice on file, offered when no notice governs the date) is
compact (dialogs.rendering.reference) and labelled on every line, so a pasted fragment can
never pass for the current year's rules; it follows the "no notice governs this date" answer
in the same reply.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, Final

from pydantic import BaseModel

from dialogs.lru import ByIdentity
from dialogs.lru import Lru as _Lru
from dialogs.rendering.environment import render_template
from dialogs.rendering.languages import Markup
from dialogs.rendering.quote import ANSWER_TEMPLATE, LEVELS, MAX_MESSAGE_LENGTH, answer_context
from dialogs.rendering.reference import render_reference
from dialogs.rendering.short import render_short
from dialogs.replies import Block, Option, Reply
from policies.result import QuoteResult

PARAGRAPH_BREAK: Final = "\n\n"


@dataclass(frozen=True)
class RenderedReply:
    kind: str
    text: str
    buttons: list[list[tuple[str, str]]]  # rows of (option id, label)
    seq: int


def _quote_text(
    result: QuoteResult, lang: str, markup: Markup, budget: int, said: frozenset[str] = frozenset()
) -> str:
    """The answer at the most detailed level that fits `budget`, without the notes whose
    codes are in `said` (stated by the reply around it)."""
    text = ""
    for detail in LEVELS:
        context = answer_context(result, lang, markup, detail, said)
        text = render_template(ANSWER_TEMPLATE, lang, markup, **context)
        if len(text) < budget:
            break
    return text


def _render_blocks(blocks: list[Block], lang: str, markup: Markup) -> str:
    plain = [b for b in blocks if b.template not in ("answer", "reference_answer")]
    answers = [b for b in blocks if b.template in ("answer", "reference_answer")]
    parts = [_CACHE.render(f"dialog/{b.template}.j2", lang, markup, b.params) for b in plain]
    used = sum(len(p) + len(PARAGRAPH_BREAK) for p in parts)
    said = _said_by(plain)
    for block in answers:
        if block.template == "reference_answer":
            # a message's room of its own: the adapter splits a longer reply on a paragraph,
            # and every line of the reference carries its label, wherever the cut falls
            budget = MAX_MESSAGE_LENGTH
        else:
            budget = MAX_MESSAGE_LENGTH - used
        text = _cached_answer_text(block, lang, markup, budget, said)
        parts.append(text)
        used += len(text) + len(PARAGRAPH_BREAK)
    return PARAGRAPH_BREAK.join(p for p in parts if p)


def _said_by(blocks: list[Block]) -> frozenset[str]:
    """Note codes the reply's other blocks state: the line on the tier the answer assumed
    ("按一档计算。若选二档：应缴775元。") says what the tier_assumed note would."""
    for block in blocks:
        if block.template == "assumed" and any(
            case.get("what") == "tier" for case in block.params.get("cases", [])
        ):
            return frozenset({"tier_assumed"})
    return frozenset()


def _answer_text(
    block: Block, lang: str, markup: Markup, budget: int, said: frozenset[str] = frozenset()
) -> str:
    """An answer block's text, at the most detailed level that fits `budget`."""
    result: QuoteResult = block.params["result"]
    if block.template == "answer":
        return _quote_text(result, lang, markup, budget, said)
    return render_reference(result, block.params.get("asked"), lang, markup)


def _cached_answer_text(
    block: Block, lang: str, markup: Markup, budget: int, said: frozenset[str] = frozenset()
) -> str:
    """`_answer_text`, remembered by the identity of the QuoteResults it renders.

    An answer is the costliest render (a whole quote, every figure cited). Results come from
    `dialogs.quotes.quote_once`, one object per distinct question, so everyone asking the
    same question shares one rendered text; a result made elsewhere is simply a miss.
    """
    named = [(k, v) for k, v in block.params.items() if isinstance(v, QuoteResult)]
    try:
        others = _freeze({k: v for k, v in block.params.items() if not isinstance(v, QuoteResult)})
    except TypeError:
        return _answer_text(block, lang, markup, budget, said)
    key = (block.template, lang, markup, budget, said, tuple(k for k, _ in named), others)
    results = tuple(v for _, v in named)
    text = _ANSWERS.get(key, results)
    if text is None:
        text = _answer_text(block, lang, markup, budget, said)
        _ANSWERS.put(key, results, text)
    return text


class _RenderCache:
    """Rendered template text by (template, language, markup, frozen parameters), LRU.

    Templates are pure: their text depends only on the template, language, markup and the
    parameters (translations, the catalog and Babel's formats are fixed for the process), so
    equal parameters render equal text. Button labels (a question may carry 26) and the
    non-answer blocks (questions, menus, reference views) repeat from user to user and are
    rendered once. Answers go through `_cached_answer_text` instead.

    In front of the texts by value sit texts by identity: most parameter values are the very
    same objects every time (identity codes and region names from the catalog, True/False,
    small ints, the views' cached tables), and comparing them with `is` skips freezing.
    """

    def __init__(self, size: int) -> None:
        self._plain: _Lru[str] = _Lru(size)
        self._by_value: _Lru[str] = _Lru(size)
        self._by_identity = ByIdentity[str](size)

    def __len__(self) -> int:
        return len(self._plain) + len(self._by_value) + len(self._by_identity)

    def clear(self) -> None:
        self._plain.clear()
        self._by_value.clear()
        self._by_identity.clear()

    def render(self, name: str, lang: str, markup: Markup, params: dict[str, Any]) -> str:
        values = tuple(params.values())
        if all(type(v) in _PLAIN for v in values):
            # Only strings, ints, booleans and None (a button's label: an identity code, a
            # count, ✓): the values with their exact types are the key, as `_freeze` would
            # make it (True and 1 stay apart), without freezing or the identity check.
            plain = (name, lang, markup, tuple(params), values, tuple(map(type, values)))
            text = self._plain.get(plain)
            if text is None:
                text = render_template(name, lang, markup, **params)
                self._plain.put(plain, text)
            return text
        fast = (name, lang, markup, tuple(params))
        # A tuple is looked up before its items are checked: only values found immutable all
        # the way down are ever put (below), and a tuple's items cannot be swapped, so an
        # entry whose objects are these very objects was such a value when put and still is.
        if all(type(v) is tuple or _immutable(v) for v in values) and (
            text := self._by_identity.get(fast, values)
        ) is not None:
            return text
        results: list[QuoteResult] = []
        lifted = _lift_results(params, results)
        try:
            # in the parameters' own order: the dialog builds them in a fixed order, and an
            # equal dict built in another order is only a miss
            key = (name, lang, markup, _freeze(lifted))
        except TypeError:  # a parameter we cannot compare by value: render it every time
            return render_template(name, lang, markup, **params)
        if results:
            # QuoteResults (what an answer assumed, and the other case's result) stand in the
            # key by their place and are matched by identity, as an answer's text is: freezing
            # them was two thirds of all freezing (~800 values for the "assumed" line). Kept
            # with the answers, so no more results are held than they hold.
            objects = tuple(results)
            text = _ANSWERS.get(key, objects)
            if text is None:
                text = render_template(name, lang, markup, **params)
                _ANSWERS.put(key, objects, text)
            return text
        text = self._by_value.get(key)
        if text is None:
            text = render_template(name, lang, markup, **params)
            self._by_value.put(key, text)
        if all(map(_immutable, values)):
            self._by_identity.put(fast, values, text)
        return text


def _immutable(value: object) -> bool:
    """Values whose identity stands for their content: scalars, tuples of such values, and
    frozen dataclasses and models (the views' results, read-only by contract). Lists and
    dicts never are, nor a tuple holding one."""
    kind = type(value)
    if kind in _SCALARS or isinstance(value, Decimal | Enum):
        return True
    if kind is tuple:
        assert isinstance(value, tuple)
        return all(map(_immutable, value))
    if is_dataclass(value) and not isinstance(value, type):
        return bool(value.__dataclass_params__.frozen)  # type: ignore[attr-defined]
    return isinstance(value, BaseModel) and bool(value.model_config.get("frozen"))


_SCALARS: Final = frozenset({str, int, bool, float, date, type(None)})
# Equal values of these exact types always print alike (unlike floats: 0.0 and -0.0)
_PLAIN: Final = frozenset({str, int, bool, type(None)})


@dataclass(frozen=True)
class _Slot:
    """Where a QuoteResult stood in a render key (`_lift_results`)."""

    index: int


def _lift_results(value: Any, results: list[QuoteResult]) -> Any:
    """`value` with each QuoteResult in it (at the top, or in lists, tuples and dicts) put in
    `results` and replaced by its `_Slot`: the rest is then frozen by value, and the results
    are matched by identity. Containers keep their types, so the frozen key keeps them too."""
    if isinstance(value, QuoteResult):
        results.append(value)
        return _Slot(len(results) - 1)
    kind = type(value)
    if kind is dict:
        return {k: _lift_results(v, results) for k, v in value.items()}
    if kind is list:
        return [_lift_results(v, results) for v in value]
    if kind is tuple:
        return tuple(_lift_results(v, results) for v in value)
    return value


def _freeze(value: object) -> Hashable:
    """A hashable stand-in for a template parameter, equal only for values that render alike:
    types are part of it (True and 1, Decimal("1.0") and Decimal("1") print differently) and
    order is kept. Raises TypeError for anything else (mutable or unknown objects)."""
    kind = type(value)
    if kind in _SCALARS:  # the common case, checked first
        # a float by its repr: 0.0 == -0.0, and they print differently
        return (kind, repr(value)) if kind is float else (kind, value)
    if value is None or isinstance(value, str | int | float | date):  # bool is an int
        return (kind, value)
    if isinstance(value, Decimal):
        return (Decimal, str(value))
    if isinstance(value, Enum):
        return (type(value), value.value)
    if isinstance(value, list | tuple):
        return (type(value), tuple(_freeze(v) for v in value))
    if isinstance(value, frozenset):  # e.g. QuoteRequest.identities in the views' rows
        return (frozenset, frozenset(_freeze(v) for v in value))
    if isinstance(value, dict):
        return (dict, tuple((_freeze(k), _freeze(v)) for k, v in value.items()))
    if is_dataclass(value) and not isinstance(value, type):
        if not value.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            raise TypeError(f"mutable dataclass {type(value).__name__}")
        return (type(value), tuple(_freeze(getattr(value, f.name)) for f in fields(value)))
    if isinstance(value, BaseModel) and value.model_config.get("frozen"):
        names = type(value).model_fields
        return (type(value), tuple(_freeze(getattr(value, n)) for n in names))
    raise TypeError(f"cannot freeze {type(value).__name__}")


_CACHE: Final = _RenderCache(4096)
# entries keep their results (~22 KB each) alive, so no more than the quotes' own 256 are
# (README "Privacy"); a question's full and short texts are two entries
_ANSWERS: Final = ByIdentity[str](256)


def forget_rendered() -> None:
    """Drop every remembered text (see dialogs/memory.py)."""
    _CACHE.clear()
    _ANSWERS.clear()


def remembered_texts() -> int:
    """How many rendered texts are remembered (for tests and the Privacy table's claim)."""
    return len(_CACHE) + len(_ANSWERS)


def _label(option: Option, lang: str) -> str:
    """A button's label: plain text on every platform."""
    params = {"selected": option.selected, **option.label.params}
    return _CACHE.render(f"dialog/{option.label.template}.j2", lang, "text", params)


def render_reply(reply: Reply, markup: Markup) -> RenderedReply:
    """The reply's text and its buttons (rows of `reply.columns`)."""
    text = _render_blocks(reply.blocks, reply.lang, markup)
    labels = [(option.id, _label(option, reply.lang)) for option in reply.options]
    columns = max(1, reply.columns)
    rows = [labels[i : i + columns] for i in range(0, len(labels), columns)]
    return RenderedReply(kind=reply.kind, text=text, buttons=rows, seq=reply.seq)


def render_paste_ready(reply: Reply) -> str:
    """What a person pastes into WeChat or an SMS: an answer as its short paragraph, any other
    reply as its whole plain text. Telegram's "plain text" button and the web's copy button
    both give this, so the two adapters cannot drift apart."""
    return render_short_reply(reply) or render_reply(reply, "text").text


def render_short_reply(reply: Reply, markup: Markup = "text") -> str | None:
    """An answer reply as one SMS-sized paragraph (the "plain text" button), or None when the
    reply holds no answer. A no-policy answer carries its labelled reference in the same
    paragraph, so the warning travels with it."""
    answer = next((b for b in reply.blocks if b.template == "answer"), None)
    if answer is None:
        return None
    reference = next((b for b in reply.blocks if b.template == "reference_answer"), None)
    result: QuoteResult = answer.params["result"]
    reference_result: QuoteResult | None = (
        reference.params["result"] if reference is not None else None
    )
    # remembered like the full answer's text, by the results' identity: the web page shows
    # the short answer with every answer (it was ~60 % of rendering one there)
    key = ("short", reply.lang, markup)
    objects = (result, reference_result)
    text = _ANSWERS.get(key, objects)
    if text is None:
        text = render_short(result, reply.lang, markup, reference=reference_result)
        _ANSWERS.put(key, objects, text)
    return text
