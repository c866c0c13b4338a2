"""The rendering cache: equal parameters give the cached text, anything else renders afresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

import dialogs.render as render
from dialogs.engine import Choice, Command, step
from dialogs.lru import ByIdentity
from dialogs.render import _freeze, _RenderCache, render_reply
from dialogs.state import DialogState, Stage
from policies.catalog import load_catalog
from policies.engine import quote
from policies.result import QuoteRequest, QuoteResult


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def fake_render(name: str, lang: str, markup: str, **params: Any) -> str:
        seen.append(params)
        return f"{name}:{lang}:{markup}:{sorted(params.items())!r}"

    monkeypatch.setattr(render, "render_template", fake_render)
    return seen


@dataclass(frozen=True)
class Row:
    label: str
    due: list[Decimal | None]


@dataclass
class Mutable:
    label: str


def test_equal_parameters_render_once(calls: list[dict[str, Any]]) -> None:
    cache = _RenderCache(8)
    params = {"regions": [("changtu", "昌图县")], "day": date(2025, 1, 1), "rows": [Row("a", [])]}
    first = cache.render("dialog/x.j2", "en", "html", params)
    again = cache.render("dialog/x.j2", "en", "html", {**params, "rows": [Row("a", [])]})
    assert first == again and len(calls) == 1
    # another language, markup or template is another text
    cache.render("dialog/x.j2", "zh_Hans", "html", params)
    cache.render("dialog/x.j2", "en", "text", params)
    cache.render("dialog/y.j2", "en", "html", params)
    assert len(calls) == 4


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (Decimal("1.0"), Decimal("1")),  # equal numbers that print differently
        (True, 1),
        (1, 1.0),
        (0.0, -0.0),  # equal floats that print differently
        (["a", "b"], ["b", "a"]),  # order is rendered
        ({"x": 1, "y": 2}, {"y": 2, "x": 1}),
        (Row("a", [Decimal("1")]), Row("a", [Decimal("1.00")])),
    ],
)
def test_values_that_may_render_differently_are_different_keys(a: object, b: object) -> None:
    assert _freeze(a) != _freeze(b)


@pytest.mark.parametrize("value", [Mutable("a"), {1, 2}, object()])
def test_unknown_or_mutable_objects_are_rendered_every_time(
    value: object, calls: list[dict[str, Any]]
) -> None:
    with pytest.raises(TypeError):
        _freeze(value)
    cache = _RenderCache(8)
    cache.render("dialog/x.j2", "en", "html", {"v": value})
    cache.render("dialog/x.j2", "en", "html", {"v": value})
    assert len(calls) == 2


@pytest.mark.parametrize("wrap", [lambda n: n, lambda n: [n]], ids=["by identity", "by value"])
def test_least_recently_used_texts_are_dropped(
    calls: list[dict[str, Any]], wrap: Any
) -> None:
    cache = _RenderCache(2)
    for n in (1, 2, 1, 3):
        cache.render("dialog/x.j2", "en", "html", {"n": wrap(n)})
    assert len(calls) == 3
    cache.render("dialog/x.j2", "en", "html", {"n": wrap(1)})  # recently used: still cached
    assert len(calls) == 3
    for n in (4, 5):
        cache.render("dialog/x.j2", "en", "html", {"n": wrap(n)})
    cache.render("dialog/x.j2", "en", "html", {"n": wrap(1)})  # dropped, rendered again
    assert len(calls) == 6
    assert len(cache._by_value) <= 2 and len(cache._by_identity) <= 2


def test_the_same_immutable_objects_skip_freezing(
    calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = _RenderCache(8)
    row = Row("a", [Decimal("1")])  # a frozen dataclass: the views' tables are such objects
    params = {"code": "dibao", "selected": True, "row": row}
    first = cache.render("dialog/x.j2", "en", "text", params)
    frozen: list[object] = []
    real = render._freeze
    monkeypatch.setattr(render, "_freeze", lambda v: frozen.append(v) or real(v))
    assert cache.render("dialog/x.j2", "en", "text", dict(params)) == first
    assert frozen == [] and len(calls) == 1  # found by identity
    # an equal row that is another object: found by value, not rendered again
    assert cache.render("dialog/x.j2", "en", "text", {**params, "row": Row("a", [Decimal("1")])}
                        ) == first
    assert frozen and len(calls) == 1


def test_lists_are_always_compared_by_value(calls: list[dict[str, Any]]) -> None:
    """A list may change in place between two renders, so its identity proves nothing."""
    cache = _RenderCache(8)
    draft = ["dibao"]
    cache.render("dialog/x.j2", "en", "text", {"draft": draft})
    draft.append("tekun")
    cache.render("dialog/x.j2", "en", "text", {"draft": draft})
    assert [c["draft"] for c in calls] == [["dibao", "tekun"], ["dibao", "tekun"]]
    assert len(calls) == 2  # rendered again: the value changed


def test_a_tuple_is_trusted_by_identity_only_if_nothing_in_it_can_change(
    calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = _RenderCache(8)
    pairs = (("changtu", "昌图县"), ("kangping", "康平县"))  # as the region question's list
    first = cache.render("dialog/x.j2", "en", "text", {"regions": pairs})
    frozen: list[object] = []
    real = render._freeze
    monkeypatch.setattr(render, "_freeze", lambda v: frozen.append(v) or real(v))
    assert cache.render("dialog/x.j2", "en", "text", {"regions": pairs}) == first
    assert frozen == [] and len(calls) == 1  # found by identity
    # a tuple holding a list: the list may change in place, so the tuple is compared by value
    held = ["dibao"]
    shell = ("x", held)
    cache.render("dialog/x.j2", "en", "text", {"v": shell})
    held.append("tekun")
    cache.render("dialog/x.j2", "en", "text", {"v": shell})
    assert [c["v"][1] for c in calls[1:]] == [["dibao", "tekun"], ["dibao", "tekun"]]
    assert len(calls) == 3  # rendered again: the value changed



def test_plain_values_are_keyed_with_their_types(calls: list[dict[str, Any]]) -> None:
    """Strings, ints, booleans and None (buttons' labels) are their own key: equal ones are
    found, whatever object they are; values equal in Python that print differently are not."""
    cache = _RenderCache(8)
    first = cache.render("dialog/x.j2", "en", "text", {"code": "dibao", "selected": True})
    again = cache.render("dialog/x.j2", "en", "text",
                         {"code": "".join(["di", "bao"]), "selected": True})
    assert again == first and len(calls) == 1
    for other in ({"code": "dibao", "selected": 1}, {"code": "dibao", "selected": False},
                  {"code": "tekun", "selected": True}, {"code": None, "selected": True},
                  {"selected": True, "code": "dibao", "n": 0}):
        before = len(calls)
        cache.render("dialog/x.j2", "en", "text", other)
        assert len(calls) == before + 1 and calls[-1] == other
    assert cache.render("dialog/x.j2", "zh_Hans", "text", {"code": "dibao", "selected": True}
                        ) != first
    # a float is not such a value: 0.0 and -0.0 are equal and print differently
    cache.render("dialog/x.j2", "en", "text", {"v": 0.0})
    assert cache.render("dialog/x.j2", "en", "text", {"v": -0.0}).endswith("-0.0)]")



IN_2025 = date(2025, 1, 10)


def _rendered(state: DialogState) -> list[tuple[str, list[list[tuple[str, str]]]]]:
    """The question asked again, rendered as Telegram HTML and as plain text."""
    _, replies = step(state, Choice(option="n:ask", today=IN_2025))
    return [(r.text, r.buttons)
            for r in (render_reply(reply, m) for reply in replies for m in ("html", "text"))]


@pytest.mark.parametrize(
    ("field", "one", "other"),
    [
        ("region", "changtu", "kezuohouqi"),
        ("lang", "zh_Hans", "zh_Hant"),
        ("lang", "zh_Hans", "en"),
        ("draft", [], ["dibao"]),
        ("draft", ["dibao"], ["dibao", "tekun"]),
        ("all_identities", False, True),
    ],
)
def test_states_that_differ_in_one_field_get_their_own_reply(
    field: str, one: object, other: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong cache key would hand one person's reply to another: two conversations at the
    same question that differ in one field that shows get different replies, each the very
    text an empty cache renders for it."""
    base, _ = step(DialogState(lang="zh_Hans"), Command(name="start", arg="changtu",
                                                         today=IN_2025))
    assert base.stage is Stage.IDENTITIES
    states = [base.model_copy(update={field: value}) for value in (one, other)]
    # both through the shared caches, one after the other (the second may meet the first's keys)
    cached = [_rendered(s) for s in states]
    assert cached[0] != cached[1]
    for state, seen in zip(states, cached, strict=True):
        monkeypatch.setattr(render, "_CACHE", _RenderCache(64))
        monkeypatch.setattr(render, "_ANSWERS", ByIdentity[str](8))
        assert _rendered(state) == seen


def _result(identities: frozenset[str], tier: int | None = None) -> QuoteResult:
    request = QuoteRequest(region="changtu", identities=identities,
                           payment_date=date(2025, 1, 10), tier=tier)
    return quote(request, load_catalog())


def test_quote_results_in_parameters_are_matched_by_identity(
    calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an answer assumed carries QuoteResults in a list of dicts: they are not frozen but
    matched by identity, and another result, even an equal one, is never taken for them."""
    monkeypatch.setattr(render, "_ANSWERS", ByIdentity[str](8))
    cache = _RenderCache(8)
    asked, other = _result(frozenset({"dibao_edge"})), _result(frozenset())
    params = {"cases": [{"what": "tier", "result": other}], "asked": asked}
    first = cache.render("dialog/x.j2", "en", "text", params)
    frozen: list[object] = []
    real = render._freeze
    monkeypatch.setattr(render, "_freeze", lambda v: frozen.append(v) or real(v))
    again = {"cases": [{"what": "tier", "result": other}], "asked": asked}  # a new list
    assert cache.render("dialog/x.j2", "en", "text", again) == first and len(calls) == 1
    assert not any(isinstance(v, QuoteResult) for v in frozen)
    # the two results swapped, another result, an equal result that is another object
    for changed in (
        {"cases": [{"what": "tier", "result": asked}], "asked": other},
        {"cases": [{"what": "tier", "result": _result(frozenset({"tekun"}))}], "asked": asked},
        {"cases": [{"what": "history", "result": other}], "asked": asked},
        {"cases": [{"what": "tier", "result": _result(frozenset())}], "asked": asked},
    ):
        before = len(calls)
        cache.render("dialog/x.j2", "en", "text", changed)
        assert len(calls) == before + 1 and calls[-1] == changed


def _view(state: DialogState, event: Command) -> list[tuple[str, list[list[tuple[str, str]]]]]:
    _, replies = step(state, event)
    return [(r.text, r.buttons)
            for r in (render_reply(reply, m) for reply in replies for m in ("html", "text"))]


@pytest.mark.parametrize(
    ("state", "one", "other"),
    [
        # the glossary (a shared tuple of entries per region, or per term)
        (DialogState(region="changtu"), Command(name="glossary", today=IN_2025),
         Command(name="glossary", today=IN_2025)),
        (DialogState(), Command(name="glossary", arg="低保", today=IN_2025),
         Command(name="glossary", arg="特困", today=IN_2025)),
        # one group across the regions (a shared tuple of rows per group)
        (DialogState(), Command(name="compare", arg="低保", today=IN_2025),
         Command(name="compare", arg="特困", today=IN_2025)),
        # the sources on file, on two days
        (DialogState(), Command(name="sources", today=IN_2025),
         Command(name="sources", today=date(2025, 12, 1))),
    ],
    ids=["glossary region", "glossary term", "compare", "sources"],
)
def test_views_found_by_identity_give_each_their_own_text(
    state: DialogState, one: Command, other: Command, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The views' rows and entries are shared tuples, found in the render cache by identity:
    two views that differ in what they show get different texts, each the very text an empty
    cache renders for it."""
    states = [state, state.model_copy(update={"region": "kezuohouqi"})] if one == other else [
        state, state]
    events = [one, other]
    cached = [_view(s, e) for s, e in zip(states, events, strict=True)]
    assert cached[0] != cached[1]
    for s, e, seen in zip(states, events, cached, strict=True):
        monkeypatch.setattr(render, "_CACHE", _RenderCache(64))
        monkeypatch.setattr(render, "_ANSWERS", ByIdentity[str](8))
        assert _view(s, e) == seen
