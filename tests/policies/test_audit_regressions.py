"""Found by the trust audit: every sentence of an answer holds for the person asked about."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from policies.catalog import read_catalog
from policies.engine import quote
from policies.result import QuoteRequest
from tests.policies.two_years import DATA as TWO_YEARS


def _texts(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.text["zh_Hans"] for n in result.notes if n.text]


def test_a_subsidy_that_decides_nothing_adds_no_sentence_about_its_amount() -> None:
    # 乌政办发〔2023〕81号 二(二)6 "脱贫享受政策人员（过渡期内）中的低保对象：由医保局、乡村振兴局
    # 分别代缴200元，个人无需缴费": 0元. The 单纯低保户 sentence of 二(二)4 ("个人缴纳的200元，
    # 具体缴费时间另行通知") is not this person's and contradicted the 0元.
    result = quote(
        QuoteRequest(
            region="wulateqianqi",
            identities=frozenset({"dibao", "poverty_alleviated"}),
            payment_date=date(2024, 3, 1),
        )
    )
    assert result.amount_due == 0
    assert not [t for t in _texts(result) if "200元" in t], _texts(result)
    # The 单纯低保户 alone still hears it: it is their 200元.
    alone = quote(
        QuoteRequest(
            region="wulateqianqi", identities=frozenset({"dibao"}), payment_date=date(2024, 3, 1)
        )
    )
    assert alone.amount_due == 200
    assert [t for t in _texts(alone) if "个人缴纳的200元" in t]


def test_a_newborn_born_before_the_year_is_not_said_to_be_covered_from_birth() -> None:
    # 双政办发〔2024〕11号 三(四)3(1) "新生儿在出生后90天内参保并缴纳出生年度居民医保费,自出生之日
    # 起所发生的合规医疗费用均可纳入医保报销": a baby born on 2024-12-20 whose parent pays the
    # 2025 contribution on 2025-01-10 is covered by it from 2025-01-01, the year's first day;
    # the answer had labelled that day "自出生之日起" and said nothing of the days from birth to
    # 31 December 2024, which belong to the birth year (2024), whose notice is not on file.
    result = quote(
        QuoteRequest(
            region="shuangqing",
            identities=frozenset({"newborn"}),
            payment_date=date(2025, 1, 10),
            birth_date=date(2024, 12, 20),
        )
    )
    assert result.amount_due == 400  # 三(四)1: the 2025 standard
    assert result.coverage is not None
    assert result.coverage.start == date(2025, 1, 1)
    assert result.coverage.rule == "newborn_year_start"
    note = next(n for n in result.notes if n.code == "birth_before_year")
    assert note.params["birth_year"] == "2024" and note.params["year"] == "2025"
    assert any(s.clause_label == "三(四)3(1)" for s in note.sources), note.sources
    assert note.params["office"] == "邵阳市双清区医疗保障局"
    # a baby born within the year is covered from birth, as before
    within = quote(
        QuoteRequest(
            region="shuangqing",
            identities=frozenset({"newborn"}),
            payment_date=date(2025, 2, 10),
            birth_date=date(2025, 1, 3),
        )
    )
    assert within.coverage is not None and within.coverage.start == date(2025, 1, 3)
    assert within.coverage.rule == "from_birth"
    assert not [n for n in within.notes if n.code == "birth_before_year"]


def test_a_newborn_born_before_the_year_is_sent_to_the_birth_years_notice_when_on_file(
    tmp_path: Path,
) -> None:
    # With the birth year's notice on file (the test-only 昌图 2026 beside the shipped 2025,
    # its newborn cover set from birth here), a baby born 2025-11-01 paying for 2026 on
    # 2025-11-20 is told the birth year's fee is that notice's (offered as another insurance
    # year), not that no notice for it is on file.
    data = tmp_path / "data" / "changtu"
    data.mkdir(parents=True)
    doc = yaml.safe_load((TWO_YEARS / "changtu" / "2026.yaml").read_text("utf-8"))
    doc["newborn"]["within_coverage"] = "from_birth"
    (data / "2026.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    catalog = read_catalog(also=(tmp_path / "data",))
    result = quote(
        QuoteRequest(
            region="changtu",
            identities=frozenset({"newborn"}),
            payment_date=date(2025, 11, 20),
            birth_date=date(2025, 11, 1),
            insurance_year=2026,
        ),
        catalog,
    )
    assert result.coverage is not None and result.coverage.start == date(2026, 1, 1)
    note = next(n for n in result.notes if n.code == "birth_before_year")
    assert note.params["birth_year"] == "2025" and note.params["on_file"] == "yes", note.params
    assert 2025 in [o.year for o in result.other_insurance_years]
