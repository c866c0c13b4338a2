"""The load benchmark end to end, small: both bots, 5 users, one round.

Runs `python -m benchmarks` the way `make bench` does (its own process tree: the fake Bot API
server and the driver in the benchmark process, each bot a child process), with every
scripted conversation played once, and checks what the benchmark promises rather than how
fast anything was: every update answered with exactly the messages it owes, nothing lost,
nothing duplicated, both bots given the same updates, and the report in latest.json's shape.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.scenarios import scripts

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_KEYS = {
    "cpu_per_update_ratio",
    "p99_latency_ratio",
    "lost_replies",
    "duplicate_replies",
    "startup_seconds",
    "state_bytes_per_conversation",
    "machine",
    "rounds",
}


def test_both_bots_answer_every_update_exactly_once(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--users", "5", "--rounds", "1", "--levels", "",
         "--no-warmup", "--load-only", "--timeout", "10", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(out.read_text(encoding="utf-8"))

    assert result.keys() >= REQUIRED_KEYS
    assert result["lost_replies"] == 0, result["rounds"][0]["legs"]
    assert result["duplicate_replies"] == 0, result["rounds"][0]["legs"]
    assert {"cores", "python"} <= result["machine"].keys()

    legs = result["rounds"][0]["legs"]
    expected_updates = sum(s.updates for s in scripts())  # every script once, 5 users
    for bot in ("yibao", "echo"):
        leg = legs[bot]
        phase = leg["phases"]["5"]
        assert phase["updates"] == phase["answered"] == expected_updates, (bot, leg["detail"])
        assert leg["detail"]["requests_refused_by_server"] == 0, leg["detail"]["refusals"]
        assert leg["detail"]["errors_in_bot_log"] == 0
        assert leg["exit_code"] == 0
        assert 0 < leg["startup_seconds"] < 60
        assert phase["latency_ms"]["p50"] <= phase["latency_ms"]["p99"]
    # the echo bot owes one message per update; yibao's answers sometimes come in two
    assert legs["echo"]["phases"]["5"]["messages_per_update"] == 1.0
    assert legs["yibao"]["phases"]["5"]["messages_per_update"] >= 1.0
    state = legs["yibao"]["state"]
    assert state["conversations"] == 5
    assert 0 < result["state_bytes_per_conversation"] <= state["state_bytes_max"]
    for ratio in ("cpu_per_update_ratio", "p99_latency_ratio"):
        assert isinstance(result[ratio], float) and result[ratio] > 0
