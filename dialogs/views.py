"""Reference views for volunteers: a region's identity table, one identity across regions,
the sources on file, and short answers to common questions. All figures come from the
calculator, so a table never disagrees with an answer.

Each view depends only on the catalog (loaded once, hashed by identity) and its arguments
(the collection window's first day stands in for "today"), so each is computed once per
process and shared: an identity table is ~27 quotes, and at a deadline volunteers ask for the
same few tables over and over. Callers must treat the results as read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from dialogs.flow import identities_of
from policies.catalog import Catalog, LoadedPolicy
from policies.engine import ORDINARY, quote
from policies.result import ListedItem, QuoteRequest, QuoteResult, Source, Status
from policies.schema import Subsidy


@dataclass(frozen=True)
class TableRow:
    identity: str  # canonical code, or "ordinary"
    label: str  # as the notice prints it
    due: list[Decimal | None]  # per tier (one entry where the region has no tiers)
    status: list[str]
    sources: list[Source]


@dataclass(frozen=True)
class IdentityTable:
    region: str
    region_name: str
    policy_year: int
    document: str
    window_label: dict[str, str]
    window_start: date
    window_end: date
    tiers: list[str]  # tier labels; empty where the region has none
    rows: list[TableRow]
    standards: list[Source] = field(default_factory=list)


def _collection(policy: LoadedPolicy) -> tuple[date, date, dict[str, str]]:
    window = next(w for w in policy.data.windows if w.kind == "collection")
    return window.start, window.end, window.label.model_dump()


def _birth_date_meeting(subsidy: Subsidy | None, day: date) -> date | None:
    """A birth date that meets the subsidy's first age range, to show its amount."""
    if subsidy is None or not subsidy.age:
        return None
    first = subsidy.age[0]
    years = first.min if first.min is not None else max(0, (first.max or 0) - 1)
    return day.replace(year=day.year - years - 1)


def _quote_row(
    catalog: Catalog, policy: LoadedPolicy, code: str, day: date, tiers: list[int | None]
) -> TableRow:
    data = policy.data
    subsidy = next((s for s in data.subsidies if s.identity == code), None)
    if subsidy is not None:
        label = subsidy.label
    else:
        label = catalog.identities[code].zh if code in catalog.identities else code
    dues: list[Decimal | None] = []
    statuses: list[str] = []
    sources: list[Source] = []
    for tier in tiers:
        result = quote(
            QuoteRequest(
                region=data.region.slug,
                identities=frozenset() if code == ORDINARY else frozenset({code}),
                payment_date=day,
                birth_date=_birth_date_meeting(subsidy, day),
                tier=tier,
            ),
            catalog,
        )
        dues.append(result.amount_due)
        statuses.append(result.status.value)
        if result.amount is not None:
            for source in result.amount.sources:
                if source not in sources and source.clause_id not in {
                    c for w in data.windows for c in w.clauses
                }:
                    sources.append(source)
    return TableRow(identity=code, label=label, due=dues, status=statuses, sources=sources)


@lru_cache(maxsize=256)
def identity_table(catalog: Catalog, region: str) -> IdentityTable:
    policy = catalog.latest(region)
    data = policy.data
    start, end, label = _collection(policy)
    tiers: list[int | None] = [t.number for t in data.tiers] or [None]
    rows = [_quote_row(catalog, policy, ORDINARY, start, tiers)]
    rows += [
        _quote_row(catalog, policy, code, start, tiers)
        for code in identities_of(catalog, region)
        if code != "newborn"
    ]
    return IdentityTable(
        region=region,
        region_name=data.region.name,
        policy_year=data.insurance_year,
        document=data.document.citation,
        window_label=label,
        window_start=start,
        window_end=end,
        tiers=[t.label for t in data.tiers],
        rows=rows,
    )


@dataclass(frozen=True)
class ComparisonRow:
    region: str
    region_name: str
    policy_year: int
    document: str
    label: str | None  # the group as this notice prints it; None: the notice does not name it
    due: list[Decimal | None]
    tiers: list[str]
    sources: list[Source]


@lru_cache(maxsize=256)
def compare_identity(catalog: Catalog, identity: str) -> list[ComparisonRow]:
    rows = []
    for region in catalog.regions():
        policy = catalog.latest(region)
        data = policy.data
        start, _, _ = _collection(policy)
        tiers: list[int | None] = [t.number for t in data.tiers] or [None]
        named = identity in identities_of(catalog, region) or identity == ORDINARY
        row = _quote_row(catalog, policy, identity, start, tiers)
        rows.append(
            ComparisonRow(
                region=region,
                region_name=data.region.name,
                policy_year=data.insurance_year,
                document=data.document.citation,
                label=row.label if named else None,
                due=row.due,
                tiers=[t.label for t in data.tiers],
                sources=row.sources,
            )
        )
    return rows


@dataclass(frozen=True)
class SourceEntry:
    region: str
    region_name: str
    province: str
    city: str
    admin_code: str
    policy_year: int
    citation: str
    title: str
    issued: date | None
    valid_until: date | None
    collection_start: date
    collection_end: date


@lru_cache(maxsize=16)
def sources_on_file(catalog: Catalog) -> list[SourceEntry]:
    entries = []
    for policy in sorted(catalog.policies, key=lambda p: (p.slug, p.data.insurance_year)):
        data = policy.data
        start, end, _ = _collection(policy)
        entries.append(
            SourceEntry(
                region=data.region.slug,
                region_name=data.region.name,
                province=data.region.province,
                city=data.region.city,
                admin_code=data.region.admin_code,
                policy_year=data.insurance_year,
                citation=data.document.citation,
                title=data.document.title,
                issued=data.document.date,
                valid_until=data.document.valid_until,
                collection_start=start,
                collection_end=end,
            )
        )
    return entries


FAQ_TOPICS = ("register", "newborn", "students", "refund", "channels", "contacts")


@dataclass(frozen=True)
class FaqAnswer:
    topic: str
    region: str
    region_name: str
    policy_year: int
    document: str
    items: list[ListedItem]  # the notice's own words, each with its source


def _clause_item(policy: LoadedPolicy, clause_id: str, source: Source) -> ListedItem:
    clause = policy.clauses[clause_id]
    return ListedItem(name=clause.label, detail=clause.quote, sources=[source])


@lru_cache(maxsize=256)
def faq(catalog: Catalog, region: str, topic: str) -> FaqAnswer:
    """The notice's own words on one common question (empty items: the notice is silent)."""
    policy = catalog.latest(region)
    data = policy.data
    probe: QuoteResult = quote(
        QuoteRequest(region=region, payment_date=_collection(policy)[0]), catalog
    )
    items: list[ListedItem] = []

    def cite(clause_id: str) -> None:
        source = Source(
            document=data.document.citation,
            clause_id=clause_id,
            clause_label=policy.clauses[clause_id].label,
            quote=policy.clauses[clause_id].quote,
        )
        item = _clause_item(policy, clause_id, source)
        if item not in items:
            items.append(item)

    if topic == "register":
        for step in data.registration:
            cite(step.clause)
    elif topic == "newborn" and data.newborn is not None:
        cite(data.newborn.within_clause)
        if data.newborn.after_clause:
            cite(data.newborn.after_clause)
        for step in data.registration:
            if "newborn" in step.audience:
                cite(step.clause)
    elif topic == "students":
        for standard in data.standards:
            if {"college_student", "school_student"} & set(standard.identities):
                cite(standard.clause)
        for step in data.registration:
            if {"college_student", "school_student"} & set(step.audience):
                cite(step.clause)
        for note_id in data.identity_notes.get("college_student", []):
            for note in data.notes:
                if note.id == note_id:
                    for clause_id in note.clauses:
                        if not clause_id.startswith("national:"):
                            cite(clause_id)
    elif topic == "refund":
        for clause_id in data.refunds:
            cite(clause_id)
    elif topic == "channels":
        items = list(probe.channels)
    elif topic == "contacts":
        items = list(probe.contacts)
    return FaqAnswer(
        topic=topic,
        region=region,
        region_name=data.region.name,
        policy_year=data.insurance_year,
        document=data.document.citation,
        items=items,
    )


def status_is_answer(result: QuoteResult) -> bool:
    return result.status in (Status.OK, Status.UNDETERMINED, Status.CLOSED)
