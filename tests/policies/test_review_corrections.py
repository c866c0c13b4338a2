"""The independent review of the five notices (issue 9 §4): each wrong or needlessly unhelpful
answer it found, reproduced from the notice's own words and kept from coming back."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from dialogs.rendering import render_quote
from policies.catalog import DOCUMENTS_DIR, load_catalog
from policies.checks import squash
from policies.engine import quote
from policies.result import QuoteRequest, Status

CJK = re.compile(r"[\u4e00-\u9fff]")


def ask(region: str, day: date, *identities: str, **fields: object) -> QuoteRequest:
    return QuoteRequest(region=region, identities=frozenset(identities), payment_date=day, **fields)


# -- 科左后旗 二(二): grade 1-2 disability is subsidised at any age --------------------------


@pytest.mark.parametrize("identity", ["severe_disability", "disabled_minor"])
def test_kezuohouqi_2_2_disability_pays_220_without_a_birth_date(identity: str) -> None:
    """二(二): "伤残程度 1-2 级的成年人和持证未成年残疾人 … 个人缴费 220 元": an adult with a
    grade 1-2 disability and a minor holding a disability certificate are both subsidised, so
    the age decides nothing and is not asked."""
    result = quote(ask("kezuohouqi", date(2024, 10, 1), identity))
    assert result.status is Status.OK
    assert result.amount_due == 220
    assert "birth_date" not in result.needs


def test_kezuohouqi_2_2_dibao_edge_still_depends_on_age() -> None:
    """二(二): only "低保边缘家庭 60 周岁以上老年人和未成年人" are subsidised: the age decides."""
    unknown = quote(ask("kezuohouqi", date(2024, 10, 1), "dibao_edge"))
    assert "birth_date" in unknown.needs
    adult = quote(ask("kezuohouqi", date(2024, 10, 1), "dibao_edge", birth_date=date(1980, 1, 1)))
    assert adult.amount_due == 400
    old = quote(ask("kezuohouqi", date(2024, 10, 1), "dibao_edge", birth_date=date(1950, 1, 1)))
    assert old.amount_due == 220


# -- 丰都 五(三): veterans' families are placed in 二档 and pay nothing ----------------------


def test_fengdu_5_3_veteran_survivor_pays_nothing_in_tier_two_without_tier() -> None:
    """五(三): "在乡老复员军人、病故军人遗属、因公牺牲军人遗属、烈士遗属 … 按775元/人•年标准全额资助
    参加二档": the notice places them in 二档 and pays all of it."""
    result = quote(ask("fengdu-lizi", date(2024, 10, 1), "veteran_survivor"))
    assert result.status is Status.OK
    assert result.tier == 2
    assert result.amount_due == 0
    codes = {n.code for n in result.notes}
    assert "subsidy_amount_not_stated" not in codes
    assert "tier_assumed" not in codes
    assert "tier_placed" in codes


def test_fengdu_5_3_martyr_child_over_60_pays_nothing_in_tier_two() -> None:
    """五(三): "60周岁以上烈士子女按775元/人•年标准全额资助参加二档"."""
    result = quote(
        ask("fengdu-lizi", date(2024, 10, 1), "martyr_child", birth_date=date(1950, 5, 1))
    )
    assert (result.status, result.tier, result.amount_due) == (Status.OK, 2, 0)


def test_fengdu_5_3_tier_one_chosen_says_the_notice_funds_tier_two() -> None:
    """Asked for 一档 explicitly, the notice's only words are "全额资助参加二档": say that, not
    the generic "the notice gives no amount"."""
    result = quote(ask("fengdu-lizi", date(2024, 10, 1), "veteran_survivor", tier=1))
    codes = {n.code for n in result.notes} | {n.params.get("id") for n in result.notes}
    assert "tier_two_funded" in codes
    assert "subsidy_amount_not_stated" not in codes


# -- coverage never starts before birth -----------------------------------------------------


def test_changtu_newborn_is_not_covered_before_birth() -> None:
    """昌图 一、2 gives collection-window payers 2025-01-01..12-31, but a child born on
    2025-02-20 cannot be covered from 2025-01-01."""
    birth = date(2025, 2, 20)
    result = quote(ask("changtu", date(2025, 2, 25), "newborn", birth_date=birth))
    assert result.coverage is not None
    assert result.coverage.start is not None and result.coverage.start >= birth
    assert "coverage_not_before_birth" in {n.code for n in result.notes}


@pytest.mark.parametrize("region", ["kezuohouqi", "changtu", "wulateqianqi", "shuangqing"])
def test_a_child_born_after_the_year_starts_is_never_covered_before_birth(region: str) -> None:
    """Whatever identity is given (here none: the newborn box left unticked)."""
    catalog = load_catalog()
    policy = catalog.latest(region)
    birth = policy.data.coverage_start + timedelta(days=20)
    result = quote(ask(region, birth + timedelta(days=3), birth_date=birth))
    if result.coverage is not None and result.coverage.start is not None:
        assert result.coverage.start >= birth


# -- back-payment: this year's contribution plus the years back-paid ------------------------


def test_kezuohouqi_5_2_back_payment_shows_both_parts_and_total() -> None:
    """五(二) "每多缴纳1年可减少1个月的变动等待期", at the national reading of its price ("paid at
    the current year's personal contribution standard"): 5 years lapsed, 4 back-paid → 400 for
    2025 + 4 × 400."""
    result = quote(ask("kezuohouqi", date(2025, 3, 10), lapsed_years=5, repaid_years=4))
    amount = result.amount
    assert amount is not None and amount.due == 400
    back = amount.back_payment
    assert back is not None
    assert (back.years, back.per_year, back.amount) == (4, Decimal(400), Decimal(1600))
    assert back.confidence == "medium"
    assert any(s.national and s.clause_id == "national:repair_price" for s in back.sources)
    assert any(s.clause_label == "五(二)" for s in back.sources)
    assert amount.total_due == 2000


def test_back_payment_is_at_the_standard_not_the_subsidised_price() -> None:
    """A 低保 payer's own contribution is 220 (二(二)), but back-payment is at the personal
    contribution standard of the year (national reading): 220 + 2 × 400. (Lapsed, paying in
    the payment period: 五(二) "未连续参保的" waiting applies.)"""
    result = quote(ask("kezuohouqi", date(2024, 10, 10), "dibao", lapsed_years=3, repaid_years=2))
    assert result.amount is not None and result.amount.back_payment is not None
    assert result.amount.due == 220
    assert result.amount.back_payment.amount == 800
    assert result.amount.total_due == 1020


def test_no_back_payment_without_repaid_years() -> None:
    result = quote(ask("kezuohouqi", date(2025, 3, 10), lapsed_years=5))
    assert result.amount is not None
    assert result.amount.back_payment is None
    assert result.amount.total_due == result.amount.due == 400


# -- 双清区 三(三): the 2025 fiscal subsidy follows the national rule -------------------------


def test_shuangqing_3_3_late_payment_is_1100_marked_national() -> None:
    """三(四)3 "按照个人缴费标准加财政补助标准之和缴费" and 三(三) "2025年居民医保财政补助标准
    按照国家规定执行": the national 2025 standard is 700 (医保发〔2025〕22号): 400 + 700 = 1,100."""
    result = quote(ask("shuangqing", date(2025, 3, 1)))
    amount = result.amount
    assert result.status is Status.OK
    assert amount is not None and amount.due == 1100
    assert amount.fiscal_subsidy == 700
    assert amount.basis == "national"
    assert any(s.national for s in amount.fiscal_sources)
    assert any(not s.national and s.clause_label == "三(三)" for s in amount.fiscal_sources)


def test_shuangqing_collection_price_is_the_county_own() -> None:
    result = quote(ask("shuangqing", date(2024, 10, 1)))
    assert result.amount is not None and result.amount.basis == "county"
    assert result.amount.lower_bound is None


# -- 丰都 六: July–September "全额缴费" is at least the national minimum ---------------------


@pytest.mark.parametrize(("tier", "at_least"), [(1, 1100), (2, 1475)])
def test_fengdu_6_july_to_september_is_at_least_the_national_minimum(
    tier: int, at_least: int
) -> None:
    """六 "缴费标准为全额缴费（包括个人缴费部分和财政补助部分）"; 四(二) the county's 2025
    subsidy is "分档补助" with no figure: only the national minimum (700) is known: "at least"."""
    result = quote(ask("fengdu-lizi", date(2025, 7, 15), tier=tier))
    amount = result.amount
    assert result.status is Status.UNDETERMINED
    assert amount is not None and amount.due is None
    assert amount.lower_bound == at_least
    assert amount.basis == "national"
    note = next(n for n in result.notes if n.code == "fiscal_subsidy_national_minimum")
    assert note.params["office"] == result.office
    assert any(s.national for s in note.sources)


# -- 双清区 低保 + 低保边缘: one sentence, one amount ----------------------------------------


def test_shuangqing_dibao_and_dibao_edge_same_amount_is_not_ambiguous() -> None:
    """三(五)1(1): "对区辖最低生活保障对象、最低生活保障边缘家庭成员 … 资助标准为200元/人": both
    identities give 200, so there is nothing to combine: 200."""
    result = quote(ask("shuangqing", date(2024, 10, 1), "dibao", "dibao_edge"))
    assert result.status is Status.OK
    assert result.amount_due == 200
    assert "combination_not_stated" not in {n.code for n in result.notes}


# -- national rules quoted in Chinese; our readings labelled as ours ------------------------


def _national_quotes() -> list[tuple[str, str]]:
    national = load_catalog().national
    return [(c.id, c.quote) for c in national.clauses if c.quote]


@pytest.mark.parametrize(("clause_id", "text"), _national_quotes())
def test_national_quotes_are_chinese_sentences_of_the_national_texts(
    clause_id: str, text: str
) -> None:
    """policy-context.md "The national sentences in Chinese": quotes come from there."""
    assert CJK.search(text), f"{clause_id}: a national quote must be the Chinese sentence"
    chinese = (DOCUMENTS_DIR / "national-context.md").read_text("utf-8")
    section = chinese.split("## The national sentences in Chinese", 1)[1]
    assert squash(text) in squash(section), clause_id


def test_the_variable_waiting_reading_is_labelled_as_ours_not_quoted() -> None:
    """ "3 months + (lapsed years − 1) months" is the service's reading: shown in the user's
    language, labelled as such, never in quotation marks as if the national text said it."""
    result = quote(ask("changtu", date(2025, 3, 10), lapsed_years=3))
    reading = [s for s in result.sources if s.reading is not None]
    assert reading, "the reading is still cited"
    assert all(not s.quote for s in reading)
    zh = render_quote(result, "zh_Hans", "text")
    en = render_quote(result, "en", "text")
    assert "本服务的理解" in zh
    assert "this service's reading" in en
    zh_reading = reading[0].reading
    assert zh_reading is not None
    assert f"“{zh_reading['zh_Hans']}”" not in zh
    assert zh_reading["en"] in en


def test_chinese_answer_quotes_the_national_rule_in_chinese() -> None:
    result = quote(ask("changtu", date(2025, 3, 10), lapsed_years=3))
    zh = render_quote(result, "zh_Hans", "text")
    assert "“每多断保1年，原则上在固定待遇等待期基础上增加变动待遇等待期1个月”" in zh
    assert "Read by local guides" not in zh
