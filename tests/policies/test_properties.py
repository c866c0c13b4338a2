"""Properties every quote must have, over the whole grid of questions.

The grid: region × identity set (none, each single identity, each pair) × every day from one
year before a region's first payment window to one year after its coverage end × lapsed years
0–6 (with 0..lapsed+1 back-paid years), with and without birth dates and tiers. Hypothesis
samples it; one exhaustive sweep covers every day for an ordinary resident at lapse 0, 1 and 5.

What is checked for every answer (see `check_invariants`):
- no exception; the status is `no_policy` exactly when no notice on file governs the date
  (outside [first window start, coverage end], except a newborn paying within the newborn time
  limit for its birth year) and `closed` exactly where the data has a closure and the date is on
  or after it (again except newborns within their time limit);
- the amount is never negative, never above the full late price (standard + fiscal subsidy, where
  the fiscal subsidy is known), and never above the general standard when the price is the
  personal standard; a determined amount equals standard − subsidy + surcharge;
- every `ok` answer has a source for its amount, for its deadline (or, when the notice gives no
  end date, a `window_end_not_stated` note) and for its coverage start (or a note saying why it
  has none);
- coverage never starts before birth, in any region;
- a back-payment is priced per year at a cited rule and adds up to the total;
- coverage never starts before the payment date except under a cited rule that allows it
  (year_start / year_start_if_paid_before for collection-window payers, from_birth for newborns,
  from_event for 职工医保 continuation and child-welfare children);
- every quote of every source appears (whitespace-normalised) in its notice text;
- a result survives a JSON round trip unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from itertools import combinations, pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from policies.catalog import DOCUMENTS_DIR, Catalog, LoadedPolicy, load_catalog
from policies.checks import squash
from policies.engine import quote
from policies.result import QuoteRequest, QuoteResult, Source, Status
from policies.years import InsuranceYearError
from tests.policies.two_years import DOCUMENTS as TWO_YEAR_DOCUMENTS
from tests.policies.two_years import two_year_catalog

CATALOG = load_catalog()
TWO_YEARS = two_year_catalog()
REGIONS = CATALOG.regions()
IDENTITIES = sorted(CATALOG.identities)
IDENTITY_SETS: list[frozenset[str]] = [
    frozenset(),
    *(frozenset({code}) for code in IDENTITIES),
    *(frozenset(pair) for pair in combinations(IDENTITIES, 2)),
]

# Coverage may start before the payment date only under these cited rules.
# group_period: 双清 三(四)2 covers newly enrolled college students from 2024-09-01.
EARLY_START_RULES = {
    "year_start",
    "year_start_if_paid_before",
    "from_birth",
    "newborn_year_start",  # born before the year, paid in time: the year's first day
    "from_event",
    "group_period",
    "not_before_birth",
}
# Notes that explain a coverage start of None.
NO_START_NOTES = {
    "coverage_start_not_stated",
    "newborn_coverage_not_stated",
    "newborn_late_not_stated",
    "waiting_past_year_end",
}


def grid_days(slug: str, catalog: Catalog = CATALOG) -> tuple[date, date]:
    """First and last day of a region's grid: a year either side of its policies."""
    policies = catalog.policies_for(slug)
    first = min(p.first_payment_day for p in policies)
    last = max(p.data.coverage_end for p in policies)
    return first - timedelta(days=365), last + timedelta(days=365)


def newborn_within(request: QuoteRequest, policy: LoadedPolicy) -> bool:
    """A newborn paying within its time limit after birth (the notice's newborn rule)."""
    rules = policy.data.newborn
    return (
        rules is not None
        and "newborn" in request.identities
        and request.birth_date is not None
        and request.payment_date <= request.birth_date + timedelta(days=rules.days)
    )


def birth_year_rule(request: QuoteRequest, policy: LoadedPolicy) -> bool:
    """A newborn within its limit, paying the fee of its birth year."""
    return (
        newborn_within(request, policy)
        and request.birth_date is not None
        and policy.data.insurance_year == request.birth_date.year
    )


# The oracle states what the answer's insurance year must satisfy, from the windows as the
# notices print them, rather than re-deriving the engine's choice: the year's notice spans the
# date; no notice whose collection window is open that day is later than the answer; every
# other notice with a window open that day is offered beside it.


def window_open(policy: LoadedPolicy, day: date, kind: str | None = None) -> bool:
    closure = policy.data.closure
    if closure is not None and day >= closure.from_date:
        return False
    return any(w.start <= day <= w.end and kind in (None, w.kind) for w in policy.data.windows)


def spans(policy: LoadedPolicy, day: date) -> bool:
    """The date is within the notice's reach: from its first window to its year's end."""
    return min(w.start for w in policy.data.windows) <= day <= policy.data.coverage_end


# -- helpers for the invariants -------------------------------------------------------------


@cache
def notice_text(text_file: str) -> str:
    path = DOCUMENTS_DIR / text_file
    if not path.exists():  # the tests' second insurance year, not shipped
        path = TWO_YEAR_DOCUMENTS / text_file
    return squash(path.read_text("utf-8"))


@cache
def text_file_for(citation: str) -> str:
    if citation == CATALOG.national.citation:
        return CATALOG.national.text_file
    for policy in [*CATALOG.policies, *TWO_YEARS.policies]:
        if policy.data.document.citation == citation:
            return policy.data.document.text_file
    raise AssertionError(f"a source cites an unknown document: {citation}")


def all_sources(value: Any) -> Iterator[Source]:
    """Every Source anywhere inside a result."""
    if isinstance(value, Source):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from all_sources(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from all_sources(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from all_sources(item)


def note_keys(result: QuoteResult) -> set[str]:
    keys = {n.code for n in result.notes}
    keys |= {n.params["id"] for n in result.notes if "id" in n.params}
    return keys


def check_invariants(
    request: QuoteRequest, result: QuoteResult, catalog: Catalog = CATALOG
) -> None:
    day = request.payment_date
    policies = catalog.policies_for(request.region)
    reachable = [p for p in policies if spans(p, day) or birth_year_rule(request, p)]

    # status no_policy exactly when no notice on file reaches the date
    assert (result.status is Status.NO_POLICY) == (not reachable), (request, result.status)
    if not reachable:
        assert result.amount is None and result.policy_year is None
        return
    policy = next(p for p in policies if p.data.insurance_year == result.policy_year)
    assert policy in reachable, ("answered under a notice that does not reach the date", request)
    if request.insurance_year is not None:
        assert result.policy_year == request.insurance_year
    elif not birth_year_rule(request, policy):
        later_open = [
            p
            for p in policies
            if p.data.insurance_year > policy.data.insurance_year and window_open(p, day)
        ]
        assert not later_open, ("a later insurance year is open on this date", request)
        for p in policies:
            if any(w.kind == "collection" and w.start == day for w in p.data.windows):
                assert result.policy_year == p.data.insurance_year, ("first collection day", day)
    others = {o.year for o in result.other_insurance_years}
    for p in policies:
        if p is not policy and (window_open(p, day) or birth_year_rule(request, p)):
            assert p.data.insurance_year in others, ("an open year not offered", request)
    assert result.policy_year not in others

    # closed only where the data has a closure and the date is on or after it
    closure = policy.data.closure
    should_close = (
        closure is not None and day >= closure.from_date and not newborn_within(request, policy)
    )
    assert (result.status is Status.CLOSED) == should_close, (request, result.status)
    if should_close:
        assert result.amount is None
        assert result.sources, "a closed answer cites the closure clause"
        return

    assert result.status in (Status.OK, Status.UNDETERMINED)
    amount, deadline, coverage, waiting = (
        result.amount,
        result.deadline,
        result.coverage,
        result.waiting,
    )
    assert amount is not None and deadline is not None
    assert coverage is not None and waiting is not None

    # money
    assert (result.status is Status.OK) == (amount.due is not None)
    tier = result.tier
    standards = [s for s in policy.data.standards if s.tier == tier]
    general = max(s.amount for s in standards if not s.identities)
    highest_standard = max(s.amount for s in standards)
    fiscal = policy.data.fiscal_subsidy.amount if policy.data.fiscal_subsidy else None
    if fiscal is None and amount.basis == "national" and amount.fiscal_subsidy is not None:
        # The notice defers to the national rule: the figure is the national one of its year.
        national = CATALOG.national.fiscal_subsidy(policy.data.insurance_year)
        assert national is not None and amount.fiscal_subsidy == national.minimum
        assert any(s.national for s in amount.fiscal_sources), "a national figure cited as such"
        fiscal = amount.fiscal_subsidy
    for value in (amount.due, amount.known_part, amount.subsidy_applied):
        assert value is None or value >= 0, amount
    if amount.due is not None:
        if amount.fiscal_subsidy_included:
            assert fiscal is not None, "a determined late price needs a known fiscal subsidy"
            assert amount.due <= highest_standard + fiscal
        else:
            assert amount.due <= general, "above the general standard at the personal price"
        if amount.subsidy_applied is not None:
            assert amount.due == amount.standard - amount.subsidy_applied + (
                amount.fiscal_subsidy or Decimal(0)
            )
        else:  # someone else pays the whole fee (双清: the child-welfare institution)
            assert amount.due == 0, amount
    if amount.known_part is not None:
        assert amount.known_part <= highest_standard
    if amount.lower_bound is not None:
        assert amount.due is None and amount.basis == "national", amount
        assert amount.known_part is not None and amount.lower_bound > amount.known_part
    back = amount.back_payment
    if back is None:
        assert amount.total_due == amount.due
    else:
        assert back.years <= request.repaid_years and back.amount == back.years * back.per_year
        assert back.sources and back.confidence in ("high", "medium", "low")
        assert amount.total_due == (None if amount.due is None else amount.due + back.amount)

    notes = note_keys(result)
    if result.status is Status.OK:
        assert amount.sources and amount.standard_sources, "the amount needs a source"
        if deadline.date is None:
            assert "window_end_not_stated" in notes, "no deadline and no note saying why"
        else:
            assert deadline.sources, "the deadline needs a source"
    if coverage.start is not None and request.birth_date is not None:
        assert coverage.start >= request.birth_date, ("covered before birth", request, coverage)
    if coverage.start is None:
        assert (coverage.rule == "from_event" and coverage.sources) or notes & NO_START_NOTES, (
            "no coverage start and no note saying why",
            coverage,
            notes,
        )
    else:
        assert coverage.sources, "the coverage start needs a source"
        assert coverage.end is not None and coverage.start <= coverage.end
        if coverage.start < day:
            assert coverage.rule in EARLY_START_RULES, (request, coverage)
        if coverage.rule in ("year_start", "year_start_if_paid_before"):
            assert coverage.start == policy.data.coverage_start
            assert any(
                w.kind == "collection" and w.start <= day <= w.end for w in policy.data.windows
            ), "year-start cover outside a collection window"
        if coverage.rule == "from_birth":
            assert request.birth_date is not None and coverage.start >= request.birth_date
        if coverage.rule == "newborn_year_start":
            assert request.birth_date is not None
            assert request.birth_date < coverage.start == policy.data.coverage_start
            assert "birth_before_year" in notes, notes
        if coverage.rule == "after_waiting":
            assert waiting.last_day is not None
            assert coverage.start == waiting.last_day + timedelta(days=1)
    if waiting.total is not None and waiting.last_day is not None:
        assert waiting.last_day == waiting.total.last_day_from(day)

    # every quote is in its notice
    for source in all_sources(result):
        text = notice_text(text_file_for(source.document))
        assert squash(source.quote) in text, f"{source.document} {source.clause_id}: misquoted"

    # JSON round trip
    assert QuoteResult.model_validate_json(result.model_dump_json()) == result


# -- hypothesis over the grid ---------------------------------------------------------------


def boundary_days(slug: str, catalog: Catalog = CATALOG) -> list[date]:
    """Each window's first and last day, the closure and the coverage end, and their neighbours."""
    days: set[date] = set()
    for policy in catalog.policies_for(slug):
        data = policy.data
        edges = [data.coverage_start, data.coverage_end]
        edges += [d for w in data.windows for d in (w.start, w.end)]
        if data.closure is not None:
            edges.append(data.closure.from_date)
        days |= {d + timedelta(days=k) for d in edges for k in (-1, 0, 1)}
    return sorted(days)


def days_in(first: date, last: date) -> st.SearchStrategy[date]:
    return st.integers(0, (last - first).days).map(lambda n: first + timedelta(days=n))


def grid_day(slug: str, catalog: Catalog = CATALOG) -> st.SearchStrategy[date]:
    """Any day of the grid, weighted towards the policy years and their boundaries."""
    first, last = grid_days(slug, catalog)
    policies = catalog.policies_for(slug)
    inner = (min(p.first_payment_day for p in policies), max(p.data.coverage_end for p in policies))
    return st.one_of(
        days_in(first, last),
        days_in(*inner),
        days_in(*inner),
        st.sampled_from(boundary_days(slug, catalog)),
    )


@st.composite
def requests(
    draw: st.DrawFn, catalog: Catalog = CATALOG, regions: tuple[str, ...] = tuple(REGIONS)
) -> QuoteRequest:
    region = draw(st.sampled_from(regions))
    day = draw(grid_day(region, catalog))
    identities = draw(st.sampled_from(IDENTITY_SETS))
    birth = draw(
        st.one_of(
            st.none(),
            st.integers(0, 200).map(lambda n: day - timedelta(days=n)),  # newborn-ish
            st.dates(date(1930, 1, 1), day),
        )
    )
    lapsed = draw(st.integers(0, 6))
    repaid = draw(st.integers(0, lapsed + 1)) if lapsed else 0
    has_tiers = bool(CATALOG.latest(region).data.tiers)
    tier = draw(st.sampled_from([None, 1, 2])) if has_tiers else None
    return QuoteRequest(
        region=region,
        identities=identities,
        payment_date=day,
        birth_date=birth,
        lapsed_years=lapsed,
        repaid_years=repaid,
        tier=tier,
    )


GRID_SETTINGS = settings(
    max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@GRID_SETTINGS
@given(requests())
def test_grid_invariants(request: QuoteRequest) -> None:
    result = quote(request)
    event(f"{result.region}: {result.status.value}")
    check_invariants(request, result)


@st.composite
def newborn_requests(draw: st.DrawFn) -> QuoteRequest:
    """Newborns around their 90-day limit, alone or with one other identity."""
    region = draw(st.sampled_from(REGIONS))
    birth = draw(grid_day(region))
    day = birth + timedelta(days=draw(st.one_of(st.integers(0, 120), st.sampled_from([90, 91]))))
    other = draw(st.sampled_from([None, *IDENTITIES]))
    identities = frozenset({"newborn"} | ({other} if other else set()))
    has_tiers = bool(CATALOG.latest(region).data.tiers)
    return QuoteRequest(
        region=region,
        identities=identities,
        payment_date=day,
        birth_date=birth,
        lapsed_years=draw(st.integers(0, 2)),
        tier=draw(st.sampled_from([None, 1, 2])) if has_tiers else None,
    )


@settings(max_examples=600, deadline=None)
@given(newborn_requests())
def test_newborn_invariants(request: QuoteRequest) -> None:
    result = quote(request)
    event(f"coverage rule: {result.coverage.rule if result.coverage else result.status.value}")
    check_invariants(request, result)


@settings(max_examples=500, deadline=None)
@given(requests())
def test_lapse_changes_neither_price_nor_brings_cover_forward(request: QuoteRequest) -> None:
    """No notice charges more for a lapse; more lapsed years never give earlier cover."""
    base = quote(request.model_copy(update={"lapsed_years": 0, "repaid_years": 0}))
    lapsed = quote(request.model_copy(update={"repaid_years": 0}))
    more = quote(
        request.model_copy(update={"lapsed_years": request.lapsed_years + 1, "repaid_years": 0})
    )
    assert base.status == lapsed.status
    if base.amount is not None and lapsed.amount is not None:
        assert (base.amount.due, base.amount.known_part) == (
            lapsed.amount.due,
            lapsed.amount.known_part,
        )
    starts = [r.coverage.start if r.coverage else None for r in (base, lapsed, more)]
    for earlier, later in pairwise(starts):
        if earlier is not None and later is not None:
            assert earlier <= later, (request, starts)


# -- one exhaustive sweep: every day, ordinary resident, lapse 0/1/5 --------------------------


def _sweep(slug: str) -> Iterator[QuoteRequest]:
    first, last = grid_days(slug)
    tier = 1 if CATALOG.latest(slug).data.tiers else None
    for offset in range((last - first).days + 1):
        for lapsed in (0, 1, 5):
            yield QuoteRequest(
                region=slug,
                payment_date=first + timedelta(days=offset),
                lapsed_years=lapsed,
                tier=tier,
            )


@pytest.mark.parametrize("slug", REGIONS)
def test_every_day_ordinary_resident(slug: str) -> None:
    statuses: set[Status] = set()
    for request in _sweep(slug):
        result = quote(request)
        check_invariants(request, result)
        statuses.add(result.status)
    assert Status.NO_POLICY in statuses and Status.OK in statuses


def test_sources_are_checked_against_real_text() -> None:
    """The quote check above is not vacuous: a changed quote is not found."""
    result = quote(QuoteRequest(region="changtu", payment_date=date(2024, 10, 1)))
    source = next(iter(all_sources(result)))
    text = notice_text(text_file_for(source.document))
    assert squash(source.quote) in text
    assert squash(source.quote + "（伪造）") not in text


# -- two insurance years of one region on file (tests/policies/two_years) --------------------


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(TWO_YEARS, ("changtu",)))
def test_two_years_on_file(request: QuoteRequest) -> None:
    """Every answer names its insurance year, the later open year is answered, the others are
    offered, and the first day of a collection window is answered under that window's year."""
    result = quote(request, TWO_YEARS)
    event(f"year {result.policy_year}, others {[o.year for o in result.other_insurance_years]}")
    check_invariants(request, result, TWO_YEARS)
    if result.status is not Status.NO_POLICY:
        assert result.policy_year is not None and result.document is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(TWO_YEARS, ("changtu",)), st.sampled_from([2025, 2026]))
def test_two_years_asked_for_a_year(request: QuoteRequest, year: int) -> None:
    asked = request.model_copy(update={"insurance_year": year})
    try:
        result = quote(asked, TWO_YEARS)
    except InsuranceYearError:
        policy = next(p for p in TWO_YEARS.policies_for("changtu") if p.data.insurance_year == year)
        assert not window_open(policy, request.payment_date) and not birth_year_rule(
            request, policy
        )
        return
    check_invariants(asked, result, TWO_YEARS)


@pytest.mark.parametrize(
    "day",
    [date(2025, 9, 22), date(2025, 9, 23), date(2025, 12, 31), date(2026, 1, 1)],
)
def test_two_years_every_day_of_the_overlap_edges(day: date) -> None:
    for lapsed in (0, 1, 5):
        request = QuoteRequest(region="changtu", payment_date=day, lapsed_years=lapsed)
        check_invariants(request, quote(request, TWO_YEARS), TWO_YEARS)


def test_the_oracle_catches_the_oldest_notice_rule() -> None:
    """The invariants are not vacuous: an answer under 2025 on 2025-10-15 (the old rule, the
    oldest notice covering the date) fails them."""
    request = QuoteRequest(region="changtu", payment_date=date(2025, 10, 15))
    old = quote(request.model_copy(update={"insurance_year": 2025}), TWO_YEARS)
    with pytest.raises(AssertionError, match="later insurance year"):
        check_invariants(request, old, TWO_YEARS)
