"""The volunteers' views (/table, /compare, "not sure", the reference answer) against the
calculator: every figure they print is what `quote()` answers for an explicit request, and a
figure that holds only for some people says for whom (issue 10, item 3).

The expectations here are computed by these tests from the notices' rules through `quote()`
(ages sampled on both sides of every age condition), not read back from the views' data.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from dialogs.engine import Choice, Command, Text, step
from dialogs.render import render_reply
from dialogs.rendering import LANGUAGES
from dialogs.rendering.script import to_traditional
from dialogs.replies import Reply
from dialogs.state import DialogState
from policies.catalog import LoadedPolicy, load_catalog
from policies.engine import quote
from policies.result import QuoteRequest

CATALOG = load_catalog()
TODAY = date(2026, 12, 1)
ZH_MONEY = re.compile(r"(\d+(?:\.\d\d)?)元")
EN_MONEY = re.compile(r"CNY ([\d,]+(?:\.\d\d)?)")
SAMPLE_AGES = (5, 30, 65)  # a minor, an adult, a person over 60: both sides of every range


def _run(
    *events: str, lang: str | None = None, today: date = TODAY
) -> tuple[DialogState, list[Reply]]:
    state = DialogState(lang=lang)
    replies: list[Reply] = []
    for event in events:
        if event.startswith("/"):
            name, _, arg = event[1:].partition(" ")
            state, replies = step(state, Command(name=name, arg=arg, today=today), CATALOG)
        elif event.startswith("!"):
            state, replies = step(
                state, Choice(option=event[1:], seq=state.seq, today=today), CATALOG
            )
        else:
            state, replies = step(state, Text(text=event, today=today), CATALOG)
    return state, replies


def _text(replies: list[Reply]) -> str:
    return "\n\n".join(render_reply(r, "text").text for r in replies)


def _amounts(line: str, lang: str) -> list[Decimal]:
    pattern = EN_MONEY if lang == "en" else ZH_MONEY
    return [Decimal(m.replace(",", "")) for m in pattern.findall(line)]


def _collection_start(policy: LoadedPolicy) -> date:
    return next(w.start for w in policy.data.windows if w.kind == "collection")


def _born(day: date, age: int) -> date:
    try:
        return day.replace(year=day.year - age)
    except ValueError:
        return day.replace(year=day.year - age, day=28)


def _expected(region: str, identity: str | None) -> set[Decimal | None]:
    """Every amount quote() gives this identity in the collection period, over tiers and ages."""
    policy = CATALOG.latest(region)
    day = _collection_start(policy)
    tiers: list[int | None] = [t.number for t in policy.data.tiers] or [None]
    out: set[Decimal | None] = set()
    for tier in tiers:
        for age in SAMPLE_AGES:
            request = QuoteRequest(
                region=region,
                identities=frozenset({identity}) if identity else frozenset(),
                payment_date=day,
                birth_date=_born(day, age),
                tier=tier,
            )
            out.add(quote(request, CATALOG).amount_due)
    return out


def _ordinary(region: str) -> set[Decimal | None]:
    return _expected(region, None)


# -- the two bugs of issue 10 -------------------------------------------------------------------


def test_kezuohouqi_table_gives_both_amounts_of_dibao_edge_with_their_condition() -> None:
    # 后政办字〔2024〕126号 二(二): only 低保边缘家庭 60 周岁以上老年人和未成年人 pay 220; the
    # other members of those families pay the ordinary 400.
    _, replies = _run("/table 科左后旗", lang="zh_Hans")
    [line] = [x for x in _text(replies).splitlines() if "低保边缘" in x]
    assert "60周岁以上" in line and "220元" in line and "400元" in line, line


def test_compare_dibao_edge_gives_kezuohouqi_both_amounts() -> None:
    _, replies = _run("/compare 低保边缘家庭成员", lang="zh_Hans")
    [line] = [x for x in _text(replies).splitlines() if "科尔沁左翼后旗" in x]
    assert "220元" in line and "400元" in line and "60周岁以上" in line, line


def test_not_listed_means_the_ordinary_standard() -> None:
    """Wherever /compare says a notice does not list the group, the figure is that region's
    ordinary standard; where it is cheaper, the line names the group whose price applies."""
    for code in CATALOG.identities:
        _, replies = _run(f"/compare {code}", lang="zh_Hans")
        for region in CATALOG.regions():
            name = CATALOG.latest(region).data.region.name
            [line] = [x for x in _text(replies).splitlines() if x.startswith(f"• {name}")]
            if "未列明" in line or "普通标准" in line:
                assert set(_amounts(line, "zh_Hans")) == _ordinary(region), (code, line)


def test_compare_offers_ordinary_residents_and_newborns() -> None:
    _, replies = _run("/compare", lang="zh_Hans")
    labels = [label for r in replies for row in render_reply(r, "text").buttons for _, label in row]
    assert "普通居民" in labels and "新生儿" in labels
    _, replies = _run("/compare 新生儿", lang="zh_Hans")
    text = _text(replies)
    for region in CATALOG.regions():
        assert CATALOG.latest(region).data.region.name in text
    assert "90天" in text  # the newborn time limit the figure holds for


# -- every view, every region, identity and language ---------------------------------------------


def _view_lines(text: str, region_name: str | None = None) -> list[str]:
    return [
        x
        for x in text.splitlines()
        if x.startswith("• ") and (region_name is None or region_name in x)
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_table_figure_is_the_calculators(lang: str) -> None:
    for region in CATALOG.regions():
        _, replies = _run(f"/table {region}", lang=lang)
        lines = _view_lines(_text(replies))
        # one line per group, in the order the table promises: ordinary residents first,
        # then the groups the notice names, in registry order, newborns last
        codes: list[str | None] = [None, *_named(region)]
        if CATALOG.latest(region).data.newborn is not None:
            codes.append("newborn")
        assert len(lines) == len(codes), (region, lines)
        for code, line in zip(codes, lines, strict=True):
            if code == "newborn":
                expected = _expected_newborn(region)
            else:
                expected = {e for e in _expected(region, code) if e is not None}
            assert set(_amounts(line, lang)) == expected, (region, code, line)


def _named(region: str) -> list[str]:
    from dialogs.flow import identities_of

    return [c for c in identities_of(CATALOG, region) if c != "newborn"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_comparison_figure_is_the_calculators(lang: str) -> None:
    for code in [c for c in CATALOG.identities if c != "newborn"]:
        _, replies = _run(f"/compare {code}", lang=lang)
        text = _text(replies)
        for region in CATALOG.regions():
            name = CATALOG.latest(region).data.region.name
            [line] = _view_lines(text, _script(name, lang))
            expected = {e for e in _expected(region, code) if e is not None}
            assert set(_amounts(line, lang)) == expected, (code, region, line)


def _expected_newborn(region: str) -> set[Decimal]:
    """A child born two weeks into the insurance year, paid for ten days later."""
    policy = CATALOG.latest(region)
    birth = policy.data.coverage_start + timedelta(days=14)
    tiers: list[int | None] = [t.number for t in policy.data.tiers] or [None]
    expected = set()
    for tier in tiers:
        result = quote(
            QuoteRequest(
                region=region,
                identities=frozenset({"newborn"}),
                payment_date=birth + timedelta(days=10),
                birth_date=birth,
                tier=tier,
            ),
            CATALOG,
        )
        expected.add(result.amount_due)
    return {e for e in expected if e is not None}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_newborn_comparison_is_the_calculators(lang: str) -> None:
    _, replies = _run("/compare newborn", lang=lang)
    text = _text(replies)
    for region in CATALOG.regions():
        [line] = _view_lines(text, _name(region, lang))
        assert set(_amounts(line, lang)) == _expected_newborn(region), line


@pytest.mark.parametrize("lang", LANGUAGES)
def test_ordinary_comparison_is_the_calculators(lang: str) -> None:
    _, replies = _run("/compare", "!x:ordinary", lang=lang)
    text = _text(replies)
    for region in CATALOG.regions():
        [line] = _view_lines(text, _name(region, lang))
        assert set(_amounts(line, lang)) == _ordinary(region), line


# -- the reference answer -------------------------------------------------------------------------


def test_a_newborns_payment_year_follows_the_birth_year() -> None:
    # On 2026-12-01 "2025年1月3日出生 2月10号交" is a payment 38 days after birth, 2025-02-10,
    # under the 2025 notice (双政办发〔2024〕11号) — not 2027-02-10 with a reference that moves
    # the birth to 2023.
    _, replies = _run("/start shuangqing", "新生儿 2025年1月3日出生 2月10号交")
    text = _text(replies)
    assert "2023年1月3日" not in text
    result = next(b.params["result"] for r in replies for b in r.blocks if b.template == "answer")
    assert result.request.payment_date == date(2025, 2, 10)
    assert result.request.birth_date == date(2025, 1, 3)
    assert result.policy_year == 2025


def test_the_reference_answer_never_shows_a_birth_date_the_person_did_not_give() -> None:
    # Born 2026-11-20, paying today: no notice on file for the 2027 insurance year. The reference
    # under the 2025 notice may move both dates back by the same years, but it must say so.
    _, replies = _run("/start kezuohouqi", "新生儿 2026年11月20日出生", "今天")
    text = _text(replies)
    blocks = [b for r in replies for b in r.blocks if b.template == "reference_answer"]
    if not blocks:
        return  # no reference: nothing can misquote the birth date
    reference = blocks[0].params["result"]
    moved = reference.request.birth_date
    if moved is not None and moved != date(2026, 11, 20):
        assert "2026年11月20日" in text, "the person's own birth date is gone"
        assert "同样前移" in text or "按同样间隔" in text, text


def test_one_year_notice_per_message() -> None:
    _, replies = _run("/start changtu", "新生儿 4月10号出生 4月20号交", today=date(2025, 5, 25))
    blocks = [b for r in replies for b in r.blocks if b.template == "year_assumed"]
    assert len(blocks) == 1
    text = _text(replies)
    assert text.count("未说明年份") == 1
    assert "2025年4月10日" in text and "2025年4月20日" in text


def _script(name: str, lang: str) -> str:
    """A data name as a reply in `lang` prints it (Traditional script in zh_Hant)."""
    return to_traditional(name) if lang == "zh_Hant" else name


def _name(region: str, lang: str) -> str:
    return _script(CATALOG.latest(region).data.region.name, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_table_date_is_the_notices(lang: str) -> None:
    # 乌政办发〔2023〕81号 三 gives only the start of the collection ("集中缴费开始时间为2023年
    # 9月1日") and no end: the table must not print the data's working end as a last day.
    from dialogs.rendering.formatting import format_date

    for region in CATALOG.regions():
        window = next(w for w in CATALOG.latest(region).data.windows if w.kind == "collection")
        _, replies = _run(f"/table {region}", lang=lang)
        text = _text(replies)
        header = next(line for line in text.splitlines() if format_date(window.start, lang) in line)
        assert (format_date(window.end, lang) in header) is window.end_stated, (region, header)


def test_the_students_answer_quotes_every_clause_that_names_students() -> None:
    # 后政办字〔2024〕126号 二(一) "本旗内各类全日制学校在校学生、学龄前儿童，无户籍限制，均可在
    # 我旗参保缴费" and 乌政办发〔2023〕81号 二(一) "在校学生及学龄前儿童…每人400元/年" speak
    # of students: "the notice says nothing about this" was wrong for both.
    from dialogs.views import faq

    for region in CATALOG.regions():
        data = CATALOG.latest(region).data
        items = faq(CATALOG, region, "students").items
        quoted = {s.clause_id for item in items for s in item.sources}
        for scope in data.scope_identities:
            if scope.identity in ("college_student", "school_student"):
                assert scope.clause in quoted, (region, scope.clause)
