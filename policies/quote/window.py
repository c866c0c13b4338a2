"""Which payment window the person pays in, and any special case that overrides it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from policies.quote import person
from policies.quote.context import Quote
from policies.schema import SpecialCase, Window


def special_case(q: Quote, window: Window) -> SpecialCase | None:
    if window.kind == "collection":
        return None
    for case in q.data.special_cases:
        if case.identity in q.identities:
            return case
    return None


@dataclass(frozen=True)
class Rule:
    """One window rule: which window it picks (None: it does not apply), and the data field
    it cites."""

    name: str
    pick: Callable[[Quote, list[Window], bool | None], Window | None]
    clause: str


def _group_window(q: Quote, covering: list[Window], newborn_within: bool | None) -> Window | None:
    return next((w for w in covering if w.audience is not None and applies(q, w)), None)


def _general_window(q: Quote, covering: list[Window], newborn_within: bool | None) -> Window | None:
    return next((w for w in covering if w.audience is None), None)


def _newborn_after_the_windows(
    q: Quote, covering: list[Window], newborn_within: bool | None
) -> Window | None:
    if not newborn_within or covering:
        return None
    last_end = max(w.end for w in q.data.windows)
    last = [w for w in q.data.windows if w.end == last_end]
    return next((w for w in sorted(last, key=lambda w: w.audience is None) if applies(q, w)), None)


# Precedence, first match wins: the exceptions the notices make before the general rule.
PRECEDENCE: tuple[Rule, ...] = (
    Rule(
        "a window of a group the person belongs to (and qualifies for: age) over the general "
        "window of the same dates (科左后旗 三 特殊困难群体在 2025 年 12 月 31 日前完成参保缴费)",
        _group_window,
        "windows[].audience",
    ),
    Rule("the general window of the day", _general_window, "windows[].clauses"),
    Rule(
        "a newborn within its time limit after every window has closed pays under the last "
        "window, which then carries only the subsidy rules (丰都 三 其出生之日起90日内)",
        _newborn_after_the_windows,
        "newborn.within_clause",
    ),
)


def deciding(q: Quote, newborn_within: bool | None) -> tuple[Rule, Window]:
    """The first rule of PRECEDENCE that picks a window, and the window."""
    covering = [w for w in q.data.windows if w.start <= q.day <= w.end]  # the day's windows
    for rule in PRECEDENCE:
        window = rule.pick(q, covering, newborn_within)
        if window is not None:
            return rule, window
    raise AssertionError(f"{q.ctx.policy.path}: no window covers {q.day}")


def choose(q: Quote, newborn_within: bool | None) -> Window:
    """The window the person pays in on the day (PRECEDENCE, first match wins)."""
    return deciding(q, newborn_within)[1]


def applies(q: Quote, window: Window) -> bool:
    """Whether the person may pay in `window`: everyone, or a group they qualify for."""
    if window.audience is None:
        return True
    return any(i in window.audience and person.qualifies(q, i) for i in q.identities)


def next_window(q: Quote, window: Window) -> Window | None:
    later = [w for w in q.data.windows if w.start > window.end and applies(q, w)]
    # A window of the person's own group wins over the general one starting that day.
    return min(later, key=lambda w: (w.start, w.audience is None), default=None)
