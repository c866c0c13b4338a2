"""The deadline: the last day this price or window holds, and what follows it."""

from __future__ import annotations

from datetime import timedelta

from policies.quote import window as windows
from policies.quote.context import Quote
from policies.quote.notes import NoteCode
from policies.result import AfterDeadline, Deadline, trusted
from policies.schema import Window


def deadline(q: Quote, window: Window, newborn_within: bool | None) -> Deadline:
    """The last day this price holds. Precedence, first match wins: a newborn's own time
    limit; a window whose end the notice does not give (a note says so); the next window
    the person may pay in; the closure the day after; the year's end; else not stated."""
    if newborn_within and q.request.birth_date is not None and q.data.newborn:
        rules = q.data.newborn
        return trusted(
            Deadline,
            date=q.request.birth_date + timedelta(days=rules.days),
            window_id="newborn",
            after=AfterDeadline.NEWBORN_LATE,
            sources=q.ctx.sources(rules.within_clause, rules.after_clause),
        )
    sources = q.ctx.sources(*window.clauses)
    follow = windows.next_window(q, window)
    if not window.end_stated:
        q.ctx.note(NoteCode.WINDOW_END_NOT_STATED, *window.clauses, office=q.data.region.office)
        return trusted(
            Deadline,
            date=None,
            window_id=window.id,
            window_label=window.label.model_dump(),
            after=AfterDeadline.NOT_STATED,
            sources=sources,
        )
    closure = q.data.closure
    if follow is not None:
        return trusted(
            Deadline,
            date=window.end,
            window_id=window.id,
            window_label=window.label.model_dump(),
            after=AfterDeadline.NEXT_WINDOW,
            next_window_id=follow.id,
            next_window_label=follow.label.model_dump(),
            next_window_start=follow.start,
            sources=sources + q.ctx.sources(*follow.clauses),
        )
    if closure is not None and closure.from_date == window.end + timedelta(days=1):
        return trusted(
            Deadline,
            date=window.end,
            window_id=window.id,
            window_label=window.label.model_dump(),
            after=AfterDeadline.CLOSED,
            sources=sources + q.ctx.sources(closure.clause),
        )
    return trusted(
        Deadline,
        date=window.end,
        window_id=window.id,
        window_label=window.label.model_dump(),
        after=AfterDeadline.YEAR_END
        if window.end == q.data.coverage_end
        else AfterDeadline.NOT_STATED,
        sources=sources,
    )
