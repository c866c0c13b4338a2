"""The simulated world: the tests' fake Bot API server, instrumented, and the users driving it.

`BenchApi` is tests/e2e/fake_bot_api.FakeBotApi (same wire protocol, same validation of
everything the bot sends) with timestamps: when each update becomes available to getUpdates,
when the first getUpdates arrives, and when each reply arrives. `Driver` plays users: each
sends its next update only once the previous one is answered (a closed loop, like a person
waiting for the bot), all users at once.

An update is answered when the last message it owes has arrived (sendMessage or
editMessageText; how many each update owes is worked out in benchmarks.expected: one for the
echo bot). A message beyond that count, or to a chat with no open update, is a duplicate; an
update still short of its messages after the timeout is lost, and so is a button press that
never gets its answerCallbackQuery. A click presses a button of the bot's latest message
that has buttons.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from benchmarks.expected import Expected
from benchmarks.scenarios import Script, button_for
from tests.e2e.fake_bot_api import FakeBotApi

JSON = dict[str, Any]
T = TypeVar("T")


class BenchApi(FakeBotApi):
    def __init__(self, token: str) -> None:
        super().__init__(token=token)
        self.available: dict[int, float] = {}  # update id -> when getUpdates could see it
        self.update_of_query: dict[str, int] = {}
        self.first_get_updates: float | None = None
        self.answer_attempts: collections.Counter[str] = collections.Counter()
        self.rejected: list[str] = []  # what the fake refused (4xx) from the bot
        self.driver: Driver | None = None
        self.connections: set[Any] = set()  # client (host, port)s: the bot's HTTP connections

    async def _dispatch(self, request: Any) -> Any:
        transport = request.transport
        if transport is not None:
            self.connections.add(transport.get_extra_info("peername"))
        return await super()._dispatch(request)

    async def push_update(self, payload: JSON) -> int:
        update_id = self._next_update_id
        self.available[update_id] = time.perf_counter()
        pushed = await super().push_update(payload)
        assert pushed == update_id
        query = payload.get("callback_query")
        if query is not None:
            self.update_of_query[str(query["id"])] = update_id
        return pushed

    async def _m_getUpdates(self, params: JSON) -> list[JSON]:
        if self.first_get_updates is None:
            self.first_get_updates = time.perf_counter()
        return await super()._m_getUpdates(params)

    async def _m_sendMessage(self, params: JSON) -> JSON:
        message = await self._checked(super()._m_sendMessage(params), "sendMessage")
        self._replied(message)
        return message

    async def _m_editMessageText(self, params: JSON) -> JSON:
        message = await self._checked(super()._m_editMessageText(params), "editMessageText")
        self._replied(message)
        return message

    async def _m_answerCallbackQuery(self, params: JSON) -> bool:
        self.answer_attempts[str(params.get("callback_query_id", ""))] += 1
        return await self._checked(super()._m_answerCallbackQuery(params), "answerCallbackQuery")

    async def _checked(self, call: Awaitable[T], method: str) -> T:
        try:
            return await call
        except Exception as err:
            self.rejected.append(f"{method}: {err}")
            raise

    def _replied(self, message: JSON) -> None:
        now = time.perf_counter()
        if self.driver is not None:
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            buttons = [b["callback_data"] for row in rows for b in row if "callback_data" in b]
            self.driver.replied(message["chat"]["id"], message["message_id"], buttons, now)


@dataclass
class Pending:
    """One update a user has sent and waits on."""

    done: asyncio.Future[None]
    expected: int = 1  # messages the update must produce
    update_id: int = 0
    query_id: str | None = None
    messages: int = 0
    answered_at: float = 0.0


@dataclass
class User:
    chat_id: int
    scripts: list[Script]
    pending: Pending | None = None
    keyboard: tuple[int, list[str]] | None = None  # (message id, callback data in order)


@dataclass
class PhaseResult:
    users: int
    updates: int = 0  # sent
    answered: int = 0
    latencies: list[float] = field(default_factory=list)
    lost: int = 0
    not_sent: int = 0  # actions left when a user gave up after a lost reply
    messages: int = 0  # bot messages (sent or edited) answering the phase's updates
    query_ids: list[str] = field(default_factory=list)
    losses: list[str] = field(default_factory=list)  # which script and step, for the report
    started: float = 0.0
    finished: float = 0.0


class Driver:
    def __init__(
        self, api: BenchApi, *, expected: Expected | None, timeout: float
    ) -> None:
        """`expected`: messages per update of each script (None: one each, the echo bot)."""
        self.api = api
        self.expected = expected
        self.echo = expected is None
        self.timeout = timeout
        self.users: dict[int, User] = {}
        self.strays = 0  # bot messages to a chat with no open update: duplicates
        api.driver = self

    # -- the fake's side ------------------------------------------------------------------

    def replied(self, chat_id: int, message_id: int, buttons: list[str], now: float) -> None:
        user = self.users.get(chat_id)
        pending = user.pending if user is not None else None
        if user is None or pending is None or pending.done.done():
            self.strays += 1
            return
        pending.messages += 1
        if buttons:
            user.keyboard = (message_id, buttons)
        if pending.messages >= pending.expected:
            pending.answered_at = now
            pending.done.set_result(None)

    # -- the users' side ------------------------------------------------------------------

    async def phase(self, users: list[User]) -> PhaseResult:
        """All users at once, each through its scripts; returns when every user is done."""
        for user in users:
            assert user.chat_id not in self.users, "chat ids are unique within a leg"
            self.users[user.chat_id] = user
        result = PhaseResult(users=len(users))
        result.started = time.perf_counter()
        await asyncio.gather(*(self._play(user, result) for user in users))
        result.finished = time.perf_counter()
        return result

    async def _play(self, user: User, result: PhaseResult) -> None:
        loop = asyncio.get_running_loop()
        actions = [
            (script, step, action)
            for script in user.scripts
            for step, action in enumerate(script.actions)
        ]
        for index, (script, step, action) in enumerate(actions):
            expected = 1 if self.expected is None else self.expected[script.key][step]
            pending = Pending(done=loop.create_future(), expected=expected)
            user.pending = pending
            if action[0] == "text":
                pending.update_id = await self.api.user_sends_text(
                    user.chat_id, action[1], language_code=script.language_code
                )
            else:
                assert user.keyboard is not None, "a script clicks before any buttons"
                message_id, buttons = user.keyboard
                data = buttons[0] if self.echo else button_for(action[1], buttons)
                query_id = await self.api.user_clicks(user.chat_id, message_id, data)
                pending.query_id = query_id
                pending.update_id = self.api.update_of_query[query_id]
                result.query_ids.append(query_id)
            result.updates += 1
            try:
                await asyncio.wait_for(asyncio.shield(pending.done), self.timeout)
            except TimeoutError:
                result.lost += 1
                result.losses.append(
                    f"{script.name}/{script.lang} step {step + 1} {action!r}: "
                    f"{pending.messages} of {expected} message(s)"
                )
                result.not_sent += len(actions) - index - 1
                result.messages += pending.messages
                return  # the conversation cannot go on without the bot's buttons
            result.answered += 1
            result.messages += pending.messages
            result.latencies.append(pending.answered_at - self.api.available[pending.update_id])
        user.pending = None

    def callback_problems(self, query_ids: list[str]) -> tuple[int, int]:
        """(button presses never acknowledged, extra acknowledgement attempts)."""
        unanswered = sum(1 for q in query_ids if q not in self.api.callback_answers)
        extra = sum(max(0, self.api.answer_attempts[q] - 1) for q in query_ids)
        return unanswered, extra
