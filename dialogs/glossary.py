"""What each identity category means, in the words of the notice that names it.

`glossary_entries(catalog, region, lang)` is the one entry point the dialog calls (for a
question about a term, "什么是低保边缘家庭？", for `/glossary` and for the "not sure" button);
the content and its presentation belong to the views (dialog-views helper), which may enrich
the entries (definitions, national meanings) without changing the dialog.

Each entry carries the group as the notice prints it and the clause that lists it, quoted; a
group the region's notice does not name (or no region yet) falls back to the national
registry's name, marked as national.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from dialogs.flow import identities_of
from policies.catalog import Catalog, LoadedPolicy
from policies.result import Source


@dataclass(frozen=True)
class GlossaryEntry:
    identity: str  # canonical code
    label: str  # as the notice prints it (or the registry's name where it is national)
    region_name: str | None
    sources: tuple[Source, ...]  # the clauses that list or define the group, quoted
    national: bool  # no regional wording: the registry's name stands


def _source(policy: LoadedPolicy, clause_id: str) -> Source | None:
    clause = policy.clauses.get(clause_id)
    if clause is None:  # a national clause: the registry entry is marked national instead
        return None
    return Source(
        document=policy.data.document.citation,
        clause_id=clause_id,
        clause_label=clause.label,
        quote=clause.quote,
    )


def _regional(catalog: Catalog, policy: LoadedPolicy, code: str) -> GlossaryEntry:
    data = policy.data
    labels: list[str] = []
    clause_ids: list[str] = []
    for subsidy in data.subsidies:
        if subsidy.identity == code:
            labels.append(subsidy.label)
            clause_ids.append(subsidy.clause)
    for case in data.special_cases:
        if case.identity == code:
            labels.append(case.label)
            clause_ids.append(case.clause)
    for standard in data.standards:
        if code in standard.identities:
            clause_ids.append(standard.clause)
    for override in data.coverage_overrides:
        if override.identity == code:
            clause_ids.append(override.clause)
    if code == "newborn" and data.newborn is not None:
        clause_ids.append(data.newborn.within_clause)
    sources = [s for s in (_source(policy, c) for c in dict.fromkeys(clause_ids)) if s]
    label = labels[0] if labels else catalog.identities[code].zh
    return GlossaryEntry(
        identity=code,
        label=label,
        region_name=data.region.name,
        sources=tuple(sources),
        national=not sources,
    )


@lru_cache(maxsize=64)
def _entries(catalog: Catalog, region: str | None) -> tuple[GlossaryEntry, ...]:
    if region is None:
        return tuple(
            GlossaryEntry(
                identity=code, label=ident.zh, region_name=None, sources=(), national=True
            )
            for code, ident in catalog.identities.items()
        )
    policy = catalog.latest(region)
    return tuple(_regional(catalog, policy, code) for code in identities_of(catalog, region))


def glossary_entries(catalog: Catalog, region: str | None, lang: str) -> list[GlossaryEntry]:
    """Every group the region's notice names (all registry groups without a region).

    `lang` is for the views' enrichment (translated national meanings); the notice's own
    words are Chinese in every language."""
    del lang  # the notice's wording is the same in every language
    return list(_entries(catalog, region))


def glossary_entry(
    catalog: Catalog, region: str | None, code: str, lang: str
) -> list[GlossaryEntry]:
    """One group: the region's wording; without a region, every notice's wording of it; the
    national name where no notice words it."""
    regions = [region] if region is not None else catalog.regions()
    found = [
        entry
        for slug in regions
        for entry in glossary_entries(catalog, slug, lang)
        if entry.identity == code and not entry.national
    ]
    if found:
        return found
    return [e for e in glossary_entries(catalog, None, lang) if e.identity == code]
