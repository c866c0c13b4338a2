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


def test_web_app_bench_smoke() -> None:
    """The in-process measure (benchmarks/web_app.py): every script played to the end (a
    request that is not answered 200, after its redirect, stops it), posts and GETs timed."""
    from benchmarks.scenarios import scripts
    from benchmarks.web_app import run as run_app

    result = asyncio.run(run_app(passes=1))
    actions = sum(len(s.actions) for s in scripts())
    assert result["requests"] > actions  # each post is a 303 and the GET it leads to
    assert result["cpu_us_per_post"] > 0 and result["cpu_us_per_get"] > 0
