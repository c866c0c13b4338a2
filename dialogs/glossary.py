"""The glossary: what each identity category means, in the words of the notice that names it.

`glossary_entries(catalog, region, lang)` and `glossary_entry(catalog, region, code, lang)`
are what the dialog calls (a question about a term, "什么是低保边缘家庭？", `/glossary [term]`,
and the identity question's "not sure" button); render the list with the "dialog/glossary.j2"
block (`entries=`, `region=`).

For each group a region's notice names (`dialogs.flow.identities_of`, the calculator's list)
an entry holds the group as the notice prints it, every clause of the notice that lists or
defines it (quoted verbatim, cited by document and clause label), the figures the calculator
gives it (the very row of the region's identity table, so the glossary never disagrees with
/table or an answer), and what the national texts on file say about the term. They define
none of the categories (policies/documents/national-context.md quotes waiting-period, subsidy
and hotline rules only), so `national_sources` is empty today and the rendering says so
instead of inventing a definition. A region whose notice does not
name the group gets an entry with `named` false and the row saying whose price applies there
(a group it belongs to, or the ordinary standard). Without a region, the registry's names
stand, marked national (`national`).
"""

from __future__ import annotations

import re
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
    label: str  # as the notice prints it, or the registry's name
    region_name: str | None  # None: no region (the registry's name, national)
    sources: tuple[Source, ...]  # the notice's clauses naming the group, verbatim
    national: bool  # no regional wording: the registry's name stands
    region: str | None = None
    term: str = ""  # the registry's name (the same in every region)
    printed: tuple[str, ...] = ()  # every wording of the notice for it, where verbatim
    row: TableRow | None = None  # the figures, as the region's /table shows them
    named: bool = True  # False: this region's notice does not name the group
    policy_year: int | None = None
    document: str | None = None
    tiers: tuple[str, ...] = ()  # the figures' tiers, where the region has them
    national_sources: tuple[Source, ...] = ()  # national definitions on file (none today)


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
    # the rest of what makes a notice name a group (`policies.quote.person.named_identities`):
    # a registration step, a payment window or a note of its own
    for step in data.registration:
        if code in step.audience:
            add(None, step.clause)
    for window in data.windows:
        if code in (window.audience or []):
            for clause in window.clauses:
                add(None, clause)
    notes = {note.id: note for note in data.notes}
    for note_id in data.identity_notes.get(code, []):
        for clause in notes[note_id].clauses if note_id in notes else []:
            add(None, clause)
    return printed, [c for c in clauses if c in policy.clauses]


def _named_codes(catalog: Catalog, region: str) -> list[str]:
    data = catalog.latest(region).data
    # the groups with rules of their own, then those named only in the notice's scope
    named = set(identities_of(catalog, region)) | {s.identity for s in data.scope_identities}
    return [c for c in catalog.identities if c in named]


def _entry(catalog: Catalog, region: str, code: str) -> GlossaryEntry:
    policy = catalog.latest(region)
    data = policy.data
    printed, clause_ids = _naming(policy, code)
    term = catalog.identities[code].zh
    return GlossaryEntry(
        identity=code,
        label=printed[0] if printed else term,
        region_name=data.region.name,
        sources=tuple(_source(policy, c) for c in clause_ids),
        national=False,
        region=region,
        term=term,
        printed=tuple(printed),
        row=group_row(catalog, region, code),
        named=code in _named_codes(catalog, region),
        policy_year=data.insurance_year,
        document=data.document.citation,
        tiers=tuple(t.label for t in data.tiers),
    )


def _national(catalog: Catalog, code: str) -> GlossaryEntry:
    name = catalog.identities[code].zh
    return GlossaryEntry(
        identity=code, label=name, region_name=None, sources=(), national=True, term=name
    )


@lru_cache(maxsize=64)
def _entries(catalog: Catalog, region: str | None) -> tuple[GlossaryEntry, ...]:
    if region is None:
        return tuple(_national(catalog, code) for code in catalog.identities)
    return tuple(_entry(catalog, region, code) for code in _named_codes(catalog, region))


def glossary_entries(
    catalog: Catalog, region: str | None, lang: str
) -> tuple[GlossaryEntry, ...]:
    """Every group the region's notice names (the registry's names without a region).

    `lang` is accepted for the dialog's sake: the entries are data, the same in every
    language (the notice's words stay Chinese; the template translates the rest). The tuple
    is shared (read-only), so the render cache knows it by identity."""
    del lang
    return _entries(catalog, region)


@lru_cache(maxsize=256)
def _one(catalog: Catalog, region: str | None, code: str) -> tuple[GlossaryEntry, ...]:
    if region is not None and code in _named_codes(catalog, region):
        return (_entry(catalog, region, code),)
    naming = [r for r in catalog.regions() if code in _named_codes(catalog, r)]
    if not naming:
        return (_national(catalog, code),)
    others = [r for r in catalog.regions() if r not in naming]
    return tuple(_entry(catalog, r, code) for r in [*naming, *others])


def glossary_entry(
    catalog: Catalog, region: str | None, code: str, lang: str
) -> tuple[GlossaryEntry, ...]:
    """One group: the region's wording; without a region (or where the region's notice does
    not name it) every notice's wording of it, then the notices that do not name it with the
    price that applies there; the national name where no notice words it. Shared and
    read-only, as `glossary_entries`."""
    del lang
    return _one(catalog, region, code)
