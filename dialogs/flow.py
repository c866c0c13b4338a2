"""Which questions matter for this region and these answers, and what is still missing.

The rules come from the policy data, so a new region brings its own questions: a birth date
only where a subsidy depends on age or the person is a newborn, back-payment only where repair
shortens the wait. The tier and the insurance history are not asked before the answer: it
assumes the common case (一档; insured last year) and prices the other case too; they are
asked only when requested (`state.requested`: the person wants to refine the answer, or the
engine found that the amount itself depends on them).
"""

from __future__ import annotations

from dialogs.state import DialogState, Stage
from policies.catalog import Catalog, LoadedPolicy
from policies.engine import expand_identities


def policy(catalog: Catalog, state: DialogState) -> LoadedPolicy | None:
    return catalog.latest(state.region) if state.region else None


def identities_of(catalog: Catalog, region: str) -> list[str]:
    """The groups the region's notice names, in registry order."""
    data = catalog.latest(region).data
    named = {s.identity for s in data.subsidies}
    named |= {c.identity for c in data.special_cases}
    named |= {code for st in data.standards for code in st.identities}
    named |= {o.identity for o in data.coverage_overrides}
    if data.newborn is not None:
        named.add("newborn")
    return [code for code in catalog.identities if code in named]


# The groups most residents who ask belong to, first: the subsidised hardship groups every
# notice names (民政 and 乡村振兴 registers), then newborns and students. There are no counts
# per county on file, so this is one national order, filtered by what each notice names.
COMMON_FIRST = (
    "dibao",
    "dibao_edge",
    "tekun",
    "poverty_alleviated",
    "monitored",
    "severe_disability",
    "newborn",
    "college_student",
    "school_student",
    "orphan",
)
SHORTLIST = 8  # identity buttons before "more…"


def shortlist(catalog: Catalog, region: str) -> tuple[list[str], list[str]]:
    """The region's groups split into the first buttons and those behind "more…"."""
    named = identities_of(catalog, region)
    first = [code for code in COMMON_FIRST if code in named][:SHORTLIST]
    return first, [code for code in named if code not in first]


def needs_birth_date(catalog: Catalog, state: DialogState) -> bool:
    loaded = policy(catalog, state)
    if loaded is None or not state.identities:
        return False
    people = set(expand_identities(catalog, frozenset(state.identities)))
    if "newborn" in people and loaded.data.newborn is not None:
        return True
    return any(s.age is not None and s.identity in people for s in loaded.data.subsidies)


def has_tiers(catalog: Catalog, state: DialogState) -> bool:
    loaded = policy(catalog, state)
    return bool(loaded and loaded.data.tiers)


def history_matters(catalog: Catalog, state: DialogState) -> bool:
    loaded = policy(catalog, state)
    if loaded is None or loaded.data.waiting.fixed is None:
        return False
    # A newborn has no insurance history to ask about.
    return "newborn" not in (state.identities or [])


def repair_matters(catalog: Catalog, state: DialogState) -> bool:
    loaded = policy(catalog, state)
    if loaded is None or not state.lapsed_years or state.lapsed_years < 2:
        return False
    return loaded.data.waiting.repair_months_per_year_paid > 0


def next_stage(catalog: Catalog, state: DialogState) -> Stage:
    """The first question still unanswered, or ANSWER."""
    if state.region is None:
        return Stage.REGION
    if state.identities is None:
        return Stage.IDENTITIES
    if state.birth_date is None and needs_birth_date(catalog, state):
        return Stage.BIRTH_DATE
    if state.requested is Stage.TIER and state.tier is None and has_tiers(catalog, state):
        return Stage.TIER
    if (
        state.requested is Stage.HISTORY
        and state.insured_last_year is None
        and history_matters(catalog, state)
    ):
        return Stage.HISTORY
    if state.insured_last_year is False and state.lapsed_years is None:
        return Stage.LAPSED_YEARS
    if state.repaid_years is None and repair_matters(catalog, state):
        return Stage.REPAIR
    if state.payment_date is None:
        return Stage.PAYMENT_DATE
    return Stage.ANSWER


def clear(state: DialogState, stage: Stage) -> None:
    """Forget the answer to one question (and what only made sense with it)."""
    if stage is Stage.REGION:
        state.region = None
        state.tier = None
        state.all_identities = False
    elif stage is Stage.IDENTITIES:
        state.identities = None
        state.draft = []
        state.birth_date = None
    elif stage is Stage.BIRTH_DATE:
        state.birth_date = None
    elif stage is Stage.TIER:
        state.tier = None
    elif stage in (Stage.HISTORY, Stage.LAPSED_YEARS, Stage.REPAIR):
        state.insured_last_year = None
        state.lapsed_years = None
        state.repaid_years = None
    elif stage is Stage.PAYMENT_DATE:
        state.payment_date = None
