"""The precedence tables of the window, deadline and coverage rules (issue 9 §3): every row
decides some answer, and where two rows could both apply their order is the notice's, so
swapping them changes an answer the notice decides."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from types import ModuleType

import pytest

from benchmarks.policy_grid import grid
from policies import years
from policies.catalog import Catalog, LoadedPolicy, read_catalog
from policies.engine import quote
from policies.quote import coverage, deadline, person, window
from policies.quote.context import start
from policies.result import QuoteRequest, QuoteResult
from tests.policies.two_years import two_year_catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return read_catalog()  # its own: the swaps below must not meet another test's memo


def _rows(catalog: Catalog, request: QuoteRequest) -> tuple[str, str, str] | None:
    """The names of the window, deadline and coverage rules that decide `request`'s answer
    (None where no rule runs: no notice, or payment closed)."""
    identities = person.expand_identities(catalog, request.identities)
    policy = years.choose(catalog, request, identities).policy
    if policy is None:
        return None
    q = start(catalog, policy, request, identities)
    within = person.newborn_within(q)
    closure = policy.data.closure
    if closure is not None and q.day >= closure.from_date and not within:
        return None
    window_rule, chosen = window.deciding(q, within)
    deadline_rule, _ = deadline.deciding(q, chosen, within)
    special = window.special_case(q, chosen)
    coverage_rule = coverage.deciding(q, coverage.Situation(chosen, within, special))
    return window_rule.name, deadline_rule.name, coverage_rule.name


def _without_closure(catalog: Catalog, slug: str) -> Catalog:
    """The catalog with one notice's closure sentence taken out (丰都 stops payment on
    2025-10-01; without that sentence nothing says what follows its last window)."""
    policies = []
    for p in catalog.policies:
        if p.slug == slug:
            p = LoadedPolicy(p.path, p.data.model_copy(update={"closure": None}), p.clauses)
        policies.append(p)
    return dataclasses.replace(catalog, policies=policies, memo={})


def test_every_row_of_every_table_decides_some_answer(catalog: Catalog) -> None:
    seen: set[str] = set()
    for source in (catalog, two_year_catalog()):
        for request in grid(source)[::7]:
            rows = _rows(source, request)
            if rows is not None:
                seen.update(rows)
    # The grid's newborns are a month old; these are past the 90 days (科左后旗 三 covers
    # them from payment, 乌拉特前旗 一(三) does not say).
    for region, born in (("kezuohouqi", date(2025, 1, 10)), ("wulateqianqi", date(2024, 1, 10))):
        late = QuoteRequest(
            region=region,
            identities=frozenset({"newborn"}),
            birth_date=born,
            payment_date=born + timedelta(days=150),
        )
        rows = _rows(catalog, late)
        assert rows is not None
        seen.update(rows)
    # The deadline's last row: a window that ends before the year does, with nothing after it
    # in the notice; no notice on file has one, so 丰都 without its closure sentence shows it.
    bare = _without_closure(catalog, "fengdu-lizi")
    rows = _rows(bare, QuoteRequest(region="fengdu-lizi", payment_date=date(2025, 8, 1)))
    assert rows is not None
    seen.update(rows)
    every = {r.name for r in (*window.PRECEDENCE, *deadline.PRECEDENCE, *coverage.PRECEDENCE)}
    assert every - seen == set()


Swap = Callable[[ModuleType, int, int], None]


@pytest.fixture
def swapped(monkeypatch: pytest.MonkeyPatch, catalog: Catalog) -> Iterator[Swap]:
    """Swap two rows of a table: `swapped(module, i, j)`; the catalog's memo is emptied
    before and after, so no answer remembered under one order serves the other."""

    def swap(module: ModuleType, i: int, j: int) -> None:
        rows = list(module.PRECEDENCE)
        rows[i], rows[j] = rows[j], rows[i]
        monkeypatch.setattr(module, "PRECEDENCE", tuple(rows))
        catalog.memo.clear()

    catalog.memo.clear()
    yield swap
    catalog.memo.clear()


def _answer(catalog: Catalog, ask: dict[str, object]) -> QuoteResult:
    catalog.memo.clear()
    return quote(QuoteRequest.model_validate(ask), catalog)


def test_window_a_groups_own_window_before_the_general_one(catalog: Catalog, swapped: Swap) -> None:
    """科左后旗 三: "特殊困难群体在 2025 年 12 月 31 日前完成参保缴费" — a 低保 resident paying on
    2025-04-01 pays in the hardship extension, not the general late window of the same dates."""
    ask: dict[str, object] = {
        "region": "kezuohouqi",
        "identities": frozenset({"dibao"}),
        "payment_date": date(2025, 4, 1),
    }
    right = _answer(catalog, ask)
    assert right.deadline is not None and right.deadline.window_id == "hardship_extension"
    swapped(window, 0, 1)
    wrong = _answer(catalog, ask)
    assert wrong.deadline is not None and wrong.deadline.window_id == "after_collection"


def test_deadline_a_newborns_limit_before_the_windows_end(catalog: Catalog, swapped: Swap) -> None:
    """科左后旗 三: "新生儿出生后 90 天（含 90 天）内 … 办理参保登记并按规定缴纳参保费" — born
    2025-01-10 and paying 2025-01-20, the newborn may pay until 2025-04-10, not only until the
    collection window's end (2025-02-28)."""
    ask: dict[str, object] = {
        "region": "kezuohouqi",
        "identities": frozenset({"newborn"}),
        "payment_date": date(2025, 1, 20),
        "birth_date": date(2025, 1, 10),
    }
    right = _answer(catalog, ask)
    assert right.deadline is not None
    assert right.deadline.date == date(2025, 1, 10) + timedelta(days=90) == date(2025, 4, 10)
    swapped(deadline, 0, 2)
    wrong = _answer(catalog, ask)
    assert wrong.deadline is not None and wrong.deadline.date == date(2025, 2, 28)


def test_coverage_a_newborn_in_the_collection_window_like_everyone(
    catalog: Catalog, swapped: Swap
) -> None:
    """昌图 一、2: paying in the collection window (2024-09-23 … 2025-02-28) buys cover from
    2025-01-01; the notice says nothing of newborns' own cover, so a newborn born 2024-12-01
    paying 2024-12-20 is covered like everyone paying then, not "the notice does not say"."""
    ask: dict[str, object] = {
        "region": "changtu",
        "identities": frozenset({"newborn"}),
        "payment_date": date(2024, 12, 20),
        "birth_date": date(2024, 12, 1),
    }
    right = _answer(catalog, ask)
    assert right.coverage is not None and right.coverage.start == date(2025, 1, 1)
    swapped(coverage, 0, 1)
    wrong = _answer(catalog, ask)
    assert wrong.coverage is not None and wrong.coverage.start is None
