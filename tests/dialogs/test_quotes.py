"""The remembered calculator and the answer texts rendered from it."""

from __future__ import annotations

from datetime import date

import pytest

import dialogs.render as render
from dialogs.lru import ByIdentity
from dialogs.quotes import quote_once
from dialogs.render import render_reply
from dialogs.replies import Block, Reply
from policies.catalog import load_catalog
from policies.engine import QuoteInputError, quote
from policies.result import QuoteRequest


def request(**changes: object) -> QuoteRequest:
    base = QuoteRequest(region="changtu", identities=frozenset({"dibao"}),
                        payment_date=date(2024, 12, 1))
    return base.model_copy(update=changes)


def test_equal_requests_share_one_result_equal_to_a_fresh_quote() -> None:
    catalog = load_catalog()
    first = quote_once(catalog, request())
    assert quote_once(catalog, request()) is first
    assert first == quote(request(), catalog)
    assert quote_once(catalog, request(payment_date=date(2025, 1, 15))) is not first


def test_input_errors_are_raised_every_time() -> None:
    catalog = load_catalog()
    bad = request(birth_date=date(2025, 6, 1))  # born after paying
    for _ in range(2):
        with pytest.raises(QuoteInputError):
            quote_once(catalog, bad)


def answer(result: object, lang: str = "zh_Hans") -> Reply:
    return Reply(kind="answer", lang=lang, blocks=[Block(template="answer",
                                                         params={"result": result})])


def test_a_remembered_answer_is_the_text_a_fresh_render_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalog = load_catalog()
    result = quote_once(catalog, request())
    cached = render_reply(answer(result), "html").text
    assert render_reply(answer(result), "html").text == cached
    # a result made elsewhere (equal, but another object) renders afresh, to the same text
    calls: list[object] = []
    real = render._answer_text

    def counting(*args: object, **kwargs: object) -> str:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(render, "_answer_text", counting)
    assert render_reply(answer(quote(request(), catalog)), "html").text == cached
    assert len(calls) == 1
    render_reply(answer(result), "html")
    assert len(calls) == 1  # the remembered one is still a hit
    # another language or markup is another text
    assert render_reply(answer(result, "en"), "html").text != cached
    assert render_reply(answer(result), "text").text != cached
    assert len(calls) == 3


def test_the_cache_never_answers_for_an_object_it_does_not_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(render, "_ANSWERS", ByIdentity[str](1))
    catalog = load_catalog()
    first = quote(request(), catalog)
    other = quote(request(identities=frozenset()), catalog)
    one = render._cached_answer_text(answer(first).blocks[0], "en", "text", 4000)
    two = render._cached_answer_text(answer(other).blocks[0], "en", "text", 4000)
    assert one != two  # size 1: the first entry was dropped, and ids never collide in keys
    assert render._cached_answer_text(answer(first).blocks[0], "en", "text", 4000) == one
    # an entry is only ever returned for the very objects it was made from
    cache = ByIdentity[str](4)
    cache.put("k", (first,), "text of first")
    assert cache.get("k", (first,)) == "text of first"
    assert cache.get("k", (quote(request(), catalog),)) is None  # equal, but another object


def test_the_short_answer_is_rendered_once_per_result_and_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalog = load_catalog()
    result = quote_once(catalog, request(payment_date=date(2024, 12, 2)))
    calls: list[object] = []
    real = render.render_short

    def counting(*args: object, **kwargs: object) -> str:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(render, "render_short", counting)
    first = render.render_short_reply(answer(result))
    assert first == real(result, "zh_Hans", "text")
    assert render.render_short_reply(answer(result)) == first
    assert len(calls) == 1
    # another language, or an equal result that is another object, renders afresh
    assert render.render_short_reply(answer(result, "en")) != first
    again = quote(request(payment_date=date(2024, 12, 2)), catalog)
    assert render.render_short_reply(answer(again)) == first
    assert len(calls) == 3
