"""Who the person is under this notice: identities, tier, newborn status, age conditions."""

from __future__ import annotations

from datetime import timedelta

from policies.catalog import Catalog
from policies.quote.context import MEMO_LIMIT, ORDINARY, Quote, QuoteInputError
from policies.quote.notes import NoteCode
from policies.schema import PolicyFile, Subsidy


def expand_identities(catalog: Catalog, identities: frozenset[str]) -> list[str]:
    """Canonical codes plus what they imply (a 重点优抚对象 is an 优抚对象), in registry order."""
    memo: dict[frozenset[str], list[str]] = catalog.memo.setdefault(("expanded identities",), {})
    found = memo.get(identities)
    if found is None:
        found = _expand(catalog, identities)
        if len(memo) >= MEMO_LIMIT:  # the keys come from requests: bounded
            memo.clear()
        memo[identities] = found
    return list(found)


def _expand(catalog: Catalog, identities: frozenset[str]) -> list[str]:
    wanted = {i for i in identities if i != ORDINARY}
    unknown = wanted - catalog.identities.keys()
    if unknown:
        raise QuoteInputError(
            f"unknown identity: {', '.join(sorted(unknown))}",
            "unknown_identity",
            identities=", ".join(sorted(unknown)),
        )
    frontier = list(wanted)
    while frontier:
        for implied in catalog.identities[frontier.pop()].implies:
            if implied not in wanted:
                wanted.add(implied)
                frontier.append(implied)
    return [code for code in catalog.identities if code in wanted]


def tier(q: Quote) -> int | None:
    if not q.data.tiers:
        if q.request.tier is not None:
            q.ctx.note(NoteCode.TIER_NOT_APPLICABLE, tier=str(q.request.tier))
        return None
    numbers = [t.number for t in q.data.tiers]
    if q.request.tier is None:
        placed = placement(q)
        if placed is not None:
            return placed
        q.ctx.need("tier")
        q.ctx.note(NoteCode.TIER_ASSUMED, tier=str(numbers[0]))
        return numbers[0]
    if q.request.tier not in numbers:
        raise QuoteInputError(
            f"tier must be one of {numbers}",
            "tier_not_offered",
            tiers=", ".join(map(str, numbers)),
        )
    return q.request.tier


def placement(q: Quote) -> int | None:
    """The tier the notice places this person in, where it does (丰都 五(三))."""
    for placement in q.data.tier_placements:
        if placement.identity not in q.identities:
            continue
        conditions = [
            s
            for s in q.data.subsidies
            if s.identity == placement.identity and (s.tiers is None or placement.tier in s.tiers)
        ]
        if all(age_ok(q, s) is True for s in conditions):
            label = next(t.label for t in q.data.tiers if t.number == placement.tier)
            group = next((s.label for s in conditions), placement.identity)
            q.ctx.note(NoteCode.TIER_PLACED, placement.clause, tier=label, group=group)
            return placement.tier
    return None


def newborn_within(q: Quote) -> bool | None:
    """True/False when the person is a newborn with a birth date; None otherwise."""
    if "newborn" not in q.identities or q.data.newborn is None:
        return None
    if q.request.birth_date is None:
        q.ctx.need("birth_date")
        q.ctx.note(NoteCode.NEWBORN_NEEDS_BIRTH_DATE, q.data.newborn.within_clause)
        return None
    limit = q.request.birth_date + timedelta(days=q.data.newborn.days)
    return q.day <= limit


def admits(subsidy: Subsidy, age: int) -> bool:
    """Whether a person of `age` full years meets the subsidy's age condition."""
    if subsidy.age is None:
        return True
    return any(
        (r.min is None or age >= r.min) and (r.max is None or age <= r.max) for r in subsidy.age
    )


def age_ok(q: Quote, subsidy: Subsidy) -> bool | None:
    if subsidy.age is None:
        return True
    if q.age is not None:
        return admits(subsidy, q.age)
    if q.age_range is not None:
        # The range spans at most one birthday in the chat ("65岁" said before the payment
        # day), but any range decides when both ends agree: the conditions are ranges too.
        low, high = q.age_range
        if all(admits(subsidy, age) == admits(subsidy, low) for age in range(low, high + 1)):
            return admits(subsidy, low)
    return None


def qualifies(q: Quote, identity: str) -> bool:
    """Whether the person meets the conditions of some subsidy for `identity`.

    An unknown age counts as qualifying: the answer then asks for the birth date.
    """
    subsidies = [s for s in q.data.subsidies if s.identity == identity]
    if not subsidies:
        return True
    return any(age_ok(q, s) is not False for s in subsidies)


def named_identities(data: PolicyFile) -> frozenset[str]:
    """Every identity this notice names: priced, special, in a standard, a window, a
    registration step, a note, its scope or a benefit period of its own."""
    named = {s.identity for s in data.subsidies}
    named |= {s.identity for s in data.special_cases}
    named |= {code for st in data.standards for code in st.identities}
    named |= {code for step in data.registration for code in step.audience}
    named |= {code for w in data.windows for code in w.audience or []}
    named |= set(data.identity_notes)
    named |= {x.identity for x in data.scope_identities}
    named |= {x.identity for x in data.coverage_overrides}
    if data.newborn is not None:
        named.add("newborn")
    return frozenset(named)


def named_here(q: Quote, identity: str) -> bool:
    key = ("named", q.data.region.slug, q.data.insurance_year)
    named = q.ctx.catalog.memo.get(key)
    if named is None:
        named = q.ctx.catalog.memo[key] = named_identities(q.data)
    return identity in named
