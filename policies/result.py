"""What the calculator answers: a typed, serialisable quote."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticUndefined

from policies.periods import Duration

M = TypeVar("M", bound=BaseModel)


class Status(StrEnum):
    OK = "ok"  # payable; amount known
    UNDETERMINED = "undetermined"  # payable, but the notice does not fix the amount
    CLOSED = "closed"  # the notice says payment is no longer accepted on that date
    NO_POLICY = "no_policy"  # no notice on file governs that date for that region


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


@cache
def _shape(
    cls: type[BaseModel],
) -> tuple[dict[str, Any], frozenset[str], tuple[str, ...], frozenset[str]]:
    """Per model: its defaults in field order (required fields hold PydanticUndefined), its
    field names, the fields whose default is mutable ([] or {}), which every instance gets
    a fresh copy of, as pydantic does, and the required fields."""
    fields = cls.model_fields
    assert all(info.default_factory is None for info in fields.values()), cls
    template = {name: info.default for name, info in fields.items()}
    mutable = tuple(n for n, d in template.items() if isinstance(d, list | dict | set))
    required = frozenset(n for n, d in template.items() if d is PydanticUndefined)
    return template, frozenset(fields), mutable, required


_set = object.__setattr__


def trusted(cls: type[M], /, **values: Any) -> M:
    """An instance of `cls` from values already of its field types, not validated again.

    The calculator builds its answers from validated policy data and its own typed
    intermediates, so pydantic's validation (and its copying of every default) checks
    nothing it does not already know. The values must be exactly what validation would
    produce (plain `str`, not an enum, for a `str` field; `Decimal` for a `Decimal` one):
    `tests/policies/test_trusted_results.py` re-validates answers over the grid and compares
    every field and type.
    """
    template, names, mutable, required = _shape(cls)
    if not names.issuperset(values):
        raise TypeError(f"{cls.__name__}: unknown fields {sorted(set(values) - names)}")
    if not required.issubset(values):
        raise TypeError(f"{cls.__name__}: {', '.join(sorted(required - set(values)))} is required")
    data = {**template, **values}  # field order, as validation makes it
    for name in mutable:
        if name not in values:
            data[name] = data[name].copy()
    instance = cls.__new__(cls)
    _set(instance, "__dict__", data)
    _set(instance, "__pydantic_fields_set__", set(values))
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    return instance


class Source(Frozen):
    document: str  # citation, e.g. "后政办字〔2024〕126号"
    clause_id: str
    clause_label: str
    quote: str  # verbatim; "" for a reading
    national: bool = False
    # The service's reading of a national rule, per language: shown labelled as ours, never
    # as a quotation (and then `quote` is empty).
    reading: dict[str, str] | None = None
    confidence: str | None = None  # national rules: high | medium | low (policy-context.md)


class Note(Frozen):
    """Something the answer must say: a silence, an ambiguity, an assumption.

    `code` selects the sentence in the templates; `text` carries a data-defined note's own
    sentence per language; `params` fills placeholders.
    """

    code: str
    params: dict[str, str] = {}
    text: dict[str, str] | None = None
    sources: list[Source] = []


class SubsidyLine(Frozen):
    identity: str
    label: str
    amount: Decimal | None  # None: the notice names the group but gives no amount
    percent: Decimal | None = None
    sources: list[Source]


class BackPayment(Frozen):
    """Lapsed years paid back to shorten the waiting period (国办发〔2024〕38号 repair)."""

    years: int  # the back-paid years that count
    per_year: Decimal
    amount: Decimal
    confidence: str  # of the rule that prices it: high (the notice's own) | medium | low
    sources: list[Source]


class Amount(Frozen):
    standard: Decimal
    standard_sources: list[Source]
    fiscal_subsidy: Decimal | None = None  # the late surcharge, where the price includes it
    fiscal_subsidy_included: bool = False
    fiscal_sources: list[Source] = []
    subsidies: list[SubsidyLine] = []  # every subsidy the person qualifies for
    subsidy_applied: Decimal | None = Decimal(0)  # after the combination rule
    due: Decimal | None  # None unless the amount is determined
    known_part: Decimal | None = None  # for undetermined: the part that is fixed
    lower_bound: Decimal | None = None  # for undetermined: the least it can be (a national minimum)
    basis: str = "county"  # "national" where a figure in it is the national one, not the notice's
    back_payment: BackPayment | None = None
    total_due: Decimal | None = None  # due + back-payment; None unless both are known
    sources: list[Source]


class AfterDeadline(StrEnum):
    NEXT_WINDOW = "next_window"
    CLOSED = "closed"
    NOT_STATED = "not_stated"
    YEAR_END = "year_end"
    NEWBORN_LATE = "newborn_late"


class Deadline(Frozen):
    date: dt.date | None  # None: the notice gives no end date
    window_id: str | None
    window_label: dict[str, str] | None = None
    after: AfterDeadline
    next_window_id: str | None = None
    next_window_label: dict[str, str] | None = None
    next_window_start: dt.date | None = None
    sources: list[Source]


class Waiting(Frozen):
    kind: str  # none | fixed | fixed_plus_variable | undetermined | not_applicable
    fixed: Duration | None = None
    variable_months: int = 0
    repaired_months: int = 0
    floor_months_added: int = 0
    total: Duration | None = None
    last_day: date | None = None
    reasons: list[str] = []  # codes: outside_collection, not_continuous, newborn_exempt, ...
    sources: list[Source] = []


class Coverage(Frozen):
    start: date | None
    end: date | None
    rule: str  # year_start | next_month_first | after_waiting | from_birth | newborn_year_start ...
    event: dict[str, str] | None = None  # coverage counts from an event we cannot date
    sources: list[Source]


class ListedItem(Frozen):
    name: str
    detail: str | None = None
    audience: str | None = None
    sources: list[Source]


# What a payment question concerns whoever asks it: paying, and the policy line.
EVERYONE_TOPICS: Final = frozenset({"payment", "general"})


class ContactConcern(Frozen):
    """One thing the notice says an office does (policies.schema.ContactTopic), for whom."""

    topic: str
    identities: list[str] = []  # empty: every resident
    sources: list[Source]


class ContactItem(ListedItem):
    """An office and its phone (`detail`), cited by the line printing it, with what it does."""

    concerns: list[ContactConcern] = []

    def concerns_person(self, identities: Collection[str]) -> bool:
        """Whether a payment answer for someone holding `identities` names this office: it
        takes payment or answers policy questions for everyone, or the notice charges it
        with one of the person's groups (verifying or registering them)."""
        return any(
            (not c.identities and c.topic in EVERYONE_TOPICS)
            or any(code in identities for code in c.identities)
            for c in self.concerns
        )


class QuoteRequest(Frozen):
    region: str
    identities: frozenset[str] = frozenset()
    payment_date: date
    birth_date: date | None = None
    # The person's age in full years (周岁) on the payment day lies in [low, high], when the
    # birth date is not known ("65岁", "1960年" in the chat); a birth date overrides it. An
    # age condition both ends meet (or both fail) decides; one they split stays open.
    age_range: tuple[int, int] | None = None
    lapsed_years: int = Field(default=0, ge=0, le=80)
    repaid_years: int = Field(default=0, ge=0, le=80)
    tier: int | None = None
    insurance_year: int | None = None  # None: the later year open on the date (see policies.years)


class OtherInsuranceYear(Frozen):
    """Another insurance year that accepts payment on the same date, and what paying it means."""

    year: int
    status: Status
    amount_due: Decimal | None
    amount_lower_bound: Decimal | None = None
    window_id: str | None = None
    window_label: dict[str, str] | None = None
    deadline: date | None = None
    coverage_start: date | None = None
    coverage_end: date | None = None
    buys_cover: bool  # False: e.g. a late payment whose waiting runs past that year's end
    sources: list[Source] = []


class QuoteResult(Frozen):
    status: Status
    request: QuoteRequest
    region: str
    region_name: str
    policy_year: int | None
    document: str | None
    document_title: str | None = None
    latest_policy_year: int | None = None  # for no_policy: the newest year on file
    office: str | None = None  # who decides where the notice is silent
    office_phone: str | None = None  # its phone, where the notice prints one (contacts)
    tier: int | None = None
    tier_label: str | None = None
    identities: list[str] = []  # canonical codes after implications
    amount: Amount | None = None
    deadline: Deadline | None = None
    coverage: Coverage | None = None
    waiting: Waiting | None = None
    registration: list[ListedItem] = []
    channels: list[ListedItem] = []
    contacts: list[ContactItem] = []  # every office the notice prints, then 12393
    refunds: list[ListedItem] = []
    notes: list[Note] = []
    needs: list[str] = []  # inputs that would change this answer: birth_date, tier, lapse
    sources: list[Source] = []
    other_insurance_years: list[OtherInsuranceYear] = []  # also payable on this date

    @property
    def concerned_contacts(self) -> list[ContactItem]:
        """The contacts this answer concerns (ContactItem.concerns_person), in the notice's
        order; the full list stays in `contacts` for the reference views and the JSON."""
        return [c for c in self.contacts if c.concerns_person(self.identities)]

    @property
    def amount_due(self) -> Decimal | None:
        return self.amount.due if self.amount is not None else None
