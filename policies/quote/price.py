"""The price: the standard, each subsidy, the rule for several identities, the fiscal
subsidy a late window adds (the national figure where the notice defers to it), and back-payment."""

from __future__ import annotations

from decimal import Decimal

from policies.quote import person
from policies.quote.context import Quote, money, unique
from policies.quote.notes import NoteCode
from policies.result import Amount, BackPayment, SubsidyLine, Waiting, trusted
from policies.schema import Price, Standard, Subsidy, SubsidyKind, Window


def _clause_of(line: SubsidyLine) -> str | None:
    return line.sources[0].clause_id if line.sources else None


def standard_for(q: Quote, tier: int | None) -> Standard:
    general = [s for s in q.data.standards if s.tier == tier]
    for standard in general:
        if standard.identities and any(i in standard.identities for i in q.identities):
            return standard
    return next(s for s in general if not s.identities)


def general_standard(q: Quote, tier: int | None) -> Standard:
    return next(s for s in q.data.standards if s.tier == tier and not s.identities)


def subsidy_amount(
    q: Quote, subsidy: Subsidy, standard: Decimal, tier: int | None
) -> Decimal | None:
    if subsidy.kind is SubsidyKind.FULL:
        return standard
    if subsidy.kind is SubsidyKind.FIXED:
        assert subsidy.amount is not None
        return min(subsidy.amount, standard)
    if subsidy.kind is SubsidyKind.PERCENT:
        assert subsidy.percent is not None
        base = general_standard(q, tier).amount
        return min(money(base * subsidy.percent / 100), standard)
    return None


def subsidies(
    q: Quote, standard: Decimal, tier: int | None
) -> tuple[list[SubsidyLine], list[tuple[str, ...]]]:
    """Each subsidy the person's groups get here, with the data notes it carries (said only
    when that subsidy decides the amount: see `price`)."""
    lines: list[SubsidyLine] = []
    line_notes: list[tuple[str, ...]] = []
    for subsidy in q.data.subsidies:
        if subsidy.identity not in q.identities:
            continue
        if subsidy.tiers is not None and tier not in subsidy.tiers:
            continue
        age_ok = person.age_ok(q, subsidy)
        if age_ok is False:
            q.ctx.note(NoteCode.SUBSIDY_AGE_NOT_MET, subsidy.clause, group=subsidy.label)
            continue
        amount: Decimal | None = None
        if age_ok is None:
            # Unknown age leaves the amount open rather than silently denying the subsidy.
            q.ctx.need("birth_date")
            q.ctx.note(NoteCode.SUBSIDY_NEEDS_AGE, subsidy.clause, group=subsidy.label)
        else:
            amount = subsidy_amount(q, subsidy, standard, tier)
            if amount is None and not q.paid_by_institution and not subsidy.notes:
                q.ctx.note(NoteCode.SUBSIDY_AMOUNT_NOT_STATED, subsidy.clause, group=subsidy.label)
        lines.append(
            trusted(
                SubsidyLine,
                identity=subsidy.identity,
                label=subsidy.label,
                amount=amount,
                percent=subsidy.percent,
                sources=q.ctx.sources(subsidy.clause),
            )
        )
        line_notes.append(tuple(subsidy.notes) if age_ok is not None else ())
    return lines, line_notes


def combined(q: Quote, lines: list[SubsidyLine], standard: Decimal) -> Decimal | None:
    """The subsidy actually applied, or None when the notice leaves it open."""
    if not lines:
        return Decimal(0)
    known = [line.amount for line in lines if line.amount is not None]
    highest = max(known, default=Decimal(0))
    if highest >= standard:
        return standard  # a full subsidy settles it whatever else applies
    if len(known) < len(lines):
        return None
    rule = q.data.combination
    one_sentence = len({(line.amount, _clause_of(line)) for line in lines}) == 1
    if len(lines) > 1 and rule.rule == "not_stated":
        # One sentence giving several groups the same amount is one subsidy, not several
        # to add up (双清 三(五)1(1) 低保 and 低保边缘: 200); different sentences may stack.
        if not one_sentence and min(sum(known, Decimal(0)), standard) != highest:
            q.ctx.note(NoteCode.COMBINATION_NOT_STATED, office=q.data.region.office)
            return None
    elif len(lines) > 1:
        q.ctx.note(NoteCode.COMBINATION_HIGHEST, rule.clause)
    return highest


def price(
    q: Quote, window: Window, tier: int | None, at_personal_standard: bool
) -> tuple[Amount, bool]:
    """The price; the flag says whether the amount is determined."""
    standard = standard_for(q, tier)
    lines, line_notes = subsidies(q, standard.amount, tier)
    applied: Decimal | None = Decimal(0)
    # The notices say special cases pay "the personal standard" but not whether hardship
    # subsidies still apply outside the window, so the window's own rule decides.
    subsidies_apply = window.subsidies_apply
    if lines and subsidies_apply == "yes":
        applied = combined(q, lines, standard.amount)
    elif lines and subsidies_apply == "not_stated":
        q.ctx.note(NoteCode.SUBSIDIES_IN_WINDOW_NOT_STATED, *window.clauses)
        applied = None
    elif lines:
        q.ctx.note(NoteCode.SUBSIDIES_NOT_IN_WINDOW, *window.clauses)
    for line, notes in zip(lines, line_notes, strict=True):
        # A subsidy's own sentences (乌拉特前旗 单纯低保户 "个人缴纳的200元…") belong to the
        # answers it decides, or leaves open; not to one another subsidy settles (二(二)6).
        deciding = subsidies_apply == "yes" and (
            applied is None or line.amount is None or line.amount == applied
        )
        if deciding or subsidies_apply == "not_stated":
            for note_id in notes:
                q.ctx.data_note(note_id)
    fiscal = q.data.fiscal_subsidy
    surcharge_needed = window.price is Price.PERSONAL_PLUS_FISCAL and not at_personal_standard
    fiscal_amount: Decimal | None = None
    fiscal_clauses: list[str | None] = []
    lower_bound: Decimal | None = None
    basis = "county"
    sources = q.ctx.sources(standard.clause, *window.clauses)
    if not window.price_stated and not at_personal_standard:
        q.ctx.note(NoteCode.WINDOW_PRICE_NOT_STATED, *window.clauses, office=q.data.region.office)
    determined = applied is not None
    if surcharge_needed:
        assert fiscal is not None, "a late price with a surcharge needs fiscal_subsidy data"
        fiscal_clauses = [fiscal.clause]
        year = str(q.data.insurance_year)
        national = (
            q.ctx.catalog.national.fiscal_subsidy(q.data.insurance_year)
            if fiscal.amount is None and fiscal.national is not None
            else None
        )
        if fiscal.amount is not None:
            fiscal_amount = fiscal.amount
        elif national is not None and fiscal.national == "follows":
            # "按照国家规定执行": the national standard is the figure, marked as national.
            fiscal_amount = national.minimum
            basis = "national"
            fiscal_clauses.append(national.clause)
            q.ctx.note(
                NoteCode.FISCAL_SUBSIDY_NATIONAL,
                fiscal.clause,
                national.clause,
                year=year,
                amount=str(national.minimum),
            )
        elif national is not None:
            # The county fixes its own figure, unpublished: the national minimum bounds it.
            basis = "national"
            fiscal_clauses.append(national.clause)
            if applied is not None:
                lower_bound = standard.amount - applied + national.minimum
            q.ctx.note(
                NoteCode.FISCAL_SUBSIDY_NATIONAL_MINIMUM,
                fiscal.clause,
                national.clause,
                year=year,
                minimum=str(national.minimum),
                at_least=str(lower_bound) if lower_bound is not None else "",
                office=q.data.region.office,
            )
            determined = False
        else:
            q.ctx.note(
                NoteCode.FISCAL_SUBSIDY_NOT_STATED,
                fiscal.clause,
                year=year,
                office=q.data.region.office,
            )
            determined = False
        sources += q.ctx.sources(*fiscal_clauses)
    due: Decimal | None = None
    known_part: Decimal | None = None
    if determined:
        assert applied is not None
        due = standard.amount - applied + (fiscal_amount or Decimal(0))
    elif applied is not None:
        known_part = standard.amount - applied
    amount = trusted(
        Amount,
        standard=standard.amount,
        standard_sources=q.ctx.sources(standard.clause),
        fiscal_subsidy=fiscal_amount,
        fiscal_subsidy_included=surcharge_needed,
        fiscal_sources=q.ctx.sources(*fiscal_clauses),
        lower_bound=lower_bound,
        basis=basis,
        total_due=due,
        subsidies=lines,
        subsidy_applied=applied
        if lines and subsidies_apply == "yes"
        else (None if lines and subsidies_apply == "not_stated" else Decimal(0)),
        due=due,
        known_part=known_part,
        sources=unique(sources + [s for line in lines for s in line.sources]),
    )
    return amount, determined


def with_back_payment(q: Quote, amount: Amount, tier: int | None, waiting: Waiting) -> Amount:
    """This year's contribution plus the back-paid years that shorten the waiting period."""
    rules = q.data.waiting
    if not waiting.repaired_months or not rules.repair_months_per_year_paid:
        return amount
    years = -(-waiting.repaired_months // rules.repair_months_per_year_paid)
    per_year = standard_for(q, tier).amount
    sources = q.ctx.sources(rules.repair_price_clause, rules.repair_clause)
    priced_by = sources[0] if sources else None
    confidence = (priced_by.confidence or "high") if priced_by is not None else "high"
    back = trusted(
        BackPayment,
        years=years,
        per_year=per_year,
        amount=per_year * years,
        confidence=confidence,
        sources=sources,
    )
    total = amount.due + back.amount if amount.due is not None else None
    q.ctx.note(
        NoteCode.BACK_PAYMENT,
        rules.repair_price_clause,
        years=str(years),
        per_year=str(per_year),
        amount=str(back.amount),
        due=str(amount.due) if amount.due is not None else "",
        total=str(total) if total is not None else "",
        confidence=confidence,
        basis="national" if priced_by is not None and priced_by.national else "county",
    )
    return amount.model_copy(
        update={
            "back_payment": back,
            "total_due": total,
            "sources": unique(amount.sources + sources),
        }
    )
