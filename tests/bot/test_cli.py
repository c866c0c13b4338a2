"""`yibao quote` and `yibao policies check`: the command-line contract other tools rely on.

main() runs in-process; stdout/stderr come from capsys.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from dialogs.rendering.script import to_traditional
from policies.catalog import load_catalog, policy_files
from policies.problems import problem
from policies.result import Status

CATALOG = load_catalog()
REGIONS = CATALOG.regions()
ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse errors and --help
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def quote_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = run(capsys, "quote", *argv, "--format", "json")
    assert code == 0, err
    value = json.loads(out)
    assert isinstance(value, dict)
    return value


def collection_day(slug: str) -> date:
    """A day inside the latest notice's collection window (the cheapest, plainest answer)."""
    data = CATALOG.latest(slug).data
    window = next(w for w in data.windows if w.kind == "collection" and not w.audience)
    return window.start + (window.end - window.start) / 2


def no_policy_day(slug: str) -> date:
    return max(p.data.coverage_end for p in CATALOG.policies_for(slug)) + timedelta(days=400)


# -- JSON contract ------------------------------------------------------------------------------

CONTRACT = {
    "status",
    "region",
    "policy_year",
    "amount_due_cny",
    "deadline",
    "coverage_start",
    "coverage_end",
    "waiting_period",
    "channels",
    "notes",
    "sources",
    "breakdown",
}


def _iso_or_none(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, str) and date.fromisoformat(value).isoformat() == value


@pytest.mark.parametrize("slug", REGIONS)
def test_json_contract_for_a_payable_answer(capsys: pytest.CaptureFixture[str], slug: str) -> None:
    day = collection_day(slug)
    value = quote_json(capsys, "--region", slug, "--date", day.isoformat())
    assert value.keys() >= CONTRACT
    assert value["region"] == slug
    assert value["status"] in {s.value for s in Status}
    assert isinstance(value["policy_year"], int)
    if value["status"] == "ok":
        amount = value["amount_due_cny"]
        assert isinstance(amount, (int, float)) and not isinstance(amount, bool)
        assert amount == value["breakdown"]["due_cny"]
        assert amount >= 0
    for key in ("deadline", "coverage_start", "coverage_end"):
        assert _iso_or_none(value[key]), key
    waiting = value["waiting_period"]
    assert {"kind", "months", "days", "variable_months", "repaired_months", "last_day"} <= set(
        waiting
    )
    assert _iso_or_none(waiting["last_day"])
    assert isinstance(value["channels"], list)
    for note in value["notes"]:
        assert {"code", "message", "sources"} <= note.keys()
        assert note["message"] and note["message"] != note["code"]
    for source in value["sources"]:
        assert {"document", "clause_label", "quote", "national"} <= source.keys()
    assert value["sources"], "an answer with an amount cites its clauses"


def test_json_amount_for_a_subsidised_identity(capsys: pytest.CaptureFixture[str]) -> None:
    """昌图县 notice 二: 400元 standard, 低保边缘家庭成员 60% subsidy: 160元 due."""
    if "changtu" not in REGIONS:
        pytest.skip("昌图县 data not on file")
    value = quote_json(
        capsys, "--region", "昌图", "--identity", "低保边缘户", "--date", "2025-01-15"
    )
    assert value["status"] == "ok"
    assert value["amount_due_cny"] == 160
    assert value["breakdown"]["standard_cny"] == 400
    assert [s["amount_cny"] for s in value["breakdown"]["subsidies"]] == [240]
    assert value["deadline"] == "2025-02-28"
    assert value["coverage_start"] == "2025-01-01"
    assert value["coverage_end"] == "2025-12-31"
    assert value["waiting_period"]["kind"] == "none"
    assert [i["code"] for i in value["identities"]] == ["dibao_edge"]


@pytest.mark.parametrize("slug", REGIONS)
def test_no_policy_is_an_answer(capsys: pytest.CaptureFixture[str], slug: str) -> None:
    value = quote_json(capsys, "--region", slug, "--date", no_policy_day(slug).isoformat())
    assert value["status"] == "no_policy"
    assert value["amount_due_cny"] is None
    assert value["deadline"] is None and value["coverage_start"] is None
    code, out, _ = run(capsys, "quote", "--region", slug, "--date", no_policy_day(slug).isoformat())
    assert code == 0
    assert CATALOG.latest(slug).data.region.name in out


def test_note_messages_follow_lang(capsys: pytest.CaptureFixture[str]) -> None:
    slug = REGIONS[0]
    day = no_policy_day(slug).isoformat()
    zh = quote_json(capsys, "--region", slug, "--date", day, "--lang", "zh_Hans")
    en = quote_json(capsys, "--region", slug, "--date", day, "--lang", "en")
    assert [n["code"] for n in zh["notes"]] == [n["code"] for n in en["notes"]]
    assert zh["notes"][0]["message"] != en["notes"][0]["message"]
    assert "Notices on file" in en["notes"][0]["message"]


def test_tier_in_a_region_without_tiers_is_accepted_with_a_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    untiered = [s for s in REGIONS if not CATALOG.latest(s).data.tiers]
    if not untiered:
        pytest.skip("every region has tiers")
    slug = untiered[0]
    value = quote_json(
        capsys, "--region", slug, "--date", collection_day(slug).isoformat(), "--tier", "2"
    )
    assert "tier_not_applicable" in [n["code"] for n in value["notes"]]
    assert value["tier"] is None


def test_tier_where_the_region_has_tiers(capsys: pytest.CaptureFixture[str]) -> None:
    tiered = [s for s in REGIONS if CATALOG.latest(s).data.tiers]
    if not tiered:
        pytest.skip("no region has tiers")
    slug = tiered[0]
    day = collection_day(slug).isoformat()
    one = quote_json(capsys, "--region", slug, "--date", day, "--tier", "1")
    two = quote_json(capsys, "--region", slug, "--date", day, "--tier", "2")
    assert (one["tier"], two["tier"]) == (1, 2)
    assert one["breakdown"]["standard_cny"] < two["breakdown"]["standard_cny"]


# -- text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "en"])
@pytest.mark.parametrize("slug", REGIONS)
def test_text_stands_alone(capsys: pytest.CaptureFixture[str], slug: str, lang: str) -> None:
    code, out, _ = run(
        capsys,
        "quote",
        "--region",
        slug,
        "--date",
        collection_day(slug).isoformat(),
        "--lang",
        lang,
    )
    assert code == 0
    data = CATALOG.latest(slug).data
    first = out.splitlines()[0]
    # zh_Hant prints the data's names in Traditional script (dialogs/rendering/script.py)
    script = to_traditional if lang == "zh_Hant" else str
    assert script(data.region.name) in first
    assert str(data.insurance_year) in first
    assert script(data.document.citation) in first
    assert "<b>" not in out and "</" not in out
    assert len(out) < 4096


def test_names_and_aliases_resolve(capsys: pytest.CaptureFixture[str]) -> None:
    for slug in REGIONS:
        region = CATALOG.latest(slug).data.region
        for name in (region.name, *region.short_names[:2], slug):
            value = quote_json(capsys, "--region", name, "--date", collection_day(slug).isoformat())
            assert value["region"] == slug, name
    slug = REGIONS[0]
    day = collection_day(slug).isoformat()
    for text in ("dibao", "低保户", "最低生活保障对象"):
        value = quote_json(capsys, "--region", slug, "--identity", text, "--date", day)
        assert "dibao" in [i["code"] for i in value["identities"]], text


# -- input we cannot take: exit 2 and say what is accepted -------------------------------------


def test_unknown_region_lists_the_regions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "quote", "--region", "火星县", "--date", "2025-03-01")
    assert code == 2
    assert out == ""
    assert "火星县" in err
    for slug in REGIONS:
        assert CATALOG.latest(slug).data.region.name in err
        assert slug in err
    # each accepted name once (the slug was listed twice: as pinyin and as the slug)
    for line in err.splitlines()[1:]:
        names = line.split(": ", 1)[-1].split(", ")
        assert len(names) == len(set(names)), line


def test_unknown_identity_lists_codes_with_labels(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "quote", "--region", REGIONS[0], "--identity", "宇航员", "--date", "2025-03-01"
    )
    assert code == 2
    assert "宇航员" in err
    for ident in CATALOG.identities.values():
        assert f"{ident.code}  {ident.zh}" in err


@pytest.mark.parametrize("bad", ["2025-3-1", "2025/03/01", "2025-02-30", "tomorrow", "20250301"])
def test_malformed_date_exits_2(capsys: pytest.CaptureFixture[str], bad: str) -> None:
    code, out, err = run(capsys, "quote", "--region", REGIONS[0], "--date", bad)
    assert code == 2
    assert out == ""
    assert "YYYY-MM-DD" in err


def test_birth_after_payment_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "quote",
        "--region",
        REGIONS[0],
        "--identity",
        "newborn",
        "--date",
        "2025-03-01",
        "--birth-date",
        "2025-04-01",
    )
    assert code == 2
    assert out == ""
    assert "出生日期晚于缴费日期" in err  # the engine's code, rendered in Chinese


@pytest.mark.parametrize("argv", [["--lapsed-years", "-1"], ["--tier", "3"], ["--lang", "fr"]])
def test_out_of_range_options_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, _ = run(capsys, "quote", "--region", REGIONS[0], "--date", "2025-03-01", *argv)
    assert code == 2


# -- policies check, help, python -m bot ----------------------------------------------------------


def test_policies_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "policies", "check", "--lang", "en")
    assert code == 0
    assert out.strip() == f"ok: {len(policy_files())} files"
    code, out, _ = run(capsys, "policies", "check")
    assert code == 0
    assert out.strip() == f"检查通过：共 {len(policy_files())} 个文件"


def test_policies_check_reports_problems(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    problems = [
        problem("policies/data/x/2025.yaml", "windows", "windows_gap", before="a", after="b"),
        problem("y.yaml", "clauses", "duplicate_clause_id", id="c1"),
    ]
    # the handler imports run_checks at call time, so patching the module is enough
    monkeypatch.setattr("policies.checks.run_checks", lambda *dirs: problems)
    code, out, _ = run(capsys, "policies", "check")
    assert code == 1
    *lines, summary = out.splitlines()
    assert lines == [
        "policies/data/x/2025.yaml: windows: "
        "缴费期 a 与 b 之间有空档：下一个缴费期应从上一个结束的次日开始",
        "y.yaml: clauses: 条款编号 c1 用了两次",
    ]
    assert summary == f"检查了 {len(policy_files())} 个文件，发现 2 个问题。"
    code, out, _ = run(capsys, "policies", "check", "--lang", "en")
    assert out.splitlines()[1] == "y.yaml: clauses: clause id c1 is used twice"


@pytest.mark.parametrize(
    "argv", [[], ["quote"], ["policies"], ["policies", "check"], ["policies", "new"]]
)
def test_help(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, _ = run(capsys, *argv, "--help", "--lang", "en")
    assert code == 0
    assert out.startswith("usage: yibao")
    code, out, _ = run(capsys, *argv, "--help")
    assert code == 0
    assert out.startswith("用法：yibao")


def test_quote_help_documents_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "quote", "--help")
    for option in (
        "--region",
        "--identity",
        "--date",
        "--birth-date",
        "--lapsed-years",
        "--repaid-years",
        "--tier",
        "--lang",
        "--format",
    ):
        assert option in out
    assert "{zh_Hans,zh_Hant,en}" in out and "{text,short,json}" in out


def test_python_dash_m_bot() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "quote",
            "--region",
            REGIONS[0],
            "--date",
            collection_day(REGIONS[0]).isoformat(),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["region"] == REGIONS[0]


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("zh_Hans", ["2025年1月1日至2025年12月31日（自年度首日起）",
                     "出生之日至2024年12月31日属于2024年度", "本服务未收录2024年度的通知",
                     "邵阳市双清区医疗保障局"]),
        ("zh_Hant", ["出生之日至2024年12月31日屬於2024年度", "本服務未收錄2024年度的通知"]),
        ("en", ["31 December 2024 belong to the 2024 insurance year", "no notice for 2024"]),
    ],
)
def test_a_newborn_born_before_the_year_hears_about_the_birth_year(
    capsys: pytest.CaptureFixture[str], lang: str, said: list[str]
) -> None:
    # 双政办发〔2024〕11号 三(四)3(1): cover from birth goes with the birth year's contribution;
    # the 2025 payment of a baby born on 2024-12-20 covers 2025 from its first day.
    code, out, _ = run(capsys, "quote", "--region", "双清", "--identity", "新生儿",
                       "--date", "2025-01-10", "--birth-date", "2024-12-20", "--lang", lang)
    assert code == 0
    for text in said:
        assert text in out, out
    assert "（自出生之日起）" not in out
