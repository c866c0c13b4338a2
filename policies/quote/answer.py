"""The answer: which insurance year, then the rules of that year's notice in order."""

from __future__ import annotations

from decimal import Decimal

from policies import years
from policies.catalog import Catalog, LoadedPolicy, load_catalog
from policies.quote import coverage as coverage_rules
from policies.quote import deadline as deadline_rules
from policies.quote import lists, person, price
from policies.quote import window as window_rules
from policies.quote.context import Context, Quote, QuoteInputError, start, unique
from policies.quote.notes import NoteCode
from policies.result import Note, OtherInsuranceYear, QuoteRequest, QuoteResult, Status, trusted


def quote(request: QuoteRequest, catalog: Catalog | None = None) -> QuoteResult:
    """Answer one payment question from the policy data."""
    catalog = catalog or load_catalog()
    spans = years.spans(catalog, request.region)
    if not spans:
        raise QuoteInputError(
            f"unknown region: {request.region}", "unknown_region", region=request.region
        )
    identities = person.expand_identities(catalog, request.identities)
    if request.birth_date is not None and request.birth_date > request.payment_date:
        raise QuoteInputError("the birth date is after the payment date", "birth_after_payment")
    choice = years.choose(catalog, request, identities)
    if choice.policy is None:
        return _no_policy(catalog, request, identities, spans[-1].policy)
    result = answer(start(catalog, choice.policy, request, identities))
    notes: list[Note] = []
    others = [_other_year(catalog, p, request, identities) for p in choice.others]
    for other in others:
        notes.append(_other_year_note(other))
    span = years.span_of(catalog, choice.policy)
    if not span.next_on_file and span.next_collection_likely_open(request.payment_date):
        notes.append(_next_year_not_on_file(catalog, choice.policy, request))
    if not notes:
        return result
    return result.model_copy(
        update={"notes": [*result.notes, *notes], "other_insurance_years": others}
    )


def _no_policy(
    catalog: Catalog, request: QuoteRequest, identities: list[str], latest: LoadedPolicy
) -> QuoteResult:
    ctx = Context(catalog, latest)
    years = ", ".join(str(p.data.insurance_year) for p in catalog.policies_for(request.region))
    ctx.note(
        NoteCode.NO_POLICY_FOR_DATE,
        date=request.payment_date.isoformat(),
        years_on_file=years,
        office=latest.data.region.office,
    )
    return trusted(
        QuoteResult,
        status=Status.NO_POLICY,
        request=request,
        region=request.region,
        region_name=latest.data.region.name,
        policy_year=None,
        document=None,
        latest_policy_year=latest.data.insurance_year,
        office=latest.data.region.office,
        office_phone=latest.data.office_phone(),
        identities=identities,
        contacts=lists.contacts(ctx),
        notes=ctx.notes,
    )


def _other_year(
    catalog: Catalog, policy: LoadedPolicy, request: QuoteRequest, identities: list[str]
) -> OtherInsuranceYear:
    """What paying `policy`'s year on the same date would mean, in brief."""
    asked = request.model_copy(update={"insurance_year": policy.data.insurance_year})
    result = answer(start(catalog, policy, asked, identities))
    amount, deadline, coverage = result.amount, result.deadline, result.coverage
    return trusted(
        OtherInsuranceYear,
        year=policy.data.insurance_year,
        status=result.status,
        amount_due=amount.due if amount is not None else None,
        amount_lower_bound=amount.lower_bound if amount is not None else None,
        window_id=deadline.window_id if deadline is not None else None,
        window_label=deadline.window_label if deadline is not None else None,
        deadline=deadline.date if deadline is not None else None,
        coverage_start=coverage.start if coverage is not None else None,
        coverage_end=coverage.end if coverage is not None else None,
        buys_cover=coverage is not None
        and (coverage.start is not None or coverage.rule == "from_event"),
        sources=(coverage.sources if coverage is not None else []) or result.sources[:1],
    )


def _other_year_note(other: OtherInsuranceYear) -> Note:
    return trusted(
        Note,
        code=NoteCode.OTHER_INSURANCE_YEAR.value,
        params={
            "year": str(other.year),
            "amount": str(other.amount_due) if other.amount_due is not None else "",
            "at_least": str(other.amount_lower_bound)
            if other.amount_lower_bound is not None
            else "",
            "start": other.coverage_start.isoformat() if other.coverage_start else "",
            "end": other.coverage_end.isoformat() if other.coverage_end else "",
            "no_cover": "" if other.buys_cover else "yes",
        },
        sources=other.sources,
    )


def _next_year_not_on_file(catalog: Catalog, policy: LoadedPolicy, request: QuoteRequest) -> Note:
    ctx = Context(catalog, policy)
    collection = [w for w in policy.data.windows if w.kind == "collection"]
    clauses = collection[0].clauses[:1] if collection else []
    return trusted(
        Note,
        code=NoteCode.NEXT_YEAR_NOT_ON_FILE.value,
        params={
            "year": str(policy.data.insurance_year),
            "next_year": str(policy.data.insurance_year + 1),
            "date": request.payment_date.isoformat(),
            "office": policy.data.region.office,
        },
        sources=ctx.sources(*clauses),
    )


def _identity_notes(q: Quote, newborn_within: bool | None) -> None:
    """What the notice says of each identity, and which identities it does not name."""
    data = q.data
    for identity in q.identities:
        for note_id in data.identity_notes.get(identity, []):
            q.ctx.data_note(note_id)
        if identity in q.request.identities and not person.named_here(q, identity):
            q.ctx.note(NoteCode.IDENTITY_NOT_IN_NOTICE, identity=identity)
        if not person.named_here(q, identity):
            for note_id in data.unnamed_identity_notes.get(identity, []):
                q.ctx.data_note(note_id)
        for scope in data.scope_identities:
            if scope.identity == identity and identity in q.request.identities:
                q.ctx.note(NoteCode.SAME_AS_ORDINARY, scope.clause, group=scope.label)
    for note_id in data.general_notes:
        q.ctx.data_note(note_id)
    if "newborn" in q.identities and newborn_within is None and data.newborn is None:
        q.ctx.note(NoteCode.IDENTITY_NOT_IN_NOTICE, identity="newborn")


def answer(q: Quote) -> QuoteResult:
    data = q.data
    # Rules that do not depend on the day itself, only on what their key names (the age
    # stands for the birth date), are worked out once per notice and key (`remembered`).
    people = (tuple(q.identities), q.age, q.age_range)
    tier = q.ctx.remembered(("tier", q.request.tier, *people), lambda: person.tier(q))
    closure = data.closure
    newborn_within = person.newborn_within(q)
    base = {
        "request": q.request,
        "region": data.region.slug,
        "region_name": data.region.name,
        "policy_year": data.insurance_year,
        "document": data.document.citation,
        "document_title": data.document.title,
        "tier": tier,
        "tier_label": next((t.label for t in data.tiers if t.number == tier), None),
        "identities": q.identities,
        "office": data.region.office,
        "office_phone": data.office_phone(),
    }
    if closure is not None and q.day >= closure.from_date and not newborn_within:
        q.ctx.note(NoteCode.CLOSED, closure.clause, date=closure.from_date.isoformat())
        return trusted(
            QuoteResult,
            status=Status.CLOSED,
            **base,
            contacts=lists.contacts(q.ctx),
            notes=q.ctx.notes,
            sources=q.ctx.sources(closure.clause),
        )
    window = window_rules.choose(q, newborn_within)
    special = window_rules.special_case(q, window)
    q.paid_by_institution = (
        special is not None and special.personal_due_outside_collection == "nothing"
    )
    at_personal = bool(newborn_within) or special is not None
    amount, determined = q.ctx.remembered(
        ("price", id(window), tier, at_personal, q.paid_by_institution, *people),
        lambda: price.price(q, window, tier, at_personal),
    )
    if q.paid_by_institution:
        amount = amount.model_copy(
            update={"due": Decimal(0), "known_part": None, "total_due": Decimal(0)}
        )
        determined = True
    deadline = deadline_rules.deadline(q, window, newborn_within)
    coverage, waiting = coverage_rules.coverage_and_waiting(q, window, newborn_within, special)
    coverage = coverage_rules.not_before_birth(q, coverage)
    amount = price.with_back_payment(q, amount, tier, waiting)
    q.ctx.remembered(
        ("identity notes", people[0], q.request.identities, newborn_within is None),
        lambda: _identity_notes(q, newborn_within),
    )
    status = Status.OK if determined else Status.UNDETERMINED
    all_sources = unique(
        amount.sources
        + deadline.sources
        + coverage.sources
        + waiting.sources
        + [s for note in q.ctx.notes for s in note.sources]
    )
    return trusted(
        QuoteResult,
        status=status,
        **base,
        amount=amount,
        deadline=deadline,
        coverage=coverage,
        waiting=waiting,
        registration=lists.registration(q),
        channels=lists.channels(q),
        contacts=lists.contacts(q.ctx),
        refunds=lists.refunds(q),
        notes=q.ctx.notes,
        needs=q.ctx.needs,
        sources=all_sources,
    )
