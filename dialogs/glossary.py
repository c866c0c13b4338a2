"""The glossary: what each identity category a notice names means there, in its own words.

For every group a region's notice names (`dialogs.flow.identities_of`, and the groups it names
only in its scope of enrolment), an entry holds the
group as the notice prints it, every clause of the notice that lists or defines it (quoted
verbatim, cited by document and clause label), the figures the calculator gives it (the very
row of the region's identity table, so the glossary can never disagree with /table or an
answer), and what the national texts on file say about the term. They define none of the
categories (policies/documents/national-context.md quotes waiting-period, subsidy and
hotline rules only), so `national` is empty for every entry today and the rendering says so
instead of inventing a definition; a national definition would be a Source marked national.

Public API:
    glossary_entries(catalog, region, identities=None) -> Glossary
        every group of the region's notice (or only `identities`), data only, any language
    glossary_across_regions(catalog, identity) -> list[Glossary]
        one group in every region on file that names it (a term asked without a region)
    regions_not_naming(catalog, identity) -> tuple[tuple[str, TableRow], ...]
        the regions whose notice does not name it, with the price that applies there
Render a Glossary with the "dialog/glossary.j2" block (`glossary=`); the dialog offers it as
the identity question's "not sure" answer, and for /glossary and questions about a term.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from dialogs.flow import identities_of
from dialogs.views import TableRow, group_row
from policies.catalog import Catalog, LoadedPolicy
from policies.result import Source

_SPACE = re.compile(r"\s+")  # the notices' texts space digits ("伤残程度 1-2 级"); labels do not


@dataclass(frozen=True)
class GlossaryEntry:
    identity: str  # canonical code
    term: str  # the registry's name (the same in every region)
    printed: tuple[str, ...]  # the group as this notice prints it (one or more wordings)
    clauses: tuple[Source, ...]  # the notice's clauses naming the group, verbatim
    row: TableRow  # the figures, exactly as the region's /table shows them
    national: tuple[Source, ...] = ()  # national definitions on file (none today)


@dataclass(frozen=True)
class Glossary:
    region: str
    region_name: str
    policy_year: int
    document: str
    entries: tuple[GlossaryEntry, ...]
    tiers: tuple[str, ...] = ()  # the figures' tiers, where the region has them

    @property
    def clauses(self) -> tuple[Source, ...]:
        """Every clause the entries cite, once each, in the order first cited."""
        seen: dict[tuple[str, str], Source] = {}
        for entry in self.entries:
            for source in entry.clauses:
                seen.setdefault((source.clause_id, source.quote), source)
        return tuple(seen.values())


def _source(policy: LoadedPolicy, clause_id: str) -> Source:
    clause = policy.clauses[clause_id]
    return Source(
        document=policy.data.document.citation,
        clause_id=clause_id,
        clause_label=clause.label,
        quote=clause.quote,
    )


def _naming(policy: LoadedPolicy, code: str) -> tuple[list[str], list[str]]:
    """(wordings as printed, clause ids) of every rule of the notice that names the group."""
    data = policy.data
    printed: list[str] = []
    clauses: list[str] = []

    def add(label: str | None, clause: str) -> None:
        # "as printed" only when it is: a few data labels are summaries (双清区's
        # 儿童福利机构接收的儿童（经民政部门认定为重点保障对象的）), not the notice's words
        verbatim = label and _SPACE.sub("", label) in _SPACE.sub("", policy.clauses[clause].quote)
        if label and verbatim and label not in printed:
            printed.append(label)
        if clause not in clauses:
            clauses.append(clause)

    for subsidy in data.subsidies:
        if subsidy.identity == code:
            add(subsidy.label, subsidy.clause)
    for special in data.special_cases:
        if special.identity == code:
            add(special.label, special.clause)
    for scope in data.scope_identities:
        if scope.identity == code:
            add(scope.label, scope.clause)
    for standard in data.standards:
        if code in standard.identities:
            add(None, standard.clause)
    for override in data.coverage_overrides:
        if override.identity == code:
            add(None, override.clause)
    if code == "newborn" and data.newborn is not None:
        add(None, data.newborn.within_clause)
    return printed, clauses


def _entries(catalog: Catalog, region: str, codes: Iterable[str]) -> tuple[GlossaryEntry, ...]:
    policy = catalog.latest(region)
    entries = []
    for code in codes:
        printed, clause_ids = _naming(policy, code)
        entries.append(
            GlossaryEntry(
                identity=code,
                term=catalog.identities[code].zh,
                printed=tuple(printed),
                clauses=tuple(_source(policy, c) for c in clause_ids),
                row=group_row(catalog, region, code),
            )
        )
    return tuple(entries)


@lru_cache(maxsize=256)
def glossary_entries(
    catalog: Catalog, region: str, identities: tuple[str, ...] | None = None
) -> Glossary:
    """The region's glossary: every group its notice names, or only `identities` (in the
    registry's order; a group the notice does not name has no entry)."""
    data = catalog.latest(region).data
    # the groups with rules of their own, then those named only in the notice's scope
    named = set(identities_of(catalog, region)) | {s.identity for s in data.scope_identities}
    ordered = [c for c in catalog.identities if c in named]
    codes = ordered if identities is None else [c for c in ordered if c in identities]
    return Glossary(
        region=region,
        region_name=data.region.name,
        policy_year=data.insurance_year,
        document=data.document.citation,
        entries=_entries(catalog, region, codes),
        tiers=tuple(t.label for t in data.tiers),
    )


@lru_cache(maxsize=256)
def glossary_across_regions(catalog: Catalog, identity: str) -> list[Glossary]:
    """One group's entry in every region whose notice names it."""
    out = []
    for region in catalog.regions():
        glossary = glossary_entries(catalog, region, (identity,))
        if glossary.entries:
            out.append(glossary)
    return out


@lru_cache(maxsize=256)
def regions_not_naming(catalog: Catalog, identity: str) -> tuple[tuple[str, TableRow], ...]:
    """(region name, row) for each region whose notice does not name the group: the row says
    whose price applies there (a group it belongs to, or the ordinary standard)."""
    return tuple(
        (catalog.latest(region).data.region.name, group_row(catalog, region, identity))
        for region in catalog.regions()
        if not glossary_entries(catalog, region, (identity,)).entries
    )
