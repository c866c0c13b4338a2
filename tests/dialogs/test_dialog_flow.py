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
from tests.dialogs.replies import answer, templates

IN_2025 = date(2025, 1, 10)
TODAY = date(2026, 11, 25)


def _start(today: date = IN_2025, region: str = "", lang: str | None = None) -> DialogState:
    state, _ = step(DialogState(lang=lang), Command(name="start", arg=region, today=today))
    return state


def _say(state: DialogState, text: str, today: date = IN_2025) -> tuple[DialogState, list[Reply]]:
    return step(state, Text(text=text, today=today))


def _tap(state: DialogState, option: str, today: date = IN_2025) -> tuple[DialogState, list[Reply]]:
    return step(state, Choice(option=option, seq=state.seq, today=today))


def test_a_message_that_gives_everything_gets_the_answer_at_once() -> None:
    state = _start(date(2025, 5, 25))
    state, replies = _say(state, "我家孩子4月10号出生的，5月20号去交，科左后旗", date(2025, 5, 25))
    assert state.stage is Stage.ANSWER
    result = answer(replies)
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
    # 昌图 has no tiers and no age condition for 低保边缘; the history only changes the
    # waiting (一、3), so it is assumed in the answer, not asked: the date is next.
    assert state.stage is Stage.PAYMENT_DATE
    state, replies = _say(state, "2025-02-28")
    assert answer(replies).amount_due == 160


@pytest.mark.parametrize(
    ("region", "identity", "expected"),
    [
        ("wulateqianqi", "i:none", Stage.PAYMENT_DATE),  # no waiting rules in the 2024 notice
        ("fengdu-lizi", "i:none", Stage.PAYMENT_DATE),  # 一档 assumed, 二档 priced too
        ("kezuohouqi", "i:dibao_edge", Stage.BIRTH_DATE),  # 60+ or minors only
        ("changtu", "i:dibao", Stage.PAYMENT_DATE),  # no age condition; history assumed
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
    state, _ = _tap(state, "i:none")
    state, _ = _say(state, "去年没参保")
    assert state.stage is Stage.LAPSED_YEARS
    state, replies = _tap(state, "y:3")
    assert state.stage is Stage.REPAIR
    options = [o.id for o in replies[-1].options]
    assert options[:3] == ["p:0", "p:1", "p:2"]  # at most lapsed − 1 years are useful
    state, _ = _tap(state, "p:1")
    state, replies = _say(state, "2025-03-10")
    result = answer(replies)
    assert result.waiting.variable_months == 2 and result.waiting.repaired_months == 1


def test_free_text_history() -> None:
    state = _start(region="kezuohouqi")
    state, _ = _tap(state, "i:none")
    state, _ = _say(state, "断保两年，补缴一年，今天交")
    assert state.lapsed_years == 2 and state.repaid_years == 1
    assert state.stage is Stage.ANSWER


@pytest.mark.parametrize(
    "said",
    [
        "断保两年，不补缴，今天交",
        "斷保兩年，不補繳，今天交",
        "lapsed 2 years, no back-payment, pay today",
    ],
)
def test_free_text_no_back_payment_is_zero_years(said: str) -> None:
    """"不补缴" answers the back-payment question as 0 years; the bot asked it again."""
    state = _start(region="kezuohouqi")
    state, _ = _tap(state, "i:none")
    state, _ = _say(state, said)
    assert state.lapsed_years == 2 and state.repaid_years == 0
    assert state.stage is Stage.ANSWER


def test_back_goes_one_step() -> None:
    state = _start(region="changtu")
    state, _ = _tap(state, "i:none")
    assert state.stage is Stage.PAYMENT_DATE
    state, _ = _tap(state, "n:back")
    assert state.stage is Stage.IDENTITIES
    assert state.identities is None


def test_each_back_press_goes_one_more_step() -> None:
    # The report: from the date question "back" needed two presses.
    state = _start()
    state, _ = _tap(state, "r:fengdu-lizi")
    state, _ = _tap(state, "i:none")
    state, _ = _tap(state, "c:tier")  # asked explicitly, so it is a step to go back over
    state, _ = _tap(state, "t:2")
    assert state.stage is Stage.PAYMENT_DATE
    for expected in (Stage.TIER, Stage.IDENTITIES, Stage.REGION):
        state, _ = _tap(state, "n:back")
        assert state.stage is expected


def test_choices_survive_back_and_change() -> None:
    # The report: after back or 修改身份 the ✓ marks were gone.
    state = _start(region="changtu")
    state, _ = _tap(state, "i:dibao_edge")
    state, _ = _tap(state, "i:poverty_alleviated")
    state, _ = _tap(state, "i:done")
    state, replies = _tap(state, "n:back")
    marked = {o.id for o in replies[-1].options if o.selected}
    assert marked == {"i:dibao_edge", "i:poverty_alleviated"}
    state, _ = _tap(state, "i:done")
    state, _ = _say(state, "今天")
    state, replies = _tap(state, "c:identities")
    marked = {o.id for o in replies[-1].options if o.selected}
    assert marked == {"i:dibao_edge", "i:poverty_alleviated"}


def test_a_stale_button_is_told_the_question_moved_on() -> None:
    state = _start()
    old_seq = state.seq
    state, _ = _tap(state, "r:changtu")
    state, replies = step(state, Choice(option="r:kezuohouqi", seq=old_seq, today=IN_2025))
    assert "stale" in templates(replies)
    assert state.region == "changtu"
    assert state.stage is Stage.IDENTITIES


def test_a_forged_button_is_stale_not_an_error() -> None:
    state = _start()
    state, replies = step(state, Choice(option="i:tekun", seq=state.seq, today=IN_2025))
    assert "stale" in templates(replies)
    assert state.stage is Stage.REGION


def test_three_failures_offer_the_menu_and_the_hotline() -> None:
    state = _start(region="changtu")
    for _ in range(2):
        state, replies = _say(state, "blah")
        assert "not_understood" in templates(replies)
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
    assert "year_assumed" in templates(replies)
    assert state.payment_date == date(2025, 3, 10)


def test_no_notice_for_today_says_so_first_then_offers_the_latest_as_reference() -> None:
    state = _start(TODAY, region="changtu")
    state, _ = _tap(state, "i:none", TODAY)
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
    assert answer(replies).amount_due == 400
    state, _ = step(state, Choice(option="c:identities", seq=None, today=IN_2025))
    assert state.stage is Stage.IDENTITIES
    state, replies = _tap(state, "i:dibao")
    state, replies = _tap(state, "i:done")
    # 乌政办发〔2023〕81号 二(二)4: 单纯低保户 pay 200 yuan.
    assert answer(replies).amount_due == 200
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
    assert "forgotten" in templates(replies)
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
    assert "sources" in templates(replies)


def test_traditional_script_is_understood() -> None:
    state = _start(date(2025, 3, 1), lang="zh_Hant")
    state, _ = _say(state, "我是昌圖縣的低保邊緣戶，斷保兩年，3月10號交", date(2025, 3, 1))
    assert state.region == "changtu"
    assert state.identities == ["dibao_edge"]
    assert state.lapsed_years == 2
    assert state.payment_date == date(2025, 3, 10)


# -- issue 10, item 1: understanding that respects what was said ----------------------------


def _changes(replies: list[Reply]) -> list[dict[str, object]]:
    return [
        change
        for r in replies
        for b in r.blocks
        if b.template == "changed"
        for change in b.params["changes"]
    ]


def test_a_correction_replaces_the_identity_it_corrects() -> None:
    # The report: 昌图 低保户 → 不对，是低保边缘户 → 1 → 今天 said 0元; 昌图 二 gives 低保边缘
    # 60% of 400 = 240, so 160 is due.
    state = _start()
    state, _ = _say(state, "昌图 低保户")
    state, replies = _say(state, "不对，是低保边缘户")
    assert state.identities == ["dibao_edge"]
    assert _changes(replies) == [{"what": "identities", "value": ["dibao_edge"]}]
    text = render_reply(replies[-1], "text").text
    assert "已改为：低保边缘家庭成员" in text
    state, replies = _tap(state, replies[-1].options[0].id)
    state, replies = _say(state, "今天")
    assert answer(replies).amount_due == 160


@pytest.mark.parametrize(
    ("first", "correction", "field", "expected"),
    [
        ("昌图 低保户 3月10号交", "不对，是双清区", "region", "shuangqing"),
        ("昌图 低保户 3月10号交", "说错了，是2月10号交", "payment_date", date(2025, 2, 10)),
        ("丰都 普通居民 一档 1月15号交", "不对，是二档", "tier", 2),
        ("昌图 低保户 去年交了 3月10号交", "不对，去年没交", "insured_last_year", False),
        ("科左后旗 普通居民 断保2年 不补缴 3月10号交", "改成断保3年", "lapsed_years", 3),
    ],
)
def test_a_correction_replaces_any_fact_whatever_the_question(
    first: str, correction: str, field: str, expected: object
) -> None:
    state = _start()
    state, _ = _say(state, first)
    state, replies = _say(state, correction)
    assert getattr(state, field) == expected
    assert [c["what"] for c in _changes(replies)] == [field]


def test_a_corrected_history_says_what_it_became() -> None:
    # The reply says what changed whatever the fact (issue 10 §1): a new count of lapsed years
    # changes the waiting period (后政办字〔2024〕126号 五(二): one more month a year).
    state = _start()
    state, _ = _say(state, "科左后旗 普通居民 断保2年 不补缴 3月10号交")
    state, replies = _say(state, "改成断保3年")
    texts = [render_reply(r, "text").text for r in replies]
    assert any("已改为：断保3年" in t for t in texts), texts
    waiting = answer(replies).waiting
    assert waiting is not None and waiting.total is not None
    assert waiting.total.months == 5  # 3 + (3 − 1)


def test_also_adds_an_identity_instead_of_replacing() -> None:
    state = _start()
    state, _ = _say(state, "昌图 低保户")
    state, _ = _say(state, "还有脱贫户")
    assert set(state.identities or []) == {"dibao", "poverty_alleviated"}


def test_a_negated_identity_is_removed_not_added() -> None:
    state = _start()
    state, _ = _say(state, "昌图 低保户 脱贫户")
    state, _ = _say(state, "我不是低保户")
    assert state.identities == ["poverty_alleviated"]


@pytest.mark.parametrize(
    "question", ["什么是低保边缘家庭？", "低保边缘户是什么意思", "what is dibao edge?"]
)
def test_a_question_about_a_term_is_answered_and_changes_nothing(question: str) -> None:
    state = _start()
    before = state.model_copy()
    state, replies = _say(state, question)
    assert "glossary" in templates(replies)
    assert state.identities is None and state.region is None
    assert state.stage is before.stage
    # …and the conversation goes on as if it had not been asked.
    state, _ = _say(state, "昌图")
    assert state.identities is None and state.stage is Stage.IDENTITIES


def test_glossary_command_and_question_in_a_region() -> None:
    state = _start(region="changtu")
    state, replies = step(state, Command(name="glossary", today=IN_2025))
    block = next(b for r in replies for b in r.blocks if b.template == "glossary")
    assert {e.identity for e in block.params["entries"]} >= {"dibao", "dibao_edge"}
    assert state.identities is None


def test_a_half_word_is_not_an_identity() -> None:
    state = _start(region="changtu")
    state, replies = _say(state, "低保边")
    assert state.identities is None
    assert "partial_word" in templates(replies)


def test_a_long_paste_says_it_was_cut_and_a_cut_word_is_dropped() -> None:
    state = _start(region="changtu")
    text = "我家情况比较复杂，" + "说" * (2000 - 9 - 2) + "低保边缘户，3月10号交"
    assert len(text) > 2000 and text[1998:2000] == "低保"
    state, replies = _say(state, text)
    assert "input_cut" in templates(replies)
    cut = next(b for r in replies for b in r.blocks if b.template == "input_cut")
    assert cut.params == {"length": len(text), "limit": 2000}
    assert state.identities is None  # "低保" was half of 低保边缘户: not a fact


# -- issue 10, item 2: one reply when everything is said -------------------------------------


def test_a_message_with_everything_gets_the_answer_in_the_next_reply() -> None:
    state = _start(date(2024, 11, 20))
    everything = "昌图县低保边缘家庭成员，2024年12月1日交，要交多少钱？"
    state, replies = _say(state, everything, date(2024, 11, 20))
    assert state.stage is Stage.ANSWER
    result = answer(replies)
    assert result == quote(
        QuoteRequest(
            region="changtu",
            identities=frozenset({"dibao_edge"}),
            payment_date=date(2024, 12, 1),
        )
    )
    assert result.amount_due == 160
    # The history only changes the waiting: assumed and the other case given, never asked.
    lapsed = quote(result.request.model_copy(update={"lapsed_years": 1}))
    assumed = [b for r in replies for b in r.blocks if b.template == "assumed"]
    if lapsed.coverage == result.coverage:
        assert not assumed
    else:
        assert assumed[0].params["cases"] == [{"what": "history", "result": lapsed}]


def test_unknown_history_is_assumed_and_the_other_case_given_by_the_calculator() -> None:
    # In 昌图's window (一、1) a continuing member is covered from 1 January; a lapsed one
    # waits (the national 3 months): the answer assumes the first and states the second.
    state = _start()
    state, replies = _say(state, "昌图 低保边缘户 1月10号交")
    assert state.stage is Stage.ANSWER and state.insured_last_year is None
    block = next(b for r in replies for b in r.blocks if b.template == "assumed")
    (case,) = block.params["cases"]
    other = quote(
        QuoteRequest(
            region="changtu",
            identities=frozenset({"dibao_edge"}),
            payment_date=date(2025, 1, 10),
            lapsed_years=1,
        )
    )
    assert case["what"] == "history" and case["result"] == other
    text = render_reply(replies[-1], "text").text
    assert "按上一年度已参保计算" in text
    assert f"若上一年度未参保：待遇自{other.coverage.start.year}年" in text  # type: ignore[union-attr]
    assert "c:history" in [o.id for o in replies[-1].options]


def test_unknown_tier_is_assumed_and_the_other_tier_priced_by_the_calculator() -> None:
    state = _start()
    state, replies = _say(state, "丰都 普通居民 1月15号交")
    assert state.stage is Stage.ANSWER
    block = next(b for r in replies for b in r.blocks if b.template == "assumed")
    (case,) = [c for c in block.params["cases"] if c["what"] == "tier"]
    other = quote(
        QuoteRequest(region="fengdu-lizi", payment_date=date(2025, 1, 15), tier=2)
    )
    assert case["result"] == other
    assert answer(replies).tier == 1
    text = render_reply(replies[-1], "text").text
    assert f"若选{other.tier_label}：应缴{other.amount_due}元" in text.replace(",", "")


def test_birth_date_is_still_asked_when_the_amount_depends_on_it() -> None:
    state = _start(date(2025, 5, 25))
    state, _ = _say(state, "科左后旗 低保边缘户 今天交", date(2025, 5, 25))
    assert state.stage is Stage.BIRTH_DATE  # 科左后旗 subsidises only the 60+ and minors


# -- issue 10, item 6: navigation -------------------------------------------------------------


def test_table_before_a_region_asks_for_it_then_shows_the_table() -> None:
    state = _start()
    state, replies = step(state, Command(name="table", today=IN_2025))
    assert "choose_region_first" in templates(replies) and state.stage is Stage.REGION
    state, replies = _tap(state, "r:changtu")
    table = next(b for r in replies for b in r.blocks if b.template == "identity_table")
    assert table.params["table"].region == "changtu"
    state, replies = _tap(state, "n:ask")  # "continue" goes on with the questions
    assert state.stage is Stage.IDENTITIES


def test_a_region_not_on_file_gets_the_hotline_and_the_covered_regions() -> None:
    state = _start()
    state, replies = _say(state, "北京朝阳区")
    block = next(b for r in replies for b in r.blocks if b.template == "region_not_covered")
    assert block.params["place"] == "北京朝阳区"
    assert block.params["hotline"] == "12393"
    assert "昌图县" in block.params["regions"] and len(block.params["regions"]) == 5
    text = render_reply(replies[-1], "text").text
    assert "12393" in text and "双清区" in text
    assert "not_understood" not in templates(replies)
    assert state.failures == 0 and state.region is None


def test_ctrl_c_and_ctrl_d_end_the_terminal_chat_quietly() -> None:
    import io

    from bot.terminal.chat import run_chat

    def interrupted():  # type: ignore[no-untyped-def]
        yield "昌图\n"
        raise KeyboardInterrupt

    out = io.StringIO()
    state = run_chat(interrupted(), out, today=IN_2025, prompt="> ")
    assert state.region == "changtu"
    assert out.getvalue().endswith("> \n")  # the shell prompt gets a line of its own
    out = io.StringIO()
    state = run_chat(iter(["昌图\n"]), out, today=IN_2025, prompt="> ")  # end of input
    assert state.region == "changtu" and out.getvalue().endswith("> \n")


def test_the_terminal_chat_ends_on_slash_quit_too() -> None:
    """"/quit" and "/exit" (as in other chat programs) end the chat like "q", instead of
    "没有 /quit 这个命令" and the chat going on."""
    import io

    from bot.terminal.chat import run_chat

    for word in ("/quit", "/exit", "/Q", "q", "退出"):
        out = io.StringIO()
        state = run_chat(iter(["昌图\n", f"{word}\n", "低保\n"]), out, today=IN_2025,
                         prompt="> ")
        assert state.region == "changtu" and state.identities is None, word  # 低保 not read
        assert "/quit" not in out.getvalue(), word


# -- issue 10, item 8: one protocol for options -------------------------------------------------


def test_every_offered_option_is_a_typed_action_that_round_trips() -> None:
    from dialogs import actions

    seen: set[str] = set()
    for region in load_catalog().regions():
        state = _start(region=region)
        replies: list[Reply] = []
        for option in ("i:more", "i:none", "c:tier", "c:history", "h:no", "y:3", "p:0", "d:today"):
            state, replies = _tap(state, option)
            for reply in replies:
                for o in reply.options:
                    action = actions.decode(o.id)
                    assert action is not None, o.id
                    assert actions.encode(action) == o.id
                    seen.add(o.id.split(":")[0])
        state, replies = step(state, Command(name="help", today=IN_2025))
        seen |= {o.id.split(":")[0] for r in replies for o in r.options}
    assert seen >= {"i", "t", "h", "y", "n", "v", "c"}


@pytest.mark.parametrize(
    "forged", ["", "?", "r:", "r:<b>", "i:" + "x" * 40, "t:x", "y:999", "v:faq:a:b", "zz:top"]
)
def test_a_forged_option_decodes_to_nothing_and_is_stale(forged: str) -> None:
    from dialogs import actions

    assert actions.decode(forged) is None
    state = _start(region="changtu")
    state, replies = _tap(state, forged)
    assert "stale" in templates(replies) and state.stage is Stage.IDENTITIES


def test_the_plain_text_button_is_an_action_of_the_same_union() -> None:
    from bot.telegram import callback_data
    from dialogs import actions

    assert actions.decode(callback_data.PLAIN_TEXT_OPTION) == actions.PlainText()


# -- issue 10, item 7: the identity question, shorter --------------------------------------------


@pytest.mark.parametrize("region", ["changtu", "fengdu-lizi", "kezuohouqi", "shuangqing"])
def test_the_identity_question_offers_the_common_groups_then_more(region: str) -> None:
    from dialogs.flow import identities_of

    state = _start(region=region)
    _, replies = step(state, Command(name="start", arg=region, today=IN_2025))
    ids = [o.id for o in replies[-1].options]
    groups = [i for i in ids if i.startswith("i:") and i[2:] in load_catalog().identities]
    assert 1 <= len(groups) <= 8
    assert groups[:2] == ["i:dibao", "i:dibao_edge"] or "i:dibao" in groups
    assert {"i:more", "i:none", "i:done"} <= set(ids)
    state, replies = _tap(state, "i:more")
    everything = [o.id for o in replies[-1].options if o.id.startswith("i:")]
    assert {f"i:{c}" for c in identities_of(load_catalog(), region)} <= set(everything)
    assert "i:more" not in everything


def test_a_group_behind_more_stays_marked_and_counts() -> None:
    state = _start(region="shuangqing")
    state, _ = _tap(state, "i:more")
    state, replies = _tap(state, "i:released_prisoner")
    marked = [o.id for o in replies[-1].options if o.selected]
    assert marked == ["i:released_prisoner"]
    state, replies = _tap(state, "i:done")
    assert state.identities == ["released_prisoner"]
    state, replies = _tap(state, "n:back")
    marked = [o.id for o in replies[-1].options if o.selected]
    assert marked == ["i:released_prisoner"]  # still in sight after back, with its ✓
