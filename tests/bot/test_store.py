"""The state store's whole contract, run on both backends (SQLite and a real PostgreSQL
server, tests.postgres): round trips, corrupted rows, inbox, outbox, /forget, retention."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from bot.database_url import Database
from bot.store import KEEP, Change, Conversation, StoreError, connect
from dialogs.state import DialogState, Stage
from tests.bot.stores import BACKENDS, database_for, everything, sql, tables


def sample_state() -> DialogState:
    return DialogState(
        region="changtu", identities=["dibao"], stage=Stage.PAYMENT_DATE,
        payment_date=date(2025, 3, 10), seq=7,
    )  # fmt: skip


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    return database_for(str(request.param), tmp_path, url)


async def test_missing_conversation_is_a_fresh_state(database: Database) -> None:
    async with connect(database) as store:
        conversation = await store.get("42")
    assert conversation.state == DialogState()
    assert conversation.question_message_id is None


async def test_put_get_delete_round_trip(database: Database) -> None:
    async with connect(database) as store:
        await store.put("42", sample_state(), question_message_id=5)
        got = await store.get("42")
        assert got.state == sample_state()
        assert got.question_message_id == 5
        await store.set_question_message("42", 9)
        assert (await store.get("42")).question_message_id == 9
        assert await store.count() == 1
        assert await store.delete("42") is True
        assert await store.delete("42") is False
        assert (await store.get("42")).state == DialogState()


async def test_state_survives_reopening(database: Database) -> None:
    async with connect(database) as store:
        await store.put("-100:7", sample_state())
    async with connect(database) as store:
        assert (await store.get("-100:7")).state == sample_state()


async def test_corrupted_row_gives_a_fresh_state_and_logs_no_content(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with connect(database) as store:
        await store.put("1", sample_state())
        await store.put("2", sample_state())
    sql(database, "UPDATE conversations SET state = ? WHERE key = '1'",
        '{"region": "低保秘密", "bad": 1')
    sql(database, "UPDATE conversations SET state = ? WHERE key = '2'", '{"stage": "nowhere"}')
    caplog.set_level(logging.DEBUG)
    async with connect(database) as store:
        assert (await store.get("1")).state == DialogState()
        assert (await store.get("2")).state == DialogState()
    assert "unreadable" in caplog.text
    assert "低保秘密" not in caplog.text and "nowhere" not in caplog.text


async def test_concurrent_writers_do_not_interfere(database: Database) -> None:
    async with connect(database) as store:

        async def write(i: int) -> None:
            await store.put(str(i), DialogState(seq=i))

        await asyncio.gather(*(write(i) for i in range(200)))
        states = await asyncio.gather(*(store.get(str(i)) for i in range(200)))
    assert [c.state.seq for c in states] == list(range(200))


async def test_closed_store_refuses_work(database: Database) -> None:
    store = connect(database)
    with pytest.raises(RuntimeError, match="not open"):
        await store.get("1")
    await store.open()
    await store.open()  # idempotent
    await store.close()
    await store.close()


# -- inbox ----------------------------------------------------------------------------------

async def test_the_inbox_recognises_replays_and_keeps_payloads_until_finished(
    database: Database,
) -> None:
    async with connect(database) as store:
        assert await store.receive([(1, '{"a": 1}'), (2, '{"b": 2}')]) == {1, 2}
        assert await store.receive([(2, '{"b": 2}'), (3, '{"c": 3}')]) == {3}
        assert await store.receive([]) == set()
        assert await store.unfinished() == [(1, '{"a": 1}'), (2, '{"b": 2}'), (3, '{"c": 3}')]
        await store.finish(2)
        await store.finish_many([1, 3])
        await store.finish_many([])
        assert await store.unfinished() == []
        assert await store.receive([(1, '{"a": 1}')]) == set()  # still a replay
    # a finished event keeps only its id: the payload (a message's text) is gone
    assert sql(database, "SELECT id FROM inbox WHERE payload IS NOT NULL") == []


# -- outbox ---------------------------------------------------------------------------------

async def test_a_step_commits_state_owed_messages_and_its_event_together(
    database: Database,
) -> None:
    async with connect(database) as store:
        await store.receive([(10, "{}")])
        ids = await store.commit("7", sample_state(), event_id=10, owed=["m1", "m2", "m3"])
        assert len(ids) == 3 and ids == sorted(ids)
        assert (await store.get("7")).state == sample_state()
        assert await store.unfinished() == []
        owed = await store.owed("7")
        assert [o.payload for o in owed] == ["m1", "m2", "m3"] and [o.id for o in owed] == ids
        await store.delivered("7", ids[0], 55)
        assert (await store.get("7")).question_message_id == 55
        await store.delivered("7", ids[1], KEEP)
        assert (await store.get("7")).question_message_id == 55
        await store.delivered("7", ids[2], None)
        assert (await store.get("7")).question_message_id is None
        assert await store.owed() == []
        # state None: only messages owed (the paste-ready answer), the state untouched
        [extra] = await store.commit("7", None, event_id=None, owed=["again"])
        assert [(o.id, o.key) for o in await store.owed()] == [(extra, "7")]
        assert (await store.get("7")).state == sample_state()


async def test_owed_messages_of_all_conversations_in_the_order_owed(database: Database) -> None:
    async with connect(database) as store:
        await store.commit("a", None, event_id=None, owed=["a1"])
        await store.commit("b", None, event_id=None, owed=["b1"])
        await store.commit("a", None, event_id=None, owed=["a2"])
        assert [(o.key, o.payload) for o in await store.owed()] == [
            ("a", "a1"), ("b", "b1"), ("a", "a2")]
        assert [o.payload for o in await store.owed("a")] == ["a1", "a2"]


# -- apply: read-modify-write ----------------------------------------------------------------

async def test_apply_reads_decides_and_writes_in_one_step(database: Database) -> None:
    seen: list[Conversation] = []

    def advance(conversation: Conversation) -> Change:
        seen.append(conversation)
        state = conversation.state
        return Change(state.model_copy(update={"seq": state.seq + 1}),
                      owed=[f"reply {state.seq + 1}"])

    async with connect(database) as store:
        await store.put("k", sample_state(), question_message_id=4)
        await store.receive([(1, "{}"), (2, "{}")])
        ids = await store.apply("k", advance, event_id=1)
        assert ids is not None and len(ids) == 1
        assert seen == [Conversation(sample_state(), 4)]
        got = await store.get("k")
        assert got.state.seq == 8 and got.question_message_id == 4
        assert await store.unfinished() == [(2, "{}")]
        # the same event again (a replay, or another worker): nothing done, decide not called
        assert await store.apply("k", advance, event_id=1) is None
        assert len(seen) == 1 and (await store.get("k")).state.seq == 8
        assert [o.payload for o in await store.owed("k")] == ["reply 8"]
        # an event never received (the web chat has none) is applied
        assert await store.apply("k", advance, event_id=99) is not None
        assert (await store.get("k")).state.seq == 9


async def test_a_failing_decision_changes_nothing(database: Database) -> None:
    def broken(conversation: Conversation) -> Change:
        raise ValueError("a bug in a step")

    async with connect(database) as store:
        await store.put("k", sample_state())
        await store.receive([(1, "{}")])
        with pytest.raises(ValueError, match="a bug"):
            await store.apply("k", broken, event_id=1)
        assert (await store.get("k")).state == sample_state()
        assert await store.unfinished() == [(1, "{}")]
        assert await store.owed() == []


# -- the page a step said (the web chat's GET after a post, on any worker) -------------------

async def test_a_step_stores_its_page_with_its_state_and_a_later_state_clears_it(
    database: Database,
) -> None:
    def with_page(page: str) -> Callable[[Conversation], Change]:
        def decide(conversation: Conversation) -> Change:
            state = conversation.state
            return Change(state.model_copy(update={"seq": state.seq + 1}), page=page)
        return decide

    def unchanged(conversation: Conversation) -> Change:
        return Change(None)

    async with connect(database) as store:
        await store.apply("w", with_page("<p>低保</p>"))
        got = await store.get("w")
        assert got.page == "<p>低保</p>" and got.state.seq == 1
        await store.apply("w", unchanged)  # a GET showing it: the page stays
        assert (await store.get("w")).page == "<p>低保</p>"
        await store.apply("w", with_page("<p>second</p>"))
        assert (await store.get("w")).page == "<p>second</p>"
        # a state written without a page (another step, Telegram's put/commit): none is left
        # that belongs to an older state
        await store.apply("w", lambda c: Change(c.state.model_copy(update={"seq": 9})))
        assert (await store.get("w")).page is None
        await store.apply("w", with_page("<p>third</p>"))
        await store.commit("w", sample_state(), event_id=None, owed=[])
        assert (await store.get("w")).page is None
        await store.apply("w", with_page("<p>fourth</p>"))
        await store.put("w", sample_state())
        assert (await store.get("w")).page is None


async def test_forget_and_retention_delete_the_stored_page(database: Database) -> None:
    def said(conversation: Conversation) -> Change:
        return Change(sample_state(), page="<p>您是特困人员</p>")

    async with connect(database) as store:
        await store.apply(SECRET_KEY, said)
        await store.apply("old", said)
        await store.apply("kept", said)
        assert "特困" in everything(database)
        await store.apply(SECRET_KEY, lambda c: Change(None, forget=True))
        sql(database, "UPDATE conversations SET updated_at = updated_at - 40 * 86400 "
                      "WHERE key = 'old'")
        assert await store.expire(30 * 86400) == 1
        await store.scrub()
        assert (await store.get(SECRET_KEY)).page is None
        assert (await store.get("kept")).page == "<p>您是特困人员</p>"
    assert [k for (k,) in sql(database, "SELECT key FROM conversations WHERE page IS NOT NULL")] \
        == ["kept"]
    assert everything(database).count("特困") == 1  # the kept one's, no copy elsewhere


# -- /forget and retention -------------------------------------------------------------------

SECRET_KEY = "-100777:424242"


async def test_forget_leaves_no_row_mentioning_the_conversation_in_any_table(
    database: Database,
) -> None:
    async with connect(database) as store:
        await store.receive([(5, f'{{"chat": "{SECRET_KEY}", "text": "我是低保户"}}')])
        await store.put(SECRET_KEY, sample_state(), question_message_id=3)
        await store.commit(SECRET_KEY, sample_state(), event_id=5, owed=["an old answer"])
        await store.put("someone else", sample_state())
        assert SECRET_KEY in everything(database)

        def forget(conversation: Conversation) -> Change:
            return Change(None, owed=["已删除"], forget=True)

        await store.receive([(6, f'{{"chat": "{SECRET_KEY}", "text": "/forget"}}')])
        [confirmation] = await store.apply(SECRET_KEY, forget, event_id=6) or [0]
        assert [o.payload for o in await store.owed(SECRET_KEY)] == ["已删除"]
        await store.delivered(SECRET_KEY, confirmation, None)
        await store.scrub()
        assert (await store.get(SECRET_KEY)).state == DialogState()
        assert (await store.get("someone else")).state == sample_state()
    dump = everything(database)
    assert SECRET_KEY not in dump and "424242" not in dump and "低保" not in dump
    assert "someone else" in dump  # the dump does see rows


async def test_delete_removes_the_conversation_and_what_it_was_owed(database: Database) -> None:
    async with connect(database) as store:
        await store.commit(SECRET_KEY, sample_state(), event_id=None, owed=["x", "y"])
        assert await store.delete(SECRET_KEY) is True
    assert SECRET_KEY not in everything(database)


async def test_expire_deletes_conversations_untouched_for_the_period(database: Database) -> None:
    async with connect(database) as store:
        await store.commit("old", sample_state(), event_id=None, owed=["never sent"])
        await store.put("new", sample_state())
        await store.receive([(1, "{}"), (2, "{}")])
        await store.finish(1)
        sql(database, "UPDATE conversations SET updated_at = updated_at - 40 * 86400 "
                      "WHERE key = 'old'")
        sql(database, "UPDATE inbox SET received_at = received_at - 3 * 86400")
        assert await store.expire(30 * 86400) == 1
        assert await store.expire(30 * 86400) == 0
        assert (await store.get("new")).state == sample_state()
        assert (await store.get("old")).state == DialogState()
        assert await store.owed() == []
        # a finished id past the replay window goes; an unfinished event stays to be done
        assert await store.unfinished() == [(2, "{}")]
    assert sql(database, "SELECT id FROM inbox") == [(2,)]


# -- schema ----------------------------------------------------------------------------------

async def test_a_new_database_gets_every_table_at_the_latest_version(database: Database) -> None:
    from bot.store import migrations

    async with connect(database) as store:
        assert await store.schema_version() == migrations.LATEST
        await store.check()
    assert {"conversations", "inbox", "outbox", "schema_version"} <= set(tables(database))
    versions = [int(str(v)) for (v,) in sql(database, "SELECT version FROM schema_version")]
    assert versions == [m.version for m in migrations.MIGRATIONS]


async def test_a_database_from_a_newer_yibao_is_refused(database: Database) -> None:
    async with connect(database):
        pass
    sql(database, "INSERT INTO schema_version (version, description, applied_at) "
                  "VALUES (999, 'from the future', 0)")
    with pytest.raises(StoreError, match="schema version 999, newer than this yibao"):
        async with connect(database):
            pass
