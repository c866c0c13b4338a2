"""The fault cases of `make bench`: kill -9 during dialogs, and a flooding chat.

* crash: `tests/e2e/crash_world.py` (50 dialogs, `kill -9` three times at random moments,
  then a restart): updates, lost and duplicated messages, and the documented window.
* flood: the real bot process; 20 users ask once (baseline), then one chat sends 1,000
  messages and 20 other users ask once: their p99 latency against the baseline's, lost and
  duplicated replies among them, and how much of the flood was answered.

Latency runs from the moment the update is available to getUpdates to the arrival of the
last message it owes (worked out beforehand by the dialog code, as in the load benchmark).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.e2e.crash_world import LANG, TOKEN, BotProcess, expected_texts, run_crashes
from tests.e2e.fake_bot_api import FakeBotApi

QUESTION = ("/start changtu",)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


async def _ask(api: FakeBotApi, chats: list[int], owed: int, timeout: float) -> list[float]:
    for chat in chats:
        api.add_chat(chat, language_code=LANG)
    started = time.monotonic()
    for chat in chats:
        await api.user_sends_text(chat, QUESTION[0], language_code=LANG)
    latencies: list[float] = []

    async def one(chat: int) -> None:
        await api.wait_for(lambda a: a.sent_count(chat) >= owed, timeout=timeout)
        latencies.append(time.monotonic() - started)

    results = await asyncio.gather(*(one(c) for c in chats), return_exceptions=True)
    if any(isinstance(r, BaseException) for r in results):
        latencies.append(float("inf"))
    return latencies


async def flood_case(workdir: Path, *, others: int = 20, flood: int = 1000,
                     timeout: float = 60.0) -> dict[str, Any]:
    owed = expected_texts(QUESTION)[0]
    async with FakeBotApi(token=TOKEN) as api:
        bot = BotProcess(api, workdir / "flood.sqlite3", workdir / "flood.log")
        await bot.prepare()
        await bot.ready()
        await bot.start()
        try:
            await _ask(api, [30_000 + i for i in range(others)], len(owed), timeout)  # warm-up
            baseline = await _ask(api, [31_000 + i for i in range(others)], len(owed), timeout)
            flooder = 39_999
            api.add_chat(flooder, language_code=LANG)
            for i in range(flood):
                await api.user_sends_text(flooder, f"消息 {i}", language_code=LANG)
            await api.wait_for(lambda a: not a.pending_updates, timeout=timeout)
            ordinary = [32_000 + i for i in range(others)]
            flooded = await _ask(api, ordinary, len(owed), timeout)
            await asyncio.sleep(1.0)  # late duplicates would arrive by now
        finally:
            await bot.stop()
        want = Counter(owed)
        lost = duplicated = 0
        for chat in ordinary:
            got = Counter(m.get("text", "") for m in api.sent_messages(chat))
            lost += sum((want - got).values())
            duplicated += sum((got - want).values())
        return {
            "ordinary_users": others,
            "flood_messages": flood,
            "baseline_p99_ms": round(_p99(baseline) * 1000, 1),
            "flooded_p99_ms": round(_p99(flooded) * 1000, 1),
            "p99_ratio": round(_p99(flooded) / _p99(baseline), 2),
            "lost": lost,
            "duplicated": duplicated,
            "flood_replies": api.sent_count(flooder),
        }


async def run_faults(workdir: Path) -> dict[str, Any]:
    async with FakeBotApi(token=TOKEN) as api:
        crash_dir = workdir / "crash"
        crash_dir.mkdir()
        crash = await run_crashes(api, crash_dir)
    return {"crash": crash.as_dict(), "flood": await flood_case(workdir)}


def lines(faults: dict[str, Any]) -> list[str]:
    crash, flood = faults["crash"], faults["flood"]
    return [
        "fault cases:",
        f"  kill -9 x{crash['kills']} during {crash['chats']} dialogs ({crash['updates']} "
        f"updates, {crash['expected_messages']} messages owed): lost {crash['lost']}, "
        f"duplicated {crash['duplicated']} (documented window: {crash['window']})",
        f"  flood of {flood['flood_messages']} beside {flood['ordinary_users']} users: their "
        f"p99 {flood['flooded_p99_ms']} ms vs {flood['baseline_p99_ms']} ms without "
        f"(x{flood['p99_ratio']}), lost {flood['lost']}, duplicated {flood['duplicated']}; "
        f"the flooder got {flood['flood_replies']} replies",
    ]
