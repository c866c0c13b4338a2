"""Coverage and the waiting period: when benefits start and end, and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from policies.catalog import NATIONAL_PREFIX
from policies.periods import Duration, first_of_next_month
from policies.quote.context import Quote, unique
from policies.quote.notes import NoteCode
from policies.result import Coverage, Waiting, trusted
from policies.schema import CoverageStart, SpecialCase, Window


def lapse_waiting(q: Quote, fixed: Duration, fixed_clause: str | None) -> Waiting:
    """Fixed period plus the variable months for each extra lapsed year, less repairs."""
    rules = q.data.waiting
    lapsed = q.request.lapsed_years
    # The months and their notes do not depend on the day: once per notice and key.
    variable, repaired, clauses, reasons = q.ctx.remembered(
        ("lapse terms", lapsed, q.request.repaid_years, q.lapsed, fixed_clause),
        lambda: _lapse_terms(q, fixed_clause),
    )
    total = fixed.plus_months(variable - repaired)
    floor_added = 0
    last_day = total.last_day_from(q.day)
    if (
        rules.floor_min_lapsed_years is not None
        and rules.floor_total_months is not None
        and lapsed >= rules.floor_min_lapsed_years
    ):
        # "不少于6个月" compares end dates: 90 days + 3 months is not 6 months.
        floor = Duration(months=rules.floor_total_months)
        floor_last = floor.last_day_from(q.day)
        if floor_last > last_day:
            floor_added = rules.floor_total_months - (total.months + total.days // 30)
            total, last_day = floor, floor_last
        clauses = (*clauses, rules.floor_clause)
        reasons = (*reasons, "long_lapse_floor")
    kind = "fixed_plus_variable" if variable else "fixed"
    return trusted(
        Waiting,
        kind=kind,
        fixed=fixed,
        variable_months=variable,
        repaired_months=repaired,
        floor_months_added=floor_added,
        total=total,
        last_day=last_day,
        reasons=list(reasons),
        sources=q.ctx.sources(*clauses),
    )


def _lapse_terms(
    q: Quote, fixed_clause: str | None
) -> tuple[int, int, tuple[str | None, ...], tuple[str, ...]]:
    """The variable and repaired months, the clauses and reasons, and the notes they need."""
    rules = q.data.waiting
    lapsed = q.request.lapsed_years
    variable = max(0, lapsed - 1) * rules.variable_months_per_extra_lapsed_year
    clauses: list[str | None] = [fixed_clause]
    reasons = ["not_continuous"] if q.lapsed else []
    if variable:
        clauses.append(rules.variable_clause)
        if rules.variable_clause and rules.variable_clause.startswith(NATIONAL_PREFIX):
            q.ctx.note(
                NoteCode.VARIABLE_WAITING_NATIONAL,
                rules.variable_clause,
                office=q.data.region.office,
            )
        q.ctx.note(NoteCode.LAPSE_YEARS_READING, "national:variable_reading")
        # The lapsed years reach back before the national rules began (national.yaml
        # waiting_rules_from), where counting them is unsettled.
        rules_from = q.ctx.catalog.national.waiting_rules_from.year
        if q.data.insurance_year - lapsed + 1 <= rules_from:
            q.ctx.note(
                NoteCode.LAPSE_BEFORE_RULES_UNCERTAIN,
                "national:early_lapses",
                year=str(rules_from),
                office=q.data.region.office,
            )
    repaired = min(q.request.repaid_years * rules.repair_months_per_year_paid, variable)
    if q.request.repaid_years and not rules.repair_months_per_year_paid:
        q.ctx.note(NoteCode.REPAIR_NOT_STATED, office=q.data.region.office)
    if repaired:
        clauses.append(rules.repair_clause)
        q.ctx.note(
            NoteCode.REPAIR_PRICE,
            rules.repair_price_clause,
            years=str(min(q.request.repaid_years, variable)),
        )
    if q.request.repaid_years * rules.repair_months_per_year_paid > variable:
        q.ctx.note(NoteCode.REPAIR_MORE_THAN_NEEDED, years=str(variable))
    return variable, repaired, tuple(clauses), tuple(reasons)


@dataclass(frozen=True)
class Situation:
    """What the coverage rules look at besides the notice and the request."""

    window: Window
    newborn_within: bool | None  # None: not a newborn, or no birth date given
    special: SpecialCase | None


Outcome = tuple[Coverage, Waiting]


@dataclass(frozen=True)
class Rule:
    """One coverage rule: when it applies, what it answers, and the data field it cites."""

    name: str
    applies: Callable[[Quote, Situation], bool]
    answer: Callable[[Quote, Situation], Outcome]
    clause: str


def _newborn_in_silent_collection(q: Quote, s: Situation) -> bool:
    newborn = q.data.newborn
    return bool(
        s.newborn_within
        and newborn is not None
        and newborn.within_coverage == "not_stated"
        and s.window.kind == "collection"
    )


def _newborn_in_time(q: Quote, s: Situation) -> bool:
    return bool(s.newborn_within and q.data.newborn is not None and q.request.birth_date)


def _newborn_late(coverage: str) -> Callable[[Quote, Situation], bool]:
    def applies(q: Quote, s: Situation) -> bool:
        newborn = q.data.newborn
        return (
            s.newborn_within is False
            and newborn is not None
            and (newborn.after_coverage == coverage)
        )

    return applies


def _newborn_within_answer(q: Quote, s: Situation) -> Outcome:
    data = q.data
    newborn = data.newborn
    birth = q.request.birth_date
    assert newborn is not None and birth is not None
    if newborn.within_waiting == "none":
        waiting = trusted(
            Waiting,
            kind="none",
            reasons=["newborn_exempt"],
            sources=q.ctx.sources(newborn.within_clause),
        )
    else:
        waiting = trusted(Waiting, kind="undetermined", reasons=["newborn_not_stated"], sources=[])
        q.ctx.note(
            NoteCode.NEWBORN_WAITING_NOT_STATED, newborn.within_clause, office=data.region.office
        )
    if newborn.within_coverage == "from_birth":
        if birth < data.coverage_start:
            # This year's contribution covers this year. The days from birth to the end of
            # the birth year are that year's (双清 三(四)3(1): "缴纳出生年度居民医保费"), and
            # its notice is not what answers here: the note says so, and where that year's
            # notice is on file it is offered beside this answer (policies/years.py).
            on_file = any(
                p.data.insurance_year == birth.year
                for p in q.ctx.catalog.policies_for(data.region.slug)
            )
            q.ctx.note(
                NoteCode.BIRTH_BEFORE_YEAR,
                newborn.within_clause,
                year=str(data.insurance_year),
                birth_year=str(birth.year),
                office=data.region.office,
                on_file="yes" if on_file else "no",
            )
            cover = trusted(
                Coverage,
                start=data.coverage_start,
                end=data.coverage_end,
                rule="newborn_year_start",
                sources=q.ctx.sources(newborn.within_clause),
            )
            return cover, waiting
        cover = trusted(
            Coverage,
            start=birth,
            end=data.coverage_end,
            rule="from_birth",
            sources=q.ctx.sources(newborn.within_clause),
        )
        return cover, waiting
    q.ctx.note(
        NoteCode.NEWBORN_COVERAGE_NOT_STATED, newborn.within_clause, office=data.region.office
    )
    return trusted(
        Coverage, start=None, end=data.coverage_end, rule="not_stated", sources=[]
    ), waiting


def _newborn_late_from_payment(q: Quote, s: Situation) -> Outcome:
    assert q.data.newborn is not None
    return from_payment(q, q.data.newborn.after_clause, "newborn_late_from_payment")


def _newborn_late_not_stated(q: Quote, s: Situation) -> Outcome:
    assert q.data.newborn is not None
    q.ctx.note(
        NoteCode.NEWBORN_LATE_NOT_STATED,
        q.data.newborn.within_clause,
        office=q.data.region.office,
    )
    return (
        trusted(Coverage, start=None, end=q.data.coverage_end, rule="not_stated", sources=[]),
        trusted(Waiting, kind="undetermined", reasons=["newborn_late_not_stated"], sources=[]),
    )


def _special_case_answer(q: Quote, s: Situation) -> Outcome:
    special = s.special
    assert special is not None
    if special.coverage == "from_payment":
        return from_payment(q, special.clause, "special_case")
    sources = q.ctx.sources(special.clause)
    return (
        trusted(
            Coverage,
            start=None,
            end=q.data.coverage_end,
            rule="from_event",
            event=special.event.model_dump() if special.event else None,
            sources=sources,
        ),
        trusted(Waiting, kind="none", reasons=["special_case"], sources=sources),
    )


def _window_answer(q: Quote, s: Situation) -> Outcome:
    return window_coverage(q, s.window, NO_WAITING)


NO_WAITING = trusted(Waiting, kind="none", sources=[])

# Precedence, first match wins: the exceptions the notices make (newborns, special groups)
# before the window's general rule. A late newborn under a "regular" rule falls through to
# the special cases and the window like anyone else paying that day.
PRECEDENCE: tuple[Rule, ...] = (
    Rule(
        "newborn in time, paying in the collection window, notice silent on newborn cover: "
        "the window's benefit period, as for everyone paying then (昌图 一、2; 丰都 六)",
        _newborn_in_silent_collection,
        _window_answer,
        "windows[].clauses",
    ),
    Rule(
        "newborn within the time limit",
        _newborn_in_time,
        _newborn_within_answer,
        "newborn.within_clause",
    ),
    Rule(
        "newborn after the time limit, covered from payment",
        _newborn_late("from_payment"),
        _newborn_late_from_payment,
        "newborn.after_clause",
    ),
    Rule(
        "newborn after the time limit, notice silent",
        _newborn_late("not_stated"),
        _newborn_late_not_stated,
        "newborn.within_clause",
    ),
    Rule(
        "special group paying outside the collection window",
        lambda q, s: s.special is not None,
        _special_case_answer,
        "special_cases[].clause",
    ),
    Rule("the window's own rule", lambda q, s: True, _window_answer, "windows[].clauses"),
)


def deciding(q: Quote, situation: Situation) -> Rule:
    """The first rule of PRECEDENCE that applies."""
    for rule in PRECEDENCE:
        if rule.applies(q, situation):
            return rule
    raise AssertionError("the window's own rule always applies")


def coverage_and_waiting(
    q: Quote, window: Window, newborn_within: bool | None, special: SpecialCase | None
) -> Outcome:
    situation = Situation(window, newborn_within, special)
    return deciding(q, situation).answer(q, situation)


def from_payment(q: Quote, clause: str | None, reason: str) -> tuple[Coverage, Waiting]:
    """Covered from the payment day, no waiting period, as the cited clause says."""
    sources = q.ctx.sources(clause)
    return (
        trusted(
            Coverage, start=q.day, end=q.data.coverage_end, rule="from_payment", sources=sources
        ),
        trusted(Waiting, kind="none", reasons=[reason], sources=sources),
    )


def window_coverage(q: Quote, window: Window, none: Waiting) -> tuple[Coverage, Waiting]:
    data = q.data
    rules = data.waiting
    year_start, year_end = data.coverage_start, data.coverage_end
    for note_id in window.notes:
        q.ctx.data_note(note_id)
    if window.coverage is CoverageStart.NOT_STATED:
        q.ctx.note(NoteCode.COVERAGE_START_NOT_STATED, *window.clauses, office=data.region.office)
        return (
            trusted(Coverage, start=None, end=year_end, rule="not_stated", sources=[]),
            trusted(Waiting, kind="undetermined", reasons=["not_stated"], sources=[]),
        )
    if window.coverage is CoverageStart.YEAR_START_IF_PAID_BEFORE and q.day >= year_start:
        q.ctx.note(NoteCode.COVERAGE_START_NOT_STATED, *window.clauses, office=data.region.office)
        return (
            trusted(Coverage, start=None, end=year_end, rule="not_stated", sources=[]),
            trusted(Waiting, kind="undetermined", reasons=["not_stated"], sources=[]),
        )
    base_rule = window.coverage.value
    override = next((o for o in data.coverage_overrides if o.identity in q.identities), None)
    if override is not None and window.kind == "collection":
        year_start, year_end = override.start, override.end
        base_rule = "group_period"
    if window.coverage in (CoverageStart.YEAR_START, CoverageStart.YEAR_START_IF_PAID_BEFORE):
        base_start = year_start
    elif window.coverage is CoverageStart.NEXT_MONTH_FIRST:
        base_start = first_of_next_month(q.day)
    else:
        base_start = q.day
    coverage_sources = q.ctx.sources(*window.clauses)
    if base_rule == "group_period" and override is not None:
        coverage_sources = q.ctx.sources(override.clause, *window.clauses)
    waiting = none
    if window.waiting is not None:
        waiting = lapse_waiting(q, window.waiting, window.clauses[0])
        waiting = waiting.model_copy(update={"reasons": ["outside_collection", *waiting.reasons]})
    elif (
        q.lapsed
        and rules.fixed is not None
        and (window.kind != "collection" or rules.applies_to_lapsed_in_collection)
    ):
        waiting = lapse_waiting(q, rules.fixed, rules.fixed_clause)
        if window.kind == "collection" and rules.counting_note:
            q.ctx.data_note(rules.counting_note)
    elif q.lapsed and rules.fixed is None:
        q.ctx.note(NoteCode.NO_WAITING_RULES, office=data.region.office)
    if not window.waiting_stated:
        q.ctx.note(NoteCode.WAITING_NOT_STATED, *window.clauses, office=data.region.office)
    start = base_start
    if waiting.last_day is not None:
        start = max(base_start, waiting.last_day + timedelta(days=1))
        coverage_sources = unique(coverage_sources + waiting.sources)
        base_rule = "after_waiting" if start > base_start else base_rule
    if start > year_end:
        q.ctx.note(NoteCode.WAITING_PAST_YEAR_END, year=str(data.insurance_year))
        return trusted(
            Coverage, start=None, end=year_end, rule="none_this_year", sources=coverage_sources
        ), waiting
    return trusted(
        Coverage, start=start, end=year_end, rule=base_rule, sources=coverage_sources
    ), waiting


def not_before_birth(q: Quote, coverage: Coverage) -> Coverage:
    """No one is covered before they are born, whatever the window's benefit period says."""
    birth = q.request.birth_date
    if birth is None or coverage.start is None or coverage.start >= birth:
        return coverage
    q.ctx.note(
        NoteCode.COVERAGE_NOT_BEFORE_BIRTH,
        date=birth.isoformat(),
        year_start=coverage.start.isoformat(),
        office=q.data.region.office,
    )
    return coverage.model_copy(update={"start": birth, "rule": "not_before_birth"})
