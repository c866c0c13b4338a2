"""What every state store offers, whichever database holds it (bot.store.sqlite, .postgres).

The adapters (Telegram, web, terminal) see only this interface; `bot.store.connect` picks the
backend from YIBAO_DATABASE_URL. Everything is keyed by the conversation key string and
payloads are opaque strings (the adapter's own JSON), so any adapter uses the same store.

One conversation's update is a read-modify-write: read the state, run the dialog step, write
the new state and the messages it owes. `apply` does all three as one unit under the
conversation's lock, so two updates of one conversation, in two processes at once, are applied
one after the other and never both on the same old state (each backend's module says how it
locks). `get` + `put` remain for reads and for writes that do not depend on what was read.
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from pydantic import ValidationError

from dialogs.state import DialogState

log = logging.getLogger("bot.store")

# Finished inbox ids are kept this long to recognise a replay; Telegram keeps an unconfirmed
# update for 24 hours, so a replay cannot come later than that.
INBOX_KEEP_SECONDS: Final = 2 * 24 * 3600

# A claim on an event or on a conversation's owed messages holds this long at most while its
# worker lives (the lease: a worker that hangs, alive, loses its claims after it;
# YIBAO_CLAIM_LEASE); a worker that dies (or closes its store) loses its claims at once, since
# each backend checks that the claim's holder is still there (README "When a worker dies").
CLAIM_SECONDS: Final = 300.0

# A conversation's stored page (Change.page): what one step said, rendered (an answer with
# its paste-ready text is ~2 KB); a longer one is the adapter's to leave out.
PAGE_LIMIT: Final = 64 * 1024

# `delivered(..., question_message_id=KEEP)` leaves the conversation's question message as is.
KEEP: Final = -1


StoreProblem = Literal[
    "unwritable_folder", "damaged", "locked", "unwritable", "unusable_file", "unreachable",
    "unusable", "too_new", "not_migrated", "migration_failed",
]


class StoreError(Exception):
    """The database cannot be used (corrupt, locked, unwritable, unreachable, too new, a
    migration failed): `problem` says which, `where` names the database (never a password),
    `version`/`latest` are schema versions, `detail` the driver's own words (English).

    `message(lang)` is the sentence for the operator, from the catalogs
    (dialogs/templates/cli/store_error.j2); str() is the English one, for logs."""

    def __init__(
        self, problem: StoreProblem, where: str | Path, *, detail: str = "",
        version: int = 0, latest: int = 0,
    ) -> None:
        super().__init__(problem, str(where))
        self.problem: StoreProblem = problem
        self.where = str(where)
        self.detail = " ".join(detail.split())[:200]  # a driver's report may span lines
        self.version = version
        self.latest = latest

    def message(self, lang: str) -> str:
        """One line: what is wrong and what to do, then the marked technical detail."""
        from dialogs.rendering import render_template

        text = render_template(
            "cli/store_error.j2", lang, "text", problem=self.problem, where=self.where,
            detail=self.detail, version=self.version, latest=self.latest,
        )
        return " ".join(text.splitlines())

    def __str__(self) -> str:
        return self.message("en")


@dataclass(frozen=True)
class Owed:
    """One outbox entry: a message a committed step still owes."""

    id: int
    key: str
    payload: str


@dataclass(frozen=True)
class Conversation:
    """What the store knows about one conversation: its state, the message showing its
    question (Telegram), and what its last step said as the adapter rendered it (`page`,
    opaque; the web chat's GET after a post shows it, on whichever worker), if that step
    left one."""

    state: DialogState
    question_message_id: int | None = None
    page: str | None = None


@dataclass(frozen=True)
class Change:
    """What one step does to its conversation (`apply`'s decision): the new state (None:
    unchanged), the messages it owes, and whether everything of the conversation is deleted
    first (/forget). `page` (what the step said, at most PAGE_LIMIT characters) is written
    with the new state, in the same row: a state written without one clears the old one, so
    a stored page always belongs to the stored state."""

    state: DialogState | None
    owed: Sequence[str] = field(default=())
    forget: bool = False
    page: str | None = None

    def __post_init__(self) -> None:
        if self.page is not None and (self.state is None or len(self.page) > PAGE_LIMIT):
            raise ValueError("a page is stored with a new state, within PAGE_LIMIT")


@dataclass(frozen=True)
class Claim:
    """A conversation's owed messages, claimed for delivery by one worker: `token` renews the
    claim (and takes what was owed since); `owed` is empty when another live worker holds
    them."""

    token: str
    owed: list[Owed]


def new_holder() -> str:
    """Who holds a claim: this process and this open store ("pid@host#random")."""
    return f"{os.getpid()}@{socket.gethostname()}#{secrets.token_hex(4)}"


# Given the conversation as stored, the change to make. It runs under the conversation's lock
# and may run more than once (a backend retries after losing a race for the lock), so it must
# only compute: no I/O, no sending.
Decide = Callable[[Conversation], Change]


def parse_conversation(
    raw: str | None, question_message_id: int | None, page: str | None = None
) -> Conversation:
    """A stored row as a Conversation; a row that no longer parses is a fresh one (logged
    without its content: it may name the person's 低保/特困 status)."""
    if raw is None:
        return Conversation(DialogState())
    try:
        state = DialogState.from_json(raw)
    except (ValidationError, ValueError) as err:
        log.warning(
            "stored state for a conversation is unreadable (%s); starting afresh",
            type(err).__name__,
        )
        return Conversation(DialogState())
    return Conversation(state, question_message_id, page if isinstance(page, str) else None)


class Store(ABC):
    """Async dialog state, inbox and outbox; open it (or `async with`) before use.

    A backend implements `_open`/`_close` and `is_open`; `open` and `close` here make both
    idempotent."""

    def __init__(self, where: str, *, claim_seconds: float = CLAIM_SECONDS) -> None:
        # A name for messages: the file, or the server without its password.
        self.where = where
        # Who holds this store's claims, and how long a claim holds (the lease).
        self.holder = new_holder()
        self.claim_seconds = claim_seconds
        self._tokens = itertools.count(1)

    def new_claim_token(self) -> str:
        """A token for a new claim on owed messages: this store's holder, then a number."""
        return f"{self.holder}/{next(self._tokens)}"

    # -- lifecycle ------------------------------------------------------------------------

    @property
    @abstractmethod
    def is_open(self) -> bool: ...

    async def open(self, *, migrate: bool = True) -> None:
        """Connect and (unless `migrate` is False: `yibao store migrate` reads the version
        first) create the database's schema or migrate it to the current version;
        idempotent. StoreError when the database cannot be used."""
        if not self.is_open:
            await self._open(migrate=migrate)

    async def close(self) -> None:
        """Hand back this store's claims and disconnect; idempotent."""
        if self.is_open:
            await self._close()

    @abstractmethod
    async def _open(self, *, migrate: bool) -> None: ...

    @abstractmethod
    async def _close(self) -> None: ...

    @abstractmethod
    async def migrate(self) -> list[int]:
        """Apply the migrations the database lacks (bot.store.migrations), in order, in one
        transaction; the versions applied."""

    async def __aenter__(self) -> Store:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @abstractmethod
    async def check(self) -> None:
        """The backend's integrity check; StoreError naming the database when it fails."""

    @abstractmethod
    async def schema_version(self) -> int:
        """The schema version the database is at (bot.store.migrations; 0: empty)."""

    # -- conversations --------------------------------------------------------------------

    @abstractmethod
    async def get(self, key: str) -> Conversation:
        """The stored conversation, or a fresh one (also when the row is corrupted)."""

    @abstractmethod
    async def put(
        self, key: str, state: DialogState, question_message_id: int | None = None
    ) -> None: ...

    @abstractmethod
    async def set_question_message(self, key: str, message_id: int | None) -> None:
        """Remember which message shows the current question (after it was sent)."""

    @abstractmethod
    async def delete(self, key: str) -> bool:
        """Delete everything stored for the conversation; True if there was a row."""

    @abstractmethod
    async def count(self) -> int: ...

    @abstractmethod
    async def apply(
        self, key: str, decide: Decide, *, event_id: int | None = None
    ) -> list[int] | None:
        """One step, read-modify-write under the conversation's lock, all or nothing: read
        the conversation, `decide` the change, write the new state and the messages owed,
        and finish the event. Returns the outbox ids of the owed messages, in order; None
        (nothing done, `decide` not called) when the event was already finished, by this
        process or another (a replay, or a second worker that took over the event)."""

    # -- inbox and outbox (exactly-once across crashes) -----------------------------------

    @abstractmethod
    async def receive(self, events: Sequence[tuple[int, str]]) -> set[int]:
        """Record incoming events (id, payload) in one transaction, claimed by this worker;
        the ids to process: those not seen before, and those received and never finished
        whose worker died (a webhook call Telegram retried after the worker that had it was
        killed), taken over. An event this or another live worker holds is not returned."""

    @abstractmethod
    async def finish(self, event_id: int) -> None:
        """The event needs nothing more: forget its payload, keep its id (replays)."""

    @abstractmethod
    async def finish_many(self, event_ids: Sequence[int]) -> None:
        """finish() for many events in one transaction (a flood's dropped messages)."""

    @abstractmethod
    async def unfinished(self) -> list[tuple[int, str]]:
        """Events received and not finished (a crash came between), oldest first."""

    @abstractmethod
    async def claim_unfinished(self) -> list[tuple[int, str]]:
        """The unfinished events no live worker holds (their worker died, or stopped), now
        claimed by this one, oldest first."""

    @abstractmethod
    async def claim_owed(self, key: str, token: str | None = None) -> Claim:
        """The conversation's owed messages, in order, claimed for delivery (token None: a
        new claim; a token this worker holds: renewed, with what was owed since). Empty
        when another live claim holds any of them: its worker delivers them and then what
        is owed after them, so one conversation's messages go out in order, once."""

    async def commit(
        self,
        key: str,
        state: DialogState | None,
        *,
        event_id: int | None,
        owed: Sequence[str],
        forget: bool = False,
    ) -> list[int]:
        """One step whose change does not depend on the stored state, all or nothing: the
        new state (None: unchanged; `forget`: everything of the conversation deleted), the
        messages it owes, and its event finished. Returns the outbox ids, in order ([]: the
        event was finished already, by another worker that took it over)."""
        change = Change(state, owed=owed, forget=forget)
        ids = await self.apply(key, lambda _: change, event_id=event_id)
        return ids if ids is not None else []

    @abstractmethod
    async def owed(self, key: str | None = None) -> list[Owed]:
        """Messages still owed (for one conversation, or all), in the order they were owed."""

    @abstractmethod
    async def delivered(self, key: str, owed_id: int, question_message_id: int | None) -> None:
        """An owed message went out: drop it and, unless KEEP, remember the message now
        showing the conversation's question (None: no question showing)."""

    # -- privacy --------------------------------------------------------------------------

    @abstractmethod
    async def expire(self, older_than_seconds: float) -> int:
        """Delete conversations untouched for that long (and their owed messages), and
        finished inbox ids past INBOX_KEEP_SECONDS; the number of conversations deleted."""

    @abstractmethod
    async def scrub(self) -> None:
        """Leave no copy of deleted rows behind in the backend's own files where it can."""
