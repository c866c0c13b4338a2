"""The policy calculator: one function, `quote`, over the cited policy data.

Reading order: find the notice that governs the payment date, pick the payment window for the
person, price it (standard, subsidies, late surcharge), then coverage and waiting period, then
the lists (registration, channels, contacts). Every part carries the sources it rests on; where
the notice is silent the part says so through a Note instead of guessing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from policies import years
from policies.catalog import NATIONAL_PREFIX, Catalog, LoadedPolicy, load_catalog
from policies.periods import Duration, age_on, first_of_next_month
from policies.result import (
    AfterDeadline,
    Amount,
    BackPayment,
    Coverage,
    Deadline,
    ListedItem,
    Note,
    OtherInsuranceYear,
    QuoteRequest,
    QuoteResult,
    Source,
    Status,
    SubsidyLine,
    Waiting,
)
from policies.schema import (
    CoverageStart,
    Price,
    SpecialCase,
    Standard,
    Subsidy,
    SubsidyKind,
    Window,
)

ORDINARY = "ordinary"


def money(value: Decimal) -> Decimal:
    """Round to fen; whole yuan print without decimals (160, not 160.00)."""
    fen = value.quantize(Decimal("0.01"))
    return fen.quantize(Decimal(1)) if fen == fen.to_integral_value() else fen


class QuoteInputError(ValueError):
    """The request itself is impossible (e.g. born after the payment date).

    `code` names the problem and `params` its details, for the user's language
    (dialogs/templates/cli/impossible_input.j2); the message itself is English, for logs.
    """

    def __init__(self, message: str, code: str = "invalid", **params: str) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class _Context:
    """Per-quote helpers bound to one policy: sources and notes in one place."""

    def __init__(self, catalog: Catalog, policy: LoadedPolicy) -> None:
        self.catalog = catalog
        self.policy = policy
        self.data = policy.data
        self.notes: list[Note] = []
        self.needs: list[str] = []

    def source(self, clause_id: str) -> Source:
        if clause_id.startswith(NATIONAL_PREFIX):
            key = clause_id.removeprefix(NATIONAL_PREFIX)
            national = self.catalog.national_clauses[key]
            return Source(
                document=self.catalog.national.citation,
                clause_id=clause_id,
                clause_label=national.label,
                quote=national.quote or "",
                national=True,
                reading=national.reading.model_dump() if national.reading else None,
                confidence=national.confidence,
            )
        clause = self.policy.clauses[clause_id]
        return Source(
            document=self.data.document.citation,
            clause_id=clause_id,
            clause_label=clause.label,
            quote=clause.quote,
        )

    def sources(self, *clause_ids: str | None) -> list[Source]:
        seen: list[Source] = []
        for clause_id in clause_ids:
            if clause_id is not None and all(s.clause_id != clause_id for s in seen):
                seen.append(self.source(clause_id))
        return seen

    def note(self, code: str, *clauses: str | None, **params: str) -> None:
        note = Note(code=code, params=params, sources=self.sources(*clauses))
        if note not in self.notes:
            self.notes.append(note)

    def data_note(self, note_id: str) -> None:
        for item in self.data.notes:
            if item.id == note_id:
                note = Note(
                    code="data",
                    params={"id": item.id},
                    text=item.text.model_dump(),
                    sources=self.sources(*item.clauses),
                )
                if note not in self.notes:
                    self.notes.append(note)
                return
        raise KeyError(note_id)

    def need(self, what: str) -> None:
        if what not in self.needs:
            self.needs.append(what)


def expand_identities(catalog: Catalog, identities: frozenset[str]) -> list[str]:
    """Canonical codes plus what they imply (a 重点优抚对象 is an 优抚对象), in registry order."""
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


def quote(request: QuoteRequest, catalog: Catalog | None = None) -> QuoteResult:
    """Answer one payment question from the policy data."""
    catalog = catalog or load_catalog()
    policies = catalog.policies_for(request.region)
    if not policies:
        raise QuoteInputError(
            f"unknown region: {request.region}", "unknown_region", region=request.region
        )
    identities = expand_identities(catalog, request.identities)
    if request.birth_date is not None and request.birth_date > request.payment_date:
        raise QuoteInputError("the birth date is after the payment date", "birth_after_payment")
    choice = years.choose(catalog, request, identities)
    if choice.policy is None:
        return _no_policy(catalog, request, identities, policies[-1])
    result = _Quoter(catalog, choice.policy, request, identities).run()
    notes: list[Note] = []
    others = [_other_year(catalog, p, request, identities) for p in choice.others]
    for other in others:
        notes.append(_other_year_note(other))
    if not years.next_year_on_file(catalog, choice.policy) and (
        years.next_collection_likely_open(choice.policy, request.payment_date)
    ):
        notes.append(_next_year_not_on_file(catalog, choice.policy, request))
    if not notes:
        return result
    return result.model_copy(
        update={"notes": [*result.notes, *notes], "other_insurance_years": others}
    )


def _other_year(
    catalog: Catalog, policy: LoadedPolicy, request: QuoteRequest, identities: list[str]
) -> OtherInsuranceYear:
    """What paying `policy`'s year on the same date would mean, in brief."""
    asked = request.model_copy(update={"insurance_year": policy.data.insurance_year})
    result = _Quoter(catalog, policy, asked, identities).run()
    amount, deadline, coverage = result.amount, result.deadline, result.coverage
    return OtherInsuranceYear(
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
    return Note(
        code="other_insurance_year",
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
    ctx = _Context(catalog, policy)
    collection = [w for w in policy.data.windows if w.kind == "collection"]
    clauses = collection[0].clauses[:1] if collection else []
    return Note(
        code="next_year_not_on_file",
        params={
            "year": str(policy.data.insurance_year),
            "next_year": str(policy.data.insurance_year + 1),
            "date": request.payment_date.isoformat(),
            "office": policy.data.region.office,
        },
        sources=ctx.sources(*clauses),
    )


def _no_policy(
    catalog: Catalog, request: QuoteRequest, identities: list[str], latest: LoadedPolicy
) -> QuoteResult:
    ctx = _Context(catalog, latest)
    years = ", ".join(str(p.data.insurance_year) for p in catalog.policies_for(request.region))
    ctx.note(
        "no_policy_for_date",
        date=request.payment_date.isoformat(),
        years_on_file=years,
        office=latest.data.region.office,
    )
    return QuoteResult(
        status=Status.NO_POLICY,
        request=request,
        region=request.region,
        region_name=latest.data.region.name,
        policy_year=None,
        document=None,
        latest_policy_year=latest.data.insurance_year,
        office=latest.data.region.office,
        identities=identities,
        contacts=_contacts(ctx),
        notes=ctx.notes,
    )


def _clause_of(line: SubsidyLine) -> str | None:
    return line.sources[0].clause_id if line.sources else None


def _unique(sources: list[Source]) -> list[Source]:
    out: list[Source] = []
    for source in sources:
        if source not in out:
            out.append(source)
    return out


def _contacts(ctx: _Context) -> list[ListedItem]:
    items = [
        ListedItem(name=c.name, detail=c.phone, sources=ctx.sources(c.clause))
        for c in ctx.data.contacts
    ]
    hotline = ctx.catalog.national.hotline
    items.append(
        ListedItem(name=hotline.name, detail=hotline.phone, sources=ctx.sources(hotline.clause))
    )
    return items


class _Quoter:
    def __init__(
        self,
        catalog: Catalog,
        policy: LoadedPolicy,
        request: QuoteRequest,
        identities: list[str],
    ) -> None:
        self.ctx = _Context(catalog, policy)
        self.data = policy.data
        self.request = request
        self.day = request.payment_date
        self.identities = identities
        self.lapsed = request.lapsed_years > 0
        self.paid_by_institution = False

    # -- who the person is ----------------------------------------------------------------

    def _tier(self) -> int | None:
        if not self.data.tiers:
            if self.request.tier is not None:
                self.ctx.note("tier_not_applicable", tier=str(self.request.tier))
            return None
        numbers = [t.number for t in self.data.tiers]
        if self.request.tier is None:
            placed = self._placement()
            if placed is not None:
                return placed
            self.ctx.need("tier")
            self.ctx.note("tier_assumed", tier=str(numbers[0]))
            return numbers[0]
        if self.request.tier not in numbers:
            raise QuoteInputError(
                f"tier must be one of {numbers}",
                "tier_not_offered",
                tiers=", ".join(map(str, numbers)),
            )
        return self.request.tier

    def _placement(self) -> int | None:
        """The tier the notice places this person in, where it does (丰都 五(三))."""
        for placement in self.data.tier_placements:
            if placement.identity not in self.identities:
                continue
            conditions = [
                s
                for s in self.data.subsidies
                if s.identity == placement.identity
                and (s.tiers is None or placement.tier in s.tiers)
            ]
            if all(self._age_ok(s) is True for s in conditions):
                label = next(t.label for t in self.data.tiers if t.number == placement.tier)
                group = next((s.label for s in conditions), placement.identity)
                self.ctx.note("tier_placed", placement.clause, tier=label, group=group)
                return placement.tier
        return None

    def _newborn_within(self) -> bool | None:
        """True/False when the person is a newborn with a birth date; None otherwise."""
        if "newborn" not in self.identities or self.data.newborn is None:
            return None
        if self.request.birth_date is None:
            self.ctx.need("birth_date")
            self.ctx.note("newborn_needs_birth_date", self.data.newborn.within_clause)
            return None
        limit = self.request.birth_date + timedelta(days=self.data.newborn.days)
        return self.day <= limit

    def _special_case(self, window: Window) -> SpecialCase | None:
        if window.kind == "collection":
            return None
        for case in self.data.special_cases:
            if case.identity in self.identities:
                return case
        return None

    def _window(self, newborn_within: bool | None) -> Window:
        candidates = [w for w in self.data.windows if w.start <= self.day <= w.end]
        if not candidates and newborn_within:
            # Newborns within their time limit may pay after the windows close (丰都 三);
            # the last window then only carries the subsidy rules.
            last_end = max(w.end for w in self.data.windows)
            candidates = [w for w in self.data.windows if w.end == last_end]
        for window in sorted(candidates, key=lambda w: w.audience is None):
            if self._applies(window):
                return window
        raise AssertionError(f"{self.ctx.policy.path}: no window covers {self.day}")

    def _applies(self, window: Window) -> bool:
        """Whether the person may pay in `window`: everyone, or a group they qualify for."""
        if window.audience is None:
            return True
        return any(i in window.audience and self._qualifies(i) for i in self.identities)

    def _qualifies(self, identity: str) -> bool:
        """Whether the person meets the conditions of some subsidy for `identity`.

        An unknown age counts as qualifying: the answer then asks for the birth date.
        """
        subsidies = [s for s in self.data.subsidies if s.identity == identity]
        if not subsidies:
            return True
        return any(self._age_ok(s) is not False for s in subsidies)

    def _standard(self, tier: int | None) -> Standard:
        general = [s for s in self.data.standards if s.tier == tier]
        for standard in general:
            if standard.identities and any(i in standard.identities for i in self.identities):
                return standard
        return next(s for s in general if not s.identities)

    def _general_standard(self, tier: int | None) -> Standard:
        return next(s for s in self.data.standards if s.tier == tier and not s.identities)

    # -- money ----------------------------------------------------------------------------

    def _subsidy_amount(
        self, subsidy: Subsidy, standard: Decimal, tier: int | None
    ) -> Decimal | None:
        if subsidy.kind is SubsidyKind.FULL:
            return standard
        if subsidy.kind is SubsidyKind.FIXED:
            assert subsidy.amount is not None
            return min(subsidy.amount, standard)
        if subsidy.kind is SubsidyKind.PERCENT:
            assert subsidy.percent is not None
            base = self._general_standard(tier).amount
            return min(money(base * subsidy.percent / 100), standard)
        return None

    def _age_ok(self, subsidy: Subsidy) -> bool | None:
        if subsidy.age is None:
            return True
        if self.request.birth_date is None:
            return None
        age = age_on(self.request.birth_date, self.day)
        return any(
            (r.min is None or age >= r.min) and (r.max is None or age <= r.max) for r in subsidy.age
        )

    def _subsidies(self, standard: Decimal, tier: int | None) -> list[SubsidyLine]:
        lines: list[SubsidyLine] = []
        for subsidy in self.data.subsidies:
            if subsidy.identity not in self.identities:
                continue
            if subsidy.tiers is not None and tier not in subsidy.tiers:
                continue
            age_ok = self._age_ok(subsidy)
            if age_ok is False:
                self.ctx.note("subsidy_age_not_met", subsidy.clause, group=subsidy.label)
                continue
            amount: Decimal | None = None
            if age_ok is None:
                # Unknown age leaves the amount open rather than silently denying the subsidy.
                self.ctx.need("birth_date")
                self.ctx.note("subsidy_needs_age", subsidy.clause, group=subsidy.label)
            else:
                for note_id in subsidy.notes:
                    self.ctx.data_note(note_id)
                amount = self._subsidy_amount(subsidy, standard, tier)
                if amount is None and not self.paid_by_institution and not subsidy.notes:
                    self.ctx.note("subsidy_amount_not_stated", subsidy.clause, group=subsidy.label)
            lines.append(
                SubsidyLine(
                    identity=subsidy.identity,
                    label=subsidy.label,
                    amount=amount,
                    percent=subsidy.percent,
                    sources=self.ctx.sources(subsidy.clause),
                )
            )
        return lines

    def _combined(self, lines: list[SubsidyLine], standard: Decimal) -> Decimal | None:
        """The subsidy actually applied, or None when the notice leaves it open."""
        if not lines:
            return Decimal(0)
        known = [line.amount for line in lines if line.amount is not None]
        highest = max(known, default=Decimal(0))
        if highest >= standard:
            return standard  # a full subsidy settles it whatever else applies
        if len(known) < len(lines):
            return None
        rule = self.data.combination
        one_sentence = len({(line.amount, _clause_of(line)) for line in lines}) == 1
        if len(lines) > 1 and rule.rule == "not_stated":
            # One sentence giving several groups the same amount is one subsidy, not several
            # to add up (双清 三(五)1(1) 低保 and 低保边缘: 200); different sentences may stack.
            if not one_sentence and min(sum(known, Decimal(0)), standard) != highest:
                self.ctx.note("combination_not_stated", office=self.data.region.office)
                return None
        elif len(lines) > 1:
            self.ctx.note("combination_highest", rule.clause)
        return highest

    def _amount(
        self, window: Window, tier: int | None, at_personal_standard: bool
    ) -> tuple[Amount, bool]:
        """The price; the flag says whether the amount is determined."""
        standard = self._standard(tier)
        lines = self._subsidies(standard.amount, tier)
        applied: Decimal | None = Decimal(0)
        # The notices say special cases pay "the personal standard" but not whether hardship
        # subsidies still apply outside the window, so the window's own rule decides.
        subsidies_apply = window.subsidies_apply
        if lines and subsidies_apply == "yes":
            applied = self._combined(lines, standard.amount)
        elif lines and subsidies_apply == "not_stated":
            self.ctx.note("subsidies_in_window_not_stated", *window.clauses)
            applied = None
        elif lines:
            self.ctx.note("subsidies_not_in_window", *window.clauses)
        fiscal = self.data.fiscal_subsidy
        surcharge_needed = window.price is Price.PERSONAL_PLUS_FISCAL and not at_personal_standard
        fiscal_amount: Decimal | None = None
        fiscal_clauses: list[str | None] = []
        lower_bound: Decimal | None = None
        basis = "county"
        sources = self.ctx.sources(standard.clause, *window.clauses)
        if not window.price_stated and not at_personal_standard:
            self.ctx.note(
                "window_price_not_stated", *window.clauses, office=self.data.region.office
            )
        determined = applied is not None
        if surcharge_needed:
            assert fiscal is not None, "a late price with a surcharge needs fiscal_subsidy data"
            fiscal_clauses = [fiscal.clause]
            year = str(self.data.insurance_year)
            national = (
                self.ctx.catalog.national.fiscal_subsidy(self.data.insurance_year)
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
                self.ctx.note(
                    "fiscal_subsidy_national",
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
                self.ctx.note(
                    "fiscal_subsidy_national_minimum",
                    fiscal.clause,
                    national.clause,
                    year=year,
                    minimum=str(national.minimum),
                    at_least=str(lower_bound) if lower_bound is not None else "",
                    office=self.data.region.office,
                )
                determined = False
            else:
                self.ctx.note(
                    "fiscal_subsidy_not_stated",
                    fiscal.clause,
                    year=year,
                    office=self.data.region.office,
                )
                determined = False
            sources += self.ctx.sources(*fiscal_clauses)
        due: Decimal | None = None
        known_part: Decimal | None = None
        if determined:
            assert applied is not None
            due = standard.amount - applied + (fiscal_amount or Decimal(0))
        elif applied is not None:
            known_part = standard.amount - applied
        amount = Amount(
            standard=standard.amount,
            standard_sources=self.ctx.sources(standard.clause),
            fiscal_subsidy=fiscal_amount,
            fiscal_subsidy_included=surcharge_needed,
            fiscal_sources=self.ctx.sources(*fiscal_clauses),
            lower_bound=lower_bound,
            basis=basis,
            total_due=due,
            subsidies=lines,
            subsidy_applied=applied
            if lines and subsidies_apply == "yes"
            else (None if lines and subsidies_apply == "not_stated" else Decimal(0)),
            due=due,
            known_part=known_part,
            sources=_unique(sources + [s for line in lines for s in line.sources]),
        )
        return amount, determined

    # -- time -----------------------------------------------------------------------------

    def _next_window(self, window: Window) -> Window | None:
        later = [w for w in self.data.windows if w.start > window.end and self._applies(w)]
        # A window of the person's own group wins over the general one starting that day.
        return min(later, key=lambda w: (w.start, w.audience is None), default=None)

    def _deadline(self, window: Window, newborn_within: bool | None) -> Deadline:
        if newborn_within and self.request.birth_date is not None and self.data.newborn:
            rules = self.data.newborn
            return Deadline(
                date=self.request.birth_date + timedelta(days=rules.days),
                window_id="newborn",
                after=AfterDeadline.NEWBORN_LATE,
                sources=self.ctx.sources(rules.within_clause, rules.after_clause),
            )
        sources = self.ctx.sources(*window.clauses)
        follow = self._next_window(window)
        if not window.end_stated:
            self.ctx.note("window_end_not_stated", *window.clauses, office=self.data.region.office)
            return Deadline(
                date=None,
                window_id=window.id,
                window_label=window.label.model_dump(),
                after=AfterDeadline.NOT_STATED,
                sources=sources,
            )
        closure = self.data.closure
        if follow is not None:
            return Deadline(
                date=window.end,
                window_id=window.id,
                window_label=window.label.model_dump(),
                after=AfterDeadline.NEXT_WINDOW,
                next_window_id=follow.id,
                next_window_label=follow.label.model_dump(),
                next_window_start=follow.start,
                sources=sources + self.ctx.sources(*follow.clauses),
            )
        if closure is not None and closure.from_date == window.end + timedelta(days=1):
            return Deadline(
                date=window.end,
                window_id=window.id,
                window_label=window.label.model_dump(),
                after=AfterDeadline.CLOSED,
                sources=sources + self.ctx.sources(closure.clause),
            )
        return Deadline(
            date=window.end,
            window_id=window.id,
            window_label=window.label.model_dump(),
            after=AfterDeadline.YEAR_END
            if window.end == self.data.coverage_end
            else AfterDeadline.NOT_STATED,
            sources=sources,
        )

    def _lapse_waiting(self, fixed: Duration, fixed_clause: str | None) -> Waiting:
        """Fixed period plus the variable months for each extra lapsed year, less repairs."""
        rules = self.data.waiting
        lapsed = self.request.lapsed_years
        variable = max(0, lapsed - 1) * rules.variable_months_per_extra_lapsed_year
        clauses: list[str | None] = [fixed_clause]
        reasons = ["not_continuous"] if self.lapsed else []
        if variable:
            clauses.append(rules.variable_clause)
            if rules.variable_clause and rules.variable_clause.startswith(NATIONAL_PREFIX):
                self.ctx.note(
                    "variable_waiting_national",
                    rules.variable_clause,
                    office=self.data.region.office,
                )
            self.ctx.note("lapse_years_reading", "national:variable_reading")
            # The lapsed years reach back before the national rules began (national.yaml
            # waiting_rules_from), where counting them is unsettled.
            rules_from = self.ctx.catalog.national.waiting_rules_from.year
            if self.data.insurance_year - lapsed + 1 <= rules_from:
                self.ctx.note(
                    "lapse_before_rules_uncertain",
                    "national:early_lapses",
                    year=str(rules_from),
                    office=self.data.region.office,
                )
        repaired = min(self.request.repaid_years * rules.repair_months_per_year_paid, variable)
        if self.request.repaid_years and not rules.repair_months_per_year_paid:
            self.ctx.note("repair_not_stated", office=self.data.region.office)
        if repaired:
            clauses.append(rules.repair_clause)
            self.ctx.note(
                "repair_price",
                rules.repair_price_clause,
                years=str(min(self.request.repaid_years, variable)),
            )
        if self.request.repaid_years * rules.repair_months_per_year_paid > variable:
            self.ctx.note("repair_more_than_needed", years=str(variable))
        total = fixed.plus_months(variable - repaired)
        floor_added = 0
        if (
            rules.floor_min_lapsed_years is not None
            and rules.floor_total_months is not None
            and lapsed >= rules.floor_min_lapsed_years
        ):
            # "不少于6个月" compares end dates: 90 days + 3 months is not 6 months.
            floor = Duration(months=rules.floor_total_months)
            if floor.last_day_from(self.day) > total.last_day_from(self.day):
                floor_added = rules.floor_total_months - (total.months + total.days // 30)
                total = floor
            clauses.append(rules.floor_clause)
            reasons.append("long_lapse_floor")
        kind = "fixed_plus_variable" if variable else "fixed"
        return Waiting(
            kind=kind,
            fixed=fixed,
            variable_months=variable,
            repaired_months=repaired,
            floor_months_added=floor_added,
            total=total,
            last_day=total.last_day_from(self.day),
            reasons=reasons,
            sources=self.ctx.sources(*clauses),
        )

    def _coverage_and_waiting(
        self,
        window: Window,
        newborn_within: bool | None,
        special: SpecialCase | None,
    ) -> tuple[Coverage, Waiting]:
        data = self.data
        year_start, year_end = data.coverage_start, data.coverage_end
        none = Waiting(kind="none", sources=[])
        newborn = data.newborn
        if (
            newborn_within
            and newborn is not None
            and newborn.within_coverage == "not_stated"
            and window.kind == "collection"
        ):
            # Everyone paying in the collection window is covered from the year's start
            # (昌图 一、2; 丰都 六), newborns included.
            return self._window_coverage(window, none)
        if newborn_within and newborn is not None and self.request.birth_date is not None:
            reasons = ["newborn_exempt"]
            waiting = (
                Waiting(
                    kind="none", reasons=reasons, sources=self.ctx.sources(newborn.within_clause)
                )
                if newborn.within_waiting == "none"
                else Waiting(kind="undetermined", reasons=["newborn_not_stated"], sources=[])
            )
            if newborn.within_waiting != "none":
                self.ctx.note(
                    "newborn_waiting_not_stated", newborn.within_clause, office=data.region.office
                )
            if newborn.within_coverage == "from_birth":
                start = max(self.request.birth_date, year_start)
                if self.request.birth_date < year_start:
                    self.ctx.note("birth_before_year", year=str(data.insurance_year))
                return (
                    Coverage(
                        start=start,
                        end=year_end,
                        rule="from_birth",
                        sources=self.ctx.sources(newborn.within_clause),
                    ),
                    waiting,
                )
            self.ctx.note(
                "newborn_coverage_not_stated", newborn.within_clause, office=data.region.office
            )
            return Coverage(start=None, end=year_end, rule="not_stated", sources=[]), waiting
        if newborn_within is False and newborn is not None:
            if newborn.after_coverage == "from_payment":
                return self._from_payment(newborn.after_clause, "newborn_late_from_payment")
            if newborn.after_coverage == "not_stated":
                self.ctx.note(
                    "newborn_late_not_stated", newborn.within_clause, office=data.region.office
                )
                return (
                    Coverage(start=None, end=year_end, rule="not_stated", sources=[]),
                    Waiting(kind="undetermined", reasons=["newborn_late_not_stated"], sources=[]),
                )
            # "regular": a late newborn is treated like anyone else paying on that day.
        if special is not None:
            if special.coverage == "from_payment":
                return self._from_payment(special.clause, "special_case")
            return (
                Coverage(
                    start=None,
                    end=year_end,
                    rule="from_event",
                    event=special.event.model_dump() if special.event else None,
                    sources=self.ctx.sources(special.clause),
                ),
                Waiting(
                    kind="none", reasons=["special_case"], sources=self.ctx.sources(special.clause)
                ),
            )
        return self._window_coverage(window, none)

    def _from_payment(self, clause: str | None, reason: str) -> tuple[Coverage, Waiting]:
        """Covered from the payment day, no waiting period, as the cited clause says."""
        sources = self.ctx.sources(clause)
        return (
            Coverage(
                start=self.day, end=self.data.coverage_end, rule="from_payment", sources=sources
            ),
            Waiting(kind="none", reasons=[reason], sources=sources),
        )

    def _window_coverage(self, window: Window, none: Waiting) -> tuple[Coverage, Waiting]:
        data = self.data
        rules = data.waiting
        year_start, year_end = data.coverage_start, data.coverage_end
        for note_id in window.notes:
            self.ctx.data_note(note_id)
        if window.coverage is CoverageStart.NOT_STATED:
            self.ctx.note("coverage_start_not_stated", *window.clauses, office=data.region.office)
            return (
                Coverage(start=None, end=year_end, rule="not_stated", sources=[]),
                Waiting(kind="undetermined", reasons=["not_stated"], sources=[]),
            )
        if window.coverage is CoverageStart.YEAR_START_IF_PAID_BEFORE and self.day >= year_start:
            self.ctx.note("coverage_start_not_stated", *window.clauses, office=data.region.office)
            return (
                Coverage(start=None, end=year_end, rule="not_stated", sources=[]),
                Waiting(kind="undetermined", reasons=["not_stated"], sources=[]),
            )
        base_rule = window.coverage.value
        override = next((o for o in data.coverage_overrides if o.identity in self.identities), None)
        if override is not None and window.kind == "collection":
            year_start, year_end = override.start, override.end
            base_rule = "group_period"
        if window.coverage in (CoverageStart.YEAR_START, CoverageStart.YEAR_START_IF_PAID_BEFORE):
            base_start = year_start
        elif window.coverage is CoverageStart.NEXT_MONTH_FIRST:
            base_start = first_of_next_month(self.day)
        else:
            base_start = self.day
        coverage_sources = self.ctx.sources(*window.clauses)
        if base_rule == "group_period" and override is not None:
            coverage_sources = self.ctx.sources(override.clause, *window.clauses)
        waiting = none
        if window.waiting is not None:
            waiting = self._lapse_waiting(window.waiting, window.clauses[0])
            waiting = waiting.model_copy(
                update={"reasons": ["outside_collection", *waiting.reasons]}
            )
        elif (
            self.lapsed
            and rules.fixed is not None
            and (window.kind != "collection" or rules.applies_to_lapsed_in_collection)
        ):
            waiting = self._lapse_waiting(rules.fixed, rules.fixed_clause)
            if window.kind == "collection" and rules.counting_note:
                self.ctx.data_note(rules.counting_note)
        elif self.lapsed and rules.fixed is None:
            self.ctx.note("no_waiting_rules", office=data.region.office)
        if not window.waiting_stated:
            self.ctx.note("waiting_not_stated", *window.clauses, office=data.region.office)
        start = base_start
        if waiting.last_day is not None:
            start = max(base_start, waiting.last_day + timedelta(days=1))
            coverage_sources = _unique(coverage_sources + waiting.sources)
            base_rule = "after_waiting" if start > base_start else base_rule
        if start > year_end:
            self.ctx.note("waiting_past_year_end", year=str(data.insurance_year))
            return Coverage(
                start=None, end=year_end, rule="none_this_year", sources=coverage_sources
            ), waiting
        return Coverage(
            start=start, end=year_end, rule=base_rule, sources=coverage_sources
        ), waiting

    # -- lists ----------------------------------------------------------------------------

    def _audience(self) -> set[str]:
        audience = {*self.identities, "everyone"}
        audience.add("lapsed" if self.lapsed else "continuing")
        if "newborn" in self.identities:
            audience.add("newborn")
        return audience

    def _registration(self) -> list[ListedItem]:
        audience = self._audience()
        items = []
        for step in self.data.registration:
            if audience & set(step.audience):
                clause = self.ctx.policy.clauses[step.clause]
                items.append(
                    ListedItem(
                        name=clause.label,
                        detail=clause.quote,
                        audience=",".join(step.audience),
                        sources=self.ctx.sources(step.clause),
                    )
                )
        return items

    def _channels(self) -> list[ListedItem]:
        return [
            ListedItem(
                name=c.name, detail=c.path, audience=c.audience, sources=self.ctx.sources(c.clause)
            )
            for c in self.data.channels
        ]

    def _refunds(self) -> list[ListedItem]:
        items = []
        for clause_id in self.data.refunds:
            clause = self.ctx.policy.clauses[clause_id]
            items.append(
                ListedItem(
                    name=clause.label, detail=clause.quote, sources=self.ctx.sources(clause_id)
                )
            )
        return items

    # -- the answer -----------------------------------------------------------------------

    def run(self) -> QuoteResult:
        data = self.data
        tier = self._tier()
        closure = data.closure
        newborn_within = self._newborn_within()
        base = {
            "request": self.request,
            "region": data.region.slug,
            "region_name": data.region.name,
            "policy_year": data.insurance_year,
            "document": data.document.citation,
            "document_title": data.document.title,
            "tier": tier,
            "tier_label": next((t.label for t in data.tiers if t.number == tier), None),
            "identities": self.identities,
            "office": data.region.office,
        }
        if closure is not None and self.day >= closure.from_date and not newborn_within:
            self.ctx.note("closed", closure.clause, date=closure.from_date.isoformat())
            return QuoteResult(
                status=Status.CLOSED,
                **base,
                contacts=_contacts(self.ctx),
                notes=self.ctx.notes,
                sources=self.ctx.sources(closure.clause),
            )
        window = self._window(newborn_within)
        special = self._special_case(window)
        self.paid_by_institution = (
            special is not None and special.personal_due_outside_collection == "nothing"
        )
        at_personal = bool(newborn_within) or special is not None
        amount, determined = self._amount(window, tier, at_personal)
        if self.paid_by_institution:
            amount = amount.model_copy(
                update={"due": Decimal(0), "known_part": None, "total_due": Decimal(0)}
            )
            determined = True
        deadline = self._deadline(window, newborn_within)
        coverage, waiting = self._coverage_and_waiting(window, newborn_within, special)
        coverage = self._not_before_birth(coverage)
        amount = self._with_back_payment(amount, tier, waiting)
        for identity in self.identities:
            for note_id in data.identity_notes.get(identity, []):
                self.ctx.data_note(note_id)
            if identity in self.request.identities and not self._identity_known_here(identity):
                self.ctx.note("identity_not_in_notice", identity=identity)
            for scope in data.scope_identities:
                if scope.identity == identity and identity in self.request.identities:
                    self.ctx.note("same_as_ordinary", scope.clause, group=scope.label)
        for note_id in data.general_notes:
            self.ctx.data_note(note_id)
        if "newborn" in self.identities and newborn_within is None and data.newborn is None:
            self.ctx.note("identity_not_in_notice", identity="newborn")
        status = Status.OK if determined else Status.UNDETERMINED
        all_sources = _unique(
            amount.sources
            + deadline.sources
            + coverage.sources
            + waiting.sources
            + [s for note in self.ctx.notes for s in note.sources]
        )
        return QuoteResult(
            status=status,
            **base,
            amount=amount,
            deadline=deadline,
            coverage=coverage,
            waiting=waiting,
            registration=self._registration(),
            channels=self._channels(),
            contacts=_contacts(self.ctx),
            refunds=self._refunds(),
            notes=self.ctx.notes,
            needs=self.ctx.needs,
            sources=all_sources,
        )

    def _not_before_birth(self, coverage: Coverage) -> Coverage:
        """No one is covered before they are born, whatever the window's benefit period says."""
        birth = self.request.birth_date
        if birth is None or coverage.start is None or coverage.start >= birth:
            return coverage
        self.ctx.note(
            "coverage_not_before_birth",
            date=birth.isoformat(),
            year_start=coverage.start.isoformat(),
            office=self.data.region.office,
        )
        return coverage.model_copy(update={"start": birth, "rule": "not_before_birth"})

    def _with_back_payment(self, amount: Amount, tier: int | None, waiting: Waiting) -> Amount:
        """This year's contribution plus the back-paid years that shorten the waiting period."""
        rules = self.data.waiting
        if not waiting.repaired_months or not rules.repair_months_per_year_paid:
            return amount
        years = -(-waiting.repaired_months // rules.repair_months_per_year_paid)
        per_year = self._standard(tier).amount
        sources = self.ctx.sources(rules.repair_price_clause, rules.repair_clause)
        price = sources[0] if sources else None
        confidence = (price.confidence or "high") if price is not None else "high"
        back = BackPayment(
            years=years,
            per_year=per_year,
            amount=per_year * years,
            confidence=confidence,
            sources=sources,
        )
        total = amount.due + back.amount if amount.due is not None else None
        self.ctx.note(
            "back_payment",
            rules.repair_price_clause,
            years=str(years),
            per_year=str(per_year),
            amount=str(back.amount),
            due=str(amount.due) if amount.due is not None else "",
            total=str(total) if total is not None else "",
            confidence=confidence,
            basis="national" if price is not None and price.national else "county",
        )
        return amount.model_copy(
            update={
                "back_payment": back,
                "total_due": total,
                "sources": _unique(amount.sources + sources),
            }
        )

    def _identity_known_here(self, identity: str) -> bool:
        data = self.data
        return (
            any(s.identity == identity for s in data.subsidies)
            or any(s.identity == identity for s in data.special_cases)
            or any(identity in st.identities for st in data.standards)
            or any(identity in step.audience for step in data.registration)
            or any(w.audience and identity in w.audience for w in data.windows)
            or identity in data.identity_notes
            or any(x.identity == identity for x in data.scope_identities)
            or any(x.identity == identity for x in data.coverage_overrides)
            or (identity == "newborn" and data.newborn is not None)
        )
