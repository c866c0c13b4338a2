"""Which payment window the person pays in, and any special case that overrides it."""

from __future__ import annotations

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


def choose(q: Quote, newborn_within: bool | None) -> Window:
    """The window the person pays in on the day. Precedence, first match wins:

    1. a window of a group the person belongs to (and qualifies for: age) over the general
       window of the same dates (科左后旗 三 "特殊困难群体在 2025 年 12 月 31 日前完成参保缴费");
    2. the general window of the day;
    3. a newborn within its time limit after every window has closed pays under the last
       window, which then carries only the subsidy rules (丰都 三 "其出生之日起90日内").
    """
    candidates = [w for w in q.data.windows if w.start <= q.day <= w.end]
    if not candidates and newborn_within:
        # Newborns within their time limit may pay after the windows close (丰都 三);
        # the last window then only carries the subsidy rules.
        last_end = max(w.end for w in q.data.windows)
        candidates = [w for w in q.data.windows if w.end == last_end]
    for window in sorted(candidates, key=lambda w: w.audience is None):
        if applies(q, window):
            return window
    raise AssertionError(f"{q.ctx.policy.path}: no window covers {q.day}")


def applies(q: Quote, window: Window) -> bool:
    """Whether the person may pay in `window`: everyone, or a group they qualify for."""
    if window.audience is None:
        return True
    return any(i in window.audience and person.qualifies(q, i) for i in q.identities)


def next_window(q: Quote, window: Window) -> Window | None:
    later = [w for w in q.data.windows if w.start > window.end and applies(q, w)]
    # A window of the person's own group wins over the general one starting that day.
    return min(later, key=lambda w: (w.start, w.audience is None), default=None)
