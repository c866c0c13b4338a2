"""`kill -9` during concurrent dialogs, counted exactly: shared by the crash test and the
benchmark's crash case.

The bot runs as `python -m bot telegram` (the real command) against the fake Bot API in
this process. Each chat plays a scripted dialog, sending its next message once the bot's
replies to the previous one arrived. While they talk, the bot is killed with SIGKILL at
random moments and started again on the same database.

What the bot owes is worked out beforehand by playing the scripts through the dialog code
the bot runs (same date, same rendering), so each chat's expected messages are known
exactly. After the last restart:

* lost = expected messages that never arrived;
* duplicated = messages that arrived more often than expected;
* window = at each kill, the owed messages still in the outbox (not recorded as delivered)
  that the fake had already delivered: the one window Telegram leaves open (a message sent,
  the process killed before recording it). Exactly these are sent again after the restart,
  so `duplicated == window` is the claim, with `lost == 0`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from bot.clock import today_in_china
from bot.telegram.handlers import _command_of
from bot.telegram.outgoing import Delivery, render_step
from dialogs.engine import Command, Text, step
from dialogs.state import DialogState
from tests.e2e.fake_bot_api import BOT_USERNAME, FakeBotApi, parse_html

ROOT: Final = Path(__file__).resolve().parents[2]
TOKEN: Final = "123456:AACrashTestTokenNotReal_0123456789abcd"
TURNS: Final = ("/start changtu", "普通居民", "是")
LANG: Final = "zh-hans"


def visible(text: str, html: bool) -> str:
    return parse_html(text).text if html else text.strip()


def expected_texts(turns: tuple[str, ...]) -> list[list[str]]:
    """The visible text of every message the bot owes each turn (the dialog code, offline)."""
    state = DialogState()
    today = today_in_china()
    out = []
    for turn in turns:
        parsed = _command_of(turn, BOT_USERNAME) if turn.startswith("/") else None
        event: Command | Text
        if parsed is not None:
            event = Command(name=parsed[0], arg=parsed[1], today=today, client_lang=LANG)
        else:
            event = Text(text=turn, today=today, client_lang=LANG)
        state, replies = step(state, event)
        out.append([visible(m.text, m.html) for r in render_step(replies) for m in r.messages])
    return out


@dataclass
class CrashReport:
    chats: int
    updates: int
    kills: int
    expected_messages: int
    lost: int = 0
    duplicated: int = 0
    window: int = 0
    seconds: float = 0.0
    window_per_kill: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "chats": self.chats, "updates": self.updates, "kills": self.kills,
            "expected_messages": self.expected_messages, "lost": self.lost,
            "duplicated": self.duplicated, "window": self.window,
            "window_per_kill": self.window_per_kill, "seconds": round(self.seconds, 2),
        }


class BotProcess:
    """`python -m bot telegram` on the fake and a state file; SIGKILL or SIGTERM."""

    def __init__(self, api: FakeBotApi, db_path: Path, log_path: Path) -> None:
        self.api = api
        self.db_path = db_path
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    async def prepare(self) -> None:
        """Spawn the process and let it import everything, then hold it before `main`: a
        loaded test machine takes seconds to import, which is not what is under test."""
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": self.api.base_url,
            "YIBAO_STATE_DB": str(self.db_path),
            "PYTHONPATH": str(ROOT),
        }
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _WARM, cwd=ROOT, env=env,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=log,
            )

    async def ready(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 60)
        if line.strip() != b"ready":
            raise RuntimeError(f"bot process did not get ready; see {self.log_path}")

    async def start(self) -> None:
        """Run `yibao telegram` in the prepared process; returns once it polls."""
        if self.process is None:
            await self.prepare()
        assert self.process is not None and self.process.stdin is not None
        polls = len(self.api.requests_for("getUpdates"))
        self.process.stdin.write(b"go\n")
        await self.process.stdin.drain()
        # Up once it polls (recovery is done by then: it runs before the first poll).
        deadline = time.monotonic() + 30
        while len(self.api.requests_for("getUpdates")) <= polls:
            if time.monotonic() > deadline or self.process.returncode is not None:
                raise RuntimeError(f"bot did not start; see {self.log_path}")
            await asyncio.sleep(0.02)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no cleanup of any kind
        await self.process.wait()

    async def stop(self) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.terminate()
        return await self.process.wait()


# The bot's modules imported and its caches warm (one dialog played offline, the menus
# rendered), then `yibao telegram` once the test says go.
_WARM: Final = (
    "import sys, bot.cli, bot.telegram.app, bot.telegram.command\n"
    "from tests.e2e.crash_world import TURNS, expected_texts\n"
    "from bot.telegram.ui_text import command_description\n"
    "from dialogs.engine import COMMANDS\n"
    "expected_texts(TURNS)\n"
    "[command_description(n, l) for n in COMMANDS for l in ('zh_Hans', 'en')]\n"
    "print('ready', flush=True)\n"
    "sys.stdin.readline()\n"
    "sys.exit(bot.cli.main(['telegram']))\n"
)


def owed_at_kill(db_path: Path, api: FakeBotApi) -> int:
    """Owed messages still in the outbox that the fake already delivered (the window)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT payload FROM outbox ORDER BY id").fetchall()
    window = 0
    for (payload,) in rows:
        delivery = Delivery.from_json(payload)
        sent = [m.get("text", "") for m in api.sent_messages(delivery.chat_id)]
        if visible(delivery.message.text, delivery.message.html) in sent:
            window += 1
    return window


async def run_crashes(
    api: FakeBotApi, workdir: Path, *, chats: int = 50, kills: int = 3, seed: int = 11,
    first_chat: int = 20_000, turns: tuple[str, ...] = TURNS, wait: float = 45.0,
) -> CrashReport:
    rng = random.Random(seed)
    owed = expected_texts(turns)
    flat = [text for turn in owed for text in turn]
    assert len(set(flat)) == len(flat), "each message of a dialog must be distinct to count"
    report = CrashReport(chats=chats, updates=chats * len(turns), kills=kills,
                         expected_messages=chats * len(flat))
    db_path, log_path = workdir / "state.sqlite3", workdir / "bot.log"
    # Every process the run needs, imported and warm before the clock starts.
    bots = [BotProcess(api, db_path, log_path) for _ in range(kills + 1)]
    for process in bots:
        await process.prepare()
    await asyncio.gather(*(process.ready() for process in bots))
    bot = bots.pop(0)
    chat_ids = [first_chat + i for i in range(chats)]
    for chat in chat_ids:
        api.add_chat(chat, language_code=LANG)
    started = time.monotonic()
    await bot.start()

    async def dialog(chat: int) -> None:
        needed = 0
        for turn, messages in zip(turns, owed, strict=True):
            needed += len(messages)
            await api.user_sends_text(chat, turn, language_code=LANG)
            target = needed
            try:
                await api.wait_for(lambda a, c=chat, t=target: a.sent_count(c) >= t,
                                   timeout=wait)
            except TimeoutError:
                return  # counted as lost below

    talking = asyncio.gather(*(dialog(chat) for chat in chat_ids))
    try:
        for _ in range(kills):
            await asyncio.sleep(rng.uniform(0.2, 1.2))
            await bot.kill()
            report.window_per_kill.append(owed_at_kill(db_path, api))
            bot = bots.pop(0)
            await bot.start()
        await talking
    finally:
        code = await bot.stop()
        for unused in bots:
            await unused.kill()
    report.seconds = time.monotonic() - started
    report.window = sum(report.window_per_kill)
    for chat in chat_ids:
        got = Counter(m.get("text", "") for m in api.sent_messages(chat))
        want = Counter(flat)
        report.lost += sum((want - got).values())
        report.duplicated += sum((got - want).values())
    if code not in (0, -15):
        raise RuntimeError(f"the bot exited with {code} on SIGTERM; see {bot.log_path}")
    return report


def main() -> None:  # a manual run: python -m tests.e2e.crash_world
    import tempfile

    async def run() -> None:
        async with FakeBotApi(token=TOKEN) as api:
            with tempfile.TemporaryDirectory() as tmp:
                report = await run_crashes(api, Path(tmp))
        print(json.dumps(report.as_dict(), indent=2))

    asyncio.run(run())


if __name__ == "__main__":
    main()
