"""What one quote carries while its rules run: the notice, the request, the sources and notes.

`Quote` is the per-request state every rule reads (and the few it sets); `Context` turns
clause ids into cited sources and collects notes and the inputs that would change the answer.
Sources are made once per catalog and clause (they are frozen), so a quote shares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from policies.catalog import NATIONAL_PREFIX, Catalog, LoadedPolicy
from policies.quote.notes import NoteCode
from policies.result import Note, QuoteRequest, Source
from policies.schema import PolicyFile

ORDINARY = "ordinary"


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


class Context:
    """Per-quote helpers bound to one policy: sources and notes in one place."""

    def __init__(self, catalog: Catalog, policy: LoadedPolicy) -> None:
        self.catalog = catalog
        self.policy = policy
        self.data = policy.data
        self.notes: list[Note] = []
        self.needs: list[str] = []
        self._said: set[tuple[object, ...]] = set()
        # Sources are frozen: one object per catalog, notice and clause serves every quote.
        self._sources: dict[str, Source] = catalog.memo.setdefault(
            ("sources", policy.slug, policy.data.insurance_year), {}
        )
        self._sources_of: dict[tuple[str | None, ...], list[Source]] = catalog.memo.setdefault(
            ("sources of", policy.slug, policy.data.insurance_year), {}
        )

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

    def note(self, code: NoteCode, *clauses: str | None, **params: str) -> None:
        key = (code, clauses, tuple(sorted(params.items())))
        if key not in self._said:
            self._said.add(key)
            self.notes.append(Note(code=code, params=params, sources=self.sources(*clauses)))

    def data_note(self, note_id: str) -> None:
        key = (NoteCode.DATA, note_id)
        if key in self._said:
            return
        for item in self.data.notes:
            if item.id == note_id:
                self._said.add(key)
                self.notes.append(
                    Note(
                        code=NoteCode.DATA,
                        params={"id": item.id},
                        text=item.text.model_dump(),
                        sources=self.sources(*item.clauses),
                    )
                )
                return
        raise KeyError(note_id)

    def need(self, what: str) -> None:
        if what not in self.needs:
            self.needs.append(what)


@dataclass
class Quote:
    """One request under one notice, as the rules see it."""

    ctx: Context
    data: PolicyFile
    request: QuoteRequest
    day: date
    identities: list[str]  # canonical codes after implications
    lapsed: bool
    paid_by_institution: bool = False


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
    )
