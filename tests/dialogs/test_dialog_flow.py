"""The conversation's behaviour, step by step (issue 3): what is asked, when, and why."""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.engine import Choice, Command, Text, replay, step
from dialogs.render import render_reply
from dialogs.rendering.environment import render_template
from dialogs.replies import Reply
from dialogs.state import DialogState, Stage
from dialogs.views import reference_day
from policies.catalog import load_catalog
from policies.engine import quote
from policies.result import QuoteRequest, Status

IN_2025 = date(2025, 1, 10)
TODAY = date(2026, 11, 25)


def _start(today: date = IN_2025, region: str = "", lang: str | None = None) -> DialogState:
    state, _ = step(DialogState(lang=lang), Command(name="start", arg=region, today=today))
    return state


def _say(state: DialogState, text: str, today: date = IN_2025) -> tuple[DialogState, list[Reply]]:
    return step(state, Text(text=text, today=today))


def _tap(state: DialogState, option: str, today: date = IN_2025) -> tuple[DialogState, list[Reply]]:
    return step(state, Choice(option=option, seq=state.seq, today=today))


def _templates(replies: list[Reply]) -> list[str]:
    return [b.template for r in replies for b in r.blocks]


def _answer(replies: list[Reply]):  # type: ignore[no-untyped-def]
    for reply in replies:
        for block in reply.blocks:
            if block.template == "answer":
                return block.params["result"]
    raise AssertionError(f"no answer in {_templates(replies)}")


def test_a_message_that_gives_everything_gets_the_answer_at_once() -> None:
    state = _start(date(2025, 5, 25))
    state, replies = _say(state, "我家孩子4月10号出生的，5月20号去交，科左后旗", date(2025, 5, 25))
    assert state.stage is Stage.ANSWER
    result = _answer(replies)
    expected = quote(
        QuoteRequest(
            region="kezuohouqi",
            identities=frozenset({"newborn"}),
            payment_date=date(2025, 5, 20),
            birth_date=date(2025, 4, 10),
        )
    )
    assert result == expected
    # 后政办字〔2024〕126号 三: within 90 days of birth, benefits from the day of birth.
    assert result.coverage.start == date(2025, 4, 10)
    assert result.amount_due == 400


def test_only_missing_questions_are_asked() -> None:
    state = _start()
    state, replies = _say(state, "我是昌图县的低保边缘户")
    # 昌图 has waiting periods (一、3) but no tiers and no age condition for 低保边缘: history next.
    assert state.stage is Stage.HISTORY
    state, replies = _say(state, "是")
    assert state.stage is Stage.PAYMENT_DATE
    state, replies = _say(state, "2025-02-28")
    assert _answer(replies).amount_due == 160


@pytest.mark.parametrize(
    ("region", "identity", "expected"),
    [
        ("wulateqianqi", "i:none", Stage.PAYMENT_DATE),  # no waiting rules in the 2024 notice
        ("fengdu-lizi", "i:none", Stage.TIER),  # 一档/二档
        ("kezuohouqi", "i:dibao_edge", Stage.BIRTH_DATE),  # 60+ or minors only
        ("changtu", "i:dibao", Stage.HISTORY),  # no age condition
        ("shuangqing", "i:newborn", Stage.BIRTH_DATE),
    ],
)
def test_follow_up_questions_depend_on_the_region(
    region: str, identity: str, expected: Stage
) -> None:
    state = _start(region=region)
    if identity != "i:none":
        state, _ = _tap(state, identity)
        state, _ = _tap(state, "i:done")
    else:
        state, _ = _tap(state, "i:none")
    assert state.stage is expected


def test_lapse_questions_and_back_payment() -> None:
    state = _start(region="changtu")
    for option in ("i:none", "h:no", "y:3"):
        state, replies = _tap(state, option)
    assert state.stage is Stage.REPAIR
    options = [o.id for o in replies[-1].options]
    assert options[:3] == ["p:0", "p:1", "p:2"]  # at most lapsed − 1 years are useful
    state, _ = _tap(state, "p:1")
    state, replies = _say(state, "2025-03-10")
    result = _answer(replies)
    assert result.waiting.variable_months == 2 and result.waiting.repaired_months == 1


def test_free_text_history() -> None:
    state = _start(region="kezuohouqi")
    state, _ = _tap(state, "i:none")
    state, _ = _say(state, "断保两年，补缴一年，今天交")
    assert state.lapsed_years == 2 and state.repaid_years == 1
    assert state.stage is Stage.ANSWER


def test_back_goes_one_step() -> None:
    state = _start(region="changtu")
    state, _ = _tap(state, "i:none")
    assert state.stage is Stage.HISTORY
    state, _ = _tap(state, "n:back")
    assert state.stage is Stage.IDENTITIES
    assert state.identities is None


def test_a_stale_button_is_told_the_question_moved_on() -> None:
    state = _start()
    old_seq = state.seq
    state, _ = _tap(state, "r:changtu")
    state, replies = step(state, Choice(option="r:kezuohouqi", seq=old_seq, today=IN_2025))
    assert "stale" in _templates(replies)
    assert state.region == "changtu"
    assert state.stage is Stage.IDENTITIES


def test_a_forged_button_is_stale_not_an_error() -> None:
    state = _start()
    state, replies = step(state, Choice(option="i:tekun", seq=state.seq, today=IN_2025))
    assert "stale" in _templates(replies)
    assert state.stage is Stage.REGION


def test_three_failures_offer_the_menu_and_the_hotline() -> None:
    state = _start(region="changtu")
    for _ in range(2):
        state, replies = _say(state, "blah")
        assert "not_understood" in _templates(replies)
    state, replies = _say(state, "blah")
    help_block = next(b for r in replies for b in r.blocks if b.template == "help")
    assert help_block.params["with_hotline"] is True
    phones = [c.detail for c in help_block.params["contacts"]]
    assert "79590058" in phones and "12393" in phones  # 昌图 七 and the national hotline
    assert state.stage is Stage.IDENTITIES  # the conversation is intact


@pytest.mark.parametrize("text", ["2月30日", "13月5日", "2025-02-29"])
def test_invalid_dates_get_a_specific_message(text: str) -> None:
    state = _start(region="wulateqianqi")
    state, _ = _tap(state, "i:none")
    state, replies = _say(state, text)
    problem = next(b for r in replies for b in r.blocks if b.template == "date_problem")
    assert problem.params["problem"] in {"invalid_day", "invalid_month"}
    assert state.stage is Stage.PAYMENT_DATE and state.payment_date is None


def test_a_date_without_a_year_says_which_year_it_took() -> None:
    state = _start(region="wulateqianqi")
    state, _ = _tap(state, "i:none")
    state, replies = _say(state, "3月10号")
    assert "year_assumed" in _templates(replies)
    assert state.payment_date == date(2025, 3, 10)


def test_no_notice_for_today_says_so_first_then_offers_the_latest_as_reference() -> None:
    state = _start(TODAY, region="changtu")
    state, _ = _tap(state, "i:none", TODAY)
    state, _ = _tap(state, "h:yes", TODAY)
    state, replies = _tap(state, "d:today", TODAY)
    # One answer: first the plain "no notice governs this date", then the reference.
    [reply] = replies
    assert [b.template for b in reply.blocks] == ["answer", "reference_answer"]
    assert reply.blocks[0].params["result"].status is Status.NO_POLICY
    ref = reply.blocks[1].params["result"]
    assert ref.policy_year == 2025
    # 2026-11-25 is a collection-period date; its 2025 counterpart is 2024-11-25 (一、1).
    assert ref.request.payment_date == date(2024, 11, 25)
    for lang in ("zh_Hans", "zh_Hant", "en"):
        whole = render_reply(reply.model_copy(update={"lang": lang}), "text").text
        first = render_reply(
            reply.model_copy(update={"lang": lang, "blocks": reply.blocks[:1]}), "text"
        ).text
        assert whole.startswith(first)  # the warning comes first
        # the reference has a message's room of its own: exactly what it renders alone
        alone = render_reply(
            reply.model_copy(update={"lang": lang, "blocks": reply.blocks[1:]}), "text"
        ).text
        assert whole == first + "\n\n" + alone
        label = render_template("dialog/reference_label.j2", lang, "text", result=ref)
        intro = render_template("dialog/reference_answer.j2", lang, "text", result=ref, asked=None)
        assert alone.startswith(intro)
        lines = [line for line in alone.removeprefix(intro).splitlines() if line.strip()]
        assert lines and all(line.startswith(label) for line in lines), (lang, lines[:3])
    # The paste-ready version is the same answer.
    again = replay(state, TODAY)
    assert again is not None
    assert [b.template for b in again.blocks] == ["answer", "reference_answer"]


def test_reference_day_prefers_the_collection_window() -> None:
    policy = load_catalog().latest("fengdu-lizi")
    assert reference_day(policy, date(2026, 11, 25)) == date(2024, 11, 25)
    assert reference_day(policy, date(2027, 3, 5)) == date(2025, 3, 5)


def test_change_one_answer_from_the_answer_screen() -> None:
    state = _start(region="wulateqianqi")
    state, _ = _tap(state, "i:none")
    state, replies = _say(state, "2023-10-01")
    assert _answer(replies).amount_due == 400
    state, _ = step(state, Choice(option="c:identities", seq=None, today=IN_2025))
    assert state.stage is Stage.IDENTITIES
    state, replies = _tap(state, "i:dibao")
    state, replies = _tap(state, "i:done")
    # 乌政办发〔2023〕81号 二(二)4: 单纯低保户 pay 200 yuan.
    assert _answer(replies).amount_due == 200
    assert state.payment_date == date(2023, 10, 1)


def test_language_choice_wins_over_the_client_language() -> None:
    state, _ = step(DialogState(), Command(name="start", today=IN_2025, client_lang="en"))
    state, replies = step(state, Choice(option="l:zh_Hant", seq=None, today=IN_2025))
    assert replies[-1].lang == "zh_Hant"
    state, replies = step(state, Text(text="昌图", today=IN_2025, client_lang="en"))
    assert replies[-1].lang == "zh_Hant"


def test_forget_clears_everything() -> None:
    state = _start(region="changtu", lang="en")
    state, _ = _tap(state, "i:dibao")
    state, replies = step(state, Command(name="forget", today=IN_2025))
    assert "forgotten" in _templates(replies)
    assert state.region is None and state.draft == [] and state.lang is None


def test_replay_gives_the_answer_again() -> None:
    state = _start(region="wulateqianqi")
    state, _ = _tap(state, "i:none")
    state, replies = _say(state, "2023-10-01")
    again = replay(state, IN_2025)
    assert again is not None
    assert render_reply(again, "text").text == render_reply(replies[-1], "text").text


def test_reference_views() -> None:
    state = _start(region="fengdu-lizi")
    state, replies = step(state, Command(name="table", today=IN_2025))
    table = next(b for r in replies for b in r.blocks if b.template == "identity_table").params[
        "table"
    ]
    dibao = next(row for row in table.rows if row.identity == "dibao")
    # 栗子府发〔2024〕62号 五(二): 一档 400−360 = 40; 二档 775−400 = 375.
    assert dibao.due == [40, 375]
    state, replies = step(state, Command(name="compare", arg="低保", today=IN_2025))
    rows = next(b for r in replies for b in r.blocks if b.template == "comparison").params["rows"]
    assert {row.region for row in rows} == set(load_catalog().regions())
    state, replies = step(state, Command(name="sources", today=IN_2025))
    assert "sources" in _templates(replies)


def test_traditional_script_is_understood() -> None:
    state = _start(date(2025, 3, 1), lang="zh_Hant")
    state, _ = _say(state, "我是昌圖縣的低保邊緣戶，斷保兩年，3月10號交", date(2025, 3, 1))
    assert state.region == "changtu"
    assert state.identities == ["dibao_edge"]
    assert state.lapsed_years == 2
    assert state.payment_date == date(2025, 3, 10)
