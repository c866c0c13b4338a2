"""The deadline: the last day this price or window holds, and what follows it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from policies.quote import window as windows
from policies.quote.context import Quote
from policies.quote.notes import NoteCode
from policies.result import AfterDeadline, Deadline, trusted
from policies.schema import Window


@dataclass(frozen=True)
class Situation:
    """What the deadline rules look at besides the notice and the request."""

    window: Window
    newborn_within: bool | None  # None: not a newborn, or no birth date given
    follow: Window | None  # the next window the person may pay in


@dataclass(frozen=True)
class Rule:
    """One deadline rule: when it applies, what it answers, and the data field it cites."""

    name: str
    applies: Callable[[Quote, Situation], bool]
    answer: Callable[[Quote, Situation], Deadline]
    clause: str


def _newborn_in_time(q: Quote, s: Situation) -> bool:
    return bool(s.newborn_within and q.request.birth_date is not None and q.data.newborn)


def _newborn_limit(q: Quote, s: Situation) -> Deadline:
    rules = q.data.newborn
    assert rules is not None and q.request.birth_date is not None
    return trusted(
        Deadline,
        date=q.request.birth_date + timedelta(days=rules.days),
        window_id="newborn",
        after=AfterDeadline.NEWBORN_LATE,
        sources=q.ctx.sources(rules.within_clause, rules.after_clause),
    )


def _end_not_stated(q: Quote, s: Situation) -> Deadline:
    window = s.window
    q.ctx.note(NoteCode.WINDOW_END_NOT_STATED, *window.clauses, office=q.data.region.office)
    return trusted(
        Deadline,
        date=None,
        window_id=window.id,
        window_label=window.label.model_dump(),
        after=AfterDeadline.NOT_STATED,
        sources=q.ctx.sources(*window.clauses),
    )


def _next_window(q: Quote, s: Situation) -> Deadline:
    window, follow = s.window, s.follow
    assert follow is not None
    return trusted(
        Deadline,
        date=window.end,
        window_id=window.id,
        window_label=window.label.model_dump(),
        after=AfterDeadline.NEXT_WINDOW,
        next_window_id=follow.id,
        next_window_label=follow.label.model_dump(),
        next_window_start=follow.start,
        sources=q.ctx.sources(*window.clauses) + q.ctx.sources(*follow.clauses),
    )


def _closed_next_day(q: Quote, s: Situation) -> bool:
    closure = q.data.closure
    return closure is not None and closure.from_date == s.window.end + timedelta(days=1)


def _closed(q: Quote, s: Situation) -> Deadline:
    closure = q.data.closure
    assert closure is not None
    return trusted(
        Deadline,
        date=s.window.end,
        window_id=s.window.id,
        window_label=s.window.label.model_dump(),
        after=AfterDeadline.CLOSED,
        sources=q.ctx.sources(*s.window.clauses) + q.ctx.sources(closure.clause),
    )


def _window_end(after: AfterDeadline) -> Callable[[Quote, Situation], Deadline]:
    def answer(q: Quote, s: Situation) -> Deadline:
        return trusted(
            Deadline,
            date=s.window.end,
            window_id=s.window.id,
            window_label=s.window.label.model_dump(),
            after=after,
            sources=q.ctx.sources(*s.window.clauses),
        )

    return answer


# Precedence, first match wins: a newborn's own time limit before the window's; a window
# whose end the notice does not give says so rather than naming a date; then what follows
# the window's last day.
PRECEDENCE: tuple[Rule, ...] = (
    Rule(
        "a newborn within its time limit: the limit counted from the birth date "
        "(科左后旗, 丰都, 双清 出生之日起90日内)",
        _newborn_in_time,
        _newborn_limit,
        "newborn.within_clause",
    ),
    Rule(
        "a window whose end the notice does not state: no date, and a note says so",
        lambda q, s: not s.window.end_stated,
        _end_not_stated,
        "windows[].clauses",
    ),
    Rule(
        "a later window the person may pay in: this window's end, then that window",
        lambda q, s: s.follow is not None,
        _next_window,
        "windows[].clauses",
    ),
    Rule(
        "the notice closes payment the day after the window ends",
        _closed_next_day,
        _closed,
        "closure.clause",
    ),
    Rule(
        "the window ends with the insurance year",
        lambda q, s: s.window.end == q.data.coverage_end,
        _window_end(AfterDeadline.YEAR_END),
        "windows[].clauses",
    ),
    Rule(
        "otherwise: the window's end, and the notice does not say what follows",
        lambda q, s: True,
        _window_end(AfterDeadline.NOT_STATED),
        "windows[].clauses",
    ),
)


def deciding(q: Quote, window: Window, newborn_within: bool | None) -> tuple[Rule, Situation]:
    """The first rule of PRECEDENCE that applies, and the situation it answers."""
    situation = Situation(window, newborn_within, windows.next_window(q, window))
    for rule in PRECEDENCE:
        if rule.applies(q, situation):
            return rule, situation
    raise AssertionError("the last rule always applies")


def deadline(q: Quote, window: Window, newborn_within: bool | None) -> Deadline:
    """The last day this price holds (PRECEDENCE, first match wins).

    The rules read the window, the person (identities; the age for the groups a window is
    for) and a newborn's birth date, never the payment day: remembered per notice and key."""
    birth = q.request.birth_date if newborn_within else None
    key = ("deadline", id(window), newborn_within, birth, tuple(q.identities), q.age, q.age_range)
    return q.ctx.remembered(key, lambda: _decide(q, window, newborn_within))


def _decide(q: Quote, window: Window, newborn_within: bool | None) -> Deadline:
    rule, situation = deciding(q, window, newborn_within)
    return rule.answer(q, situation)
