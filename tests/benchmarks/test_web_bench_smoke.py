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


def test_web_stack_bench_smoke() -> None:
    """The whole stack in-process (benchmarks/web_stack.py): every script played to the end
    through uvicorn's h11 protocol, the bare page answering the very same requests, and a
    ratio from the one run."""
    from benchmarks.scenarios import scripts
    from benchmarks.web_stack import run as run_stack

    result = asyncio.run(run_stack(passes=1))
    actions = sum(len(s.actions) for s in scripts())
    assert result["requests"] > actions  # each post is a 303 and the GET it leads to
    assert result["yibao_cpu_us_per_request"] > 0 and result["bare_cpu_us_per_request"] > 0
    assert result["cpu_ratio"] > 0
    alone = asyncio.run(run_stack(passes=1, only="bare"))
    assert "yibao_cpu_us_per_request" not in alone and alone["requests"] == result["requests"]


def test_web_stack_parses_what_uvicorn_wrote() -> None:
    """A response read back from the in-memory connection is the one the app sent: status,
    lower-cased headers and the body (a 303's empty one)."""
    from benchmarks.web_stack import parse_response

    status, headers, body = parse_response(
        b"HTTP/1.1 303 See Other\r\nLocation: /\r\nContent-Length: 0\r\n\r\n")
    assert (status, headers, body) == (303, [(b"location", b"/"), (b"content-length", b"0")],
                                       b"")
