"""Semantic checks of the policy data, beyond the schema: `yibao policies check`.

Each problem names the file, the field and the kind of problem with its values (a
`policies.problems.Problem`), so a broken file is fixed in minutes, in the reader's language.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from policies.catalog import (
    DATA_DIR,
    DOCUMENTS_DIR,
    NATIONAL_PREFIX,
    Catalog,
    DataError,
    LoadedPolicy,
    display_path,
    read_catalog,
)
from policies.problems import Problem, problem
from policies.schema import PolicyFile, SubsidyKind, Window

_SPACE = re.compile(r"\s+")


def squash(text: str) -> str:
    """Whitespace-normalised form used to compare a quote with its notice (OCR adds spaces)."""
    return _SPACE.sub("", text)


_NATIONAL = "policies/data/national.yaml"


def _where(policy: LoadedPolicy) -> str:
    return display_path(policy.path)


def _clause_refs(data: PolicyFile) -> list[tuple[str, str]]:
    """Every (field, clause id) a policy file cites."""
    refs: list[tuple[str, str]] = []
    refs += [(f"standards[{i}].clause", s.clause) for i, s in enumerate(data.standards)]
    refs += [(f"tiers[{i}].clause", t.clause) for i, t in enumerate(data.tiers)]
    refs += [(f"tier_placements[{i}].clause", t.clause) for i, t in enumerate(data.tier_placements)]
    refs += [(f"subsidies[{i}].clause", s.clause) for i, s in enumerate(data.subsidies)]
    for i, w in enumerate(data.windows):
        refs += [(f"windows[{i}].clauses", c) for c in w.clauses]
    if data.combination.clause:
        refs.append(("combination.clause", data.combination.clause))
    if data.fiscal_subsidy:
        refs.append(("fiscal_subsidy.clause", data.fiscal_subsidy.clause))
    if data.closure:
        refs.append(("closure.clause", data.closure.clause))
    rules = data.waiting
    for name in (
        "fixed_clause",
        "variable_clause",
        "repair_clause",
        "repair_price_clause",
        "floor_clause",
        "exemption_clause",
    ):
        value = getattr(rules, name)
        if value:
            refs.append((f"waiting.{name}", value))
    if data.newborn:
        refs.append(("newborn.within_clause", data.newborn.within_clause))
        if data.newborn.after_clause:
            refs.append(("newborn.after_clause", data.newborn.after_clause))
    refs += [(f"special_cases[{i}].clause", s.clause) for i, s in enumerate(data.special_cases)]
    refs += [(f"registration[{i}].clause", r.clause) for i, r in enumerate(data.registration)]
    refs += [(f"channels[{i}].clause", c.clause) for i, c in enumerate(data.channels)]
    refs += [(f"contacts[{i}].clause", c.clause) for i, c in enumerate(data.contacts)]
    refs += [
        (f"contacts[{i}].concerns[{j}].clause", x.clause)
        for i, c in enumerate(data.contacts)
        for j, x in enumerate(c.concerns)
    ]
    refs += [(f"refunds[{i}]", c) for i, c in enumerate(data.refunds)]
    refs += [
        (f"scope_identities[{i}].clause", x.clause) for i, x in enumerate(data.scope_identities)
    ]
    refs += [
        (f"coverage_overrides[{i}].clause", x.clause) for i, x in enumerate(data.coverage_overrides)
    ]
    for note in data.notes:
        refs += [(f"notes[{note.id}].clauses", c) for c in note.clauses]
    return refs


def _note_refs(data: PolicyFile) -> list[tuple[str, str]]:
    refs = [(f"subsidies[{i}].notes", n) for i, s in enumerate(data.subsidies) for n in s.notes]
    refs += [(f"windows[{w.id}].notes", n) for w in data.windows for n in w.notes]
    refs += [(f"identity_notes.{k}", n) for k, v in data.identity_notes.items() for n in v]
    refs += [
        (f"unnamed_identity_notes.{k}", n)
        for k, v in data.unnamed_identity_notes.items()
        for n in v
    ]
    refs += [("general_notes", n) for n in data.general_notes]
    if data.waiting.counting_note:
        refs.append(("waiting.counting_note", data.waiting.counting_note))
    return refs


def _identity_refs(data: PolicyFile) -> list[tuple[str, str]]:
    refs = [(f"subsidies[{i}].identity", s.identity) for i, s in enumerate(data.subsidies)]
    refs += [
        (f"standards[{i}].identities", c)
        for i, s in enumerate(data.standards)
        for c in s.identities
    ]
    refs += [(f"windows[{w.id}].audience", c) for w in data.windows for c in w.audience or []]
    refs += [(f"special_cases[{i}].identity", s.identity) for i, s in enumerate(data.special_cases)]
    refs += [
        (f"tier_placements[{i}].identity", t.identity) for i, t in enumerate(data.tier_placements)
    ]
    audiences = {"everyone", "lapsed", "continuing", "newborn"}
    refs += [
        (f"registration[{i}].audience", c)
        for i, r in enumerate(data.registration)
        for c in r.audience
        if c not in audiences
    ]
    refs += [("identity_notes", c) for c in data.identity_notes]
    refs += [("unnamed_identity_notes", c) for c in data.unnamed_identity_notes]
    refs += [
        (f"contacts[{i}].concerns[{j}].identities", code)
        for i, c in enumerate(data.contacts)
        for j, x in enumerate(c.concerns)
        for code in x.identities
    ]
    refs += [
        (f"scope_identities[{i}].identity", x.identity) for i, x in enumerate(data.scope_identities)
    ]
    refs += [
        (f"coverage_overrides[{i}].identity", x.identity)
        for i, x in enumerate(data.coverage_overrides)
    ]
    return refs


def _windows_problems(where: str, data: PolicyFile) -> list[Problem]:
    problems: list[Problem] = []
    audiences: set[tuple[str, ...] | None] = {
        tuple(sorted(w.audience)) if w.audience else None for w in data.windows
    }
    for audience in audiences:
        # The windows one person can land in: the general ones plus their own.
        chosen: list[Window] = [
            w
            for w in data.windows
            if w.audience is None
            or (audience is not None and tuple(sorted(w.audience)) == audience)
        ]
        specific = [w for w in chosen if w.audience]
        general = [w for w in chosen if not w.audience]
        for group in (specific, general):
            ordered = sorted(group, key=lambda w: w.start)
            for before, after in pairwise(ordered):
                if after.start <= before.end:
                    problems.append(
                        problem(
                            where,
                            "windows",
                            "windows_overlap",
                            before=before.id,
                            before_start=before.start,
                            before_end=before.end,
                            after=after.id,
                            after_start=after.start,
                            after_end=after.end,
                        )
                    )
    general = sorted((w for w in data.windows if not w.audience), key=lambda w: w.start)
    last_day = data.closure.from_date - timedelta(days=1) if data.closure else data.coverage_end
    for before, after in pairwise(general):
        # an overlap is reported above; only days between two windows are a gap
        if after.start > before.end + timedelta(days=1):
            problems.append(
                problem(where, "windows", "windows_gap", before=before.id, after=after.id)
            )
    if general and general[-1].end != last_day:
        problems.append(
            problem(
                where,
                "windows",
                "last_window_short",
                window=general[-1].id,
                end=general[-1].end,
                last_day=last_day,
            )
        )
    if data.coverage_start > data.coverage_end:
        problems.append(problem(where, "coverage_start", "coverage_reversed"))
    return problems


def _money_problems(where: str, data: PolicyFile) -> list[Problem]:
    problems: list[Problem] = []
    tiers: list[int | None] = [t.number for t in data.tiers] or [None]
    for i, placement in enumerate(data.tier_placements):
        if placement.tier not in tiers:
            problems.append(
                problem(where, f"tier_placements[{i}].tier", "no_such_tier", tier=placement.tier)
            )
    for tier in tiers:
        if not any(s.tier == tier and not s.identities for s in data.standards):
            problems.append(problem(where, "standards", "no_general_standard", tier=tier))
    for i, subsidy in enumerate(data.subsidies):
        for tier in subsidy.tiers or tiers:
            general = next(
                (s.amount for s in data.standards if s.tier == tier and not s.identities), None
            )
            if general is None:
                problems.append(
                    problem(where, f"subsidies[{i}].tiers", "subsidy_no_standard", tier=tier)
                )
                continue
            amount: Decimal | None = subsidy.amount
            if subsidy.kind is SubsidyKind.PERCENT and subsidy.percent is not None:
                amount = general * subsidy.percent / 100
            if amount is not None and amount > general:
                problems.append(
                    problem(
                        where,
                        f"subsidies[{i}].amount",
                        "subsidy_exceeds",
                        amount=amount,
                        tier=tier,
                        standard=general,
                    )
                )
    return problems


def check_catalog(catalog: Catalog, documents_dir: Path = DOCUMENTS_DIR) -> list[Problem]:
    """Every problem found across the catalog; an empty list means the data is sound."""
    problems: list[Problem] = []
    national_text = squash((documents_dir / catalog.national.text_file).read_text("utf-8"))
    for national in catalog.national.clauses:
        if national.quote is not None and squash(national.quote) not in national_text:
            problems.append(
                problem(
                    _NATIONAL,
                    f"clauses[{national.id}].quote",
                    "quote_not_verbatim",
                    text_file=catalog.national.text_file,
                )
            )
    national_refs = [
        (f"fiscal_subsidies[{f.year}].clause", f.clause) for f in catalog.national.fiscal_subsidies
    ]
    national_refs.append(("waiting_rules_from.clause", catalog.national.waiting_rules_from.clause))
    national_refs.append(("hotline.clause", catalog.national.hotline.clause))
    for field, ref in national_refs:
        if ref.removeprefix(NATIONAL_PREFIX) not in catalog.national_clauses:
            problems.append(problem(_NATIONAL, field, "unknown_national_clause", ref=ref))
    seen_years: set[tuple[str, int]] = set()
    for policy in catalog.policies:
        key = (policy.data.region.slug, policy.data.insurance_year)
        if key in seen_years:
            problems.append(
                problem(
                    _where(policy), "insurance_year", "duplicate_year", region=key[0], year=key[1]
                )
            )
        seen_years.add(key)
        problems += check_policy(catalog, policy, documents_dir)
    return problems


def check_policy(catalog: Catalog, policy: LoadedPolicy, documents_dir: Path) -> list[Problem]:
    """The semantic checks of one file (also run on a draft once it passes the schema)."""
    problems: list[Problem] = []
    where = _where(policy)
    data = policy.data
    if (
        policy.path.stem != str(data.insurance_year)
        or policy.path.parent.name != data.region.slug
    ):
        problems.append(
            problem(
                where,
                "",
                "misnamed_file",
                expected=f"data/{data.region.slug}/{data.insurance_year}.yaml",
            )
        )
    text_path = documents_dir / data.document.text_file
    if not text_path.is_file():
        problems.append(
            problem(where, "document.text_file", "text_file_missing", text_file=text_path.name)
        )
        text = ""
    else:
        text = squash(text_path.read_text("utf-8"))
    ids = [c.id for c in data.clauses]
    for dup in {i for i in ids if ids.count(i) > 1}:
        problems.append(problem(where, "clauses", "duplicate_clause_id", id=dup))
    for clause in data.clauses:
        if text and squash(clause.quote) not in text:
            problems.append(
                problem(
                    where,
                    f"clauses[{clause.id}].quote",
                    "quote_not_verbatim",
                    text_file=data.document.text_file,
                )
            )
    for field, ref in _clause_refs(data):
        if ref.startswith(NATIONAL_PREFIX):
            if ref.removeprefix(NATIONAL_PREFIX) not in catalog.national_clauses:
                problems.append(problem(where, field, "unknown_national_clause", ref=ref))
        elif ref not in policy.clauses:
            problems.append(problem(where, field, "unknown_clause", ref=ref))
    note_ids = {n.id for n in data.notes}
    for field, ref in _note_refs(data):
        if ref not in note_ids:
            problems.append(problem(where, field, "unknown_note", ref=ref))
    for field, code in _identity_refs(data):
        if code not in catalog.identities:
            problems.append(problem(where, field, "unknown_identity", identity=code))
    problems += _windows_problems(where, data)
    problems += _money_problems(where, data)
    return problems


def run_checks(data_dir: Path = DATA_DIR, documents_dir: Path = DOCUMENTS_DIR) -> list[Problem]:
    """Every problem of the complete files, then what each draft still lacks."""
    from policies.drafts import check_drafts  # drafts builds on check_policy: import late

    try:
        catalog = read_catalog(data_dir)
    except DataError as err:
        return err.problems + check_drafts(data_dir, documents_dir, None)
    return check_catalog(catalog, documents_dir) + check_drafts(data_dir, documents_dir, catalog)
