"""`make bench`'s web leg as a smoke run: a few users, one round, both servers; every
request answered, and the report has its keys."""

from __future__ import annotations

import asyncio

from benchmarks.web import run, table


def test_web_bench_smoke() -> None:
    result = asyncio.run(run(users=3, rounds=1, levels=(), log=lambda line: None))
    phase = result["phases"]["3"]
    for name in ("yibao", "bare"):
        assert phase[name]["errors"] == 0
        assert phase[name]["requests"] > 3
        assert phase[name]["cpu_seconds_per_1000_requests"] > 0
    # the same requests went to both
    assert phase["yibao"]["requests"] == phase["bare"]["requests"]
    assert set(phase["ratios"]) == {"latency_p50_ms", "latency_p99_ms",
                                    "cpu_seconds_per_1000_requests"}
    assert "yibao web" in table(result)
