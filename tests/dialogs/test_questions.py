"""Each question owns its options (issue 10 §8): built and handled in one unit, and what the
person chose before stays marked ✓ after "back" or 修改 (issue 10 §6), for every choice."""

from __future__ import annotations

import typing
from datetime import date

import pytest

from dialogs import actions
from dialogs.engine import Choice, Command, step
from dialogs.questions import QUESTIONS, question_for
from dialogs.replies import Block, Option, Reply
from dialogs.state import DialogState, Stage
from tests.dialogs.transcript_scenarios import SCENARIOS

IN_2025 = date(2025, 1, 10)


def _start(region: str = "", today: date = IN_2025) -> DialogState:
    state, _ = step(DialogState(), Command(name="start", arg=region, today=today))
    return state


def _tap(state: DialogState, option: str, today: date = IN_2025) -> tuple[DialogState, list[Reply]]:
    return step(state, Choice(option=option, seq=state.seq, today=today))


def _marked(replies: list[Reply]) -> list[str]:
    return [o.id for o in replies[-1].options if o.selected]


def _taps(state: DialogState, *options: str, today: date = IN_2025) -> DialogState:
    for option in options:
        state, replies = _tap(state, option, today)
        assert "stale" not in [b.template for r in replies for b in r.blocks], option
    return state


# -- one unit per question ----------------------------------------------------------------------


def test_every_asked_stage_is_one_question_unit() -> None:
    asked = {stage for stage in Stage if stage is not Stage.ANSWER}
    assert set(QUESTIONS) == asked
    for stage, question in QUESTIONS.items():
        assert question.stage is stage


def test_every_answering_action_belongs_to_exactly_one_question() -> None:
    for kind in actions.ANSWERS:
        owners = [q for q in QUESTIONS.values() if kind in q.answers]
        assert len(owners) == 1, kind


def test_every_option_a_question_offers_is_handled_by_that_question() -> None:
    """Walk every region's questions; each option's action is one its question answers to."""
    for region in ("changtu", "fengdu-lizi", "kezuohouqi", "shuangqing", "wulateqianqi"):
        state = _start(region)
        for option in ("i:more", "i:none", "c:tier", "c:history", "h:no", "y:3", "p:0"):
            state, replies = _tap(state, option)
            question = replies[-1]
            if question.kind != "question":
                continue
            owner = QUESTIONS[state.stage]
            for o in question.options:
                action = actions.decode(o.id)
                assert action is not None
                if isinstance(action, actions.ANSWERS):
                    assert question_for(action) is owner, (o.id, state.stage)


def test_transcripts_press_buttons_by_action_not_by_position() -> None:
    """A bare number in a script presses whatever button happens to be there: scripts name
    the action instead ("@d:today"), so a new region or identity cannot move their presses."""
    for scenario in SCENARIOS:
        for lang, lines in scenario.lines.items():
            for line in lines:
                assert not line.strip().isdigit(), (scenario.name, lang, line)


def test_every_scripted_press_was_on_screen() -> None:
    from tests.dialogs.transcript_scenarios import path_for

    for scenario in SCENARIOS:
        for lang in scenario.lines:
            text = path_for(scenario, lang).read_text(encoding="utf-8")
            assert "\n> @" not in text, (scenario.name, lang)  # "@…" not among the buttons


# -- ✓ marks survive back and 修改 ----------------------------------------------------------------


def test_the_region_stays_marked_after_back() -> None:
    state = _taps(_start(), "r:changtu")
    state, replies = _tap(state, "n:back")
    assert state.stage is Stage.REGION
    assert _marked(replies) == ["r:changtu"]


def test_the_region_stays_marked_after_change_region() -> None:
    state = _taps(_start("changtu"), "i:none", "d:today")
    state, replies = _tap(state, "c:region")
    assert state.stage is Stage.REGION
    assert _marked(replies) == ["r:changtu"]


def test_the_tier_stays_marked_after_change_and_after_back() -> None:
    state = _taps(_start("fengdu-lizi"), "i:none", "c:tier", "t:2")
    assert state.stage is Stage.PAYMENT_DATE
    state, replies = _tap(state, "n:back")
    assert state.stage is Stage.TIER
    assert _marked(replies) == ["t:2"]
    state = _taps(state, "t:2", "d:today")
    assert state.stage is Stage.ANSWER
    state, replies = _tap(state, "c:tier")
    assert _marked(replies) == ["t:2"]


def test_history_answers_stay_marked_through_the_whole_group() -> None:
    """修改参保情况 after "no, lapsed 3 years, 1 back-paid": each question shows its old answer."""
    state = _taps(_start("shuangqing"), "i:none", "d:today", "c:history", "h:no", "y:3", "p:1")
    assert state.stage is Stage.ANSWER
    state, replies = _tap(state, "c:history")
    assert _marked(replies) == ["h:no"]
    state, replies = _tap(state, "h:no")
    assert _marked(replies) == ["y:3"]
    state, replies = _tap(state, "y:3")
    assert _marked(replies) == ["p:1"]


def test_a_new_answer_replaces_the_old_mark() -> None:
    state = _taps(_start("fengdu-lizi"), "i:none", "c:tier", "t:2", "n:back", "t:1")
    state, replies = _tap(state, "n:back")
    assert _marked(replies) == ["t:1"]  # never both


def test_marks_of_another_region_do_not_follow_to_a_new_region() -> None:
    state = _taps(_start("fengdu-lizi"), "i:none", "c:tier", "t:2", "d:today")
    state = _taps(state, "c:region", "r:fengdu-lizi")  # the same region: its tier still marked
    assert state.kept == ["t:2"]
    state = _taps(state, "c:region", "r:changtu")
    assert state.kept == []


def test_marks_are_gone_once_the_answer_is_given() -> None:
    state = _taps(_start("fengdu-lizi"), "i:none", "c:tier", "t:2", "n:back", "t:1", "d:today")
    assert state.stage is Stage.ANSWER and state.kept == []


@pytest.mark.parametrize("region", ["changtu", "wulateqianqi"])
def test_today_stays_marked_after_change_date(region: str) -> None:
    state = _taps(_start(region), "i:none", "d:today")
    state, replies = _tap(state, "c:date")
    assert state.stage is Stage.PAYMENT_DATE
    assert _marked(replies) == ["d:today"]


@pytest.mark.parametrize("bad", ["", "has space", "r:" + "x" * 39, "r:昌图", "a\nb"])
def test_an_option_id_is_short_printable_ascii(bad: str) -> None:
    """It goes into Telegram's 64-byte callback data and the web form as it is."""
    label = Block(template="option/back")
    assert Option(id="r:" + "x" * 38, label=label).id  # 40 characters: the longest
    with pytest.raises(ValueError, match="option id"):
        Option(id=bad, label=label)


@pytest.mark.parametrize(
    ("action", "id"),
    [
        (actions.PickRegion("changtu"), "r:changtu"),
        (actions.ToggleIdentity("dibao"), "i:dibao"),
        (actions.IdentityChoice("more"), "i:more"),
        (actions.PickTier(2), "t:2"),
        (actions.InsuredLastYear(True), "h:yes"),
        (actions.InsuredLastYear(False), "h:no"),
        (actions.LapsedYears(3), "y:3"),
        (actions.RepaidYears(0), "p:0"),
        (actions.PayToday(), "d:today"),
        (actions.PickInsuranceYear(2026), "iy:2026"),
        (actions.CompareIdentity("tekun"), "x:tekun"),
        (actions.Navigate("back"), "n:back"),
        (actions.Change("year"), "c:year"),
        (actions.View("table"), "v:table"),
        (actions.View("faq", "refund"), "v:faq:refund"),
        (actions.SetLanguage("zh_Hant"), "l:zh_Hant"),
        (actions.PlainText(), "a:plain"),
    ],
)
def test_every_kind_of_action_has_its_id_and_comes_back_from_it(
    action: actions.Action, id: str
) -> None:
    assert actions.encode(action) == id
    assert actions.decode(id) == action


def test_every_action_in_the_union_can_be_encoded() -> None:
    assert set(typing.get_args(actions.Action)) == set(actions._ENCODERS)
