"""Which questions matter for this region and these answers, from the notice they come from.

The rules come from the policy data, so a new region brings its own questions: a birth date
only where a subsidy depends on age or the person is a newborn, back-payment only where repair
shortens the wait. The tier and the insurance history are not asked before the answer: it
assumes the common case (一档; insured last year) and prices the other case too; they are
asked only when requested (`state.requested`: the person wants to refine the answer, or the
engine found that the amount itself depends on them). The order of the questions and when
each is due live with the questions (`dialogs.questions`).
"""

from __future__ import annotations

from datetime import date

from dialogs.state import DialogState
from policies import years
from policies.catalog import Catalog, LoadedPolicy
from policies.engine import expand_identities
from policies.periods import age_on
from policies.quote.person import admits, named_identities
from policies.result import QuoteRequest


def _on(catalog: Catalog, state: DialogState, day: date) -> tuple[QuoteRequest, list[str]]:
    """The request `policies.years` chooses a notice by, for the state's facts on `day`."""
    assert state.region is not None
    birth = state.birth_date if state.birth_date and state.birth_date <= day else None
    identities = frozenset(state.identities or [])
    request = QuoteRequest(
        region=state.region, identities=identities, payment_date=day, birth_date=birth
    )
    return request, expand_identities(catalog, identities)


def policy(catalog: Catalog, state: DialogState, today: date) -> LoadedPolicy | None:
    """The notice the questions come from: the insurance year the person chose or said, else
    the one the calculator would answer for on the payment date (before the date is known,
    on `today`: the best guess), else the latest on file."""
    if not state.region:
        return None
    notices = catalog.policies_for(state.region)
    chosen = next((p for p in notices if p.data.insurance_year == state.insurance_year), None)
    if chosen is not None:
        return chosen
    request, identities = _on(catalog, state, state.payment_date or today)
    return years.choose(catalog, request, identities).policy or notices[-1]


def open_years(catalog: Catalog, state: DialogState) -> list[int]:
    """The insurance years that take payment on the state's payment date, oldest first."""
    if state.region is None or state.payment_date is None:
        return []
    request, identities = _on(catalog, state, state.payment_date)
    return years.open_years(catalog, request, identities)


def identities_of(
    catalog: Catalog, region: str, loaded: LoadedPolicy | None = None
) -> list[str]:
    """The groups the region's notice names (`loaded`, else its latest), in registry order:
    the calculator's own list (`policies.quote.person.named_identities`)."""
    named = named_identities((loaded or catalog.latest(region)).data)
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


def shortlist(
    catalog: Catalog, region: str, loaded: LoadedPolicy | None = None
) -> tuple[list[str], list[str]]:
    """The region's groups split into the first buttons and those behind "more…"."""
    named = identities_of(catalog, region, loaded)
    first = [code for code in COMMON_FIRST if code in named][:SHORTLIST]
    return first, [code for code in named if code not in first]


def needs_birth_date(catalog: Catalog, state: DialogState, loaded: LoadedPolicy | None) -> bool:
    if loaded is None or not state.identities:
        return False
    people = set(expand_identities(catalog, frozenset(state.identities)))
    if "newborn" in people and loaded.data.newborn is not None:
        return True
    return any(s.age is not None and s.identity in people for s in loaded.data.subsidies)


def ages_on(state: DialogState, day: date) -> tuple[int, int] | None:
    """The ages in full years the person may be on `day`, from the birth range they gave
    (None without one, or when the day is before the range ends)."""
    if state.birth_date is not None or state.birth_range is None:
        return None
    earliest, latest = state.birth_range
    if day < latest:
        return None
    return age_on(latest, day), age_on(earliest, day)


def age_decides(
    catalog: Catalog, state: DialogState, loaded: LoadedPolicy | None, today: date
) -> bool:
    """Whether the ages the person may be on the payment day (before it is known, today: the
    question comes back if the day named later splits them) meet, or fail, every age
    condition of their groups alike: the birth date then changes nothing (a newborn's always
    does: its time limit counts from the day)."""
    ages = ages_on(state, state.payment_date or today)
    if loaded is None or ages is None:
        return False
    people = set(expand_identities(catalog, frozenset(state.identities or [])))
    if "newborn" in people:
        return False
    low, high = ages
    return all(
        admits(s, age) == admits(s, low)
        for s in loaded.data.subsidies
        if s.age is not None and s.identity in people
        for age in range(low, high + 1)
    )


def has_tiers(loaded: LoadedPolicy | None) -> bool:
    return bool(loaded and loaded.data.tiers)


def history_matters(state: DialogState, loaded: LoadedPolicy | None) -> bool:
    if loaded is None or loaded.data.waiting.fixed is None:
        return False
    # A newborn has no insurance history to ask about.
    return "newborn" not in (state.identities or [])


def repair_matters(state: DialogState, loaded: LoadedPolicy | None) -> bool:
    if loaded is None or not state.lapsed_years or state.lapsed_years < 2:
        return False
    return loaded.data.waiting.repair_months_per_year_paid > 0
