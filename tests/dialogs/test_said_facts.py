"""What the person said, understood as they meant it (the trust audit of issue 10's bugs).

Each test is a sentence a resident types; the facts the dialog keeps, and the figures it then
shows, must be the calculator's answer for exactly that sentence.
"""

from __future__ import annotations

from datetime import date

from dialogs.engine import Command, Text, step
from dialogs.replies import Reply
from dialogs.state import DialogState, Stage
from policies.engine import quote
from policies.result import QuoteRequest, QuoteResult

SPRING = date(2025, 3, 10)  # 科左后旗: after 缴费时间 (三), so 五(二)'s waiting rules decide


def _say(text: str, today: date = SPRING) -> tuple[DialogState, list[Reply]]:
    state, _ = step(DialogState(), Command(name="start", arg="", today=today))
    return step(state, Text(text=text, today=today))


def _answer(replies: list[Reply]) -> QuoteResult:
    for reply in replies:
        for block in reply.blocks:
            if block.template == "answer":
                result: QuoteResult = block.params["result"]
                return result
    raise AssertionError("no answer")


def test_a_two_digit_calendar_year_not_paid_is_not_a_count_of_years() -> None:
    # "24年没交" is "2024 was not paid", not 24 lapsed years: the count is asked, never 24
    # (后政办字〔2024〕126号 五(二): each further lapsed year adds a month).
    state, _ = _say("科左后旗 普通居民 24年没交 今天交")
    assert state.insured_last_year is False
    assert state.lapsed_years is None
    assert state.stage is Stage.LAPSED_YEARS


def test_two_calendar_years_not_paid_are_two_lapsed_years() -> None:
    # 五(二) "未连续参保的，每多断保 1 年，在固定等待期基础上增加 1 个月的变动待遇等待期":
    # 2023 and 2024 unpaid is 2 lapsed years, so 4 months, not the 3 of a continuing member.
    for text in (
        "科左后旗 普通居民 2023年和2024年都没交，今天交",
        "科左后旗 普通居民 23年、24年都没交，今天交",
        "科左后旗 普通居民 去年和前年都没交，今天交",
    ):
        state, _ = _say(text)
        assert state.insured_last_year is False, text
        assert state.lapsed_years == 2, text
        state, replies = step(state, Text(text="不补缴", today=SPRING))
        result = _answer(replies)
        expected = quote(
            QuoteRequest(region="kezuohouqi", payment_date=SPRING, lapsed_years=2)
        )
        assert result == expected
        assert result.coverage is not None and result.coverage.start == date(2025, 7, 11)


def test_a_year_not_paid_is_not_the_insurance_year_asked_for() -> None:
    # "2024年的医保没交" says 2024 lapsed; the person pays now for the year on file (2025).
    state, _ = _say("科左后旗 普通居民 2023年和2024年的医保都没交，今天交")
    assert state.insurance_year is None
    assert state.lapsed_years == 2


def test_this_years_contribution_not_yet_paid_is_no_lapse() -> None:
    # "2025年的还没交" is the year being paid, not a lapse.
    state, _ = _say("科左后旗 普通居民 2025年的还没交，今天交")
    assert state.lapsed_years in (None, 0)
    assert state.insured_last_year is not False


def test_this_years_contribution_named_in_autumn_is_the_insurance_year_asked_for() -> None:
    from dialogs.understanding.message import understand
    from policies.catalog import load_catalog

    facts = understand("2025年的医保还没交", date(2025, 11, 10), load_catalog())
    assert facts.insurance_year == 2025
    assert facts.insured_last_year is None


def test_this_years_two_digit_year_unpaid_is_no_count_either() -> None:
    from dialogs.understanding.message import understand
    from policies.catalog import load_catalog

    facts = understand("25年的还没交", date(2025, 11, 10), load_catalog())
    assert facts.lapsed_years is None


def test_a_range_of_payment_days_is_asked_about_not_cut_to_one_day() -> None:
    # 昌图 一、1 closes the collection on 2025-02-28 and 一、3 sets a 90-day wait after it:
    # "2月25日到3月5日之间交" spans both, so no single day's answer may be given for it.
    from dialogs.render import render_reply

    today = date(2025, 1, 31)
    for text in (
        "昌图 普通居民 2月25日到3月5日之间交",
        "昌图 普通居民 2月25号-3月5号交",
        "昌图 普通居民 今天或明天交",
    ):
        state, replies = _say(text, today)
        assert state.payment_date is None, text
        blocks = [b for r in replies for b in r.blocks]
        assert not [b for b in blocks if b.template == "answer"], text
        problem = next(b for b in blocks if b.template == "date_problem")
        assert problem.params["problem"] == "range"
        shown = "\n".join(render_reply(r, "text").text for r in replies)
        assert problem.params["text"] in shown and "哪一天" in shown, shown
    state, replies = step(state, Text(text="2月25日", today=today))
    result = _answer(replies)
    assert result == quote(QuoteRequest(region="changtu", payment_date=date(2025, 2, 25)))


def _shown(replies: list[Reply]) -> str:
    from dialogs.render import render_reply

    return "\n".join(render_reply(r, "text").text for r in replies)


def test_a_family_total_is_never_answered_with_one_persons_amount_alone() -> None:
    # 昌图 二: 低保对象 get full subsidy (0元), ordinary residents pay 400元. A family of three
    # asking "一共多少" must not read 0元 as their total: the answer says it is one person's.
    day = date(2024, 12, 1)
    _, replies = _say(
        "我家三口人在昌图，我老婆是低保，我和儿子是普通的，今天交一共多少", day
    )
    result = _answer(replies)
    assert result == quote(
        QuoteRequest(region="changtu", identities=frozenset({"dibao"}), payment_date=day)
    )
    assert "一位参保人" in _shown(replies)


def test_two_peoples_identities_are_not_merged_into_one_person() -> None:
    # 昌图 二 "具有多种身份的人员，按照可享受的最高标准给予资助": that is one person holding
    # both. A wife on 低保 and a husband on 低保边缘 are two people: 0元 and 160元, never one
    # 0元 for "低保对象和低保边缘家庭成员".
    day = date(2024, 12, 1)
    state, replies = _say("昌图，我老婆是低保，我是低保边缘户，今天交", day)
    assert not [b for r in replies for b in r.blocks if b.template == "answer"]
    assert state.identities is None
    assert state.stage is Stage.IDENTITIES
    assert "一位参保人" in _shown(replies)
    # one person holding both is still one person
    state, replies = _say("昌图，我是低保户，也是低保边缘户，今天交", day)
    assert _answer(replies).amount_due == 0


def test_a_corrected_birth_date_is_the_birth_date_not_the_payment_date() -> None:
    # 后政办字〔2024〕126号 三: within 90 days of birth, benefits from the day of birth. A baby
    # born on 10 March paying on 20 April: from 10 March, deadline 8 June. The correction
    # "出生日期改成…" used to move the payment date instead (covered "from 1 March").
    day = date(2025, 4, 20)
    for correction, lang in (
        ("出生日期改成2025年3月10日", None),
        ("生日改为3月10号", None),
        ("出生日期應該是2025年3月10日", "zh_Hant"),
        ("change the birth date to 2025-03-10", "en"),
    ):
        state, _ = step(DialogState(lang=lang), Command(name="start", arg="", today=day))
        state, _ = step(state, Text(text="科左后旗 孩子3月1号出生 今天交", today=day))
        state, replies = step(state, Text(text=correction, today=day))
        assert state.birth_date == date(2025, 3, 10), correction
        assert state.payment_date == day, correction
        result = _answer(replies)
        assert result == quote(
            QuoteRequest(
                region="kezuohouqi",
                identities=frozenset({"newborn"}),
                payment_date=day,
                birth_date=date(2025, 3, 10),
            )
        )
        assert result.coverage is not None and result.coverage.start == date(2025, 3, 10)


def test_a_corrected_payment_date_stays_the_payment_date() -> None:
    day = date(2025, 4, 20)
    state, _ = _say("科左后旗 孩子3月1号出生 今天交", day)
    for correction in ("缴费日期改成4月25日", "交费时间改为2025-04-25"):
        state, _ = step(state, Text(text=correction, today=day))
        assert state.payment_date == date(2025, 4, 25), correction
        assert state.birth_date == date(2025, 3, 1), correction
