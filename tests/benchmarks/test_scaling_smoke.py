"""`make bench`'s scaling leg as a smoke run: a few users, one round, one leg of two workers
on PostgreSQL (every leg is the same code with other numbers); nothing lost, every
conversation as one worker leaves it, and the report has its keys."""

from __future__ import annotations

from benchmarks.scaling import Leg, default_legs, run, table


async def test_scaling_smoke() -> None:
    result = await run(users=4, rounds=1, legs=[Leg("postgresql", 2)], warmup=False,
                       log=lambda line: None)
    assert result["cores"] and result["baseline"] == "postgresql-2"
    leg = result["legs"]["postgresql-2"]
    assert leg["lost"] == 0 and leg["wrong"] == 0, result["per_round"]
    assert leg["requests_per_second"] > 0 and leg["latency_p99_ms"] > 0
    assert leg["throughput_vs_baseline"] == 1.0
    assert "cores" in table(result)
    # the bench's own legs: one SQLite worker first, the baseline the others are held to
    assert default_legs()[0] == Leg("sqlite", 1)
