"""What one quote carries while its rules run: the notice, the request, the sources and notes.

`Quote` is the per-request state every rule reads (and the few it sets); `Context` turns
clause ids into cited sources and collects notes and the inputs that would change the answer.
Sources are made once per catalog and clause (they are frozen), so a quote shares them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from policies.catalog import NATIONAL_PREFIX, Catalog, LoadedPolicy
from policies.periods import age_on
from policies.quote.notes import NoteCode
from policies.result import Note, QuoteRequest, Source, trusted
from policies.schema import PolicyFile

ORDINARY = "ordinary"
T = TypeVar("T")


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


def unique(sources: list[Source]) -> list[Source]:
    """Each clause once, in order (sources of one clause are one shared object)."""
    seen: set[tuple[str, str]] = set()
    out: list[Source] = []
    for source in sources:
        key = (source.document, source.clause_id)
        if key not in seen:
            seen.add(key)
            out.append(source)
    return out


# A rule's remembered answers per notice (see `Context.remembered`): bounded, because the
# keys come from requests (identity sets, ages), and a full memo simply starts again.
MEMO_LIMIT = 4096

Event = tuple[tuple[object, ...], Note | None]  # a note said (key, note), or a need (key, None)


class Notice:
    """What quotes under one notice share, made once per catalog: cited sources (frozen, so
    one object per clause serves every quote), data-defined notes, remembered rule answers."""

    def __init__(self) -> None:
        self.sources: dict[str, Source] = {}
        self.sources_of: dict[tuple[str | None, ...], list[Source]] = {}
        self.data_notes: dict[str, Note] = {}
        self.memo: dict[tuple[object, ...], tuple[object, tuple[Event, ...]]] = {}


def notice(catalog: Catalog, policy: LoadedPolicy) -> Notice:
    key = ("notice", policy.slug, policy.data.insurance_year)
    found: Notice | None = catalog.memo.get(key)
    if found is None:
        found = catalog.memo[key] = Notice()
    return found


class Context:
    """Per-quote helpers bound to one policy: sources and notes in one place."""

    def __init__(self, catalog: Catalog, policy: LoadedPolicy) -> None:
        self.catalog = catalog
        self.policy = policy
        self.data = policy.data
        self.notes: list[Note] = []
        self.needs: list[str] = []
        self._said: set[tuple[object, ...]] = set()
        self._notice = shared = notice(catalog, policy)
        self._sources = shared.sources
        self._sources_of = shared.sources_of
        self._events: list[Event] | None = None  # while a remembered rule runs

    def source(self, clause_id: str) -> Source:
        found = self._sources.get(clause_id)
        if found is None:
            found = self._sources[clause_id] = self._make_source(clause_id)
        return found

    def _make_source(self, clause_id: str) -> Source:
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
        """The cited clauses, each once, in order (a fresh list: callers extend it)."""
        found: list[Source] | None = self._sources_of.get(clause_ids)
        if found is None:
            found = []
            for clause_id in clause_ids:
                if clause_id is not None and all(s.clause_id != clause_id for s in found):
                    found.append(self.source(clause_id))
            self._sources_of[clause_ids] = found
        return list(found)

    def _say(self, key: tuple[object, ...], note: Note) -> None:
        if self._events is not None:
            self._events.append((key, note))
        if key not in self._said:
            self._said.add(key)
            self.notes.append(note)

    def note(self, code: NoteCode, *clauses: str | None, **params: str) -> None:
        key = (code, clauses, tuple(sorted(params.items())))
        if key in self._said and self._events is None:
            return
        self._say(
            key, trusted(Note, code=code.value, params=params, sources=self.sources(*clauses))
        )

    def data_note(self, note_id: str) -> None:
        key = (NoteCode.DATA, note_id)
        if key in self._said and self._events is None:
            return
        note = self._notice.data_notes.get(note_id)
        if note is None:
            item = next((n for n in self.data.notes if n.id == note_id), None)
            if item is None:
                raise KeyError(note_id)
            note = self._notice.data_notes[note_id] = trusted(
                Note,
                code=NoteCode.DATA.value,
                params={"id": item.id},
                text=item.text.model_dump(),
                sources=self.sources(*item.clauses),
            )
        self._say(key, note)

    def need(self, what: str) -> None:
        if self._events is not None:
            self._events.append(((what,), None))
        if what not in self.needs:
            self.needs.append(what)

    def remembered(self, key: tuple[object, ...], rule: Callable[[], T]) -> T:
        """`rule()`, remembered per notice under `key`, which must name everything the rule
        reads besides the notice: a repeat gives the same (frozen) answer and says the same
        notes and needs, in the same order, as running it again would."""
        memo = self._notice.memo
        hit = memo.get(key)
        if hit is None:
            assert self._events is None, "remembered rules do not nest"
            events: list[Event] = []
            self._events = events
            try:
                value = rule()
            finally:
                self._events = None
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[key] = (value, tuple(events))
            return value
        remembered, replay = hit
        for said, note in replay:
            if note is None:
                self.need(str(said[0]))
            else:
                self._say(said, note)
        return remembered  # type: ignore[return-value]


@dataclass
class Quote:
    """One request under one notice, as the rules see it."""

    ctx: Context
    data: PolicyFile
    request: QuoteRequest
    day: date
    identities: list[str]  # canonical codes after implications
    lapsed: bool
    age: int | None  # full years on the payment day; None without a birth date
    paid_by_institution: bool = False
    # Without a birth date, the ages the person may be on the payment day (request.age_range).
    age_range: tuple[int, int] | None = None


def start(
    catalog: Catalog, policy: LoadedPolicy, request: QuoteRequest, identities: list[str]
) -> Quote:
    return Quote(
        ctx=Context(catalog, policy),
        data=policy.data,
        request=request,
        day=request.payment_date,
        identities=identities,
        lapsed=request.lapsed_years > 0,
        age=_age(request),
        age_range=None if request.birth_date is not None else request.age_range,
    )


def _age(request: QuoteRequest) -> int | None:
    if request.birth_date is not None:
        return age_on(request.birth_date, request.payment_date)
    if request.age_range is not None and request.age_range[0] == request.age_range[1]:
        return request.age_range[0]
    return None
