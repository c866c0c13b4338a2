"""Several `yibao telegram --webhook` workers on one store behind an alternating dispatcher:
every conversation ends where a single worker leaves it, no reply lost or sent twice, and a
worker killed with `kill -9` leaves its work to the others (tests/multiworker/telegram_world).

Sizes: CONVERSATIONS conversations at once here (every scripted conversation once, about
200 updates) to keep `make test` bounded; the issue's 200 conversations with 2 and 4 workers
are played by the benchmark's scaling leg (`python -m benchmarks.scaling`), which counts the
same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.multiworker.conftest import BACKENDS, make_backend
from tests.multiworker.telegram_world import TelegramReport, run_telegram

CONVERSATIONS = 40

# On the SQLite store two webhook workers deliver the same owed message twice: a worker
# handling a conversation's next update first sends what the store says is still owed, and
# the worker that sent it has not yet recorded it as delivered. The duplicate is taken for
# the next reply, the user presses a button of an old question, and the conversation goes
# astray (issue 13: "18 of 30 chats in the wrong state"; here 9 of 40 at 2 workers). Strict:
# when the store claims owed messages and orders a conversation's updates across processes
# on SQLite too, this turns red and the mark goes.
SQLITE_SHARED_OUTBOX = pytest.mark.xfail(
    reason="issue 13: on the SQLite store two workers send one owed message, and nothing "
    "orders a conversation's updates across processes",
    strict=True,
)


def _cases(*counts: int) -> list[object]:
    """(backend, workers): SQLite with two workers only (it reproduces the issue; more
    workers would only fail slower), every other backend with each count."""
    out: list[object] = []
    for name in BACKENDS:
        for workers in counts if name != "sqlite" else counts[:1]:
            marks = [SQLITE_SHARED_OUTBOX] if name == "sqlite" else []
            out.append(pytest.param(name, workers, marks=marks, id=f"{name}-{workers}"))
    return out


def _check(report: TelegramReport) -> None:
    assert report.lost == 0, report.summary()
    assert report.duplicated == 0, report.summary()
    assert report.wrong == [], report.summary()
    assert report.answered == report.updates > CONVERSATIONS


@pytest.mark.parametrize(("backend_name", "workers"), _cases(2, 4))
async def test_webhook_workers_end_every_conversation_where_one_worker_would(
    backend_name: str, workers: int, tmp_path: Path
) -> None:
    backend = make_backend(backend_name, tmp_path)
    report = await run_telegram(workers, CONVERSATIONS, backend, tmp_path, timeout=8)
    _check(report)
    # the dispatcher really alternated: each worker got its turn, in turn
    counts = report.dispatch.forwarded
    assert len(counts) == workers and max(counts.values()) - min(counts.values()) <= 1
    assert report.errors_in_logs == [], report.summary()


@pytest.mark.parametrize(("backend_name", "workers"), _cases(2))
async def test_a_webhook_worker_killed_mid_run_leaves_its_work_to_the_others(
    backend_name: str, workers: int, tmp_path: Path
) -> None:
    backend = make_backend(backend_name, tmp_path)
    report = await run_telegram(workers, CONVERSATIONS, backend, tmp_path, kill_after=0.4,
                                timeout=15)
    assert report.killed == "telegram-1"
    _check(report)
