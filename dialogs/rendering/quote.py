"""The answer to one payment question (a QuoteResult), in HTML or plain text.

The templates (dialogs/templates/quote/) decide what is said; this module prepares what
they cannot compute comfortably (the applied subsidy, grouped sources, the deciding office)
and makes the answer fit one Telegram message: it renders at decreasing levels of detail
until the text is shorter than MAX_MESSAGE_LENGTH.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

from dialogs.rendering.environment import render_template
from dialogs.rendering.languages import Markup
from dialogs.rendering.notes import completed, note_fragment
from policies.result import ContactItem, QuoteResult, Source, Status, SubsidyLine

log = logging.getLogger("dialogs.rendering")

MAX_MESSAGE_LENGTH: Final = 4096  # Telegram's limit, also one long SMS/WeChat paste
ANSWER_TEMPLATE: Final = "quote/answer.j2"

# Notes whose content the headline of that status already states.
_SAID_BY_HEADLINE: Final = {Status.CLOSED: {"closed"}}


@dataclass(frozen=True)
class SourceGroup:
    """One "依据" line: a document and clause label, with the distinct quotes behind it."""

    document: str
    label: str
    quotes: tuple[str, ...]
    readings: tuple[str, ...] = ()  # our readings of national rules, in the user's language
    national: bool = False  # shown as "国家规定"/"national rule" in the user's language
    # What a clause cited by label alone stands behind ("channels", "contacts",
    # "registration"): the answer lists those in full, and a bare "依据：…通知 三" said nothing.
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Detail:
    """How much of the answer to show; the last level is the most compact."""

    quotes: bool  # quote each cited clause verbatim after its label
    registration_quotes: bool  # show registration steps in the notice's own wording
    all_contacts: bool = True  # False: only the deciding office and the 12393 hotline


# The last level keeps only the deciding office and 12393 of the contacts: for an answer
# embedded beside other text that already names whom to call.
LEVELS: Final = (
    Detail(quotes=True, registration_quotes=True),
    Detail(quotes=False, registration_quotes=True),
    Detail(quotes=False, registration_quotes=False),
    Detail(quotes=False, registration_quotes=False, all_contacts=False),
)


def _group_sources(result: QuoteResult, lang: str = "zh_Hans") -> list[SourceGroup]:
    """Deduplicated by (document, label); quotes only for the figures' own sources.

    Registration, channels and contacts are shown in full elsewhere in the answer, so their
    clauses are cited by label only (the contacts the answer lists, not every phone), with
    what they stand behind.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    readings: dict[tuple[str, str], list[str]] = {}
    national: dict[tuple[str, str], bool] = {}
    topics: dict[tuple[str, str], list[str]] = {}
    for source in result.sources:
        key = (source.document, source.clause_label)
        quotes = groups.setdefault(key, [])
        said = readings.setdefault(key, [])
        national[key] = source.national
        if source.reading is not None:
            # A reading is ours, never a quotation: shown labelled, in the user's language.
            text = source.reading.get(lang) or source.reading.get("zh_Hans", "")
            if text and text not in said:
                said.append(text)
        elif source.quote and source.quote not in quotes:
            quotes.append(source.quote)
    listed = (
        ("registration", result.registration),
        ("channels", result.channels),
        ("contacts", result.concerned_contacts),
    )
    for topic, items in listed:
        for item in items:
            for source in item.sources:
                key = (source.document, source.clause_label)
                groups.setdefault(key, [])
                national.setdefault(key, source.national)
                named = topics.setdefault(key, [])
                if topic not in named:
                    named.append(topic)
    return [
        SourceGroup(
            doc,
            label,
            tuple(quotes),
            tuple(readings.get((doc, label), ())),
            national.get((doc, label), False),
            tuple(topics.get((doc, label), ())),
        )
        for (doc, label), quotes in groups.items()
    ]


def _applied_line(result: QuoteResult) -> SubsidyLine | None:
    """The subsidy the combination rule applied (the highest), for the breakdown."""
    amount = result.amount
    if amount is None or not amount.subsidy_applied:
        return None
    for line in amount.subsidies:
        if line.amount is not None and line.amount >= amount.subsidy_applied:
            return line
    return None


def _office(result: QuoteResult) -> str | None:
    """Who decides where the notice is silent, as the region's data names it."""
    return result.office


def _contact_lines(result: QuoteResult) -> list[tuple[ContactItem, list[str]]]:
    """The contacts this answer concerns, each with what the notice has it do for this
    person's own groups (none for the offices every payer may call)."""
    held = result.identities
    return [
        (contact, [c.topic for c in contact.concerns if any(i in held for i in c.identities)])
        for contact in result.concerned_contacts
    ]


def _compact_contact_lines(
    result: QuoteResult, lines: list[tuple[ContactItem, list[str]]]
) -> list[tuple[ContactItem, list[str]]]:
    """The most compact level's contacts: the deciding office's line (its phone is printed
    nowhere else in the answer: the notes name the office only) and the 12393 hotline."""
    office = [
        line for line in lines[:-1]
        if result.office_phone is not None and line[0].detail == result.office_phone
    ]
    return office + lines[-1:]


def _closed_from(result: QuoteResult) -> str | None:
    return next((n.params.get("date") for n in result.notes if n.code == "closed"), None)


def _sources_of(*groups: list[Source]) -> list[Source]:
    return [s for group in groups for s in group]


def answer_context(
    result: QuoteResult,
    lang: str,
    markup: Markup,
    detail: Detail,
    said_elsewhere: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The answer template's context; `said_elsewhere`: note codes the reply around the
    answer already states (the dialog's line on the tier it assumed)."""
    skipped = _SAID_BY_HEADLINE.get(result.status, set()) | said_elsewhere
    applied = _applied_line(result)
    subsidies = result.amount.subsidies if result.amount else []
    contacts = _contact_lines(result)
    birth = result.request.birth_date
    deadline = result.deadline
    newborn_days = (
        (deadline.date - birth).days
        if deadline is not None and deadline.date is not None and birth is not None
        else None
    )
    return {
        "r": result,
        "detail": detail,
        "notes": [
            note_fragment(completed(n, result), lang, markup)
            for n in result.notes
            if n.code not in skipped
        ],
        "source_groups": _group_sources(result, lang),
        "applied": applied,
        "other_subsidies": [s for s in subsidies if s is not applied and s.amount is not None],
        "office": _office(result),
        "contact_lines": (
            contacts if detail.all_contacts else _compact_contact_lines(result, contacts)
        ),
        "closed_from": _closed_from(result),
        "newborn_days": newborn_days,
    }


def render_quote(result: QuoteResult, lang: str, markup: Markup) -> str:
    """The whole answer, under MAX_MESSAGE_LENGTH characters whenever the data allows.

    Rendered at the most detailed level that fits: clause quotes go first, then the
    registration steps' wording; labels ("依据：<document> <clause label>") always stay.
    """
    text = ""
    for detail in LEVELS:
        context = answer_context(result, lang, markup, detail)
        text = render_template(ANSWER_TEMPLATE, lang, markup, **context)
        if len(text) < MAX_MESSAGE_LENGTH:
            return text
    log.warning(
        "answer for %s is %d characters even at the most compact level", result.region, len(text)
    )
    return text
