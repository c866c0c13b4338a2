"""Two insurance years of one region on file at once (issue 9 §2), with the test-only 昌图 2026
notice (`tests/policies/two_years/`: the 2025 notice shifted by one year).

昌图 2025 一、1 "集中缴费期为 2024 年 9 月 23 日至 2025 年 2 月 28 日", 一、3 "未在集中缴费期缴纳
2025 年度保费的，自缴费之日起设 90 天待遇等待期"; the shifted 2026 notice's collection runs
2025-09-23 … 2026-02-28. Both take payment 2025-09-23 … 2025-12-31.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from policies.catalog import DATA_DIR, DOCUMENTS_DIR, load_catalog
from policies.checks import check_catalog
from policies.engine import quote
from policies.result import QuoteRequest, QuoteResult, Status
from policies.years import InsuranceYearError
from tests.policies.two_years import DOCUMENTS, two_year_catalog


def ask(day: str, **fields: Any) -> QuoteResult:
    request = QuoteRequest(region="changtu", payment_date=date.fromisoformat(day), **fields)
    return quote(request, two_year_catalog())


def test_the_test_notice_is_sound(tmp_path: Path) -> None:
    """The shifted notice passes `yibao policies check` (quotes verbatim in its shifted text)."""
    documents = tmp_path / "documents"
    shutil.copytree(DOCUMENTS_DIR, documents)
    shutil.copy(DOCUMENTS / "changtu-2026.txt", documents)
    assert check_catalog(two_year_catalog(), documents) == []
    assert not (DATA_DIR / "changtu" / "2026.yaml").exists(), "test data must not ship"


# -- each side of every overlap date ----------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year", "start", "others"),
    [
        # 2025 late window only: the 2026 collection opens the next day.
        ("2025-09-22", 2025, date(2025, 12, 22), []),
        # First day of the 2026 collection window: answered for 2026, 2025 still payable late.
        ("2025-09-23", 2026, date(2026, 1, 1), [2025]),
        ("2025-10-15", 2026, date(2026, 1, 1), [2025]),
        # Last day the 2025 notice takes payment.
        ("2025-12-31", 2026, date(2026, 1, 1), [2025]),
        # 2025 is over; 2026 collection alone.
        ("2026-01-01", 2026, date(2026, 1, 1), []),
        # 2026 collection's last day, then its late window.
        ("2026-02-28", 2026, date(2026, 1, 1), []),
        ("2026-03-01", 2026, date(2026, 5, 31), []),
    ],
)
def test_default_is_the_later_open_year(
    day: str, year: int, start: date, others: list[int]
) -> None:
    result = ask(day)
    assert result.status is Status.OK
    assert result.policy_year == year
    assert result.coverage is not None and result.coverage.start == start
    assert [o.year for o in result.other_insurance_years] == others
    codes = {n.code for n in result.notes}
    assert ("other_insurance_year" in codes) == bool(others)


def test_issue_example_2025_10_15_pays_for_2026_and_is_covered_from_2026() -> None:
    """The bug the issue reports: 2025-10-15 was answered under 2025 (late, no cover)."""
    result = ask("2025-10-15")
    assert result.policy_year == 2026
    assert result.deadline is not None and result.deadline.date == date(2026, 2, 28)
    other = result.other_insurance_years[0]
    # 90 days from 2025-10-15 end on 2026-01-13: a 2025 payment now buys no 2025 cover.
    assert other.year == 2025 and not other.buys_cover
    note = next(n for n in result.notes if n.code == "other_insurance_year")
    assert note.params["no_cover"] == "yes"


def test_earlier_year_on_the_overlap_first_day_still_buys_some_cover() -> None:
    """2025-09-23 + 90 days = 2025-12-22: a 2025 late payment covers 12-23 … 12-31."""
    other = ask("2025-09-23").other_insurance_years[0]
    assert other.buys_cover
    assert (other.coverage_start, other.coverage_end) == (date(2025, 12, 23), date(2025, 12, 31))
    assert other.amount_due == 400


@pytest.mark.parametrize(("day", "year"), [("2025-09-23", 2025), ("2025-12-31", 2025)])
def test_asking_for_the_earlier_year(day: str, year: int) -> None:
    result = ask(day, insurance_year=year)
    assert result.policy_year == year
    assert [o.year for o in result.other_insurance_years] == [2026]
    assert result.deadline is not None and result.deadline.window_id == "after_collection"


@pytest.mark.parametrize(
    ("day", "year"),
    [("2025-10-15", 2024), ("2025-10-15", 2027), ("2025-09-22", 2026), ("2026-01-01", 2025)],
)
def test_a_year_not_on_file_or_not_payable_that_day_is_refused(day: str, year: int) -> None:
    with pytest.raises(InsuranceYearError) as err:
        ask(day, insurance_year=year)
    assert [p[0] for p in err.value.periods] == [2025, 2026]


def test_newborn_within_limit_pays_for_the_birth_year() -> None:
    """A child born 2025-11-01 paying 2025-11-20: the fee of the birth year (四、4 within 90
    days), with 2026 offered beside it."""
    result = ask("2025-11-20", identities=frozenset({"newborn"}), birth_date=date(2025, 11, 1))
    assert result.policy_year == 2025
    assert [o.year for o in result.other_insurance_years] == [2026]


def test_every_answer_names_its_year_and_questions_come_from_it() -> None:
    for day in ("2025-09-23", "2025-10-15", "2025-12-31"):
        result = ask(day)
        assert result.policy_year is not None
        assert result.document == "昌图县政府办通知（2025年10月18日）"


# -- the coming year's notice not on file ---------------------------------------------------


def test_wulateqianqi_2024_10_01_says_2025_has_probably_opened() -> None:
    """乌拉特前旗 三 "实行年预缴费制度", 2024 collection from 2023-09-01: on 2024-10-01 a
    payment is most likely for 2025, which is not on file."""
    result = quote(QuoteRequest(region="wulateqianqi", payment_date=date(2024, 10, 1)))
    assert result.policy_year == 2024
    note = next(n for n in result.notes if n.code == "next_year_not_on_file")
    assert note.params["next_year"] == "2025"
    assert any(s.clause_label == "三" for s in note.sources)


@pytest.mark.parametrize(
    ("region", "day", "said"),
    [
        ("changtu", "2025-09-22", False),
        ("changtu", "2025-09-23", True),
        ("fengdu-lizi", "2025-09-20", True),
        ("kezuohouqi", "2025-03-01", False),
        ("wulateqianqi", "2024-08-31", False),
    ],
)
def test_coming_year_note_only_after_the_collection_anniversary(
    region: str, day: str, said: bool
) -> None:
    result = quote(QuoteRequest(region=region, payment_date=date.fromisoformat(day), tier=1))
    assert ("next_year_not_on_file" in {n.code for n in result.notes}) == said


def test_no_coming_year_note_when_next_year_is_on_file() -> None:
    assert "next_year_not_on_file" not in {n.code for n in ask("2025-10-15").notes}
    assert "next_year_not_on_file" not in {
        n.code for n in ask("2025-10-15", insurance_year=2025).notes
    }


def test_national_rule_years_come_from_the_data() -> None:
    """No insurance year in Python: the lapse uncertainty follows national.yaml's
    waiting_rules_from (国办发〔2024〕38号 "自2025年起")."""
    national = load_catalog().national
    assert national.waiting_rules_from.year == 2025
    engine = (Path(__file__).parents[2] / "policies" / "engine.py").read_text("utf-8")
    assert "2025" not in engine.replace("2025-", "")


# -- the command line -----------------------------------------------------------------------


@pytest.fixture
def two_years(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("policies.catalog.load_catalog", two_year_catalog)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["quote", "--region", "昌图", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.usefixtures("two_years")
def test_cli_json_other_insurance_years(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--date", "2025-10-15", "--format", "json")
    value = json.loads(out)
    assert code == 0 and value["policy_year"] == 2026
    (other,) = value["other_insurance_years"]
    assert other["year"] == 2025 and other["buys_cover"] is False
    assert other["coverage_start"] is None and other["coverage_end"] == "2025-12-31"


@pytest.mark.usefixtures("two_years")
def test_cli_insurance_year_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--date", "2025-10-15", "--insurance-year", "2025", "--format", "json"
    )
    assert code == 0 and json.loads(out)["policy_year"] == 2025


@pytest.mark.usefixtures("two_years")
@pytest.mark.parametrize("year", ["2024", "2026"])
def test_cli_bad_insurance_year_exits_2_naming_the_years(
    capsys: pytest.CaptureFixture[str], year: str
) -> None:
    day = "2025-09-01"  # 2026 takes no payment yet
    code, out, err = run(capsys, "--date", day, "--insurance-year", year, "--lang", "en")
    assert code == 2 and out == ""
    assert "2025: 23 Sept 2024 – 31 Dec 2025" in err or "2025: " in err
    assert "2026:" in err and year in err


def test_cli_malformed_insurance_year_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["quote", "--region", "昌图", "--date", "2025-01-01", "--insurance-year", "25"])
    assert exit_.value.code == 2
