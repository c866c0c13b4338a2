"""Which insurance year a payment is for: every notice on file that accepts payment that day.

Every autumn two notices of one region accept payment at once: last year's (late payment)
and next year's (its collection window). A request may name the year; without one the answer
is for the later year (whose collection is open: what nearly everyone paying then means),
except a newborn within its time limit, whose fee belongs to the birth year (双清 三(四)3(1)
"缴纳出生年度居民医保费"). The others are offered beside the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from policies.catalog import Catalog, LoadedPolicy
from policies.result import QuoteRequest


class InsuranceYearError(ValueError):
    """The insurance year asked for is not on file, or does not accept payment that day."""

    def __init__(self, message: str, periods: list[tuple[int, date, date]]) -> None:
        super().__init__(message)
        self.periods = periods  # (year, first payment day, last payment day) of each notice


@dataclass(frozen=True)
class YearChoice:
    policy: LoadedPolicy | None  # None: no notice on file governs the date
    others: tuple[LoadedPolicy, ...] = ()  # other notices accepting payment that day


@dataclass(frozen=True)
class Span:
    """One notice's payment dates, worked out once per catalog (they are the same for every
    request): its first and last payment day, the end of its cover, whether next year's
    notice is on file, and the anniversary of its collection's first day."""

    policy: LoadedPolicy
    first: date
    last: date
    coverage_end: date
    next_on_file: bool
    anniversary: date | None

    def next_collection_likely_open(self, day: date) -> bool:
        """`next_collection_likely_open(self.policy, day)`, from the span's dates."""
        if self.anniversary is None or day < self.policy.data.coverage_start:
            return False
        return self.anniversary <= day <= self.coverage_end


def spans(catalog: Catalog, region: str) -> tuple[Span, ...]:
    """The region's notices with their dates, oldest insurance year first."""
    key = ("year spans", region)
    found: tuple[Span, ...] | None = catalog.memo.get(key)
    if found is None:
        policies = catalog.policies_for(region)
        found = catalog.memo[key] = tuple(
            Span(
                policy=p,
                first=p.first_payment_day,
                last=p.last_payment_day,
                coverage_end=p.data.coverage_end,
                next_on_file=any(o.data.insurance_year > p.data.insurance_year for o in policies),
                anniversary=_collection_anniversary(p),
            )
            for p in policies
        )
    return found


def newborn_within(policy: LoadedPolicy, request: QuoteRequest, identities: list[str]) -> bool:
    """A newborn paying its birth year's fee within the time limit after birth."""
    rules = policy.data.newborn
    birth = request.birth_date
    return (
        rules is not None
        and birth is not None
        and "newborn" in identities
        and policy.data.insurance_year == birth.year
        and request.payment_date <= birth + timedelta(days=rules.days)
    )


def accepts(policy: LoadedPolicy, request: QuoteRequest, identities: list[str]) -> bool:
    """Whether the notice takes payment for its year on the request's date."""
    day = request.payment_date
    if newborn_within(policy, request, identities):
        return True
    return policy.first_payment_day <= day <= policy.last_payment_day


def _accepts(span: Span, request: QuoteRequest, identities: list[str]) -> bool:
    """`accepts`, from the span's dates."""
    if span.first <= request.payment_date <= span.last:
        return True
    return newborn_within(span.policy, request, identities)


def governs(policy: LoadedPolicy, day: date) -> bool:
    """Whether the date falls in the notice's span: payable, or closed by its own words."""
    return policy.first_payment_day <= day <= policy.data.coverage_end


def payment_periods(catalog: Catalog, region: str) -> list[tuple[int, date, date]]:
    return [(s.policy.data.insurance_year, s.first, s.last) for s in spans(catalog, region)]


def choose(catalog: Catalog, request: QuoteRequest, identities: list[str]) -> YearChoice:
    """The notice the answer is for, and the other notices that accept payment that day."""
    region = spans(catalog, request.region)
    open_now = [s.policy for s in region if _accepts(s, request, identities)]
    wanted = request.insurance_year
    if wanted is not None:
        chosen = next((s.policy for s in region if s.policy.data.insurance_year == wanted), None)
        if chosen is None or chosen not in open_now:
            periods = payment_periods(catalog, request.region)
            reason = "not on file" if chosen is None else "does not accept payment on this date"
            raise InsuranceYearError(f"insurance year {wanted}: {reason}", periods)
        return YearChoice(chosen, tuple(p for p in open_now if p is not chosen))
    if len(open_now) == 1:
        return YearChoice(open_now[0])
    if open_now:
        birth_year = [p for p in open_now if newborn_within(p, request, identities)]
        chosen = birth_year[0] if birth_year else open_now[-1]
        return YearChoice(chosen, tuple(p for p in open_now if p is not chosen))
    day = request.payment_date
    closed = [s.policy for s in region if s.first <= day <= s.coverage_end]
    return YearChoice(closed[-1] if closed else None)


def open_years(catalog: Catalog, request: QuoteRequest, identities: list[str]) -> list[int]:
    """The insurance years that accept payment on the request's date, oldest first."""
    return [
        p.data.insurance_year
        for p in catalog.policies_for(request.region)
        if accepts(p, request, identities)
    ]


def span_of(catalog: Catalog, policy: LoadedPolicy) -> Span:
    return next(s for s in spans(catalog, policy.slug) if s.policy is policy)


def next_year_on_file(catalog: Catalog, policy: LoadedPolicy) -> bool:
    return span_of(catalog, policy).next_on_file


def next_collection_likely_open(policy: LoadedPolicy, day: date) -> bool:
    """Whether next year's collection has probably opened by `day`: the date is in the
    notice's own insurance year, on or after the anniversary of its own collection's start
    (the notices open collection each autumn, 1–23 September)."""
    anniversary = _collection_anniversary(policy)
    if anniversary is None or day < policy.data.coverage_start:
        return False
    return anniversary <= day <= policy.data.coverage_end


def _collection_anniversary(policy: LoadedPolicy) -> date | None:
    starts = [w.start for w in policy.data.windows if w.kind == "collection"]
    if not starts:
        return None
    first = min(starts)
    try:
        return first.replace(year=first.year + 1)
    except ValueError:  # 29 February
        return first.replace(year=first.year + 1, day=28)
