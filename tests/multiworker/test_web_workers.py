"""Several `yibao web` workers on one store behind an alternating dispatcher: cookie
sessions and form posts, each visitor's consecutive requests on different workers; every
conversation shows and ends in what a single worker gives, two requests of one visitor at
once are applied one after the other, and a worker killed with `kill -9` costs no
conversation (tests/multiworker/web_world).

Sizes: CONVERSATIONS here, 200 in the benchmark's scaling leg (`python -m benchmarks.scaling`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.multiworker.conftest import BACKENDS, make_backend
from tests.multiworker.web_world import WebReport, run_web
from tests.multiworker.workers import Backend

CONVERSATIONS = 30


def _cases(*counts: int) -> list[object]:
    """(backend, workers): SQLite with the first count (it is the single-machine store),
    every other backend with each count."""
    return [pytest.param(name, workers, id=f"{name}-{workers}")
            for name in BACKENDS for workers in (counts if name != "sqlite" else counts[:1])]


def _alternated(report: WebReport, workers: int) -> None:
    counts = report.dispatch.forwarded
    assert len(counts) == workers and max(counts.values()) - min(counts.values()) <= 1


@pytest.mark.parametrize(("backend_name", "workers"), _cases(2, 4))
async def test_web_workers_end_every_conversation_where_one_worker_would(
    backend_name: str, workers: int, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    backend = make_backend(backend_name, tmp_path, request)
    report = await run_web(workers, CONVERSATIONS, backend, tmp_path)
    assert report.lost == 0, report.summary()
    assert report.wrong == [], report.summary()
    assert report.resent == 0
    _alternated(report, workers)
    assert report.errors_in_logs == [], report.summary()


# Before the web chat stepped through `Store.apply` (the read-modify-write under the
# conversation's lock) this lost a step in 11 of 30 conversations on PostgreSQL.
@pytest.mark.parametrize("backend_name", ["postgresql"])
async def test_two_requests_of_one_visitor_at_once_are_applied_one_after_the_other(
    backend_name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # PostgreSQL only: on SQLite the race shows in some runs only (once in 37 double taps at
    # four workers), too rarely for a test; SQLite is the one-process store.
    backend = make_backend(backend_name, tmp_path, request)
    report = await run_web(4, CONVERSATIONS, backend, tmp_path, double_taps=3)
    assert report.double_taps > CONVERSATIONS
    assert report.lost == 0, report.summary()
    assert report.wrong == [], report.summary()
    _alternated(report, 4)


async def test_a_web_worker_killed_mid_run_costs_no_conversation(
    backend: Backend, tmp_path: Path
) -> None:
    report = await run_web(2, CONVERSATIONS, backend, tmp_path, kill_after=0.4)
    assert report.killed == "web-1"
    assert report.lost == 0, report.summary()
    assert report.wrong == [], report.summary()
    # the survivor took the rest: the dispatcher passed over the dead worker
    assert report.dispatch.passed_over > 0 or report.dispatch.bad_gateway > 0
