"""`yibao quote --format json`: the fields issue 9 added to the contract (README "yibao quote")."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.cli import main


def quote_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code = main(["quote", *argv, "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0, out
    value: dict[str, Any] = json.loads(out)
    return value


def test_national_figure_is_marked_as_national(capsys: pytest.CaptureFixture[str]) -> None:
    """双清区 三(三): the 2025 fiscal subsidy "按照国家规定执行" → 1,100, basis national."""
    value = quote_json(capsys, "--region", "双清区", "--date", "2025-03-01")
    assert value["status"] == "ok"
    assert value["amount_due_cny"] == 1100
    assert value["amount_basis"] == "national"
    assert value["amount_due_lower_bound_cny"] is None
    assert value["breakdown"]["fiscal_subsidy_cny"] == 700
    assert any(s["national"] for s in value["breakdown"]["fiscal_sources"])


def test_lower_bound_where_only_the_national_minimum_is_known(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """丰都 六 July–September "全额缴费": at least 400 + 700."""
    value = quote_json(capsys, "--region", "丰都", "--date", "2025-07-15", "--tier", "1")
    assert value["status"] == "undetermined"
    assert value["amount_due_cny"] is None
    assert value["amount_due_lower_bound_cny"] == 1100
    assert value["amount_basis"] == "national"
    assert value["breakdown"]["lower_bound_cny"] == 1100


def test_county_figure_is_marked_county(capsys: pytest.CaptureFixture[str]) -> None:
    value = quote_json(capsys, "--region", "昌图", "--date", "2024-10-01")
    assert value["amount_basis"] == "county"
    assert value["total_due_cny"] == value["amount_due_cny"] == 400
    assert value["breakdown"]["back_payment"] is None


def test_back_payment_parts_and_total(capsys: pytest.CaptureFixture[str]) -> None:
    """科左后旗 五(二): 5 years lapsed, 4 back-paid → 400 + 4 × 400."""
    value = quote_json(
        capsys,
        "--region", "科左后旗", "--date", "2025-03-10",
        "--lapsed-years", "5", "--repaid-years", "4",
    )  # fmt: skip
    back = value["breakdown"]["back_payment"]
    assert (back["years"], back["per_year_cny"], back["amount_cny"]) == (4, 400, 1600)
    assert back["confidence"] == "medium"
    assert value["amount_due_cny"] == 400
    assert value["total_due_cny"] == 2000


def test_a_reading_is_not_a_quote(capsys: pytest.CaptureFixture[str]) -> None:
    value = quote_json(capsys, "--region", "昌图", "--date", "2025-03-10", "--lapsed-years", "3")
    readings = [s for s in value["sources"] if s["reading"] is not None]
    assert readings and all(s["quote"] == "" and s["national"] for s in readings)
    assert {"zh_Hans", "zh_Hant", "en"} <= readings[0]["reading"].keys()


def test_contacts_stay_complete_and_say_which_the_answer_concerns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """昌图 七 prints six phones: all stay in `contacts` (plus 12393), each with what the
    notice has the office do (五, 四、3) and whether this answer lists it."""
    value = quote_json(
        capsys, "--region", "昌图", "--identity", "低保边缘", "--date", "2025-03-10"
    )
    contacts = value["contacts"]
    assert [c["detail"] for c in contacts] == [
        "75823186", "79590058", "75335522", "75813852", "75816616", "75853583", "12393"
    ]
    concerned = [c["detail"] for c in contacts if c["concerns_this_answer"]]
    assert concerned == ["75823186", "79590058", "75813852", "12393"]
    civil = contacts[3]
    verify = civil["concerns"][0]
    assert verify["topic"] == "identity_verification"
    assert "dibao_edge" in verify["identities"]
    assert verify["sources"][0]["clause_label"] == "五、6"
    assert "低保边缘家庭成员等贫困人口身份认定" in verify["sources"][0]["quote"]
    assert civil["sources"][0]["clause_label"] == "七"  # the phone's own line stays cited
