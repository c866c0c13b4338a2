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

CONVERSATIONS = 30
# Seconds a user waits for a reply before it counts as lost. A passing run ends when the last
# conversation does, so a long wait costs time only when something is lost. 8 s was too
# short on a loaded machine (load 6 on 2 cores, four workers and PostgreSQL): 3-13 of
# about 150 updates counted lost although each was in the inbox, finished, and its messages
# out of the outbox (checked in the database after the run), on main's code as on this.
REPLY_TIMEOUT = 15.0

# Before the store's conversation lock and claims, two webhook workers sent owed messages
# twice: a worker handling a conversation's next update first sent what the store said was
# still owed, while the worker that sent it had not yet recorded it as delivered; the
# duplicate was taken for the next reply, the user pressed a button of an old question, and
# the conversation went astray (issue 13: "18 of 30 chats in the wrong state"; here 9 of 40
# at 2 workers on SQLite, 27 of 40 on PostgreSQL). With `Store.apply` and the claims
# (schema version 2) they pass on both backends.
#
# The kill case failed until the webhook answered Telegram only after the update was in the
# inbox: python-telegram-bot's own webhook server answered 200 with the update only in
# memory, so the 1-3 updates the killed worker had acknowledged and not yet recorded were
# lost for good (Telegram never re-sends an update it had a 200 for), and their
# conversations stopped there (seen in the workers' logs and the inbox: the lost update ids
# were never recorded). bot.telegram.webhook is the fix.


def _cases(*counts: int) -> list[object]:
    """(backend, workers): SQLite with two workers only (it reproduces the issue: one file
    is a one-process store), PostgreSQL with each count."""
    return [pytest.param(name, workers, id=f"{name}-{workers}")
            for name in BACKENDS for workers in (counts if name != "sqlite" else counts[:1])]


def _check(report: TelegramReport, *, killed: bool = False) -> None:
    assert report.lost == 0, report.summary()
    assert report.answered == report.updates > CONVERSATIONS
    if not killed:
        assert report.wrong == [], report.summary()
        assert report.duplicated == 0, report.summary()
        return
    # A message sent again (the window below) can reach a scripted user while it waits for
    # its next reply: it takes the repeat for that reply and presses on early, perhaps a
    # button of the repeated, older question, which the bot answers with "this question has
    # moved on" as it should; the conversation then differs from the script's. Only a chat
    # that got a message twice may end elsewhere than one worker leaves it.
    assert report.wrong_chats <= report.repeated_chats, report.summary()
    # Only the window Telegram leaves open: a message the dead worker had sent and not yet
    # recorded is sent again (at most the 16 requests it had in flight). (At most: an edit
    # done again that changes nothing is refused by Telegram as "not modified".)
    assert report.stray_messages <= report.window <= 16, report.summary()
    # A button acknowledgement is tried again only for an update the dead worker had not
    # finished; Telegram refuses a second answer to a query, so nobody sees it.
    assert report.extra_acknowledgements <= report.unfinished_at_kill, report.summary()


@pytest.mark.parametrize(("backend_name", "workers"), _cases(2, 4))
async def test_webhook_workers_end_every_conversation_where_one_worker_would(
    backend_name: str, workers: int, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    backend = make_backend(backend_name, tmp_path, request)
    report = await run_telegram(workers, CONVERSATIONS, backend, tmp_path,
                                timeout=REPLY_TIMEOUT)
    _check(report)
    # the dispatcher really alternated: each worker got its turn, in turn
    counts = report.dispatch.forwarded
    assert len(counts) == workers and max(counts.values()) - min(counts.values()) <= 1
    assert report.errors_in_logs == [], report.summary()


# PostgreSQL only: killing one of two workers on a SQLite file leaves one process on it,
# which is what SQLite is for; and after the kill no race is left to fail on, so on SQLite
# this passes in some runs and fails in others.
@pytest.mark.parametrize("workers", [2])
@pytest.mark.parametrize("backend_name", ["postgresql"])
async def test_a_webhook_worker_killed_mid_run_leaves_its_work_to_the_others(
    backend_name: str, workers: int, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    backend = make_backend(backend_name, tmp_path, request)
    report = await run_telegram(workers, CONVERSATIONS, backend, tmp_path, kill_after=0.4,
                                timeout=REPLY_TIMEOUT)
    assert report.killed == "telegram-1"
    _check(report, killed=True)
