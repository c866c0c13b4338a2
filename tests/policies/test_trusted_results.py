"""The calculator builds its answers without re-validating them (`policies.result.trusted`);
this checks, over a sample of the benchmark grid in both catalogs, that every answer is
exactly what pydantic's validation would have made of the same values: every field, nested
model, list and dict with the same value and the same type (a `NoteCode` where validation
gives `str`, or an `int` where it gives `Decimal`, fails here)."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from pydantic import BaseModel

from benchmarks.policy_grid import grid
from policies.catalog import Catalog, load_catalog
from policies.engine import quote
from policies.result import Coverage, Note, QuoteRequest, QuoteResult, Source, trusted
from tests.policies.two_years import two_year_catalog


@cache
def _grid(which: str) -> tuple[Catalog, list[QuoteRequest]]:
    catalog = load_catalog() if which == "shipped" else two_year_catalog()
    return catalog, grid(catalog)


def differences(built: Any, validated: Any, where: str = "result") -> list[str]:
    if type(built) is not type(validated):
        return [f"{where}: {type(built).__name__} != {type(validated).__name__}"]
    if isinstance(built, BaseModel):
        assert isinstance(validated, BaseModel)
        out: list[str] = []
        for name in type(built).model_fields:
            out += differences(getattr(built, name), getattr(validated, name), f"{where}.{name}")
        return out
    if isinstance(built, list | tuple):
        if len(built) != len(validated):
            return [f"{where}: {len(built)} items != {len(validated)}"]
        return [
            d
            for n, (a, b) in enumerate(zip(built, validated, strict=True))
            for d in differences(a, b, f"{where}[{n}]")
        ]
    if isinstance(built, dict):
        if list(built) != list(validated):
            return [f"{where}: keys differ"]
        return [d for k in built for d in differences(built[k], validated[k], f"{where}[{k}]")]
    return [] if built == validated else [f"{where}: {built!r} != {validated!r}"]


def revalidated(result: QuoteResult) -> QuoteResult:
    # `model_dump` keeps Python types (Decimal, date, enums); validation rebuilds every level.
    # The request is validated on its own first: `model_dump` turns its frozenset into a set.
    return QuoteResult.model_validate(
        {**result.model_dump(exclude={"request"}), "request": result.request}
    )


@pytest.mark.parametrize("which", ["shipped", "two years"])
def test_answers_over_the_grid_are_what_validation_would_build(which: str) -> None:
    catalog, requests = _grid(which)
    problems: list[str] = []
    checked = 0
    for request in requests[::131]:  # every region, identity set and window
        result = quote(request, catalog)
        validated = revalidated(result)
        found = differences(result, validated)
        found += [] if result.model_dump_json() == validated.model_dump_json() else ["json"]
        if found:
            problems.append(f"{request.model_dump_json()}: {found[:3]}")
        checked += 1
    assert checked > 1500
    assert not problems, problems[:5]


def test_the_comparison_sees_a_wrong_type() -> None:
    """The check above can fail: an enum member where validation gives a plain `str`."""
    from policies.quote.notes import NoteCode

    bad = trusted(Note, code=NoteCode.CLOSED, params={})
    good = Note.model_validate(bad.model_dump())
    assert differences(bad, good) == ["result.code: NoteCode != str"]


def test_trusted_requires_required_fields_and_knows_its_fields() -> None:
    source = Source(document="d", clause_id="c", clause_label="l", quote="q")
    with pytest.raises(TypeError, match="sources is required"):
        trusted(Coverage, start=None, end=None, rule="not_stated")
    with pytest.raises(TypeError, match="unknown fields"):
        trusted(Coverage, start=None, end=None, rule="not_stated", sources=[source], colour=1)
    a = trusted(Note, code="closed")
    b = trusted(Note, code="closed")
    assert a.params == {} and a.params is not b.params  # a fresh default per instance


@pytest.mark.parametrize("which", ["shipped", "two years"])
def test_remembered_rules_answer_as_if_computed_afresh(which: str) -> None:
    """The rules remembered per notice (`Context.remembered`) give, on a repeat, the answer and
    the notes, in order, that working them out again gives: each sampled request answered by
    a catalog that has answered thousands of others (memo warm) and by one with an empty memo."""
    catalog, requests = _grid(which)
    sample = requests[::151]
    for request in reversed(sample):  # warm the memo with every other request first
        quote(request, catalog)
    mismatched = []
    for request in sample:
        warm = quote(request, catalog).model_dump_json()
        saved = dict(catalog.memo)
        catalog.memo.clear()
        try:
            fresh = quote(request, catalog).model_dump_json()
        finally:
            catalog.memo.clear()
            catalog.memo.update(saved)
        if warm != fresh:
            mismatched.append(request.model_dump_json())
    assert len(sample) > 1000
    assert not mismatched, mismatched[:3]
