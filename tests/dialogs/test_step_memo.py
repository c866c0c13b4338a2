"""Steps remembered (dialogs/step_memo.py): what a remembered step gives is what the step
gives afresh, for exactly the state, the event and the catalog it was taken with."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest

from dialogs import engine, step_memo
from dialogs.engine import Choice, Command, Text, step
from dialogs.memory import forget_shared
from dialogs.render import render_reply
from dialogs.replies import Reply
from dialogs.state import DialogState, Stage
from tests.dialogs.replies import answer, templates
from tests.dialogs.transcript_scenarios import LANGS, SCENARIOS


@pytest.fixture(autouse=True)
def empty_memo() -> Iterator[None]:
    step_memo.forget_steps()
    yield
    step_memo.forget_steps()


def _at_payment_date(today: date, lang: str | None = None) -> DialogState:
    """昌图, an ordinary resident, at the question of the payment date."""
    state, _ = step(DialogState(), Command(name="start", arg="changtu", today=today,
                                           client_lang=lang))
    state, _ = step(state, Choice(option="i:none", seq=state.seq, today=today, client_lang=lang))
    assert state.stage is Stage.PAYMENT_DATE
    return state


def _today(state: DialogState, today: date, lang: str | None = None) -> list[Reply]:
    """The "today" button, pressed on `today`."""
    return step(state, Choice(option="d:today", seq=state.seq, today=today, client_lang=lang))[1]


def test_the_same_tap_on_another_day_is_answered_for_that_day() -> None:
    # 昌图 一、1: "集中缴费期为 2024 年 9 月 23 日至 2025 年 2 月 28 日"; 一、3: outside it
    # "自缴费之日起设 90 天待遇等待期". The state at the date question is the same on both
    # days; only the event's date differs, and with it the wait.
    state = _at_payment_date(date(2024, 12, 10))
    inside = answer(_today(state, date(2024, 12, 10)))
    after = answer(_today(state, date(2025, 3, 10)))
    assert inside.waiting.total is None
    assert after.waiting.total is not None and after.waiting.total.days == 90
    assert after.waiting.last_day == date(2025, 6, 8)
    # 二: "个人参保缴费标准为每人每年 400 元"
    assert inside.amount.total_due == after.amount.total_due == Decimal("400")
    # and the first day's again, from the memo, is still the first day's
    assert answer(_today(state, date(2024, 12, 10))).waiting.total is None
    assert step_memo.remembered_steps() >= 2


def test_the_same_tap_from_another_client_language_is_answered_in_it() -> None:
    state = _at_payment_date(date(2024, 12, 10))
    chinese = _today(state, date(2024, 12, 10), lang="zh-hans")
    english = _today(state, date(2024, 12, 10), lang="en")
    assert chinese[-1].lang == "zh_Hans" and english[-1].lang == "en"


def test_a_remembered_step_equals_the_step_afresh_in_every_transcript() -> None:
    """Every golden conversation twice, its lines as the terminal chat takes them (a number
    presses that button of the latest question, "@id" the button of that id, anything else is
    typed): the second time
    every tap and command comes from the memo, and each gives the state and the text that a
    fresh step gives."""
    today = date(2025, 1, 10)
    hits, taps = 0, 0
    for scenario in SCENARIOS:
        if scenario.two_years:
            continue
        for lang in LANGS:
            for again in (False, True):
                state, replies = step(DialogState(lang=lang), Command(
                    name="start", arg=scenario.region or "", today=today))
                options = [o.id for r in replies for o in r.options]
                for line in scenario.lines[lang]:
                    event: Text | Choice | Command
                    if line.strip().isdigit() and options:
                        event = Choice(option=options[min(int(line), len(options)) - 1],
                                       seq=state.seq, today=today)
                    elif line.startswith("@"):
                        event = Choice(option=line[1:], seq=state.seq, today=today)
                    elif line.startswith("/"):
                        name, _, arg = line[1:].partition(" ")
                        event = Command(name=name, arg=arg, today=today)
                    else:
                        event = Text(text=line, today=today)
                    before = step_memo.remembered_steps()
                    new, replies = step(state, event)
                    fresh_state, fresh = engine._step_afresh(state, event, engine.load_catalog())
                    assert new.to_json() == fresh_state.to_json(), (scenario.name, lang, line)
                    assert [render_reply(r, "text") for r in replies] == [
                        render_reply(r, "text") for r in fresh], (scenario.name, lang, line)
                    remembered = not isinstance(event, Text) and not (
                        isinstance(event, Command) and event.name == "forget")
                    taps += again and remembered
                    hits += again and remembered and step_memo.remembered_steps() == before
                    state = new
                    options = [o.id for r in replies for o in r.options] or options
    assert hits == taps > 50  # the second time, every tap and command was remembered


def test_a_caller_changing_its_state_does_not_change_what_others_get() -> None:
    today = date(2024, 12, 10)
    event = Command(name="start", arg="changtu", today=today)
    first, _ = step(DialogState(), event)
    first.region = "shuangqing"
    first.identities = ["tekun"]
    second, _ = step(DialogState(), event)
    assert second.region == "changtu" and second.identities is None


def test_typed_text_and_forget_are_not_remembered() -> None:
    today = date(2024, 12, 10)
    state = _at_payment_date(today)
    remembered = step_memo.remembered_steps()
    step(state, Text(text="我是低保户，今天交", today=today))
    step(state, Command(name="forget", today=today))
    # words typed after a command are the person's own too, unless they name a region or group
    step(state, Command(name="start", arg="我叫张三，住在昌图", today=today))
    step(state, Command(name="compare", arg="我妈是低保户", today=today))
    assert step_memo.remembered_steps() == remembered
    step(state, Command(name="start", arg="昌图县", today=today))
    step(state, Command(name="compare", arg="特困", today=today))
    step(state, Command(name="table", today=today))
    assert step_memo.remembered_steps() == remembered + 3


def test_a_failed_step_is_not_remembered_and_is_tried_again() -> None:
    today = date(2024, 12, 10)
    state = _at_payment_date(today)
    with mock.patch.object(engine._Step, "run", side_effect=RuntimeError("a bug")):
        _, replies = step(state, Choice(option="d:today", seq=state.seq, today=today))
    assert templates(replies) == ["error"]
    assert answer(_today(state, today)).amount.total_due == Decimal("400")


def test_forgetting_empties_the_memo() -> None:
    _at_payment_date(date(2024, 12, 10))
    assert step_memo.remembered_steps() > 0
    forget_shared()
    assert step_memo.remembered_steps() == 0
