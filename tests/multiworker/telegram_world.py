"""Several `yibao telegram --webhook` workers on one store, behind the alternating dispatcher.

The world: the tests' fake Bot API (tests/e2e/fake_bot_api.py, instrumented as the
benchmark's `BenchApi`) receives every reply; as Telegram does in webhook mode it posts each
update to the bot's one public URL — here the dispatcher, which hands it to the next worker
in turn — with the secret token header, and posts it again later if the answer was not 2xx
(Telegram retries an update until the webhook accepts it). Users are the benchmark's
(benchmarks/world.py `Driver`): each plays a scripted conversation, sending its next update
once every message the previous one owes has arrived.

What is counted, per run:

* lost: updates short of their messages after the timeout, and button presses never
  acknowledged;
* duplicated: messages beyond what an update owes (or to a chat with nothing open), and
  acknowledgements sent twice;
* with a worker killed, the window (tests/e2e/crash_world.py): the owed messages still in the
  outbox at the kill that the fake had already delivered (sent, the worker killed before it
  recorded them), which the worker taking over sends again; and the updates received and
  not finished at the kill, whose button acknowledgement the worker taking over tries again
  (Telegram refuses a second answer to one query, so the person sees nothing of it);
* wrong: conversations whose stored state differs from the state a single worker reaches
  (tests/multiworker/expected.py) — a stage reset, a step applied on an old state, a step
  applied twice or not at all.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import aiohttp

from benchmarks.expected import expected_messages
from benchmarks.scenarios import Script, scripts
from benchmarks.world import BenchApi, Driver, User
from bot import database_url
from bot.clock import today_in_china
from bot.store import connect
from bot.telegram.conversations import conversation_key
from bot.telegram.outgoing import Delivery
from tests.e2e.crash_world import visible
from tests.multiworker.dispatcher import AlternatingDispatcher, DispatchStats, Upstream
from tests.multiworker.expected import telegram_final_state
from tests.multiworker.stored import stored_states
from tests.multiworker.workers import (
    SECRET,
    TOKEN,
    WEBHOOK_PATH,
    Backend,
    Worker,
    start_telegram_workers,
    stop_all,
)

JSON = dict[str, Any]
FIRST_CHAT: Final = 50_000
RETRY_SECONDS: Final = 0.25  # Telegram waits longer; the test has no time to
QUIET_SECONDS: Final = 1.0  # after the last answer: a late duplicate still shows


class WebhookApi(BenchApi):
    """The fake Bot API delivering updates by webhook (to `deliver_to`) instead of holding
    them for getUpdates."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.deliver_to = ""
        self.replies = 0  # messages sent or edited by the bot
        # chat id -> how many messages repeated the text of one the chat already had (a
        # message sent again: the window, when a worker was killed)
        self.repeats: Counter[int] = Counter()
        self._texts: dict[int, set[str]] = {}
        self.deliveries = 0  # webhook posts, retries included
        self.refused_posts = 0  # webhook posts answered other than 2xx (then retried)
        self._session: aiohttp.ClientSession | None = None
        self._posting: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await super().start()
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=40),  # Telegram's default max_connections
            timeout=aiohttp.ClientTimeout(total=30),
        )

    async def close(self) -> None:
        for task in list(self._posting):
            task.cancel()
        await asyncio.gather(*self._posting, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        await super().close()

    async def push_update(self, payload: JSON) -> int:
        update_id = await super().push_update(payload)
        update = next(u for u in self._updates if u["update_id"] == update_id)
        self._updates.remove(update)  # never offered to getUpdates: it goes by webhook
        task = asyncio.ensure_future(self._post(update))
        self._posting.add(task)
        task.add_done_callback(self._posting.discard)
        return update_id

    async def _post(self, update: JSON) -> None:
        assert self._session is not None and self.deliver_to
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        while True:
            self.deliveries += 1
            try:
                async with self._session.post(self.deliver_to, json=update,
                                              headers=headers) as response:
                    if 200 <= response.status < 300:
                        return
            except (TimeoutError, aiohttp.ClientError):
                pass
            self.refused_posts += 1
            await asyncio.sleep(RETRY_SECONDS)

    def _replied(self, message: JSON) -> None:
        self.replies += 1
        chat, text = message["chat"]["id"], str(message.get("text", ""))
        seen = self._texts.setdefault(chat, set())
        if text in seen:
            self.repeats[chat] += 1
        seen.add(text)
        super()._replied(message)


class Users(Driver):
    """The benchmark's users; one whose conversation went astray (the button its script
    presses is not on the bot's latest question) stops there, as a person would be lost."""

    def __init__(self, api: BenchApi, *, expected: Any, timeout: float) -> None:
        super().__init__(api, expected=expected, timeout=timeout)
        self.astray: dict[int, str] = {}

    async def _play(self, user: User, result: Any) -> None:
        try:
            await super()._play(user, result)
        except ValueError as err:  # raised by button_for
            self.astray[user.chat_id] = str(err)[:160]
            user.pending = None


@dataclass
class TelegramReport:
    workers: int
    conversations: int
    updates: int = 0
    answered: int = 0
    lost: int = 0
    duplicated: int = 0  # stray_messages + extra_acknowledgements
    stray_messages: int = 0
    extra_acknowledgements: int = 0  # answerCallbackQuery tried again (Telegram refuses it)
    window: int = 0  # at the kill: owed messages already delivered (see the docstring)
    unfinished_at_kill: int = 0
    wrong: list[str] = field(default_factory=list)  # "chat id script/lang: what differs"
    wrong_chats: set[int] = field(default_factory=set)
    repeated_chats: set[int] = field(default_factory=set)  # got a message a second time
    seconds: float = 0.0
    updates_per_second: float = 0.0
    killed: str | None = None
    dispatch: DispatchStats = field(default_factory=DispatchStats)
    refused_posts: int = 0
    errors_in_logs: list[str] = field(default_factory=list)
    losses: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.workers} workers, {self.conversations} conversations, "
                f"{self.updates} updates in {self.seconds:.1f} s: lost {self.lost}, "
                f"duplicated {self.duplicated}, wrong state {len(self.wrong)}; "
                f"killed {self.killed} (window {self.window}, unfinished "
                f"{self.unfinished_at_kill}, messages again {self.stray_messages}, "
                f"acknowledgements again {self.extra_acknowledgements}); "
                f"dispatch {dict(self.dispatch.forwarded)}, "
                f"passed over {self.dispatch.passed_over}, 502 {self.dispatch.bad_gateway}; "
                f"webhook posts refused {self.refused_posts}; chats that got a message "
                f"twice {sorted(self.repeated_chats)}\n"
                + "\n".join(self.wrong[:10] + self.losses[:5] + self.errors_in_logs[:10]))


def plan(conversations: int) -> list[Script]:
    """`conversations` scripts, every scripted conversation in turn."""
    every = scripts()
    return [every[i % len(every)] for i in range(conversations)]


def _differences(got: object, want: object) -> str:
    from dialogs.state import DialogState

    if not isinstance(got, DialogState) or not isinstance(want, DialogState):
        return f"stored {got!r}"
    fields = [name for name in DialogState.model_fields
              if getattr(got, name) != getattr(want, name)]
    return ", ".join(f"{name}={getattr(got, name)!r} (single worker: {getattr(want, name)!r})"
                     for name in fields[:4])


async def run_telegram(
    workers: int,
    conversations: int,
    backend: Backend,
    workdir: Path,
    *,
    kill_after: float | None = None,
    timeout: float = 20.0,
) -> TelegramReport:
    """Play `conversations` conversations at once through `workers` webhook workers; with
    `kill_after` (a fraction of the replies), kill -9 the first worker once that share of
    the replies has arrived."""
    chosen = plan(conversations)
    owed = expected_messages(sorted(set(chosen), key=lambda s: s.key))
    total_replies = sum(owed[s.key][i] for s in chosen for i in range(s.updates))
    report = TelegramReport(workers=workers, conversations=conversations)
    api = WebhookApi(TOKEN)
    await api.start()
    processes: list[Worker] = []
    try:
        processes = await start_telegram_workers(workers, backend, api.base_url, workdir)
        upstreams = [Upstream(w.name, w.url) for w in processes]
        async with AlternatingDispatcher(upstreams) as dispatcher:
            api.deliver_to = f"{dispatcher.url}/{WEBHOOK_PATH}"
            driver = Users(api, expected=owed, timeout=timeout)
            users = [User(chat_id=FIRST_CHAT + i, scripts=[script])
                     for i, script in enumerate(chosen)]
            killer = None
            if kill_after is not None:
                killer = asyncio.ensure_future(
                    _kill_when(api, processes[0], kill_after * total_replies, backend, report))
            started = time.perf_counter()
            result = await driver.phase(users)
            report.seconds = time.perf_counter() - started
            await asyncio.sleep(QUIET_SECONDS)
            if killer is not None:
                killer.cancel()
                report.killed = processes[0].name if not processes[0].alive else None
            report.dispatch = dispatcher.stats
        unanswered, extra = driver.callback_problems(result.query_ids)
        report.updates = result.updates
        report.answered = result.answered
        report.updates_per_second = result.answered / report.seconds if report.seconds else 0
        report.lost = result.lost + unanswered
        report.stray_messages, report.extra_acknowledgements = driver.strays, extra
        report.duplicated = driver.strays + extra
        report.losses = result.losses
        report.refused_posts = api.refused_posts
        report.repeated_chats = {chat for chat, n in api.repeats.items() if n}
        today = today_in_china()
        keys = [conversation_key(u.chat_id, "private", u.chat_id) for u in users]
        stored = await stored_states(backend, keys)
        for user, key in zip(users, keys, strict=True):
            want = telegram_final_state(user.scripts[0], today)
            got = stored.get(key)
            if got != want:
                astray = driver.astray.get(user.chat_id)
                report.wrong_chats.add(user.chat_id)
                report.wrong.append(f"{user.chat_id} {user.scripts[0].name}/"
                                    f"{user.scripts[0].lang}: {_differences(got, want)}"
                                    + (f"; went astray: {astray}" if astray else ""))
    finally:
        await stop_all(processes)
        await api.close()
    report.errors_in_logs = [f"{w.name}: {line}" for w in processes
                             for line in w.errors_in_log()]
    return report


async def _kill_when(api: WebhookApi, worker: Worker, replies: float, backend: Backend,
                     report: TelegramReport) -> None:
    while api.replies < replies:
        await asyncio.sleep(0.005)
    worker.kill()
    # At once: the others take the dead worker's work over within SWEEP_SECONDS.
    async with connect(database_url.parse(backend.url)) as store:
        owed = await store.owed()
        report.unfinished_at_kill = len(await store.unfinished())
    report.window = sum(1 for entry in owed if _delivered_already(api, entry.payload))


def _delivered_already(api: WebhookApi, payload: str) -> bool:
    delivery = Delivery.from_json(payload)
    text = visible(delivery.message.text, delivery.message.html)
    return any(m.get("text", "") == text for m in api.sent_messages(delivery.chat_id))
