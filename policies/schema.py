"""The strict schema of a policy data file (one county notice, one insurance year).

Unknown keys are rejected everywhere: a misspelt key must fail loudly rather than silently
drop a citation. Every rule carries the id of the clause it comes from; clause ids starting
with "national:" refer to the national rules file (`policies/data/national.yaml`).
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from policies.periods import Duration
from policies.problems import validator_error


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(Strict):
    """A sentence written for people, in every shipped language."""

    zh_Hans: str
    zh_Hant: str
    en: str

    def get(self, lang: str) -> str:
        value: str = getattr(self, lang, self.zh_Hans)
        return value


class Clause(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str  # as printed, e.g. "三(二)"
    quote: str  # verbatim, checked against the notice text (whitespace-normalised)


class Document(Strict):
    issuer: str
    number: str | None  # None where the notice prints no document number
    citation: str  # how an answer names the document, e.g. "后政办字〔2024〕126号"
    title: str
    date: dt.date | None  # None where the notice prints no date
    implements: list[str] = []
    valid_until: dt.date | None = None
    text_file: str  # under policies/documents/


class Region(Strict):
    slug: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str  # as printed
    short_names: list[str]
    pinyin: list[str]
    province: str
    city: str
    admin_code: str = Field(pattern=r"^[0-9]{6}$")
    admin_code_is_county: bool = False  # True where the code is the county's, not the region's
    office: str  # who decides where the notice is silent, as printed (no phone)
    # The clause of the contact line that is this office, where the notice prints its phone:
    # answers without the contact list (the short one, the no-notice reference) add it.
    office_contact: str | None = None


class Standard(Strict):
    """A personal contribution standard (个人缴费标准)."""

    amount: Decimal = Field(ge=0)
    tier: int | None = None
    identities: list[str] = []  # empty: everyone; else a special standard for these groups
    clause: str


class Tier(Strict):
    number: int
    label: str
    clause: str


class AgeRange(Strict):
    """Age in full years (周岁) on the payment date; bounds inclusive."""

    min: int | None = None
    max: int | None = None


class SubsidyKind(StrEnum):
    FULL = "full"  # the whole personal contribution
    FIXED = "fixed"  # a fixed amount in yuan
    PERCENT = "percent"  # a percentage of the tier's general standard
    NOT_STATED = "not_stated"  # the notice names the group but gives no amount


class Subsidy(Strict):
    identity: str
    label: str  # the group as the notice prints it
    kind: SubsidyKind
    amount: Decimal | None = Field(default=None, ge=0)
    percent: Decimal | None = Field(default=None, gt=0, le=100)
    tiers: list[int] | None = None  # None: every tier
    age: list[AgeRange] | None = None  # None: any age; else any range matches
    clause: str
    notes: list[str] = []  # ids of data notes shown with this subsidy

    @model_validator(mode="after")
    def _amount_matches_kind(self) -> Subsidy:
        if self.kind is SubsidyKind.FIXED and self.amount is None:
            raise validator_error("subsidy_amount_missing", "a fixed subsidy needs an amount")
        if self.kind is SubsidyKind.PERCENT and self.percent is None:
            raise validator_error("subsidy_percent_missing", "a percent subsidy needs a percent")
        if self.kind in (SubsidyKind.FULL, SubsidyKind.NOT_STATED) and self.amount is not None:
            raise validator_error(
                "subsidy_amount_not_taken",
                "a {kind} subsidy takes no amount",
                kind=self.kind.value,
            )
        return self


class CombinationRule(Strict):
    """What a person holding several subsidised identities gets."""

    rule: Literal["highest", "not_stated"]
    clause: str | None = None


class FiscalSubsidy(Strict):
    """The per-person fiscal subsidy, added to the price in some late windows.

    Where the notice states no figure, `national` says what the national figure is to it:
    "follows" where the notice says the subsidy is "按照国家规定执行" (the national standard is
    the figure, cited as national); "minimum" where the county fixes its own figure above the
    national minimum without publishing it (the answer says "at least").
    """

    amount: Decimal | None = Field(default=None, ge=0)  # None: the notice does not state it
    clause: str
    national: Literal["follows", "minimum"] | None = None

    @model_validator(mode="after")
    def _national_only_without_amount(self) -> FiscalSubsidy:
        if self.national is not None and self.amount is not None:
            raise validator_error(
                "fiscal_subsidy_defers",
                "a fiscal subsidy with its own amount does not defer to the nation",
            )
        return self


class Price(StrEnum):
    PERSONAL_STANDARD = "personal_standard"
    PERSONAL_PLUS_FISCAL = "personal_plus_fiscal_subsidy"


class CoverageStart(StrEnum):
    YEAR_START = "year_start"  # from the first day of the year, also for payers within it
    YEAR_START_IF_PAID_BEFORE = "year_start_if_paid_before"  # silent on payers within the year
    NEXT_MONTH_FIRST = "next_month_first"  # from the 1st of the month after payment
    AFTER_WAITING = "after_waiting"  # the day after the waiting period
    NOT_STATED = "not_stated"


class Window(Strict):
    """A span of payment dates with one price and one coverage rule."""

    id: str
    kind: Literal["collection", "late", "extension"]
    label: LocalizedText
    start: date
    end: date  # last day inclusive
    end_stated: bool = True  # False: the notice gives no end; `end` is the year's end
    audience: list[str] | None = None  # identity codes; None: everyone
    price: Price
    price_stated: bool = True  # False: the notice gives no price for this window
    subsidies_apply: Literal["yes", "no", "not_stated"] = "yes"
    coverage: CoverageStart
    waiting: Duration | None = None  # a waiting period everyone paying here gets
    waiting_stated: bool = True
    clauses: list[str]
    notes: list[str] = []

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end < self.start:
            raise validator_error(
                "window_reversed",
                "window {id} ends ({end}) before it starts ({start})",
                id=self.id,
                start=self.start,
                end=self.end,
            )
        return self


class Closure(Strict):
    """The notice says payment for this year is no longer accepted from `from_date`."""

    from_date: date
    clause: str


class WaitingRules(Strict):
    """Waiting periods for people who lapse or pay outside the collection window."""

    fixed: Duration | None  # None: the notice states none
    fixed_clause: str | None = None
    applies_to_lapsed_in_collection: bool = True
    variable_months_per_extra_lapsed_year: int = 0
    variable_clause: str | None = None
    repair_months_per_year_paid: int = 0
    repair_clause: str | None = None
    repair_price_clause: str | None = None
    floor_min_lapsed_years: int | None = None
    floor_total_months: int | None = None
    floor_clause: str | None = None
    exemption_clause: str | None = None  # "newborns and other special groups"
    counting_note: str | None = None  # data note on from when the period counts


class NewbornRules(Strict):
    days: int = 90  # payment on or before birth + days (民法典 counting) is "within"
    within_coverage: Literal["from_birth", "not_stated"]
    within_waiting: Literal["none", "not_stated"]
    within_clause: str
    after_coverage: Literal["from_payment", "regular", "not_stated"]
    after_clause: str | None = None


class TierPlacement(Strict):
    """A group the notice places in a tier (丰都 五(三) "全额资助参加二档"): their tier when the
    person names none, provided they meet that group's subsidy conditions (e.g. age)."""

    identity: str
    tier: int
    clause: str


class SpecialCase(Strict):
    """A group paying outside the collection window at the personal standard, without waiting."""

    identity: str
    label: str
    personal_due_outside_collection: Literal["personal_standard", "nothing"]
    coverage: Literal["from_payment", "from_event"]
    event: LocalizedText | None = None  # for from_event: the day coverage counts from
    clause: str


class Channel(Strict):
    name: str  # as printed
    path: str | None = None  # a menu path as printed
    audience: Literal["everyone", "continuing", "after_registration"] = "everyone"
    clause: str


class RegistrationStep(Strict):
    """Who must register before paying, and where; shown as the notice words it."""

    audience: list[str]  # "first_time", "lapsed", "newborn", "continuing" or identity codes
    clause: str


ContactTopic = Literal["payment", "general", "registration", "identity_verification", "benefits"]
"""What a notice says an office does: takes payment (税务), answers policy questions in general
(the 医保 centre, 12393), registers people, verifies a group's identity, pays benefits."""


class ContactConcern(Strict):
    """One thing the notice says an office does, for whom (no identities: for everyone)."""

    topic: ContactTopic
    identities: list[str] = []  # identity codes; empty: every resident
    clause: str  # where the notice says the office does it


class Contact(Strict):
    name: str
    phone: str
    clause: str  # the line that prints the phone
    concerns: list[ContactConcern] = Field(min_length=1)


class ScopeIdentity(Strict):
    """A group the notice names in its scope without a price of its own: ordinary standard."""

    identity: str
    label: str  # as printed
    clause: str


class CoverageOverride(Strict):
    """A group whose benefit period differs when paying in the collection window."""

    identity: str
    start: date
    end: date
    clause: str


class DataNote(Strict):
    id: str
    text: LocalizedText
    clauses: list[str] = []


class PolicyFile(Strict):
    schema_version: Literal[1]
    region: Region
    insurance_year: int
    document: Document
    coverage_start: date
    coverage_end: date
    clauses: list[Clause]
    tiers: list[Tier] = []
    tier_placements: list[TierPlacement] = []
    standards: list[Standard]
    fiscal_subsidy: FiscalSubsidy | None = None
    subsidies: list[Subsidy] = []
    combination: CombinationRule
    windows: list[Window]
    closure: Closure | None = None
    waiting: WaitingRules
    newborn: NewbornRules | None = None
    special_cases: list[SpecialCase] = []
    registration: list[RegistrationStep] = []
    channels: list[Channel] = []
    contacts: list[Contact] = []
    scope_identities: list[ScopeIdentity] = []
    coverage_overrides: list[CoverageOverride] = []
    refunds: list[str] = []  # clause ids
    identity_notes: dict[str, list[str]] = {}  # identity code -> data note ids
    # Notes for a group the notice does not name, said beside "not in the notice: ordinary
    # standard" (昌图 funds only 重点优抚对象: an 优抚对象 or 烈士遗属 is told who recognises
    # them); unlike identity_notes they do not make the notice name the group.
    unnamed_identity_notes: dict[str, list[str]] = {}
    notes: list[DataNote] = []
    general_notes: list[str] = []  # data note ids shown with every answer

    @model_validator(mode="after")
    def _office_contact_is_a_contact(self) -> PolicyFile:
        wanted = self.region.office_contact
        if wanted is not None and all(c.clause != wanted for c in self.contacts):
            raise validator_error(
                "office_contact_unknown",
                "region.office_contact {ref} is the clause of no contact",
                ref=wanted,
            )
        return self

    def office_phone(self) -> str | None:
        """The phone the notice prints for the deciding office, if it names that line."""
        wanted = self.region.office_contact
        return next((c.phone for c in self.contacts if c.clause == wanted), None)


Confidence = Literal["high", "medium", "low"]


class NationalClause(Strict):
    """A national rule: a Chinese sentence quoted verbatim, or the service's reading of it.

    A reading (our interpretation, or a fact for which no Chinese sentence is at hand) is
    shown labelled as the service's, in the user's language, never as a quotation.
    """

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str  # the national document, e.g. "国办发〔2024〕38号"
    quote: str | None = None
    reading: LocalizedText | None = None
    confidence: Confidence

    @model_validator(mode="after")
    def _quote_or_reading(self) -> NationalClause:
        if (self.quote is None) == (self.reading is None):
            raise validator_error(
                "national_quote_or_reading",
                "national clause {id}: give exactly one of quote and reading",
                id=self.id,
            )
        return self


class NationalFiscalSubsidy(Strict):
    """The national per-person fiscal subsidy of one insurance year ("不低于": a minimum)."""

    year: int
    minimum: Decimal = Field(gt=0)
    clause: str


class YearFrom(Strict):
    """A national rule that holds from an insurance year on."""

    year: int
    clause: str


class NationalFile(Strict):
    """National rules the county notices rely on (see policy-context.md)."""

    schema_version: Literal[1]
    citation: str
    text_file: str
    clauses: list[NationalClause]
    fiscal_subsidies: list[NationalFiscalSubsidy]
    waiting_rules_from: YearFrom
    hotline: Contact

    def fiscal_subsidy(self, year: int) -> NationalFiscalSubsidy | None:
        return next((f for f in self.fiscal_subsidies if f.year == year), None)


class Identity(Strict):
    code: str = Field(pattern=r"^[a-z0-9_]+$")
    zh: str
    en: str
    aliases: list[str] = []
    implies: list[str] = []  # a 重点优抚对象 is also an 优抚对象
    needs_birth_date: bool = False


class IdentityRegistry(Strict):
    schema_version: Literal[1]
    identities: list[Identity]
