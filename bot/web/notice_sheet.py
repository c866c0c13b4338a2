"""The payment periods and waiting rules of a notice, for the printable reference page.

A selection from the policy data, not a computation: each period as the data file records
it (its label in the reader's language, first and last day, the groups it is for) and, for
periods and waiting rules alike, the notice's own clauses, verbatim with their labels; where
the notice relies on a national rule, that rule, marked as national (quoted, or our reading
of it labelled as ours, as the answers show it). The
amounts people owe in each period stay with the calculator (the identity table above them
on the page, and the chat's answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dialogs.rendering import format_date, normalise_lang, render_template
from policies.catalog import NATIONAL_PREFIX, Catalog, LoadedPolicy
from policies.schema import AgeRange, PolicyFile


@dataclass(frozen=True)
class QuotedClause:
    label: str
    quote: str | None  # verbatim; None for a national rule known only by our reading of it
    national: bool = False  # a national rule the notice relies on, not the notice itself
    reading: str | None = None  # the service's reading of a national rule, never a quote


@dataclass(frozen=True)
class Period:
    label: str
    start: str
    end: str | None  # None: the notice gives no last day
    audience: list[str]  # groups, with the ages admitted where only some are; empty: everyone
    clauses: list[QuotedClause]


@dataclass(frozen=True)
class NoticeSheet:
    region_name: str
    insurance_year: int
    citation: str
    title: str
    issued: str | None
    periods: list[Period]
    closed_from: str | None
    closure: list[QuotedClause]
    waiting: list[QuotedClause]


def _clauses(
    catalog: Catalog, policy: LoadedPolicy, ids: list[str | None], lang: str
) -> list[QuotedClause]:
    by_id = {c.id: c for c in policy.data.clauses}
    out: list[QuotedClause] = []
    seen: set[str] = set()
    for clause_id in ids:
        if not clause_id or clause_id in seen:
            continue
        seen.add(clause_id)
        if clause_id.startswith(NATIONAL_PREFIX):
            national = catalog.national_clauses[clause_id.removeprefix(NATIONAL_PREFIX)]
            reading = getattr(national.reading, normalise_lang(lang)) if national.reading else None
            out.append(QuotedClause(national.label, national.quote, True, reading))
        else:
            clause = by_id[clause_id]
            out.append(QuotedClause(clause.label, clause.quote))
    return out


def _audience(catalog: Catalog, data: PolicyFile, code: str, lang: str) -> str:
    """A group a period is for, with the ages admitted when every subsidy of the group here
    has an age condition (科左后旗 低保边缘家庭: 60 and over, under 18), as the calculator
    reads a period's audience."""
    subsidies = [s for s in data.subsidies if s.identity == code]
    bands: list[AgeRange] = []
    if subsidies and all(s.age for s in subsidies):
        for subsidy in subsidies:
            bands += [band for band in subsidy.age or [] if band not in bands]
    name = catalog.identities[code].zh if code in catalog.identities else code
    return render_template(
        "dialog/window_audience.j2", lang, "text", group=name, code=code, bands=bands
    )


def _day(day: date | None, lang: str) -> str | None:
    return format_date(day, normalise_lang(lang)) if day is not None else None


def notice_sheets(catalog: Catalog, region: str, lang: str) -> list[NoticeSheet]:
    """One sheet per notice on file for the region, the latest insurance year first."""
    sheets = []
    policies = sorted(catalog.policies_for(region), key=lambda p: -p.data.insurance_year)
    for policy in policies:
        data = policy.data
        lang_key = normalise_lang(lang)
        periods = [
            Period(
                label=getattr(window.label, lang_key),
                start=format_date(window.start, lang_key),
                end=format_date(window.end, lang_key) if window.end_stated else None,
                audience=[_audience(catalog, data, code, lang) for code in window.audience or []],
                clauses=_clauses(catalog, policy, list(window.clauses), lang),
            )
            for window in sorted(data.windows, key=lambda w: w.start)
        ]
        rules = data.waiting
        waiting_ids: list[str | None] = [
            rules.fixed_clause, rules.variable_clause, rules.repair_clause,
            rules.repair_price_clause, rules.floor_clause, rules.exemption_clause,
        ]
        closure = data.closure
        sheets.append(
            NoticeSheet(
                region_name=data.region.name,
                insurance_year=data.insurance_year,
                citation=data.document.citation,
                title=data.document.title,
                issued=_day(data.document.date, lang),
                periods=periods,
                closed_from=_day(closure.from_date, lang) if closure else None,
                closure=_clauses(catalog, policy, [closure.clause], lang) if closure else [],
                waiting=_clauses(catalog, policy, waiting_ids, lang),
            )
        )
    return sheets
