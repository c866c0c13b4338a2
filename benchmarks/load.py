"""The load benchmark: yibao's bot and the echo bot, same server, same driver, A/B alternated.

One leg = one bot process from start to stop against a fresh fake Bot API server and a fresh
state database: start-up (until the first getUpdates), a warm-up pass (every script once,
not measured), then each load level in turn (the lighter levels, then the main one with
`users` users), then a quiet second in which any late (duplicate) message would show.
One round = a yibao leg and an echo leg; rounds alternate the order (AB, BA, AB, …) so drift
on a shared machine (other jobs, thermal) falls on both bots alike. Ratios are taken within
a round, then the median over rounds is reported.
"""

from __future__ import annotations

import asyncio
import math
import resource
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.expected import expected_messages
from benchmarks.processes import ECHO, TOKEN, YIBAO, BotKind, BotProcess
from benchmarks.scenarios import Script, scripts
from benchmarks.world import BenchApi, Driver, PhaseResult, User

QUIET_SECONDS = 0.5  # after the last phase: a duplicate arriving late is still counted
FIRST_CHAT_ID = 10_000


@dataclass(frozen=True)
class LoadSettings:
    users: int = 200
    rounds: int = 3
    levels: tuple[int, ...] = (1, 25)  # lighter load levels run before the main one
    timeout: float = 30.0  # seconds an update may wait for its answer before it is lost
    flood_limit: bool = False  # keep AIORateLimiter's 30 messages/second cap
    warmup: bool = True

    @property
    def all_levels(self) -> list[int]:
        return sorted({*self.levels, self.users})


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def deal(level: int, all_scripts: list[Script], offset: int, next_chat: int) -> list[User]:
    """`level` users sharing max(level, len(scripts)) dialogs round-robin."""
    dialogs = max(level, len(all_scripts))
    users = [User(chat_id=next_chat + i, scripts=[]) for i in range(level)]
    for d in range(dialogs):
        users[d % level].scripts.append(all_scripts[(offset + d) % len(all_scripts)])
    return users


def _harness_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _phase_figures(
    result: PhaseResult, cpu: float, harness_cpu: float, rss_before: int, rss_after: int
) -> dict[str, Any]:
    wall = result.finished - result.started
    latencies = result.latencies
    answered = max(result.answered, 1)
    return {
        "users": result.users,
        "updates": result.updates,
        "answered": result.answered,
        "lost": result.lost,
        "not_sent": result.not_sent,
        "messages_per_update": round(result.messages / answered, 3),
        "wall_seconds": round(wall, 3),
        "updates_per_second": round(result.answered / wall, 1) if wall > 0 else 0.0,
        "latency_ms": {
            "p50": round(percentile(latencies, 50) * 1000, 2),
            "p90": round(percentile(latencies, 90) * 1000, 2),
            "p99": round(percentile(latencies, 99) * 1000, 2),
            "max": round(max(latencies, default=0.0) * 1000, 2),
            "mean": round(statistics.fmean(latencies) * 1000, 2) if latencies else 0.0,
        },
        "bot_cpu_seconds": round(cpu, 3),
        "cpu_seconds_per_1000_updates": round(cpu / answered * 1000, 3),
        "bot_cpu_share": round(cpu / wall, 3) if wall > 0 else 0.0,
        "harness_cpu_share": round(harness_cpu / wall, 3) if wall > 0 else 0.0,
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "rss_kib_per_1000_conversations": round((rss_after - rss_before) / result.users * 1000),
    }


def stored_state(db: Path) -> dict[str, Any]:
    """Bytes of state JSON per stored conversation, straight from the bot's SQLite file."""
    with sqlite3.connect(db) as connection:
        count, mean, largest = connection.execute(
            "SELECT COUNT(*), AVG(LENGTH(CAST(state AS BLOB))), "
            "MAX(LENGTH(CAST(state AS BLOB))) FROM conversations"
        ).fetchone()
    files = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    return {
        "conversations": count,
        "state_bytes_mean": round(mean or 0.0, 1),
        "state_bytes_max": largest or 0,
        "db_file_bytes_per_conversation": round(files / count) if count else 0,
    }


async def run_leg(
    kind: BotKind, settings: LoadSettings, workdir: Path, *, profile: Path | None = None
) -> dict[str, Any]:
    all_scripts = scripts()
    expected = expected_messages(all_scripts) if kind is YIBAO else None
    api = BenchApi(TOKEN)
    await api.start()
    driver = Driver(api, expected=expected, timeout=settings.timeout)
    bot = BotProcess(kind, api, workdir, flood_limit=settings.flood_limit, profile=profile)
    next_chat = FIRST_CHAT_ID
    phases: dict[str, dict[str, Any]] = {}
    query_ids: list[str] = []
    lost = not_sent = 0
    losses: list[str] = []
    leg: dict[str, Any] = {"bot": kind.name}
    try:
        await bot.start()
        leg["startup_seconds"] = round(bot.startup_seconds, 3)
        if settings.warmup:
            users = deal(len(all_scripts), all_scripts, 0, next_chat)
            next_chat += len(users)
            warm = await driver.phase(users)
            query_ids += warm.query_ids
            lost, not_sent = lost + warm.lost, not_sent + warm.not_sent
            losses += warm.losses
            leg["warmup_updates"] = warm.updates
        for offset, level in enumerate(settings.all_levels):
            users = deal(level, all_scripts, offset, next_chat)
            next_chat += len(users)
            rss_before = bot.memory_kib()["VmRSS"]
            cpu_before, harness_before = bot.cpu_seconds(), _harness_cpu()
            threads_before = bot.thread_cpu_seconds()
            result = await driver.phase(users)
            cpu = bot.cpu_seconds() - cpu_before
            threads = {
                name: round(seconds - threads_before.get(name, 0.0), 2)
                for name, seconds in bot.thread_cpu_seconds().items()
                if seconds - threads_before.get(name, 0.0) > 0
            }
            harness = _harness_cpu() - harness_before
            rss_after = bot.memory_kib()["VmRSS"]
            phases[str(level)] = _phase_figures(result, cpu, harness, rss_before, rss_after)
            phases[str(level)]["bot_cpu_seconds_by_thread"] = threads
            query_ids += result.query_ids
            lost, not_sent = lost + result.lost, not_sent + result.not_sent
            losses += result.losses
        await asyncio.sleep(QUIET_SECONDS)
        leg["peak_rss_kib"] = bot.memory_kib()["VmHWM"]
    finally:
        leg["exit_code"] = await bot.stop()
        await api.close()
    unanswered, extra_answers = driver.callback_problems(query_ids)
    leg.update(
        lost_replies=lost + unanswered,
        duplicate_replies=driver.strays + extra_answers,
        detail={
            "updates_unanswered": lost,
            "updates_not_sent_after_a_loss": not_sent,
            "button_presses_unacknowledged": unanswered,
            "messages_with_no_open_update": driver.strays,
            "extra_answer_callback_attempts": extra_answers,
            "requests_refused_by_server": len(api.rejected),
            "http_connections_opened": len(api.connections),
            "refusals": api.rejected[:5],
            "losses": losses[:5],
            "errors_in_bot_log": len(bot.errors_in_log()),
        },
        phases=phases,
    )
    if kind is YIBAO:
        leg["state"] = stored_state(bot.state_db)
    return leg


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def round_ratios(yibao: dict[str, Any], echo: dict[str, Any], level: int) -> dict[str, Any]:
    y, e = yibao["phases"][str(level)], echo["phases"][str(level)]
    return {
        "cpu_per_update": _ratio(y["cpu_seconds_per_1000_updates"],
                                 e["cpu_seconds_per_1000_updates"]),
        "p50_latency": _ratio(y["latency_ms"]["p50"], e["latency_ms"]["p50"]),
        "p99_latency": _ratio(y["latency_ms"]["p99"], e["latency_ms"]["p99"]),
        "updates_per_second": _ratio(y["updates_per_second"], e["updates_per_second"]),
        "peak_rss": _ratio(yibao["peak_rss_kib"], echo["peak_rss_kib"]),
        "startup": _ratio(yibao["startup_seconds"], echo["startup_seconds"]),
    }


async def run_load(settings: LoadSettings, log: Any = print) -> dict[str, Any]:
    rounds = []
    with tempfile.TemporaryDirectory(prefix="yibao-bench-") as tmp:
        for number in range(1, settings.rounds + 1):
            order = (YIBAO, ECHO) if number % 2 else (ECHO, YIBAO)
            legs: dict[str, dict[str, Any]] = {}
            for kind in order:
                workdir = Path(tmp) / f"round{number}-{kind.name}"
                workdir.mkdir()
                started = time.perf_counter()
                legs[kind.name] = await run_leg(kind, settings, workdir)
                main = legs[kind.name]["phases"][str(settings.users)]
                log(
                    f"round {number} {kind.name:5}: {main['updates']} updates at "
                    f"{settings.users} users, {main['updates_per_second']}/s, p99 "
                    f"{main['latency_ms']['p99']} ms, "
                    f"{main['cpu_seconds_per_1000_updates']} CPU s/1000, lost "
                    f"{legs[kind.name]['lost_replies']}, dup "
                    f"{legs[kind.name]['duplicate_replies']} "
                    f"({time.perf_counter() - started:.1f} s)"
                )
            levels = {
                str(level): round_ratios(legs["yibao"], legs["echo"], level)
                for level in settings.all_levels
            }
            rounds.append({
                "round": number,
                "order": [k.name for k in order],
                "legs": legs,
                "ratios": levels,
            })
    return {"rounds": rounds}
