"""The worked cases next to each policy data file (`policies/data/<slug>/<year>.cases.yaml`).

Each case is derived from the notice text, names the clause it comes from, and states what the
calculator must answer. The format is strict (unknown keys are rejected) because volunteers
read and extend these files; only the `expect` keys a case lists are compared.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from policies.catalog import DATA_DIR, load_catalog
from policies.engine import quote
from policies.result import QuoteRequest, QuoteResult

MIN_CASES_PER_REGION = 12
LABEL_SEPARATOR = "；"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Given(Strict):
    date: dt.date
    identities: list[str] = []
    birth_date: dt.date | None = None
    lapsed_years: int = Field(default=0, ge=0)
    repaid_years: int = Field(default=0, ge=0)
    tier: int | None = None


class Expect(Strict):
    """Every key is optional; a key that is present (even as null) is compared."""

    status: Literal["ok", "undetermined", "closed", "no_policy"] | None = None
    policy_year: int | None = None
    amount_due: Decimal | None = None
    known_part: Decimal | None = None
    subsidy_applied: Decimal | None = None
    lower_bound: Decimal | None = None
    amount_basis: Literal["county", "national"] | None = None
    back_payment: Decimal | None = None
    total_due: Decimal | None = None
    deadline: dt.date | None = None
    deadline_after: (
        Literal["next_window", "closed", "not_stated", "year_end", "newborn_late"] | None
    ) = None
    coverage_start: dt.date | None = None
    coverage_end: dt.date | None = None
    coverage_rule: str | None = None
    waiting: Literal["none", "fixed", "fixed_plus_variable", "undetermined", "not_applicable"] | (
        None
    ) = None
    waiting_months: int | None = None
    waiting_days: int | None = None
    waiting_last_day: dt.date | None = None
    notes_include: list[str] = []

    @field_validator(
        "amount_due",
        "known_part",
        "subsidy_applied",
        "lower_bound",
        "back_payment",
        "total_due",
        mode="before",
    )
    @classmethod
    def _no_float_money(cls, value: Any) -> Any:
        if isinstance(value, float):
            return str(value)
        return value


class Case(Strict):
    name: str = Field(min_length=1)
    clause: str = Field(min_length=1)
    why: str = Field(min_length=1)
    given: Given
    expect: Expect

    def labels(self) -> list[str]:
        return [part.strip() for part in self.clause.split(LABEL_SEPARATOR) if part.strip()]


class CaseFile(Strict):
    region: str
    policy_year: int
    cases: list[Case] = Field(min_length=1)


def case_paths() -> list[Path]:
    return sorted(DATA_DIR.glob("*/*.cases.yaml"))


def load_case_file(path: Path) -> CaseFile:
    with path.open(encoding="utf-8") as handle:
        return CaseFile.model_validate(yaml.safe_load(handle))


def _all_cases() -> list[Any]:
    params = []
    for path in case_paths():
        case_file = load_case_file(path)
        for case in case_file.cases:
            params.append(pytest.param(case_file, case, id=f"{case_file.region}:{case.name}"))
    return params


ALL_CASES = _all_cases()


def _policy_labels(region: str, year: int) -> set[str]:
    catalog = load_catalog()
    policy = next(p for p in catalog.policies_for(region) if p.data.insurance_year == year)
    return {c.label for c in policy.data.clauses}


def _national_labels() -> set[str]:
    return {c.label for c in load_catalog().national.clauses}


def _resolve(identities: list[str]) -> frozenset[str]:
    catalog = load_catalog()
    codes = set()
    for text in identities:
        code = text if text in catalog.identities else catalog.resolve_identity(text)
        assert code is not None, f"unknown identity {text!r} (use a code from identities.yaml)"
        codes.add(code)
    return frozenset(codes)


def _note_keys(result: QuoteResult) -> set[str]:
    keys = set()
    for note in result.notes:
        keys.add(note.code)
        if "id" in note.params:
            keys.add(note.params["id"])
    return keys


def _actual(result: QuoteResult, key: str) -> Any:
    amount, deadline, coverage, waiting = (
        result.amount,
        result.deadline,
        result.coverage,
        result.waiting,
    )
    total = waiting.total if waiting is not None else None
    getters: dict[str, Any] = {
        "status": lambda: result.status.value,
        "policy_year": lambda: result.policy_year,
        "amount_due": lambda: amount.due if amount else None,
        "known_part": lambda: amount.known_part if amount else None,
        "subsidy_applied": lambda: amount.subsidy_applied if amount else None,
        "lower_bound": lambda: amount.lower_bound if amount else None,
        "amount_basis": lambda: amount.basis if amount else None,
        "back_payment": lambda: (
            amount.back_payment.amount if amount and amount.back_payment else None
        ),
        "total_due": lambda: amount.total_due if amount else None,
        "deadline": lambda: deadline.date if deadline else None,
        "deadline_after": lambda: deadline.after.value if deadline else None,
        "coverage_start": lambda: coverage.start if coverage else None,
        "coverage_end": lambda: coverage.end if coverage else None,
        "coverage_rule": lambda: coverage.rule if coverage else None,
        "waiting": lambda: waiting.kind if waiting else None,
        "waiting_months": lambda: total.months if total else None,
        "waiting_days": lambda: total.days if total else None,
        "waiting_last_day": lambda: waiting.last_day if waiting else None,
    }
    return getters[key]()


def run_case(region: str, case: Case) -> QuoteResult:
    given = case.given
    request = QuoteRequest(
        region=region,
        identities=_resolve(given.identities),
        payment_date=given.date,
        birth_date=given.birth_date,
        lapsed_years=given.lapsed_years,
        repaid_years=given.repaid_years,
        tier=given.tier,
    )
    return quote(request)


@pytest.mark.parametrize(("case_file", "case"), ALL_CASES)
def test_case(case_file: CaseFile, case: Case) -> None:
    result = run_case(case_file.region, case)
    expect = case.expect
    mismatches = []
    for key in sorted(expect.model_fields_set - {"notes_include"}):
        wanted = getattr(expect, key)
        got = _actual(result, key)
        if wanted != got:
            mismatches.append(f"{key}: expected {wanted!r}, got {got!r}")
    missing = set(expect.notes_include) - _note_keys(result)
    if missing:
        mismatches.append(
            f"notes_include: missing {sorted(missing)}; notes are {sorted(_note_keys(result))}"
        )
    assert not mismatches, f"{case.clause} — {case.why}\n" + "\n".join(mismatches)


@pytest.mark.parametrize(("case_file", "case"), ALL_CASES)
def test_case_clause_labels_exist(case_file: CaseFile, case: Case) -> None:
    known = _policy_labels(case_file.region, case_file.policy_year) | _national_labels()
    unknown = [label for label in case.labels() if label not in known]
    assert case.labels(), "a case must name at least one clause"
    assert not unknown, f"clause labels not in the data file: {unknown}; known: {sorted(known)}"


def test_every_policy_has_enough_cases() -> None:
    counts: dict[tuple[str, int], int] = {}
    for path in case_paths():
        case_file = load_case_file(path)
        assert path.parent.name == case_file.region, f"{path}: region must match its folder"
        assert path.name == f"{case_file.policy_year}.cases.yaml", f"{path}: year mismatch"
        names = [c.name for c in case_file.cases]
        assert len(names) == len(set(names)), f"{path}: duplicate case names"
        counts[(case_file.region, case_file.policy_year)] = len(case_file.cases)
    for policy in load_catalog().policies:
        key = (policy.slug, policy.data.insurance_year)
        assert counts.get(key, 0) >= MIN_CASES_PER_REGION, f"{key}: {counts.get(key, 0)} cases"


def test_case_format_rejects_unknown_keys() -> None:
    bad = {
        "region": "changtu",
        "policy_year": 2025,
        "cases": [
            {
                "name": "x",
                "clause": "二",
                "why": "y",
                "given": {"date": "2024-10-01"},
                "expect": {"amount": 400},
            }
        ],
    }
    with pytest.raises(ValueError, match="amount"):
        CaseFile.model_validate(bad)
