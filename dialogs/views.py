"""Reference views for volunteers: a region's identity table, one identity across regions,
the sources on file, and short answers to common questions. All figures come from the
calculator, so a table never disagrees with an answer.

Each view depends only on the catalog (loaded once, hashed by identity) and its arguments
(the collection window's first day stands in for "today"), so each is computed once per
process and shared: an identity table is ~27 quotes, and at a deadline volunteers ask for the
same few tables over and over. Callers must treat the results as read-only; the lists of
rows and entries are tuples, so the dialog's render cache finds a view it has rendered by
identity instead of comparing it by value (dialogs.render).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Final

from dialogs.flow import identities_of
from dialogs.quotes import quote_once
from policies.catalog import Catalog, LoadedPolicy
from policies.engine import ORDINARY, QuoteInputError, expand_identities, quote
from policies.result import ListedItem, QuoteRequest, QuoteResult, Source, Status


@dataclass(frozen=True)
class AgeBand:
    """Ages in full years (周岁) on the payment date, bounds inclusive, as the notice sets them."""

    min: int | None
    max: int | None


@dataclass(frozen=True)
class Condition:
    """For whom a figure holds. `kind`: "age" (any of `bands`), "other_ages" (none of the
    row's bands), "newborn" (paid within `days` of birth)."""

    kind: str
    bands: tuple[AgeBand, ...] = ()
    days: int | None = None


@dataclass(frozen=True)
class Case:
    """One figure of a row: the calculator's answer, per tier, to explicit requests."""

    condition: Condition | None  # None: the figure holds for the whole group
    due: tuple[Decimal | None, ...]  # per tier (one entry where the region has no tiers)
    status: tuple[str, ...]
    requests: tuple[QuoteRequest, ...]  # what quote() was asked, per tier


@dataclass(frozen=True)
class TableRow:
    identity: str  # canonical code, or "ordinary"
    label: str  # as the notice prints it; the registry's name where the row is split by age
    # "ordinary": ordinary residents; "named": the notice names the group; "implied": it does
    # not, but names a group this one belongs to (`via`), whose price applies; "not_listed":
    # it names neither, so the region's ordinary standard applies
    basis: str
    cases: tuple[Case, ...]
    sources: tuple[Source, ...]
    via: tuple[str, ...] = ()
    # Where the notice does not name the group: what it says to such a person all the same
    # (`unnamed_identity_notes`, per language: 昌图's 重点优抚对象 for a 烈士遗属), as the
    # answer's notes say it.
    notes: tuple[tuple[tuple[str, str], ...], ...] = ()

    @property
    def due(self) -> list[Decimal | None]:
        """The first case's figures per tier (the whole group's, where there is one case)."""
        return list(self.cases[0].due)


@dataclass(frozen=True)
class IdentityTable:
    region: str
    region_name: str
    policy_year: int
    document: str
    window_label: dict[str, str]
    window_start: date
    window_end: date | None  # None: the notice gives no last day (乌拉特前旗 三)
    tiers: list[str]  # tier labels; empty where the region has none
    rows: list[TableRow]
    standards: list[Source] = field(default_factory=list)


def _collection(policy: LoadedPolicy) -> tuple[date, date, dict[str, str]]:
    window = next(w for w in policy.data.windows if w.kind == "collection")
    return window.start, window.end, window.label.model_dump()


def _born(day: date, age: int) -> date:
    """A birth date making the person exactly `age` full years old on `day`."""
    try:
        return day.replace(year=day.year - age)
    except ValueError:  # 29 Feb
        return day.replace(year=day.year - age, day=28)


def _in_band(age: int, band: AgeBand) -> bool:
    return (band.min is None or age >= band.min) and (band.max is None or age <= band.max)


def _bands(catalog: Catalog, policy: LoadedPolicy, code: str) -> tuple[AgeBand, ...]:
    """The age conditions of every subsidy this group (or a group it belongs to) gets here."""
    people = set(expand_identities(catalog, frozenset({code}))) if code != ORDINARY else set()
    bands: dict[AgeBand, None] = {}
    for subsidy in policy.data.subsidies:
        if subsidy.identity in people and subsidy.age:
            for band in subsidy.age:
                bands.setdefault(AgeBand(band.min, band.max), None)
    return tuple(bands)


def _probes(
    policy: LoadedPolicy, code: str, bands: tuple[AgeBand, ...], day: date
) -> list[tuple[Condition | None, date, date | None]]:
    """(condition, payment date, birth date) for each figure the row must show."""
    newborn = policy.data.newborn
    if code == "newborn":
        # born in the insurance year, paying within the time limit: the case the rules are for
        birth = policy.data.coverage_start + timedelta(days=14)
        days = newborn.days if newborn is not None else None
        return [(Condition("newborn", days=days), birth + timedelta(days=10), birth)]
    if not bands:
        return [(None, day, None)]
    probes: list[tuple[Condition | None, date, date | None]] = []
    for band in bands:
        age = band.min if band.min is not None else max(0, band.max or 0)
        probes.append((Condition("age", bands=(band,)), day, _born(day, age)))
    other = next((a for a in range(0, 121) if not any(_in_band(a, b) for b in bands)), None)
    if other is not None:
        probes.append((Condition("other_ages", bands=bands), day, _born(day, other)))
    return probes


def _merge(cases: list[Case]) -> tuple[Case, ...]:
    """Age bands with the same figures become one case; one figure for all needs no condition."""
    merged: list[Case] = []
    for case in cases:
        same = next((m for m in merged if m.due == case.due and m.status == case.status), None)
        if (
            same is not None
            and same.condition is not None
            and case.condition is not None
            and same.condition.kind == case.condition.kind == "age"
        ):
            condition = Condition("age", bands=same.condition.bands + case.condition.bands)
            merged[merged.index(same)] = Case(condition, same.due, same.status, same.requests)
        else:
            merged.append(case)
    if len(merged) > 1 and len({(c.due, c.status) for c in merged}) == 1:
        first = merged[0]
        return (Case(None, first.due, first.status, first.requests),)
    return tuple(merged)


def _quote_row(
    catalog: Catalog, policy: LoadedPolicy, code: str, day: date, tiers: list[int | None]
) -> TableRow:
    """One group's figures: quote() for each tier and each side of every age condition."""
    data = policy.data
    named = identities_of(catalog, data.region.slug)
    subsidy = next((s for s in data.subsidies if s.identity == code), None)
    bands = _bands(catalog, policy, code)
    window_clauses = {c for w in data.windows for c in w.clauses}
    cases: list[Case] = []
    sources: list[Source] = []
    for condition, payment, birth in _probes(policy, code, bands, day):
        dues: list[Decimal | None] = []
        statuses: list[str] = []
        requests: list[QuoteRequest] = []
        for tier in tiers:
            request = QuoteRequest(
                region=data.region.slug,
                identities=frozenset() if code == ORDINARY else frozenset({code}),
                payment_date=payment,
                birth_date=birth,
                tier=tier,
            )
            result = quote(request, catalog)
            dues.append(result.amount_due)
            statuses.append(result.status.value)
            requests.append(request)
            if result.amount is not None:
                for source in result.amount.sources:
                    if source not in sources and source.clause_id not in window_clauses:
                        sources.append(source)
        cases.append(Case(condition, tuple(dues), tuple(statuses), tuple(requests)))
    via: tuple[str, ...] = ()
    if code == ORDINARY:
        basis = "ordinary"
    elif code in named:
        basis = "named"
    else:
        implied = [i for i in expand_identities(catalog, frozenset({code})) if i != code]
        via = tuple(_label_in(catalog, policy, i) for i in implied if i in named)
        basis = "implied" if via else "not_listed"
    merged = _merge(cases)
    notes: tuple[tuple[tuple[str, str], ...], ...] = ()
    if basis in ("implied", "not_listed"):
        texts = {n.id: n.text for n in data.notes}
        ids = [
            note_id
            for i in expand_identities(catalog, frozenset({code}))
            if i not in named
            for note_id in data.unnamed_identity_notes.get(i, [])
        ]
        notes = tuple(tuple(texts[n].model_dump().items()) for n in dict.fromkeys(ids))
    if subsidy is not None and len(merged) == 1:
        label = subsidy.label
    else:
        label = catalog.identities[code].zh if code in catalog.identities else code
    return TableRow(
        identity=code,
        label=label,
        basis=basis,
        cases=merged,
        sources=tuple(sources),
        via=via,
        notes=notes,
    )


def _label_in(catalog: Catalog, policy: LoadedPolicy, code: str) -> str:
    """The group as this notice prints it, or the registry's name."""
    for subsidy in policy.data.subsidies:
        if subsidy.identity == code:
            return subsidy.label
    return catalog.identities[code].zh


@lru_cache(maxsize=256)
def identity_table(catalog: Catalog, region: str) -> IdentityTable:
    """Every group the region's notice names, ordinary residents first and newborns last."""
    policy = catalog.latest(region)
    data = policy.data
    start, end, label = _collection(policy)
    stated = next(w for w in data.windows if w.kind == "collection").end_stated
    tiers: list[int | None] = [t.number for t in data.tiers] or [None]
    codes = [ORDINARY, *[c for c in identities_of(catalog, region) if c != "newborn"]]
    if data.newborn is not None:
        codes.append("newborn")
    return IdentityTable(
        region=region,
        region_name=data.region.name,
        policy_year=data.insurance_year,
        document=data.document.citation,
        window_label=label,
        window_start=start,
        window_end=end if stated else None,
        tiers=[t.label for t in data.tiers],
        rows=[_quote_row(catalog, policy, code, start, tiers) for code in codes],
    )


@lru_cache(maxsize=1024)
def group_row(catalog: Catalog, region: str, code: str) -> TableRow:
    """One group's row as the region's table would show it (also for groups the table leaves
    out, such as those a notice names only in its scope)."""
    for row in identity_table(catalog, region).rows:
        if row.identity == code:
            return row
    policy = catalog.latest(region)
    start, _, _ = _collection(policy)
    tiers: list[int | None] = [t.number for t in policy.data.tiers] or [None]
    return _quote_row(catalog, policy, code, start, tiers)


@dataclass(frozen=True)
class ComparisonRow:
    region: str
    region_name: str
    policy_year: int
    document: str
    row: TableRow
    tiers: list[str]

    @property
    def label(self) -> str | None:
        """The group as this notice prints it; None: the notice does not name it."""
        return self.row.label if self.row.basis in ("named", "ordinary") else None

    @property
    def due(self) -> list[Decimal | None]:
        return self.row.due

    @property
    def sources(self) -> tuple[Source, ...]:
        return self.row.sources


COMPARABLE_EXTRA: Final = (ORDINARY, "newborn")  # offered by /compare besides the subsidised


@lru_cache(maxsize=256)
def compare_identity(catalog: Catalog, identity: str) -> tuple[ComparisonRow, ...]:
    """One group (or "ordinary") across every region on file, each in its collection period."""
    rows = []
    for region in catalog.regions():
        policy = catalog.latest(region)
        data = policy.data
        start, _, _ = _collection(policy)
        tiers: list[int | None] = [t.number for t in data.tiers] or [None]
        rows.append(
            ComparisonRow(
                region=region,
                region_name=data.region.name,
                policy_year=data.insurance_year,
                document=data.document.citation,
                row=_quote_row(catalog, policy, identity, start, tiers),
                tiers=[t.label for t in data.tiers],
            )
        )
    return tuple(rows)


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
def sources_on_file(catalog: Catalog) -> tuple[SourceEntry, ...]:
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
    return tuple(entries)


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
        for scope in data.scope_identities:  # who may enrol, and where: 科左后旗 二(一)
            if scope.identity in ("college_student", "school_student"):
                cite(scope.clause)
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


def reference_day(policy: LoadedPolicy, day: date) -> date | None:
    """The day in the latest notice's year that plays the role `day` plays in its own year.

    Autumn dates are collection-period dates for the next year, so a shift that lands in the
    collection window wins over one that lands in the late part of the year.
    """
    first = policy.first_payment_day
    last = policy.data.coverage_end
    candidates = []
    for years in range(-60, 61):
        shifted = _shift_years(day, years)
        if first <= shifted <= last:
            candidates.append(shifted)
    if not candidates:
        return None
    collection = [w for w in policy.data.windows if w.kind == "collection"]
    for shifted in candidates:
        if any(w.start <= shifted <= w.end for w in collection):
            return shifted
    return candidates[0]


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 Feb in a common year
        return day.replace(year=day.year + years, day=28)


def reference_for(catalog: Catalog, result: QuoteResult) -> QuoteResult | None:
    """For a no_policy answer: the same question under the latest notice on file, on the day
    that plays the same role in its year (None when no day does, or the question cannot be
    asked there). A newborn's answer hinges on the days since birth, so the birth date moves
    with the payment date; the reference's intro says so (dialog/reference_answer.j2)."""
    request = result.request
    latest = catalog.latest(result.region)
    shifted = reference_day(latest, request.payment_date)
    if shifted is None:
        return None
    birth = request.birth_date
    if birth is not None and "newborn" in request.identities:
        birth = _shift_years(birth, shifted.year - request.payment_date.year)
    moved = request.model_copy(update={"payment_date": shifted, "birth_date": birth})
    try:
        return quote_once(catalog, moved)
    except QuoteInputError:
        return None


def status_is_answer(result: QuoteResult) -> bool:
    return result.status in (Status.OK, Status.UNDETERMINED, Status.CLOSED)
