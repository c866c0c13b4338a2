"""The dialog's insurance-year question (issue 9 §2), with two notices of 昌图 on file.

The test-only 昌图 2026 notice (`tests/policies/two_years/`) is the 2025 notice shifted by one
year: 2025 一、1 "集中缴费期为 2024 年 9 月 23 日至 2025 年 2 月 28 日" and its late payments
(一、3 "未在集中缴费期缴纳 2025 年度保费的，自缴费之日起设 90 天待遇等待期") run to 2025-12-31;
the 2026 collection opens 2025-09-23. Both take payment 2025-09-23 … 2025-12-31.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs import flow
from dialogs.engine import Choice, Command, Text, step
from dialogs.render import render_reply
from dialogs.rendering.environment import render_template
from dialogs.replies import Reply
from dialogs.state import DialogState, Stage
from policies.catalog import Catalog, LoadedPolicy
from policies.engine import quote
from policies.result import QuoteRequest, QuoteResult
from policies.schema import AgeRange
from policies.years import payment_periods
from tests.dialogs.replies import answer, templates
from tests.policies.two_years import two_year_catalog

CATALOG = two_year_catalog()
FIRST_OVERLAP = date(2025, 9, 23)  # the 2026 collection opens
LAST_OVERLAP = date(2025, 12, 31)  # the 2025 notice's last day of payment


def _start(today: date, catalog: Catalog = CATALOG, lang: str = "zh_Hans") -> DialogState:
    state, _ = step(DialogState(lang=lang), Command(name="start", today=today), catalog)
    return state


def _say(
    state: DialogState, text: str, today: date, catalog: Catalog = CATALOG
) -> tuple[DialogState, list[Reply]]:
    return step(state, Text(text=text, today=today), catalog)


def _tap(
    state: DialogState, option: str, today: date, catalog: Catalog = CATALOG
) -> tuple[DialogState, list[Reply]]:
    return step(state, Choice(option=option, seq=state.seq, today=today), catalog)


def _expected(day: date, year: int | None = None, **fields: object) -> QuoteResult:
    request = QuoteRequest(region="changtu", payment_date=day, insurance_year=year, **fields)
    return quote(request, CATALOG)


def _year_buttons(replies: list[Reply]) -> dict[str, str]:
    rendered = render_reply(replies[-1], "text")
    return {i: label for row in rendered.buttons for i, label in row if i.startswith("iy:")}


# -- asked only when two years are open --------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "open_years"),
    [
        (FIRST_OVERLAP - timedelta(days=1), [2025]),  # 2025 late window only
        (FIRST_OVERLAP, [2025, 2026]),
        (date(2025, 10, 15), [2025, 2026]),
        (LAST_OVERLAP, [2025, 2026]),
        (LAST_OVERLAP + timedelta(days=1), [2026]),  # 2025 closed, 2026 collection
    ],
)
def test_the_year_is_asked_only_when_two_years_are_open(day: date, open_years: list[int]) -> None:
    state = _start(day)
    state, replies = _say(state, f"昌图 普通居民 {day.isoformat()}交", day)
    if len(open_years) == 1:
        assert state.stage is Stage.ANSWER
        result = answer(replies)
        assert result == _expected(day)
        assert result.policy_year == open_years[0]
        assert f"{open_years[0]}年度" in render_reply(replies[-1], "text").text
        return
    # everything else was said: the year is the one question before the answer
    assert state.stage is Stage.INSURANCE_YEAR
    assert "ask_insurance_year" in templates(replies)
    assert set(_year_buttons(replies)) == {f"iy:{y}" for y in open_years}


@pytest.mark.parametrize("day", [FIRST_OVERLAP, date(2025, 10, 15), LAST_OVERLAP])
@pytest.mark.parametrize("year", [2025, 2026])
def test_choosing_each_year_gives_the_calculators_answer_for_it(day: date, year: int) -> None:
    state = _start(day)
    state, _ = _say(state, f"昌图 低保边缘户 {day.isoformat()}交", day)
    state, replies = _tap(state, f"iy:{year}", day)
    assert state.stage is Stage.ANSWER and state.insurance_year == year
    result = answer(replies)
    assert result == _expected(day, year, identities=frozenset({"dibao_edge"}))
    assert result.policy_year == year
    assert f"{year}年度" in render_reply(replies[-1], "text").text


def test_each_year_button_says_what_paying_it_means_from_the_calculator() -> None:
    day = date(2025, 10, 15)
    state = _start(day)
    state, replies = _say(state, "昌图 普通居民 今天交", day)
    labels = _year_buttons(replies)
    later, earlier = _expected(day, 2026), _expected(day, 2025)
    # 2026: its collection window, covered from 2026-01-01 (the shifted 一、2)
    assert later.coverage is not None and later.coverage.start == date(2026, 1, 1)
    assert labels["iy:2026"].startswith("2026年度")
    assert "集中缴费期" in labels["iy:2026"] and "2026年1月1日" in labels["iy:2026"]
    # 2025: late, 90 days' wait from 2025-10-15 end 2026-01-13: no cover left in 2025 (一、3)
    assert earlier.waiting is not None and earlier.waiting.last_day == date(2026, 1, 13)
    assert earlier.coverage is not None and earlier.coverage.start is None
    assert labels["iy:2025"].startswith("2025年度")
    assert "集中缴费期外" in labels["iy:2025"] and "2026年1月13日" in labels["iy:2025"]
    # the later year (the collection open now) first
    assert list(labels) == ["iy:2026", "iy:2025"]


@pytest.mark.parametrize("lang", ["zh_Hant", "en"])
def test_the_year_question_in_the_other_languages(lang: str) -> None:
    day = date(2025, 10, 15)
    state = _start(day, lang=lang)
    state, replies = _say(state, "昌图 普通居民 今天交", day)
    labels = _year_buttons(replies)
    assert set(labels) == {"iy:2025", "iy:2026"}
    if lang == "en":
        assert "2026" in labels["iy:2026"] and "collection period" in labels["iy:2026"]
    else:
        assert "2026年度" in labels["iy:2026"] and "集中繳費期" in labels["iy:2026"]


# -- said in words, corrected, refused ---------------------------------------------------------


@pytest.mark.parametrize(
    "said", ["交2025年的", "2025年度", "补交2025年度的", "for the 2025 insurance year"]
)
def test_a_year_said_in_the_message_is_not_asked(said: str) -> None:
    day = date(2025, 10, 15)
    state = _start(day)
    state, replies = _say(state, f"昌图 普通居民 今天交 {said}", day)
    assert state.stage is Stage.ANSWER and state.insurance_year == 2025
    assert answer(replies) == _expected(day, 2025)


def test_a_year_typed_at_the_year_question() -> None:
    day = date(2025, 10, 15)
    state = _start(day)
    state, _ = _say(state, "昌图 普通居民 今天交", day)
    state, replies = _say(state, "2026年度", day)
    assert state.insurance_year == 2026 and answer(replies) == _expected(day, 2026)


def test_a_correction_of_the_year_replaces_it_and_says_so() -> None:
    day = date(2025, 10, 15)
    state = _start(day)
    state, _ = _say(state, "昌图 普通居民 今天交", day)
    state, _ = _tap(state, "iy:2026", day)
    state, replies = _say(state, "不对，交2025年的", day)
    assert state.insurance_year == 2025
    assert answer(replies) == _expected(day, 2025)
    text = render_reply(replies[-1], "text").text
    assert "已改为：2025年度" in text


def test_change_year_from_the_answer_keeps_the_mark() -> None:
    day = date(2025, 10, 15)
    state = _start(day)
    state, _ = _say(state, "昌图 普通居民 今天交", day)
    state, replies = _tap(state, "iy:2026", day)
    assert "c:year" in {o.id for o in replies[-1].options}
    state, replies = _tap(state, "c:year", day)
    assert state.stage is Stage.INSURANCE_YEAR
    assert [o.id for o in replies[-1].options if o.selected] == ["iy:2026"]
    state, replies = _tap(state, "iy:2025", day)
    assert answer(replies) == _expected(day, 2025)


def test_no_change_year_button_where_one_year_is_open() -> None:
    day = date(2026, 1, 5)
    state = _start(day)
    state, replies = _say(state, "昌图 普通居民 今天交", day)
    assert "c:year" not in {o.id for o in replies[-1].options}


def _cli_message(year: int, day: date, on_file: bool) -> str:
    return render_template(
        "cli/insurance_year.j2",
        "zh_Hans",
        "text",
        year=year,
        day=day,
        on_file=on_file,
        periods=payment_periods(CATALOG, "changtu"),
    )


def test_a_year_not_on_file_gets_the_clis_message_and_the_conversation_stays() -> None:
    day = date(2025, 10, 15)
    state = _start(day)
    state, replies = _say(state, "昌图 普通居民 交2030年度的", day)
    assert state.insurance_year is None
    assert state.region == "changtu" and state.identities == []
    text = render_reply(replies[-1], "text").text
    assert _cli_message(2030, day, on_file=False).strip() in text
    assert "已改为" not in text  # a refused year changed nothing
    assert "2025" in text and "2026" in text  # the years on file, with their periods
    state, replies = _say(state, "今天交", day)
    assert state.stage is Stage.INSURANCE_YEAR  # still the year to choose, nothing lost


def test_a_refused_correction_keeps_the_year_chosen() -> None:
    day = date(2025, 10, 15)
    state = _start(day)
    state, _ = _say(state, "昌图 普通居民 今天交", day)
    state, _ = _tap(state, "iy:2025", day)
    state, replies = _say(state, "不对，交2030年的", day)
    text = render_reply(replies[-1], "text").text
    assert _cli_message(2030, day, on_file=False).strip() in text
    assert "已改为" not in text
    assert state.insurance_year == 2025 and answer(replies) == _expected(day, 2025)


def test_a_year_not_payable_on_the_date_gets_the_clis_message() -> None:
    day = date(2026, 1, 5)  # 2025 closed on 2025-12-31
    state = _start(day)
    state, replies = _say(state, "昌图 普通居民 今天交 交2025年度的", day)
    text = render_reply(replies[-1], "text").text
    assert _cli_message(2025, day, on_file=True).strip() in text
    assert state.insurance_year is None
    assert answer(replies) == _expected(day)
    assert answer(replies).policy_year == 2026


def test_a_later_date_that_closes_the_chosen_year_says_so() -> None:
    day = date(2025, 10, 15)
    state = _start(day)
    state, _ = _say(state, "昌图 普通居民 今天交", day)
    state, _ = _tap(state, "iy:2025", day)
    state, replies = _say(state, "不对，2026年1月5日交", day)
    assert _cli_message(2025, date(2026, 1, 5), on_file=True).strip() in render_reply(
        replies[-1], "text"
    ).text
    assert state.insurance_year is None and answer(replies).policy_year == 2026


# -- every question comes from the chosen year's notice -----------------------------------------


def _age_conditional_2026() -> Catalog:
    """The two-year catalog with one difference: the 2026 notice subsidises 低保边缘家庭成员
    only from 60 (so its dialog must ask the birth date; the 2025 one must not)."""
    policies: list[LoadedPolicy] = []
    for policy in CATALOG.policies:
        if policy.slug == "changtu" and policy.year == 2026:
            older = [AgeRange(min=60)]
            subsidies = [
                s.model_copy(update={"age": older}) if s.identity == "dibao_edge" else s
                for s in policy.data.subsidies
            ]
            data = policy.data.model_copy(update={"subsidies": subsidies})
            policy = LoadedPolicy(policy.path, data, policy.clauses)
        policies.append(policy)
    return dataclasses.replace(CATALOG, policies=policies, memo={})


def test_questions_come_from_the_chosen_years_notice() -> None:
    catalog = _age_conditional_2026()
    day = date(2025, 10, 15)
    # chosen 2025 (said): its notice has no age condition, so no birth-date question
    state = _start(day, catalog)
    state, replies = _say(state, "昌图 低保边缘户 今天交 交2025年的", day, catalog)
    assert state.stage is Stage.ANSWER
    expected = quote(
        QuoteRequest(
            region="changtu",
            identities=frozenset({"dibao_edge"}),
            payment_date=day,
            insurance_year=2025,
        ),
        catalog,
    )
    assert answer(replies) == expected
    # chosen 2026: its notice's age condition asks for the birth date
    state = _start(day, catalog)
    state, _ = _say(state, "昌图 低保边缘户 今天交", day, catalog)
    assert state.stage is Stage.INSURANCE_YEAR
    state, replies = _tap(state, "iy:2026", day, catalog)
    assert state.stage is Stage.BIRTH_DATE
    assert flow.policy(catalog, state, day) is catalog.policies_for("changtu")[1]


def test_before_the_date_the_questions_come_from_todays_best_guess() -> None:
    catalog = _age_conditional_2026()
    # today only 2025 takes payment: its notice's questions (no birth date)
    june = date(2025, 6, 1)
    state = _start(june, catalog)
    state, _ = _say(state, "昌图 低保边缘户", june, catalog)
    assert state.stage is Stage.PAYMENT_DATE
    # today the 2026 collection is open: its notice's questions (birth date)
    october = date(2025, 10, 15)
    state = _start(october, catalog)
    state, _ = _say(state, "昌图 低保边缘户", october, catalog)
    assert state.stage is Stage.BIRTH_DATE


# -- property: every final answer names its year and is quote() for the state's facts ----------

IDENTITIES = st.sampled_from(["普通居民", "低保户", "低保边缘户", "特困人员", "脱贫人口"])
DAYS = st.dates(min_value=date(2025, 8, 1), max_value=date(2026, 3, 31))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(identity=IDENTITIES, day=DAYS, pick=st.sampled_from([0, 1]), said=st.booleans())
def test_every_final_answer_names_its_year_and_is_the_calculators(
    identity: str, day: date, pick: int, said: bool
) -> None:
    text = f"昌图 {identity} {day.isoformat()}交"
    if said:
        text += f" 交{day.year if day.month < 9 else day.year + 1}年度的"
    state = _start(day)
    state, replies = _say(state, text, day)
    if state.stage is Stage.INSURANCE_YEAR:
        years = sorted(_year_buttons(replies))
        assert len(years) == 2
        state, replies = _tap(state, years[pick], day)
    assert state.stage is Stage.ANSWER, templates(replies)
    result = answer(replies)
    expected = quote(
        QuoteRequest(
            region="changtu",
            identities=frozenset(state.identities or []),
            payment_date=day,
            insurance_year=state.insurance_year,
        ),
        CATALOG,
    )
    assert result == expected
    assert result.policy_year is not None
    assert f"{result.policy_year}年度" in render_reply(replies[-1], "text").text


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant"])
def test_the_year_replies_are_chinese_and_zh_hant_is_traditional(lang: str) -> None:
    """The year question, its buttons, the refusal and the correction, as issue 10 §5 asks of
    every reply: no English outside quotes in Chinese, no Simplified-only character in zh_Hant."""
    from tests.dialogs.test_scripts import DATA_WORDS, WORD, _unquoted
    from tests.test_catalogs import SIMPLIFIED_ONLY

    day = date(2025, 10, 15)
    state = _start(day, lang=lang)
    seen: list[Reply] = []
    for text in ("昌图 普通居民 今天交", "iy:2026", "交2030年的", "c:year", "不对，交2025年的"):
        if text.startswith(("iy:", "c:")):
            state, replies = _tap(state, text, day)
        else:
            state, replies = _say(state, text, day)
        seen += replies
    assert "insurance_year_problem" in templates(seen)
    for reply in seen:
        rendered = render_reply(reply, "text")
        for shown in [rendered.text, *(label for row in rendered.buttons for _, label in row)]:
            unquoted = _unquoted(shown)
            assert set(WORD.findall(unquoted)) <= DATA_WORDS, shown
            if lang == "zh_Hant":
                assert not set(unquoted) & set(SIMPLIFIED_ONLY), shown
