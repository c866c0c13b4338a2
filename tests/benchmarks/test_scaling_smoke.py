"""`make bench`'s scaling leg as a smoke run: a few users, one round, one leg of two workers
on PostgreSQL (every leg is the same code with other numbers); nothing lost, every
conversation as one worker leaves it, and the report has its keys: CPU per request of each
process (workers, PostgreSQL, dispatcher, users), idle CPU, SQL statements per request."""

from __future__ import annotations

from benchmarks.scaling import Leg, default_legs, run, table


async def test_scaling_smoke() -> None:
    result = await run(users=4, rounds=1, legs=[Leg("postgresql", 2)], warmup=False,
                       idle=0.2, count_sql=True, log=lambda line: None)
    assert result["cores"] and result["baseline"] == "postgresql-2"
    leg = result["legs"]["postgresql-2"]
    assert leg["lost"] == 0 and leg["wrong"] == 0, result["per_round"]
    assert leg["requests_per_second"] > 0 and leg["latency_p99_ms"] > 0
    assert leg["throughput_vs_baseline"] == 1.0
    assert "cores" in table(result) and "CPU ms per request" in table(result)
    cpu = leg["cpu_ms_per_request"]
    # every request went through the dispatcher to a worker, which read the store
    assert cpu["workers"] + cpu["dispatcher"] > 0 and cpu["machine"] >= cpu["workers"]
    figures = result["per_round"][0]["postgresql-2"]
    assert len(figures["cpu_ms_per_request_each_worker"]) == 2
    # every request woke a worker and the dispatcher at least once
    assert figures["switches_per_request"]["workers"] >= 1
    assert figures["switches_per_request"]["dispatcher"] >= 1
    assert set(figures["idle_cpu_ms_per_second"]) == {"web-1", "web-2", "postgresql", "machine"}
    # a page read, or a step's lock, read and write: never none
    assert figures["sql_statements_per_request"] >= 1
    assert figures["sql_statements"][0]["per_request"] > 0
    # the bench's own legs: one SQLite worker first, the baseline the others are held to
    assert default_legs()[0] == Leg("sqlite", 1)
