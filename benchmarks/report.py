"""Turning the rounds into the headline figures, the targets, the table and latest.json."""

from __future__ import annotations

import json
import os
import platform
import statistics
from pathlib import Path
from typing import Any

import telegram

from benchmarks.load import LoadSettings

# The targets of issue 5 (README, Performance).
CPU_RATIO_TARGET = 1.5
P99_RATIO_TARGET = 1.5
STARTUP_TARGET_SECONDS = 1.5
STATE_BYTES_TARGET = 5 * 1024


def write_results(result: dict[str, Any], out: Path) -> None:
    """The run's figures as JSON under benchmarks/results/ (or --out), and where they went."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten to {out}")


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count() or 1,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "python_telegram_bot": telegram.__version__,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 3) if present else None


def _legs(rounds: list[dict[str, Any]], bot: str) -> list[dict[str, Any]]:
    return [r["legs"][bot] for r in rounds]


def per_bot(rounds: list[dict[str, Any]], bot: str, level: int) -> dict[str, Any]:
    """Medians over the rounds of one bot's figures at one load level."""
    legs = _legs(rounds, bot)
    phases = [leg["phases"][str(level)] for leg in legs]
    return {
        "updates_per_round": phases[0]["updates"],
        "updates_per_second": _median([p["updates_per_second"] for p in phases]),
        "latency_p50_ms": _median([p["latency_ms"]["p50"] for p in phases]),
        "latency_p99_ms": _median([p["latency_ms"]["p99"] for p in phases]),
        "cpu_seconds_per_1000_updates": _median(
            [p["cpu_seconds_per_1000_updates"] for p in phases]
        ),
        "messages_per_update": _median([p["messages_per_update"] for p in phases]),
        "peak_rss_mib": _median([leg["peak_rss_kib"] / 1024 for leg in legs]),
        "rss_mib_per_1000_conversations": _median(
            [p["rss_kib_per_1000_conversations"] / 1024 for p in phases]
        ),
        "startup_seconds": _median([leg["startup_seconds"] for leg in legs]),
        "startup_seconds_max": max(leg["startup_seconds"] for leg in legs),
        "harness_cpu_share": _median([p["harness_cpu_share"] for p in phases]),
    }


def build(
    settings: LoadSettings,
    load: dict[str, Any] | None,
    micro: dict[str, Any] | None,
    command: str,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "command": command,
        "machine": machine(),
        "settings": {
            "users": settings.users,
            "rounds": settings.rounds,
            "levels": settings.all_levels,
            "flood_limit": settings.flood_limit,
            "timeout_seconds": settings.timeout,
        },
    }
    if load is not None:
        rounds = load["rounds"]
        main = settings.users
        summary = {
            "yibao": per_bot(rounds, "yibao", main),
            "echo": per_bot(rounds, "echo", main),
        }
        ratios = {
            name: _median([r["ratios"][str(main)][name] for r in rounds])
            for name in rounds[0]["ratios"][str(main)]
        }
        by_level = {
            str(level): {
                "yibao": per_bot(rounds, "yibao", level),
                "echo": per_bot(rounds, "echo", level),
                "ratios": {
                    name: _median([r["ratios"][str(level)][name] for r in rounds])
                    for name in rounds[0]["ratios"][str(level)]
                },
            }
            for level in settings.all_levels
        }
        legs = [leg for r in rounds for leg in r["legs"].values()]
        states = [r["legs"]["yibao"]["state"] for r in rounds]
        state_mean = max(s["state_bytes_mean"] for s in states)
        state_max = max(s["state_bytes_max"] for s in states)
        out.update(
            cpu_per_update_ratio=ratios["cpu_per_update"],
            p99_latency_ratio=ratios["p99_latency"],
            p50_latency_ratio=ratios["p50_latency"],
            throughput_ratio=ratios["updates_per_second"],
            lost_replies=sum(leg["lost_replies"] for leg in legs),
            duplicate_replies=sum(leg["duplicate_replies"] for leg in legs),
            startup_seconds=summary["yibao"]["startup_seconds"],
            startup_seconds_max=summary["yibao"]["startup_seconds_max"],
            state_bytes_per_conversation=state_mean,
            state_bytes_per_conversation_max=state_max,
            summary=summary,
            ratios=ratios,
            by_level=by_level,
        )
        out["targets"] = {
            "cpu_per_update_ratio": _target(ratios["cpu_per_update"], CPU_RATIO_TARGET),
            "p99_latency_ratio": _target(ratios["p99_latency"], P99_RATIO_TARGET),
            "lost_replies": _target(out["lost_replies"], 0),
            "duplicate_replies": _target(out["duplicate_replies"], 0),
            "startup_seconds": _target(out["startup_seconds"], STARTUP_TARGET_SECONDS),
            "state_bytes_per_conversation": _target(state_max, STATE_BYTES_TARGET),
        }
        out["rounds"] = rounds
    if micro is not None:
        out["micro"] = micro
    return out


def _target(value: float | None, limit: float) -> dict[str, Any]:
    return {"value": value, "limit": limit, "met": value is not None and value <= limit}


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(result: dict[str, Any]) -> str:
    lines = []
    m = result["machine"]
    lines.append(
        f"machine: {m['cores']} cores, Python {m['python']}, python-telegram-bot "
        f"{m['python_telegram_bot']}; load average at start {m['load_average_at_start']}"
    )
    if "summary" in result:
        s = result["settings"]
        lines.append(
            f"{s['users']} users, {s['rounds']} rounds (A/B alternated), medians over rounds; "
            f"ratios taken within each round"
        )
        y, e, r = result["summary"]["yibao"], result["summary"]["echo"], result["ratios"]
        rows = [
            ("updates per second", "updates_per_second", "updates_per_second", 1),
            ("latency p50 (ms)", "latency_p50_ms", "p50_latency", 1),
            ("latency p99 (ms)", "latency_p99_ms", "p99_latency", 1),
            ("CPU seconds per 1,000 updates", "cpu_seconds_per_1000_updates",
             "cpu_per_update", 2),
            ("messages per update", "messages_per_update", None, 2),
            ("peak RSS (MiB)", "peak_rss_mib", "peak_rss", 1),
            ("RSS per 1,000 conversations (MiB)", "rss_mib_per_1000_conversations", None, 2),
            ("start-up to first getUpdates (s)", "startup_seconds", "startup", 2),
        ]
        width = max(len(label) for label, *_ in rows)
        lines.append(f"{'':{width}}  {'yibao':>10}  {'echo':>10}  {'yibao/echo':>10}")
        for label, key, ratio, digits in rows:
            lines.append(
                f"{label:{width}}  {_fmt(y[key], digits):>10}  {_fmt(e[key], digits):>10}  "
                f"{_fmt(r.get(ratio) if ratio else None, 2):>10}"
            )
        lines.append("")
        lines.append("by load level (medians; yibao / echo):")
        for level, figures in result["by_level"].items():
            fy, fe, fr = figures["yibao"], figures["echo"], figures["ratios"]
            lines.append(
                f"  {level:>4} users: p50 {_fmt(fy['latency_p50_ms'])} / "
                f"{_fmt(fe['latency_p50_ms'])} ms, p99 {_fmt(fy['latency_p99_ms'])} / "
                f"{_fmt(fe['latency_p99_ms'])} ms (x{_fmt(fr['p99_latency'], 2)}), CPU "
                f"{_fmt(fy['cpu_seconds_per_1000_updates'], 2)} / "
                f"{_fmt(fe['cpu_seconds_per_1000_updates'], 2)} s per 1,000 "
                f"(x{_fmt(fr['cpu_per_update'], 2)})"
            )
        lines.append("")
        lines.append(
            f"lost replies {result['lost_replies']}, duplicate replies "
            f"{result['duplicate_replies']} (all legs, all levels); stored state "
            f"{_fmt(result['state_bytes_per_conversation'])} bytes per conversation (max "
            f"{result['state_bytes_per_conversation_max']})"
        )
        lines.append("targets:")
        for name, target in result["targets"].items():
            verdict = "met" if target["met"] else "MISSED"
            lines.append(f"  {name}: {_fmt(target['value'], 3)} (limit {target['limit']}) "
                         f"{verdict}")
    if "micro" in result:
        micro = result["micro"]
        lines.append("micro-benchmarks (best of 5, one core):")
        lines.append(f"  dialog steps: {micro['dialog_steps_per_second']:,}/s; with the "
                     f"Telegram messages rendered: {micro['dialog_steps_rendered_per_second']:,}/s")
        lines.append(f"  template renders: {micro['template_renders_per_second']:,}/s")
        grid = micro.get("policy_grid")
        if grid:
            lines.append(f"  calculator: {grid['quotes_per_second']:,} quotes/s over the full "
                         f"grid ({grid['grid_quotes']:,} quotes); load and check "
                         f"{grid['load_and_check_seconds']} s")
    return "\n".join(lines)
