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
from policies.result import QuoteRequest
from tests.dialogs.replies import SPRING, answer, say


def test_a_two_digit_calendar_year_not_paid_is_not_a_count_of_years() -> None:
    # "24年没交" is "2024 was not paid", not 24 lapsed years: the count is asked, never 24
    # (后政办字〔2024〕126号 五(二): each further lapsed year adds a month).
    state, _ = say("科左后旗 普通居民 24年没交 今天交")
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
        state, _ = say(text)
        assert state.insured_last_year is False, text
        assert state.lapsed_years == 2, text
        state, replies = step(state, Text(text="不补缴", today=SPRING))
        result = answer(replies)
        expected = quote(
            QuoteRequest(region="kezuohouqi", payment_date=SPRING, lapsed_years=2)
        )
        assert result == expected
        assert result.coverage is not None and result.coverage.start == date(2025, 7, 11)


def test_a_year_not_paid_is_not_the_insurance_year_asked_for() -> None:
    # "2024年的医保没交" says 2024 lapsed; the person pays now for the year on file (2025).
    state, _ = say("科左后旗 普通居民 2023年和2024年的医保都没交，今天交")
    assert state.insurance_year is None
    assert state.lapsed_years == 2


def test_this_years_contribution_not_yet_paid_is_no_lapse() -> None:
    # "2025年的还没交" is the year being paid, not a lapse.
    state, _ = say("科左后旗 普通居民 2025年的还没交，今天交")
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
        state, replies = say(text, today=today)
        assert state.payment_date is None, text
        blocks = [b for r in replies for b in r.blocks]
        assert not [b for b in blocks if b.template == "answer"], text
        problem = next(b for b in blocks if b.template == "date_problem")
        assert problem.params["problem"] == "range"
        shown = "\n".join(render_reply(r, "text").text for r in replies)
        assert problem.params["text"] in shown and "哪一天" in shown, shown
    state, replies = step(state, Text(text="2月25日", today=today))
    result = answer(replies)
    assert result == quote(QuoteRequest(region="changtu", payment_date=date(2025, 2, 25)))


def _shown(replies: list[Reply]) -> str:
    from dialogs.render import render_reply

    return "\n".join(render_reply(r, "text").text for r in replies)


def test_a_family_total_is_never_answered_with_one_persons_amount_alone() -> None:
    # 昌图 二: 低保对象 get full subsidy (0元), ordinary residents pay 400元. A family of three
    # asking "一共多少" must not read 0元 as their total: the answer says it is one person's.
    day = date(2024, 12, 1)
    _, replies = say(
        "我家三口人在昌图，我老婆是低保，我和儿子是普通的，今天交一共多少", today=day
    )
    result = answer(replies)
    assert result == quote(
        QuoteRequest(region="changtu", identities=frozenset({"dibao"}), payment_date=day)
    )
    assert "一位参保人" in _shown(replies)


def test_two_peoples_identities_are_not_merged_into_one_person() -> None:
    # 昌图 二 "具有多种身份的人员，按照可享受的最高标准给予资助": that is one person holding
    # both. A wife on 低保 and a husband on 低保边缘 are two people: 0元 and 160元, never one
    # 0元 for "低保对象和低保边缘家庭成员".
    day = date(2024, 12, 1)
    state, replies = say("昌图，我老婆是低保，我是低保边缘户，今天交", today=day)
    assert not [b for r in replies for b in r.blocks if b.template == "answer"]
    assert state.identities is None
    assert state.stage is Stage.IDENTITIES
    assert "一位参保人" in _shown(replies)
    # one person holding both is still one person
    state, replies = say("昌图，我是低保户，也是低保边缘户，今天交", today=day)
    assert answer(replies).amount_due == 0


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
        result = answer(replies)
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
    state, _ = say("科左后旗 孩子3月1号出生 今天交", today=day)
    for correction in ("缴费日期改成4月25日", "交费时间改为2025-04-25"):
        state, _ = step(state, Text(text=correction, today=day))
        assert state.payment_date == date(2025, 4, 25), correction
        assert state.birth_date == date(2025, 3, 1), correction


def test_an_unknown_history_that_matters_only_from_two_lapsed_years_is_still_stated() -> None:
    # 后政办字〔2024〕126号 五(二): outside the collection everyone waits 3 months, a person
    # lapsed one year too; from two lapsed years each adds a month. The answer assumed no
    # long lapse without a word, so a person lapsed 3 years read "3个月" (theirs is 5).
    _, replies = say("科左后旗 普通居民 今天交")
    result = answer(replies)
    assert result.waiting is not None and result.waiting.total is not None
    block = next(b for r in replies for b in r.blocks if b.template == "assumed")
    (case,) = block.params["cases"]
    longer = quote(QuoteRequest(region="kezuohouqi", payment_date=SPRING, lapsed_years=2))
    assert case == {"what": "history_years", "years": 2, "result": longer}
    assert longer.coverage is not None and longer.coverage.start == date(2025, 7, 11)
    text = _shown(replies)
    assert "若已连续2年未参保：待遇自2025年7月11日起" in text, text


def test_everyday_names_of_a_group_are_that_group() -> None:
    # 双清 三(四)2 "新入学大中专院校学生医保待遇享受期为2024年9月1日至2025年12月31日": "新入学的
    # 大学生" is such a student, covered from 1 September 2024, not from 1 January 2025.
    day = date(2024, 10, 1)
    _, replies = say("双清 新入学的大学生 今天交", today=day)
    result = answer(replies)
    assert "new_college_student" in result.request.identities
    assert result.coverage is not None and result.coverage.start == date(2024, 9, 1)
    # 丰都 五(二) "城乡重度（一、二级）残疾人员": a grade-one disability is such a person (120元).
    for text in ("丰都 一级残疾 今天交", "丰都 我是二级残疾，今天交", "丰都 残疾等级是1级，今天交"):
        _, replies = say(text, today=date(2024, 12, 1))
        assert answer(replies).request.identities == frozenset({"severe_disability"}), text
    # A grade-three disability is not 重度: no subsidy group is taken from it.
    state, _ = say("丰都 三级残疾 今天交", today=date(2024, 12, 1))
    assert not state.identities


def test_plain_words_for_an_ordinary_resident_are_understood() -> None:
    # 昌图 二: 400元 for everyone the notice does not subsidise.
    for text in ("昌图 普通 今天交", "昌图 我就是普通老百姓，今天交", "昌图 一般人 今天交"):
        state, replies = say(text, today=date(2024, 12, 1))
        assert state.identities == [], text
        assert answer(replies).amount_due == 400, text


def test_a_two_digit_birth_year_is_last_century_when_this_one_is_not_yet_come() -> None:
    # 后政办字〔2024〕126号 二(二): 低保边缘家庭 60周岁以上 220元. "60年3月1日" is 1960, not 2060
    # ("晚于今天，请核对" was the reply, a dead end for everyone born before 2000).
    day = date(2025, 1, 10)
    state, _ = say("科左后旗低保边缘户 今天交", today=day)
    state, replies = step(state, Text(text="60年3月1日", today=day))
    assert state.birth_date == date(1960, 3, 1)
    assert answer(replies).amount_due == 220
    # "25年3月10日" stays this century: 2025.
    state, replies = say("昌图 普通居民 25年3月10日交", today=day)
    assert state.payment_date == date(2025, 3, 10)


def test_a_negated_region_is_not_the_region_and_not_an_ordinary_resident() -> None:
    # "不是昌图，是双清" after a 昌图 低保 answer: the region becomes 双清 and the person stays
    # 低保. It kept 昌图 and made them an ordinary resident ("已改为：普通居民", 400元 by 昌图 二).
    day = date(2025, 1, 10)
    for correction in ("不是昌图，是双清", "不在昌图，在双清区", "我说的不是昌图县，是双清"):
        state, _ = say("昌图 低保 今天交", today=day)
        state, replies = step(state, Text(text=correction, today=day))
        assert state.region == "shuangqing", correction
        assert state.identities == ["dibao"], correction
        assert answer(replies) == quote(
            QuoteRequest(region="shuangqing", identities=frozenset({"dibao"}), payment_date=day)
        )
    state, _ = say("不是双清，是昌图的低保户，今天交", today=day)
    assert state.region == "changtu" and state.identities == ["dibao"]


def test_english_lapse_years_are_understood() -> None:
    # 国办发〔2024〕38号 (national, 昌图 relies on it): a person lapsed 2 years waits 3 + 1 months
    # even in the collection; "I did not pay for 2 years" was answered as continuing (1 Jan).
    day = date(2025, 1, 10)
    for text in (
        "changtu ordinary resident, I did not pay for 2 years, paying today",
        "changtu, ordinary, haven't paid for two years, pay today",
        "changtu ordinary, not insured for 2 years, today",
    ):
        state, _ = step(DialogState(lang="en"), Command(name="start", arg="", today=day))
        state, _ = step(state, Text(text=text, today=day))
        assert state.lapsed_years == 2, text
        assert state.insured_last_year is False, text


def test_two_regions_named_as_facts_are_asked_about() -> None:
    # "户口在昌图，现在住在双清": both notices could apply (双清 三(二) admits residents of
    # the place they live); the answer must not silently pick one.
    state, replies = say("我户口在昌图，现在住在双清，今天交，低保", today=date(2025, 1, 10))
    assert state.region is None
    assert state.stage is Stage.REGION
    assert not [b for r in replies for b in r.blocks if b.template == "answer"]


def test_a_parent_and_a_newborn_are_two_people() -> None:
    # "我是低保户，孩子3月1号出生": the mother is 低保, the baby a newborn. 昌图 二 gives a
    # 低保对象 full subsidy; the baby's own 低保 status is for the 民政局 to decide (四、3).
    # Merged into one "低保对象和新生儿" the answer was 0元 for a baby nobody said was 低保.
    day = date(2025, 3, 20)
    state, replies = say("昌图，我是低保户，孩子3月1号出生，今天交", today=day)
    assert not [b for r in replies for b in r.blocks if b.template == "answer"]
    assert "一位参保人" in _shown(replies)
    # Whose birth date is it? Not the mother's: kept, it would make her a minor where the
    # subsidy depends on age (科左后旗 二(二) 低保边缘家庭…未成年人 220元).
    assert state.identities is None and state.birth_date is None


def test_everyday_words_for_a_lapse_are_a_lapse() -> None:
    # 后政办字〔2024〕126号 五(二): 2 lapsed years wait 4 months, not 3.
    said = ("停了两年", "两年没续保", "两年没续费", "有两年没买医保", "两年没参加", "漏交了两年")
    for text in said:
        state, _ = say(f"科左后旗 普通居民 {text}，今天交")
        assert state.lapsed_years == 2, text
        assert state.insured_last_year is False, text
