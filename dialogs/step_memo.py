"""Steps remembered: the same tap on the same conversation state says the same thing.

`engine.step` is a pure function of the state, the event (which carries the date and the
client's language) and the catalog: nothing in the dialog reads a clock, a file or anything
random. Most people walk the same first steps by buttons (the region, the groups, "today"),
and answering such a tap afresh was about half of what a web request costs yibao
(`benchmarks/web_app.py`, README "Performance"). So a step is remembered by exactly those
three inputs — the state as its canonical JSON, the event as given (frozen, compared field by
field), the catalog by identity — and given again to the next person who stands at the same
state and does the same thing.

What is not remembered:

* typed text: what people write is their own words and rarely the same twice; it is not kept
  in memory for others' sake. A command is remembered only with no argument or with one that
  is a region's or a group's name in the catalog ("/start changtu", "/compare 特困"), never
  with other words typed after it;
* a step that failed: its apology is logged each time it happens;
* /forget: the state it starts from is the one being deleted.

The remembered states name groups (低保, 特困…) and dates, never whose they are (no
conversation key, no user id). Deleting one's data (/forget) empties the memo with the other
shared memos (`dialogs.memory.forget_shared`). Each caller gets a state of its own (a clone:
a caller may change it) and the very Reply objects remembered, which nothing changes after
a step (frozen).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Final

from dialogs.events import Choice, Command
from dialogs.lru import Lru
from dialogs.replies import Reply
from dialogs.state import DialogState
from policies.catalog import Catalog

# Steps remembered. An entry holds ~7 KB of its own (tracemalloc, over every benchmark
# script and over 28 answers), so ~7 MB when full; an answer's entry also keeps its
# QuoteResult (~22 KB) alive once the quotes' own memo has let it go: ~30 MB at the worst.
STEPS_REMEMBERED: Final = 1024

Remembered = tuple[DialogState, tuple[Reply, ...]]

_STEPS: Final = Lru[Remembered](STEPS_REMEMBERED)


def may_remember(event: object, catalog: Catalog) -> bool:
    """Whether this event's step may be remembered (see above)."""
    if isinstance(event, Choice):
        return True
    if not isinstance(event, Command) or event.name == "forget":
        return False
    arg = event.arg.strip()
    return not arg or catalog.resolve_region(arg) is not None or (
        catalog.resolve_identity(arg) is not None)


def key_of(state: DialogState, event: Hashable, catalog: Catalog) -> Hashable:
    """What a step's outcome depends on, as a key."""
    return (catalog, state.to_json(), event)


def recall(key: Hashable) -> tuple[DialogState, list[Reply]] | None:
    """The remembered outcome of this step, with a state of the caller's own; None if not
    remembered."""
    found = _STEPS.get(key)
    if found is None:
        return None
    state, replies = found
    return state.clone(), list(replies)


def remember(key: Hashable, state: DialogState, replies: list[Reply]) -> None:
    """Keep a step's outcome (a copy of its state: the caller keeps the one it got)."""
    if any(reply.kind == "error" for reply in replies):
        return
    _STEPS.put(key, (state.clone(), tuple(replies)))


def forget_steps() -> None:
    """Drop every remembered step (see dialogs/memory.py)."""
    _STEPS.clear()


def remembered_steps() -> int:
    """How many steps are remembered (for tests and the Privacy table's claim)."""
    return len(_STEPS)
