"""Second trust audit: residents', 明白人's and hotline staff's phrasings the dialog re-asked
instead of understanding. Each is understood as meant where the notice allows, else the
dialog asks one specific question; a figure is never guessed."""

from __future__ import annotations

from datetime import date

from dialogs.engine import Command, Text, step
from dialogs.state import DialogState, Stage
from tests.dialogs.replies import SPRING, plain_text, say, templates


def test_a_one_character_typo_of_a_region_is_offered_as_that_region() -> None:
    # "双青区" is one character off 双清区 (双政办发〔2024〕11号): the not-covered reply asks
    # whether 双清区 was meant, and nothing about the region is taken.
    state, replies = say("双青区 低保 今天交")
    assert state.region is None
    block = next(b for r in replies for b in r.blocks if b.template == "region_not_covered")
    assert block.params["suggestion"] == "双清区"
    assert "您是说双清区吗" in plain_text(replies)
    _, replies = say("双青区", lang="en")
    assert "Did you mean 双清区?" in plain_text(replies)


def test_a_place_far_from_every_region_gets_no_suggestion() -> None:
    _, replies = say("北京朝阳区")
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
        state, replies = say(text, "去年交了", today=wednesday)
        assert state.payment_date == day, text
        expected = quote(
            QuoteRequest(region="changtu", identities=frozenset({"dibao"}), payment_date=day)
        )
        assert answer(replies) == expected, text
    # On a Monday, 下周一 is a week ahead, not today.
    state, _ = say("昌图 低保 下周一交", today=date(2025, 2, 24))
    assert state.payment_date == date(2025, 3, 3)


def test_after_the_new_year_festival_is_asked_not_guessed() -> None:
    # "过年后" may be February (昌图 一、1: collection to 28 February, no wait) or March (一、3:
    # 90 days): the day is asked, with what was said about it, and everything else is kept.
    for text in (
        "昌图 低保 断保2年 过年后交",
        "昌图 低保 断保2年 春节后再交",
        "昌图 低保 断保2年 年后交",
    ):
        state, replies = say(text, today=date(2025, 1, 10))
        assert state.payment_date is None, text
        assert state.region == "changtu" and state.identities == ["dibao"], text
        assert state.lapsed_years == 2, text
        block = next(b for r in replies for b in r.blocks if b.template == "date_problem")
        assert block.params["problem"] == "vague", text
        said = plain_text(replies)
        assert "没有说是哪一天" in said, said
    # A count of years before 后 is no festival: "断保3年后" says nothing vague.
    state, _ = say("昌图 低保 断保3年后 今天交", today=date(2025, 1, 10))
    assert state.payment_date == date(2025, 1, 10)


def test_a_martyrs_family_is_a_martyrs_survivor() -> None:
    # "烈属" is the everyday word for 烈士遗属, which 丰都 五(三) funds in full in 二档
    # ("…烈士遗属、60周岁以上烈士子女按775元/人•年标准全额资助参加二档").
    from policies.engine import quote
    from policies.result import QuoteRequest
    from tests.dialogs.replies import answer

    for text in ("丰都 烈属 今天交", "丰都 我是烈士家属 今天交"):
        state, replies = say(text, "去年交了")
        assert state.identities == ["veteran_survivor"], text
        result = answer(replies)
        expected = quote(
            QuoteRequest(
                region="fengdu-lizi",
                identities=frozenset({"veteran_survivor"}),
                payment_date=SPRING,
            )
        )
        assert result == expected
        assert result.amount_due == 0 and result.tier == 2


def test_a_disability_with_no_grade_asks_the_grade_where_the_notice_names_one() -> None:
    # 丰都 五(二) subsidises "城乡重度（一、二级）残疾人员", 科左后旗 二(二) "伤残程度 1-2 级的
    # 成年人和持证未成年残疾人", 双清 三(五)1(2) "重度残疾人": "残疾人" alone says no grade, so
    # no group is taken and the grade is asked, naming the notice's groups.
    for region, groups in (
        ("丰都", ["城乡重度（一、二级）残疾人员"]),
        ("科左后旗", ["伤残程度1-2级的成年人", "持证未成年残疾人"]),
        ("双清", ["重度残疾人"]),
    ):
        state, replies = say(f"{region} 残疾人 今天交")
        assert state.identities is None, region
        assert state.stage is Stage.IDENTITIES, region
        block = next(b for r in replies for b in r.blocks if b.template == "disability_grade")
        assert block.params["groups"] == groups, region
        assert "没有说残疾等级" in plain_text(replies), region
    # A grade said is understood as before: "二级残疾" is 重度残疾人.
    state, _ = say("丰都 二级残疾 今天交")
    assert state.identities == ["severe_disability"]


def test_a_disability_where_the_notice_names_none_says_so() -> None:
    # 昌图 and 乌拉特前旗 name no disability group: the grade would change nothing, and the
    # reply says the notice lists no subsidy for it instead of asking the grade.
    state, replies = say("昌图 残疾人 今天交")
    assert state.identities is None
    block = next(b for r in replies for b in r.blocks if b.template == "disability_grade")
    assert block.params["groups"] == []
    assert "未列出残疾人" in plain_text(replies)


def test_a_grade_said_apart_from_the_word_is_still_that_grade() -> None:
    # "残疾人，二级" is 丰都 五(二)'s 城乡重度（一、二级）残疾人员; "残疾证是三级" is none of
    # its groups.
    state, _ = say("丰都 我是残疾人，二级 今天交")
    assert state.identities == ["severe_disability"]
    state, replies = say("丰都 残疾证是三级 今天交")
    assert state.identities is None
    block = next(b for r in replies for b in r.blocks if b.template == "disability_grade")
    assert block.params["grade"] == 3
    state, replies = say("Fengdu, I am disabled, paying today", lang="en")
    assert state.identities is None
    assert "You did not say the grade of disability." in plain_text(replies)
    state, _ = say("Fengdu, grade 2 disability, paying today", lang="en")
    assert state.identities == ["severe_disability"]


def test_a_baby_so_many_days_old_was_born_that_many_days_ago() -> None:
    # "出生20天了" on 10 March is a birth on 18 February: 科左后旗 三 "新生儿出生后 90 天（含
    # 90 天）内…办理参保登记并按规定缴纳参保费后，医疗保险待遇自出生之日生效".
    from policies.engine import quote
    from policies.result import QuoteRequest
    from tests.dialogs.replies import answer

    born = date(2025, 2, 18)
    expected = quote(
        QuoteRequest(
            region="kezuohouqi",
            identities=frozenset({"newborn"}),
            payment_date=SPRING,
            birth_date=born,
        )
    )
    assert expected.coverage is not None and expected.coverage.start == born
    for texts in (
        ("科左后旗 宝宝出生20天了 今天交",),
        ("科左后旗 孩子二十天了，今天交",),
        ("科左后旗 新生儿 今天交", "出生20天了"),
        ("科左后旗 新生儿 今天交", "生下来20天"),
    ):
        state, replies = say(*texts)
        assert state.identities == ["newborn"], texts
        assert state.birth_date == born, texts
        assert answer(replies) == expected, texts
    # "20多天" is no day: the birth date is asked.
    state, _ = say("科左后旗 新生儿 今天交", "出生20多天了")
    assert state.birth_date is None
    assert state.stage is Stage.BIRTH_DATE


def test_a_baby_just_born_is_a_newborn_whose_birth_date_is_asked() -> None:
    # 科左后旗 三: the 90 days count from the birth, so "刚生了孩子" is a newborn and the
    # birth date is asked, not taken as today.
    for text in ("科左后旗 刚生了孩子", "科左后旗 孩子刚出生", "科左后旗 宝宝才出生，今天交"):
        state, _ = say(text)
        assert state.identities == ["newborn"], text
        assert state.birth_date is None, text
        assert state.stage is Stage.BIRTH_DATE, text


def _edge(age_range: tuple[int, int], day: date = SPRING) -> object:
    from policies.engine import quote
    from policies.result import QuoteRequest

    return quote(
        QuoteRequest(
            region="kezuohouqi",
            identities=frozenset({"dibao_edge"}),
            payment_date=day,
            age_range=age_range,
        )
    )


def test_an_age_that_settles_the_subsidy_is_enough() -> None:
    # 科左后旗 二(二): "低保边缘家庭 60 周岁以上老年人和未成年人" pay 220 instead of 400. The age
    # is only needed to place the person on the payment day: "65岁" said on the day paid, or
    # "1960年" (64 or 65 that day), places them at 60 or over whatever the birth date.
    from tests.dialogs.replies import answer

    # A plain "岁" may be 虚岁 (tests/dialogs/test_nominal_age.py): 65 is 63 to 65 full years.
    for said, ages in (
        ("65岁", (63, 65)),
        ("我今年65了", (63, 65)),
        ("今年65岁", (63, 65)),
        ("六十五岁", (63, 65)),
        ("65周岁", (65, 65)),
        ("1960年", (64, 65)),
        ("1960年出生", (64, 65)),
        ("60年生的", (64, 65)),
        ("60周岁", (60, 60)),  # 60 on the payment day is "60 周岁以上"
        ("17岁", (15, 17)),  # not yet 18: 未成年人
        ("59岁", (57, 59)),  # neither: the general 400
    ):
        state, replies = say("科左后旗 低保边缘户 今天交", said)
        assert state.birth_date is None, said
        result = answer(replies)
        assert result == _edge(ages), said
        assert result.amount_due == (400 if ages == (57, 59) else 220), said


def test_an_age_that_leaves_the_subsidy_open_asks_the_birth_date() -> None:
    # "59岁" today, paying on 5 April: 59 or 60 on that day, and 二(二) changes at 60; "1965年":
    # 59 or 60 on 10 March. The birth date is asked, saying why; no figure is given.
    for texts in (
        ("科左后旗 低保边缘户 下个月5号交", "59岁"),
        ("科左后旗 低保边缘户 今天交", "1965年"),
        ("科左后旗 低保边缘户 下个月5号交", "17岁"),
    ):
        state, replies = say(*texts)
        assert state.stage is Stage.BIRTH_DATE, texts
        assert "answer" not in templates(replies), texts
        assert "要看具体的出生日期" in plain_text(replies), texts
    # The exact date then decides: born 1965-04-01, 60 on 5 April.
    state, replies = say("科左后旗 低保边缘户 下个月5号交", "59岁", "1965年4月1日")
    from tests.dialogs.replies import answer

    assert answer(replies).amount_due == 220


def test_an_age_stated_with_everything_else_answers_at_once() -> None:
    from tests.dialogs.replies import answer

    _, replies = say("科左后旗 低保边缘户 65周岁 今天交")
    assert answer(replies) == _edge((65, 65))
    assert "缴费日65周岁" in plain_text(replies)


def test_a_corrected_age_replaces_the_one_said_and_says_so() -> None:
    # "不对，是65岁" after "59岁" (paying 5 April): 65 or 66 that day, 二(二)'s 220.
    from tests.dialogs.replies import answer

    state, replies = say("科左后旗 低保边缘户 下个月5号交", "59岁", "不对，是65周岁")
    assert answer(replies) == _edge((65, 66), date(2025, 4, 5))
    assert "已改为：出生日期在1959年3月11日至1960年3月10日之间" in plain_text(replies)
    # An exact date given afterwards replaces the range.
    state, replies = step(state, Text(text="出生日期改成1960年1月2日", today=SPRING))
    assert state.birth_date == date(1960, 1, 2) and state.birth_range is None


def test_an_age_given_before_the_payment_day_is_checked_again_on_that_day() -> None:
    # Asked before the date: "59岁" today is 59, no 二(二) subsidy, so the birth date is not
    # asked; paying next month may make the person 60, and the question comes back then.
    from tests.dialogs.replies import answer

    state, replies = say("科左后旗 低保边缘户", "59周岁")
    assert state.stage is Stage.PAYMENT_DATE
    state, replies = step(state, Text(text="今天", today=SPRING))
    assert answer(replies) == _edge((59, 59))
    state, replies = say("科左后旗 低保边缘户", "59周岁", "下个月5号")
    assert state.stage is Stage.BIRTH_DATE
    assert "59或60周岁" in plain_text(replies)


def test_an_approximate_age_or_a_time_limit_is_no_age() -> None:
    from dialogs.understanding.message import understand
    from policies.catalog import load_catalog

    for text in ("快60岁了", "年满60岁", "60多岁", "六十来岁", "不到18岁", "60岁以上"):
        assert understand(text, SPRING, load_catalog()).birth_range is None, text
    facts = understand("孩子20天内交", SPRING, load_catalog())
    assert facts.birth_date is None


def test_english_ages_birth_years_and_days_old() -> None:
    # The same facts in English: "I'm 65", "65 years old", "aged 65", "born in 1960" place a
    # 科左后旗 低保边缘 member at 60 or over (二(二)); "the baby is 20 days old" was born on
    # 18 February (三: 90 days from birth).
    from dialogs.understanding.message import understand
    from policies.catalog import load_catalog

    catalog = load_catalog()
    sixty_five = (date(1959, 3, 11), date(1960, 3, 10))
    for text in ("I'm 65", "65 years old", "aged 65", "she is 65 years old"):
        assert understand(text, SPRING, catalog).birth_range == sixty_five, text
    assert understand("born in 1960", SPRING, catalog).birth_range == (
        date(1960, 1, 1),
        date(1960, 12, 31),
    )
    facts = understand("the baby is 20 days old", SPRING, catalog)
    assert facts.birth_date is not None and facts.birth_date.value == date(2025, 2, 18)
    for text in ("about 65 years old", "over 60 years old", "I'm 65 yuan short"):
        assert understand(text, SPRING, catalog).birth_range is None, text


def test_a_month_or_a_weekday_of_no_week_is_asked_for_its_day() -> None:
    # "下个月", "月初", "年底前", "周一": 昌图's collection ends 28 February (一、1), so the day
    # decides the price and the wait; the question says which words named no day.
    for text, said in (
        ("昌图 低保 下个月交", "下个月"),
        ("昌图 低保 月初交", "月初"),
        ("昌图 低保 年底前交", "年底"),
        ("昌图 低保 周一交", "周一"),
    ):
        state, replies = say(text, today=date(2024, 11, 10))
        assert state.payment_date is None, text
        block = next(b for r in replies for b in r.blocks if b.template == "date_problem")
        assert block.params == {"problem": "vague", "text": said}, text
    # A day in them is still that day.
    for text, day in (
        ("昌图 低保 下个月5号交", date(2024, 12, 5)),
        ("昌图 低保 下个月底交", date(2024, 12, 31)),
        ("昌图 低保 12月底交", date(2024, 12, 31)),
        ("昌图 低保 下周一交", date(2024, 11, 11)),
        ("昌图 低保 周六日不上班，3月1日交", date(2025, 3, 1)),
    ):
        state, _ = say(text, today=date(2024, 11, 10))
        assert state.payment_date == day, text


def test_a_back_payment_said_after_a_lapse_is_not_the_lapse() -> None:
    # "断了3年了，补2年": 3 lapsed years, 2 back-paid. The "断" of the first count is not the
    # second count's: 科左后旗 五(二) gives 3 + 2 − 2 = 3 months for this, not the 4 months
    # of a 2-year lapse with nothing back-paid.
    from policies.engine import quote
    from policies.result import QuoteRequest
    from tests.dialogs.replies import answer

    for text in (
        "科左后旗 普通居民 断了3年了，补2年 今天交",
        "科左后旗 普通居民 断保3年，补两年，今天交",
        "科左后旗 普通居民 断了3年 补交2年 今天交",
    ):
        state, replies = say(text)
        assert (state.lapsed_years, state.repaid_years) == (3, 2), text
        expected = quote(
            QuoteRequest(region="kezuohouqi", payment_date=SPRING, lapsed_years=3, repaid_years=2)
        )
        assert answer(replies) == expected, text


def test_two_bare_digits_at_the_birth_question_are_neither_age_nor_year() -> None:
    # "70" may be an age (二(二): 220) or 1970 (54 or 55 on the day: 400): asked, not picked.
    for said in ("70", "65"):
        state, replies = say("科左后旗 低保边缘户 今天交", said)
        assert state.birth_range is None and state.birth_date is None, said
        assert state.stage is Stage.BIRTH_DATE, said
        assert "answer" not in templates(replies), said
    state, _ = say("科左后旗 低保边缘户 今天交", "70年")
    assert state.birth_range == (date(1970, 1, 1), date(1970, 12, 31))


def test_a_spouse_called_laoban_is_another_person() -> None:
    # "我和老伴都是低保边缘户，都65岁了": two people; the answer is one person's and says so,
    # and an age said of both is asked with the birth date, one person at a time.
    state, replies = say("科左后旗 我和老伴都是低保边缘户，都65岁了，今天交")
    assert "one_person" in templates(replies)
    assert state.identities == ["dibao_edge"]
    assert state.birth_range is None
    assert state.stage is Stage.BIRTH_DATE


def test_the_views_say_who_recognises_a_veteran_where_the_group_is_not_named() -> None:
    # The same as the answer's note (昌图 二；五、8): /compare and the glossary showed 昌图's
    # "按普通标准：400元" for a 烈士遗属 with no word of 重点优抚对象 being funded in full.
    _, replies = say("烈属是什么意思")
    text = plain_text(replies)
    line = next(x for x in text.split("\n") if x.startswith("• 昌图县"))
    assert "400元" in line and "县退役军人事务局认定" in line, line
    line = next(x for x in text.split("\n") if x.startswith("• 双清区"))
    assert "部分重点优抚对象" in line, line
    _, replies = step(DialogState(), Command(name="compare", arg="烈士遗属", today=SPRING))
    line = next(x for x in plain_text(replies).split("\n") if x.startswith("• 昌图县"))
    assert "县退役军人事务局认定" in line, line


def test_two_bare_digits_at_the_birth_question_get_a_specific_question() -> None:
    # "70" may be an age or 1970 (科左后旗 二(二): 220元 or 400元): the reply asks which.
    _, replies = say("科左后旗 低保边缘户 今天交", "70")
    assert "“70”是年龄还是出生年份" in plain_text(replies)
    _, replies = say("科左后旗 低保边缘户 今天交", "70", lang="en")
    assert "Is “70” an age or a year of birth?" in plain_text(replies)
    # A newborn's "20" is no age or year of birth: the birth date is asked as before.
    _, replies = say("科左后旗 新生儿 今天交", "20")
    assert "是年龄还是出生年份" not in plain_text(replies)
    assert "ask_birth_date" in templates(replies)
