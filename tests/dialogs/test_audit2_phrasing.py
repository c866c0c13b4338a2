"""Second trust audit: residents', 明白人's and hotline staff's phrasings the dialog re-asked
instead of understanding. Each is understood as meant where the notice allows, else the
dialog asks one specific question; a figure is never guessed."""

from __future__ import annotations

from datetime import date

from dialogs.engine import Command, Text, step
from dialogs.render import render_reply
from dialogs.replies import Reply
from dialogs.state import DialogState
from tests.dialogs.replies import templates

SPRING = date(2025, 3, 10)


def _say(
    *texts: str, today: date = SPRING, lang: str | None = None
) -> tuple[DialogState, list[Reply]]:
    state, replies = step(DialogState(lang=lang), Command(name="start", arg="", today=today))
    for text in texts:
        state, replies = step(state, Text(text=text, today=today))
    return state, replies


def _text(replies: list[Reply]) -> str:
    return "\n".join(render_reply(r, "text").text for r in replies)


def test_a_one_character_typo_of_a_region_is_offered_as_that_region() -> None:
    # "双青区" is one character off 双清区 (双政办发〔2024〕11号): the not-covered reply asks
    # whether 双清区 was meant, and nothing about the region is taken.
    state, replies = _say("双青区 低保 今天交")
    assert state.region is None
    block = next(b for r in replies for b in r.blocks if b.template == "region_not_covered")
    assert block.params["suggestion"] == "双清区"
    assert "您是说双清区吗" in _text(replies)
    _, replies = _say("双青区", lang="en")
    assert "Did you mean 双清区?" in _text(replies)


def test_a_place_far_from_every_region_gets_no_suggestion() -> None:
    _, replies = _say("北京朝阳区")
    block = next(b for r in replies for b in r.blocks if b.template == "region_not_covered")
    assert block.params["suggestion"] is None
    assert "region_not_covered" in templates(replies)


def test_next_monday_is_the_monday_of_next_week() -> None:
    # 2025-02-26 is a Wednesday: 下周一 is 3 March, after 昌图's 集中缴费期 (一、1, to 28
    # February 2025), so the answer carries 一、3's 90-day wait; 这周五 is 28 February, still
    # inside it.
    from policies.engine import quote
    from policies.result import QuoteRequest
    from tests.dialogs.replies import answer

    wednesday = date(2025, 2, 26)
    for text, day in (
        ("昌图 低保 下周一交", date(2025, 3, 3)),
        ("昌图 低保 下星期一交", date(2025, 3, 3)),
        ("昌图 低保 下个礼拜一交", date(2025, 3, 3)),
        ("昌图 低保 这周五交", date(2025, 2, 28)),
        ("昌图 低保 本周日交", date(2025, 3, 2)),
    ):
        state, replies = _say(text, "去年交了", today=wednesday)
        assert state.payment_date == day, text
        expected = quote(
            QuoteRequest(region="changtu", identities=frozenset({"dibao"}), payment_date=day)
        )
        assert answer(replies) == expected, text
    # On a Monday, 下周一 is a week ahead, not today.
    state, _ = _say("昌图 低保 下周一交", today=date(2025, 2, 24))
    assert state.payment_date == date(2025, 3, 3)


def test_after_the_new_year_festival_is_asked_not_guessed() -> None:
    # "过年后" may be February (昌图 一、1: collection to 28 February, no wait) or March (一、3:
    # 90 days): the day is asked, with what was said about it, and everything else is kept.
    for text in (
        "昌图 低保 断保2年 过年后交",
        "昌图 低保 断保2年 春节后再交",
        "昌图 低保 断保2年 年后交",
    ):
        state, replies = _say(text, today=date(2025, 1, 10))
        assert state.payment_date is None, text
        assert state.region == "changtu" and state.identities == ["dibao"], text
        assert state.lapsed_years == 2, text
        block = next(b for r in replies for b in r.blocks if b.template == "date_problem")
        assert block.params["problem"] == "vague", text
        said = _text(replies)
        assert "没有说是哪一天" in said, said
    # A count of years before 后 is no festival: "断保3年后" says nothing vague.
    state, _ = _say("昌图 低保 断保3年后 今天交", today=date(2025, 1, 10))
    assert state.payment_date == date(2025, 1, 10)
