"""The conversation's state: small, validated, and round-tripping through JSON.

It holds only what the answer needs. Identity categories (低保, 特困…) are sensitive: they
live here only while the conversation needs them and `/forget` deletes the whole record.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

STATE_VERSION = 1


class Stage(StrEnum):
    REGION = "region"
    IDENTITIES = "identities"
    BIRTH_DATE = "birth_date"
    TIER = "tier"
    HISTORY = "history"  # insured last year?
    LAPSED_YEARS = "lapsed_years"
    REPAIR = "repair"  # how many lapsed years will be back-paid
    PAYMENT_DATE = "payment_date"
    INSURANCE_YEAR = "insurance_year"  # asked only when two notices take payment that day
    ANSWER = "answer"
    COMPARE = "compare"  # choosing the identity to compare across regions


class DialogState(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    v: int = STATE_VERSION
    lang: str | None = None  # the user's explicit choice
    client_lang: str | None = None  # what the client reported (Telegram language_code)
    stage: Stage = Stage.REGION
    region: str | None = None
    identities: list[str] | None = None  # None: not asked yet; []: ordinary resident
    draft: list[str] = Field(default_factory=list)  # multi-select in progress
    birth_date: date | None = None
    # Without a birth date, the days it lies between as the person put it: an age on a day
    # ("65岁" on 10 March 2025: 11 March 1959 to 10 March 1960) or a year ("1960年").
    birth_range: tuple[date, date] | None = None
    tier: int | None = None
    insured_last_year: bool | None = None
    lapsed_years: int | None = Field(default=None, ge=0, le=80)
    repaid_years: int | None = Field(default=None, ge=0, le=80)
    payment_date: date | None = None
    # The insurance year the person pays for, when they said it or chose it (None: the one
    # year open on the date, or not asked yet).
    insurance_year: int | None = Field(default=None, ge=1900, le=2199)
    asked: list[Stage] = Field(default_factory=list, max_length=32)  # for "back"
    failures: int = Field(default=0, ge=0)
    resume: Stage | None = None  # the stage to return to after "language"/"compare"
    # A question the answer would otherwise assume (tier, history), asked because the person
    # asked to refine it or because the amount depends on it.
    requested: Stage | None = None
    then: str | None = None  # a view asked for before its region was known ("table")
    all_identities: bool = False  # "more…" pressed: every group of the region is offered
    # Choices made before "back" or 修改 (button ids, "t:2"), marked ✓ until answered again.
    kept: list[str] = Field(default_factory=list, max_length=32)
    seq: int = Field(default=0, ge=0)  # bumps with every question; buttons carry it

    def clone(self) -> DialogState:
        """A copy with lists of its own: a step works on a clone and may mutate it, while the
        state it started from stays intact for the apology path. Much cheaper than
        `model_copy(deep=True)`, which the bot would otherwise pay on every update."""
        return self.model_copy(
            update={
                "identities": None if self.identities is None else list(self.identities),
                "draft": list(self.draft),
                "asked": list(self.asked),
                "kept": list(self.kept),
            }
        )

    def to_json(self) -> str:
        return self.model_dump_json(exclude_defaults=True)

    @classmethod
    def from_json(cls, raw: str | bytes | None) -> DialogState:
        if not raw:
            return cls()
        return cls.model_validate_json(raw)
