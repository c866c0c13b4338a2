"""`yibao quote`: one payment question answered from the policy data, as text or JSON.

A contract other tools rely on (see README): the options, the JSON keys, and the exit codes
(0 for every answer, including closed / no_policy / undetermined; 2 for input we cannot
take, with a message listing what is accepted).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot.cli.language import checking_message, follows_its_lang
from dialogs.rendering import LANGUAGES, render_note, render_quote, render_template
from dialogs.rendering.notes import completed

if TYPE_CHECKING:
    from policies.catalog import Catalog
    from policies.result import ListedItem, QuoteResult, Source

    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_BAD_INPUT = 2  # argparse's own code for usage errors; ours match it
ORDINARY = "ordinary"  # the engine's code for "no special identity"
MAX_YEARS = 80  # QuoteRequest bounds lapsed/repaid years to 0..80
BAD_VALUE = "cli/bad_value.j2"

DESCRIPTION = """\
Answer one payment question from the county notice that governs the payment date: amount
due with its breakdown, deadline and what changes after it, coverage start and end, waiting
period, registration steps, payment channels, contacts, notes and sources.

REGION is a region's Chinese name as printed, a short form (昌图, 科左后旗, 栗子乡, 丰都…) or a
pinyin slug (changtu). ID is an identity code (dibao), or any label or alias a notice uses
(低保对象, 城乡低保对象, 最低生活保障对象, 新生儿…); repeat --identity for a person holding
several. Without --identity the person is an ordinary resident. An unknown region or
identity prints the accepted names and exits 2.

Every autumn two notices of a region may take payment on one date: last year's (late
payment) and next year's (collection). Without --insurance-year the answer is for the later
year (a newborn within its time limit: the birth year), and its notes and JSON
(other_insurance_years) say what paying the other year would mean. --insurance-year for a
year not on file, or one that takes no payment on the date, names the years on file and
their payment periods and exits 2.
"""

EPILOG = """\
exit codes: 0 an answer (also when payment is closed, no notice governs the date, or the
notice leaves the amount open); 2 unknown region or identity, malformed date, an insurance
year not on file or not payable on the date, or impossible input (e.g. born after the
payment date).

examples:
  yibao quote --region 昌图 --identity 低保边缘户 --date 2025-03-10
  yibao quote --region changtu --date 2025-02-01 --lapsed-years 3 --repaid-years 1 --format json
  yibao quote --region 丰都 --date 2025-10-15 --insurance-year 2026
"""


def _years(text: str) -> int:
    """A count of years, 0..80 (argparse reports anything else and exits 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            checking_message(BAD_VALUE, kind="whole_number", text=text)
        ) from None
    if not 0 <= value <= MAX_YEARS:
        raise argparse.ArgumentTypeError(
            checking_message(BAD_VALUE, kind="out_of_range", text=value, low=0, high=MAX_YEARS)
        )
    return value


def _insurance_year(text: str) -> int:
    """A four-digit year (argparse reports anything else and exits 2)."""
    if len(text) != len("YYYY") or not text.isdigit():
        raise argparse.ArgumentTypeError(checking_message(BAD_VALUE, kind="year", text=text))
    return int(text)


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "quote",
        help="answer one payment question (amount, deadline, coverage, waiting period)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    follows_its_lang(parser)  # its usage errors are the web API's too
    parser.add_argument("--region", required=True, metavar="REGION", help="the region")
    parser.add_argument(
        "--identity",
        action="append",
        default=[],
        metavar="ID",
        help="an identity code, label or alias; repeatable (default: ordinary resident)",
    )
    parser.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the payment date")
    parser.add_argument(
        "--birth-date",
        metavar="YYYY-MM-DD",
        help="birth date (newborns; subsidies that depend on age)",
    )
    parser.add_argument(
        "--lapsed-years",
        type=_years,
        default=0,
        metavar="N",
        help="years without insurance before this one (default 0: insured last year)",
    )
    parser.add_argument(
        "--repaid-years",
        type=_years,
        default=0,
        metavar="N",
        help="lapsed years being back-paid, which shorten the waiting period; the answer adds "
        "their price to this year's contribution (total_due_cny) (default 0)",
    )
    parser.add_argument(
        "--tier",
        type=int,
        choices=(1, 2),
        help="contribution tier (一档/二档) where the region has tiers; elsewhere ignored "
        "with a note",
    )
    parser.add_argument(
        "--insurance-year",
        type=_insurance_year,
        metavar="Y",
        help="the insurance year paid for, where two notices take payment on the date "
        "(default: the later one; the answer says what the earlier would mean)",
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="zh_Hans",
        help="language of the answer and of error messages (default zh_Hans)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "short", "json"),
        default="text",
        help="text: the plain-text answer to paste (default); short: one SMS-sized paragraph "
        "(at most 200 characters in Chinese); json: one JSON object",
    )
    parser.set_defaults(handler=run)


def _parse_date(text: str | None, option: str, lang: str, errors: list[str]) -> date | None:
    if text is None:
        return None
    try:
        # fromisoformat also takes 20250310 and week dates; the contract is YYYY-MM-DD.
        if len(text) != len("YYYY-MM-DD"):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        errors.append(render_template("cli/bad_date.j2", lang, "text", option=option, text=text))
        return None


def _resolve(args: argparse.Namespace, catalog: Catalog, errors: list[str]) -> dict[str, Any]:
    """The QuoteRequest fields, or messages in `errors` listing what is accepted."""
    lang = args.lang
    region = catalog.resolve_region(args.region)
    if region is None:
        names = catalog.region_labels()
        # The labels already end with the pinyin slug: each name once.
        regions = [
            (labels[0], list(dict.fromkeys([*labels[1:], slug]))) for slug, labels in names.items()
        ]
        errors.append(
            render_template(
                "cli/unknown_region.j2", lang, "text", text=args.region, regions=regions
            )
        )
    identities: set[str] = set()
    for text in args.identity:
        code = ORDINARY if text == ORDINARY else catalog.resolve_identity(text)
        if code is None:
            errors.append(
                render_template(
                    "cli/unknown_identity.j2",
                    lang,
                    "text",
                    text=text,
                    identities=list(catalog.identities.values()),
                )
            )
        else:
            identities.add(code)
    return {
        "region": region,
        "identities": frozenset(identities),
        "payment_date": _parse_date(args.date, "--date", lang, errors),
        "birth_date": _parse_date(args.birth_date, "--birth-date", lang, errors),
        "lapsed_years": args.lapsed_years,
        "repaid_years": args.repaid_years,
        "tier": args.tier,
        "insurance_year": args.insurance_year,
    }


def run(args: argparse.Namespace) -> int:
    code, text = answer(args)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


def answer(args: argparse.Namespace) -> tuple[int, str]:
    """The exit code and what `yibao quote` prints: the answer (code 0, on stdout) or the
    messages for input it cannot take (EXIT_BAD_INPUT, on stderr). The web API calls this
    too, so the HTTP contract is the command's, message for message."""
    from pydantic import ValidationError

    from policies.catalog import load_catalog
    from policies.engine import QuoteInputError, quote
    from policies.result import QuoteRequest
    from policies.years import InsuranceYearError

    catalog = load_catalog()
    errors: list[str] = []
    fields = _resolve(args, catalog, errors)
    if errors:
        return EXIT_BAD_INPUT, "\n".join(errors)
    try:
        result = quote(QuoteRequest(**fields), catalog)
    except InsuranceYearError as err:
        return EXIT_BAD_INPUT, render_template(
            "cli/insurance_year.j2",
            args.lang,
            "text",
            year=fields["insurance_year"],
            day=fields["payment_date"],
            on_file=any(year == fields["insurance_year"] for year, _, _ in err.periods),
            periods=err.periods,
        )
    except (QuoteInputError, ValidationError) as err:
        # the error's code, rendered in the user's language (its message is English, for logs)
        code, params = (err.code, err.params) if isinstance(err, QuoteInputError) else ("", {})
        return EXIT_BAD_INPUT, render_template(
            "cli/impossible_input.j2", args.lang, "text", code=code, params=params
        )
    if args.format == "json":
        return 0, json.dumps(quote_json(result, args.lang), ensure_ascii=False, indent=2)
    if args.format == "short":
        return 0, short_answer(result, args.lang, catalog)
    return 0, text_answer(result, args.lang, catalog)


def text_answer(result: QuoteResult, lang: str, catalog: Catalog) -> str:
    """The full answer; with no notice for the date, the plain statement and then the latest
    notice's answer, compact and labelled on every line, as the chat gives it."""
    from dialogs.rendering.reference import PARAGRAPH_BREAK, render_reference
    from dialogs.views import reference_for
    from policies.result import Status

    text = render_quote(result, lang, "text")
    reference = reference_for(catalog, result) if result.status is Status.NO_POLICY else None
    if reference is None:
        return text
    return text + PARAGRAPH_BREAK + render_reference(reference, result, lang, "text")


def short_answer(result: QuoteResult, lang: str, catalog: Catalog) -> str:
    """`--format short`: the answer in one SMS; with no notice for the date, the latest
    notice's answer under its reference label, as the chat gives it."""
    from dialogs.rendering.short import render_short
    from dialogs.views import reference_for
    from policies.result import Status

    reference = reference_for(catalog, result) if result.status is Status.NO_POLICY else None
    return render_short(result, lang, "text", reference=reference)


# -- the JSON shape ------------------------------------------------------------------------


def _number(value: Decimal | None) -> int | float | None:
    """Yuan as a JSON number: 160 stays an integer, 160.5 a float (fen are exact in binary64
    up to far beyond any contribution)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _sources(sources: list[Source]) -> list[dict[str, Any]]:
    return [
        {
            "document": s.document,
            "clause_id": s.clause_id,
            "clause_label": s.clause_label,
            "quote": s.quote,
            "national": s.national,
            "reading": s.reading,
            "confidence": s.confidence,
        }
        for s in sources
    ]


def _items(items: list[ListedItem]) -> list[dict[str, Any]]:
    return [
        {
            "name": i.name,
            "detail": i.detail,
            "audience": i.audience,
            "sources": _sources(i.sources),
        }
        for i in items
    ]


def _contacts(result: QuoteResult) -> list[dict[str, Any]]:
    """Every contact of the notice (and 12393), each with what the notice has the office do
    and whether this answer concerns it (the text answer lists only those)."""
    concerned = {id(c) for c in result.concerned_contacts}
    return [
        {
            **item,
            "concerns": [
                {"topic": c.topic, "identities": list(c.identities), "sources": _sources(c.sources)}
                for c in contact.concerns
            ],
            "concerns_this_answer": id(contact) in concerned,
        }
        for contact, item in zip(result.contacts, _items(list(result.contacts)), strict=True)
    ]


def quote_json(result: QuoteResult, lang: str) -> dict[str, Any]:
    """The `--format json` object: the contract keys first, then the full detail."""
    from policies.catalog import load_catalog

    registry = load_catalog().identities
    amount = result.amount
    deadline = result.deadline
    coverage = result.coverage
    waiting = result.waiting
    request = result.request
    return {
        "status": result.status.value,
        "region": result.region,
        "region_name": result.region_name,
        "policy_year": result.policy_year,
        "latest_policy_year": result.latest_policy_year,
        "document": result.document,
        "document_title": result.document_title,
        "lang": lang,
        "request": {
            "region": request.region,
            "identities": sorted(request.identities),
            "payment_date": request.payment_date.isoformat(),
            "birth_date": _iso(request.birth_date),
            "lapsed_years": request.lapsed_years,
            "repaid_years": request.repaid_years,
            "tier": request.tier,
            "insurance_year": request.insurance_year,
        },
        "identities": [
            {"code": code, "zh": registry[code].zh, "en": registry[code].en}
            if code in registry
            else {"code": code, "zh": None, "en": None}
            for code in result.identities
        ],
        "tier": result.tier,
        "tier_label": result.tier_label,
        "amount_due_cny": _number(amount.due) if amount and result.status == "ok" else None,
        "amount_due_lower_bound_cny": _number(amount.lower_bound) if amount else None,
        "amount_basis": amount.basis if amount else None,
        "total_due_cny": _number(amount.total_due) if amount and result.status == "ok" else None,
        "breakdown": None
        if amount is None
        else {
            "standard_cny": _number(amount.standard),
            "standard_sources": _sources(amount.standard_sources),
            "subsidies": [
                {
                    "identity": line.identity,
                    "label": line.label,
                    "amount_cny": _number(line.amount),
                    "percent": _number(line.percent),
                    "sources": _sources(line.sources),
                }
                for line in amount.subsidies
            ],
            "subsidy_applied_cny": _number(amount.subsidy_applied),
            "fiscal_subsidy_cny": _number(amount.fiscal_subsidy),
            "fiscal_subsidy_included": amount.fiscal_subsidy_included,
            "fiscal_sources": _sources(amount.fiscal_sources),
            "due_cny": _number(amount.due),
            "known_part_cny": _number(amount.known_part),
            "lower_bound_cny": _number(amount.lower_bound),
            "basis": amount.basis,
            "back_payment": None
            if amount.back_payment is None
            else {
                "years": amount.back_payment.years,
                "per_year_cny": _number(amount.back_payment.per_year),
                "amount_cny": _number(amount.back_payment.amount),
                "confidence": amount.back_payment.confidence,
                "sources": _sources(amount.back_payment.sources),
            },
            "total_due_cny": _number(amount.total_due),
            "sources": _sources(amount.sources),
        },
        "deadline": _iso(deadline.date) if deadline else None,
        "deadline_detail": None
        if deadline is None
        else {
            "date": _iso(deadline.date),
            "window_id": deadline.window_id,
            "window_label": deadline.window_label,
            "after": deadline.after.value,
            "next_window_id": deadline.next_window_id,
            "next_window_label": deadline.next_window_label,
            "next_window_start": _iso(deadline.next_window_start),
            "sources": _sources(deadline.sources),
        },
        "coverage_start": _iso(coverage.start) if coverage else None,
        "coverage_end": _iso(coverage.end) if coverage else None,
        "coverage": None
        if coverage is None
        else {
            "start": _iso(coverage.start),
            "end": _iso(coverage.end),
            "rule": coverage.rule,
            "event": coverage.event,
            "sources": _sources(coverage.sources),
        },
        "waiting_period": None
        if waiting is None
        else {
            "kind": waiting.kind,
            # total length; null when the notice leaves it open
            "months": waiting.total.months if waiting.total else None,
            "days": waiting.total.days if waiting.total else None,
            "fixed_months": waiting.fixed.months if waiting.fixed else None,
            "fixed_days": waiting.fixed.days if waiting.fixed else None,
            "variable_months": waiting.variable_months,
            "repaired_months": waiting.repaired_months,
            "floor_months_added": waiting.floor_months_added,
            "last_day": _iso(waiting.last_day),
            "reasons": list(waiting.reasons),
            "sources": _sources(waiting.sources),
        },
        "registration": _items(result.registration),
        "channels": _items(result.channels),
        "contacts": _contacts(result),
        "refunds": _items(result.refunds),
        "notes": [
            {
                "code": note.code,
                "params": dict(note.params),
                "message": render_note(completed(note, result), lang, "text"),
                "sources": _sources(note.sources),
            }
            for note in result.notes
        ],
        "needs": list(result.needs),
        "sources": _sources(result.sources),
        # Other insurance years that also take payment on the date (autumn: last year's late
        # payment beside next year's collection), and what paying them would mean.
        "other_insurance_years": [
            {
                "year": other.year,
                "status": other.status.value,
                "amount_due_cny": _number(other.amount_due),
                "amount_due_lower_bound_cny": _number(other.amount_lower_bound),
                "window_id": other.window_id,
                "window_label": other.window_label,
                "deadline": _iso(other.deadline),
                "coverage_start": _iso(other.coverage_start),
                "coverage_end": _iso(other.coverage_end),
                "buys_cover": other.buys_cover,
                "sources": _sources(other.sources),
            }
            for other in result.other_insurance_years
        ],
    }
