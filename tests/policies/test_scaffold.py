"""`policies.scaffold` and `policies.drafts`: a draft started from a notice, what the check
says it lacks, and that no answer comes from it until it is complete.

The second-year notice is the shipped 昌图 2025 notice with every year shifted by one, made in
a temporary directory (test data only, never shipped)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli.policies import draft_words
from policies.catalog import DATA_DIR, DOCUMENTS_DIR, is_draft, read_catalog
from policies.checks import check_catalog, run_checks, squash
from policies.drafts import draft_problems
from policies.engine import quote
from policies.notice_text import read_notice
from policies.problems import Problem
from policies.result import QuoteRequest
from policies.scaffold import PLACEHOLDER, ScaffoldError, build, find_again, write

YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
# The words `yibao policies new --lang en` gives the draft (tests/bot/test_cli_draft_language.py
# reads them in every language).
ENGLISH = draft_words("en")


def shift_years(text: str) -> str:
    return YEAR.sub(lambda m: str(int(m.group(1)) + 1), text)


class Tree:
    """A copy of policies/data and policies/documents (without worked cases) to write into."""

    def __init__(self, root: Path) -> None:
        self.data = root / "data"
        self.documents = root / "documents"
        shutil.copytree(DATA_DIR, self.data, ignore=shutil.ignore_patterns("*.cases.yaml"))
        shutil.copytree(DOCUMENTS_DIR, self.documents)
        # Only 昌图 2025 on file for 昌图, whatever else ships later: the draft starts from it.
        for path in (self.data / "changtu").glob("*.yaml"):
            if path.name != "2025.yaml":
                path.unlink()
        (self.documents / "changtu-2026.txt").unlink(missing_ok=True)
        self.notice = root / "incoming" / "changtu-2026.txt"
        self.notice.parent.mkdir()
        shifted = shift_years((DOCUMENTS_DIR / "changtu-2025.txt").read_text("utf-8"))
        self.notice.write_text(shifted, "utf-8")

    def start_changtu_2026(self) -> Path:
        draft = build(
            "changtu", 2026, self.notice, self.data, self.documents,
            self.data / "changtu" / "2025.yaml",
        )
        write(draft, ENGLISH)
        return draft.data_path

    def problems(self) -> list[Problem]:
        return run_checks(self.data, self.documents)


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return Tree(tmp_path)


def load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(doc, dict)
    return doc


def save(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")


def fill_in_as_a_volunteer(doc: Any) -> Any:
    """Type each TODO from the shifted notice: its dates are last year's plus one year, its
    amounts unchanged (that is how the notice was made)."""
    if isinstance(doc, dict):
        return {k: fill_in_as_a_volunteer(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [fill_in_as_a_volunteer(v) for v in doc]
    if isinstance(doc, str) and doc.startswith(PLACEHOLDER):
        found = re.search(r"last year (\d{4})-(\d\d)-(\d\d)", doc)
        if found:
            return date(int(found.group(1)) + 1, int(found.group(2)), int(found.group(3)))
        found = re.search(r"last year (\d+)", doc)
        if found:
            return int(found.group(1))
        if "how answers name the document" in doc:
            return "昌图县政府办通知（2025年10月18日）"
    return doc


def test_a_new_region_gets_every_clause_and_the_header_fields(tree: Tree) -> None:
    notice = tree.notice.parent / "wulateqianqi.txt"
    shutil.copy(DOCUMENTS_DIR / "wulateqianqi-2024.txt", notice)
    draft = build("newregion", 2024, notice, tree.data, tree.documents, None)
    write(draft, ENGLISH)
    doc = load(draft.data_path)
    assert is_draft(draft.data_path)
    assert doc["document"]["number"] == "乌政办发〔2023〕81号"
    assert doc["document"]["date"] == date(2023, 9, 26)
    assert doc["document"]["issuer"] == "乌拉特前旗人民政府办公室"
    assert doc["region"]["name"] == "乌拉特前旗"
    labels = [c["label"] for c in doc["clauses"]]
    assert labels[:3] == ["一(一)", "一(二)", "一(三)"]  # 一 is a bare title: not quoted
    assert {"二(二)4", "二(二)注", "三", "五 注"} <= set(labels)
    text = squash(notice.read_text("utf-8"))
    assert all(squash(c["quote"]) in text for c in doc["clauses"])
    assert (tree.documents / "newregion-2024.txt").read_text("utf-8") == notice.read_text("utf-8")


def test_check_names_what_a_new_region_lacks(tree: Tree) -> None:
    notice = tree.notice.parent / "wulateqianqi.txt"
    shutil.copy(DOCUMENTS_DIR / "wulateqianqi-2024.txt", notice)
    write(build("newregion", 2024, notice, tree.data, tree.documents, None), ENGLISH)
    problems = [p for p in tree.problems() if p.file.endswith("newregion/2024.yaml")]
    todo = [p.field for p in problems if p.code == "draft_todo"]
    for field in (
        "standards[0].amount",
        "standards[0].clause",
        "windows[0].start",
        "windows[0].end",
        "windows[0].clauses[0]",
        "combination.rule",
        "region.admin_code",
    ):
        assert field in todo, f"{field} not named in {problems}"
    uncited = {(p.field, p.context["label"]) for p in problems if p.code == "clause_never_cited"}
    assert {("clauses[c2_1]", "二(一)"), ("clauses[c2_2_4]", "二(二)4")} <= uncited, problems
    assert any(field == "clauses[c6_1]" for field, _ in uncited)
    # The complete files are still checked as strictly as before, and still clean.
    assert [p for p in tree.problems() if "newregion" not in p.file] == []


def test_an_existing_region_keeps_its_clause_ids_with_the_new_wording(tree: Tree) -> None:
    path = tree.start_changtu_2026()
    doc = load(path)
    old = {c["id"]: c for c in load(tree.data / "changtu" / "2025.yaml")["clauses"]}
    new = {c["id"]: c for c in doc["clauses"]}
    assert set(new) == set(old)
    # 一、1 as the shifted notice prints it, whitespace as printed.
    assert new["c1_1"]["quote"] == (
        "2026 年度城乡居民基本医疗保险集中缴费期为 2025 年 9 月 23 日至 2026 年 2 月 28 日。"
    )
    for ident, clause in new.items():
        assert squash(clause["quote"]) == squash(shift_years(old[ident]["quote"])), ident
    reviewed = {r["field"]: r["why"] for r in doc["draft"]["review"]}
    assert "2024 → 2025" in reviewed["clauses[0] (c1_1, 一、1)"]
    assert "clauses[7] (c3_channels, 三)" not in reviewed  # unchanged wording: nothing to say
    assert {"standards", "subsidies", "windows", "waiting", "contacts"} <= set(reviewed)
    assert doc["insurance_year"] == 2026
    assert doc["document"]["title"] == (
        "昌图县人民政府办公室关于做好2026年度城乡居民基本医疗保险个人缴费工作的通知"
    )
    assert doc["document"]["date"] == date(2025, 10, 18)
    assert doc["document"]["text_file"] == "changtu-2026.txt"


def test_every_date_and_amount_is_left_to_type_again(tree: Tree) -> None:
    doc = load(tree.start_changtu_2026())
    assert doc["standards"][0]["amount"].startswith(PLACEHOLDER)
    assert "last year 400" in doc["standards"][0]["amount"]
    assert "二" in doc["standards"][0]["amount"]  # the clause's label, to find it in the notice
    for window in doc["windows"]:
        assert window["start"].startswith(PLACEHOLDER) and window["end"].startswith(PLACEHOLDER)
    percents = [s["percent"] for s in doc["subsidies"] if "percent" in s]
    assert percents and all(p.startswith(PLACEHOLDER) for p in percents)
    assert doc["coverage_start"].startswith(PLACEHOLDER)


def test_check_names_each_placeholder_and_review_entry(tree: Tree) -> None:
    path = tree.start_changtu_2026()
    problems = [p for p in tree.problems() if p.file.endswith("changtu/2026.yaml")]
    assert any(
        (p.field, p.code) == ("windows[0].start", "draft_todo")
        and p.context["hint"] == "last year 2024-09-23; the date the new notice gives "
        "(clause c1_1 一、1, c1_2 一、2)"
        for p in problems
    ), problems
    assert any(
        (p.field, p.code) == ("standards", "draft_review")
        and p.context["why"].startswith("copied from changtu/2025.yaml")
        for p in problems
    ), problems
    assert not any(p.code == "quote_not_verbatim" for p in problems)
    assert is_draft(path)


def test_a_filled_in_draft_is_checked_like_a_complete_file(tree: Tree) -> None:
    path = tree.start_changtu_2026()
    doc = fill_in_as_a_volunteer(load(path))
    doc["draft"]["review"] = []
    save(path, doc)
    problems = [p for p in tree.problems() if p.file.endswith("changtu/2026.yaml")]
    assert [(p.field, p.code) for p in problems] == [("draft", "draft_complete")], problems
    # A real mistake in a draft that passes the schema: the semantic checks see it.
    doc["windows"][1]["start"] = date(2026, 3, 5)
    save(path, doc)
    assert any(
        p.code == "windows_gap"
        and p.context == {"before": "collection", "after": "after_collection"}
        for p in tree.problems()
    )


def test_a_draft_never_reaches_an_answer(tree: Tree) -> None:
    path = tree.start_changtu_2026()
    doc = fill_in_as_a_volunteer(load(path))
    doc["draft"]["review"] = []
    save(path, doc)  # complete in every respect but the draft block
    request = QuoteRequest(region="changtu", payment_date=date(2026, 3, 10))
    catalog = read_catalog(tree.data)
    assert [p.data.insurance_year for p in catalog.policies_for("changtu")] == [2025]
    assert quote(request, catalog).status == "no_policy"
    del doc["draft"]
    save(path, doc)
    catalog = read_catalog(tree.data)
    assert check_catalog(catalog, tree.documents) == []
    answer = quote(request, catalog)
    assert answer.policy_year == 2026
    assert answer.coverage is not None and answer.coverage.start > date(2026, 3, 10)  # 一、3


def test_a_draft_with_broken_yaml_values_does_not_break_the_catalog(tree: Tree) -> None:
    path = tree.start_changtu_2026()
    doc = load(path)
    doc["standards"] = []
    doc["windows"][0]["clauses"] = ["c9_9"]
    doc["clauses"][0]["quote"] = "集中缴费期为全年。"
    save(path, doc)
    read_catalog(tree.data)  # the draft's problems are not the catalog's
    problems = draft_problems(path, tree.documents, None)
    named = {(p.field, p.code, p.params) for p in problems}
    assert ("standards", "draft_missing", ()) in named, problems
    assert ("windows[0].clauses", "unknown_clause", (("ref", "c9_9"),)) in named, problems
    assert (
        "clauses[c1_1].quote", "quote_not_verbatim", (("text_file", "changtu-2026.txt"),)
    ) in named, problems


def test_refuses_to_overwrite(tree: Tree) -> None:
    path = tree.start_changtu_2026()
    before = path.read_text("utf-8")
    with pytest.raises(ScaffoldError) as info:
        tree.start_changtu_2026()
    assert info.value.kind == "data_exists"
    assert path.read_text("utf-8") == before
    path.unlink()
    (tree.documents / "changtu-2026.txt").write_text("另一份通知", "utf-8")
    with pytest.raises(ScaffoldError) as info:
        tree.start_changtu_2026()
    assert info.value.kind == "text_exists"
    assert not path.exists()


def test_a_text_without_clauses_is_refused(tree: Tree) -> None:
    notice = tree.notice.parent / "empty.txt"
    notice.write_text("这不是一份通知。\n只有两行。", "utf-8")
    with pytest.raises(ScaffoldError) as info:
        build("newregion", 2026, notice, tree.data, tree.documents, None)
    assert info.value.kind == "no_clauses"


def test_find_again_takes_changed_numbers_whole() -> None:
    scope = "个人缴费标准为每人每年 420 元。具有多种身份的人员，按照最高标准资助。"
    found = find_again("个人缴费标准为每人每年 400 元。", scope)
    assert found is not None
    assert found[0] == "个人缴费标准为每人每年 420 元。"
    assert find_again("新生儿出生 90 天内办理参保登记。", scope) is None


def test_shifted_notice_is_read_like_the_original() -> None:
    original = read_notice((DOCUMENTS_DIR / "changtu-2025.txt").read_text("utf-8"))
    shifted = read_notice(shift_years((DOCUMENTS_DIR / "changtu-2025.txt").read_text("utf-8")))
    assert [c.label for c in shifted.clauses] == [c.label for c in original.clauses]
    assert shifted.date == date(2025, 10, 18)


def test_a_clause_new_this_year_is_added_and_must_be_cited(tree: Tree) -> None:
    text = tree.notice.read_text("utf-8")
    added = "5. 2026 年起，大学生参保缴费标准为每人每年 380 元。"
    text = text.replace("## 五、职责分工", f"{added}\n\n## 五、职责分工")
    tree.notice.write_text(text, "utf-8")
    doc = load(tree.start_changtu_2026())
    fresh = [c for c in doc["clauses"] if c["label"] == "四、5"]
    assert [c["quote"] for c in fresh] == [added.removeprefix("5. ")]
    # 五 and 六 are unchanged but for the years: of them, last year's file keeps only the
    # duties behind its contacts (五、2, 3, 5, 6, 8) and left the rest out on purpose.
    kept = sorted(c["label"] for c in doc["clauses"] if c["label"].startswith(("五", "六")))
    assert kept == ["五、2", "五、3", "五、5", "五、6", "五、8"]
    problems = tree.problems()
    assert any(
        (p.field, p.code, p.context) == ("clauses[c4_5]", "clause_never_cited", {"label": "四、5"})
        for p in problems
    ), problems


def test_only_a_top_level_draft_key_makes_a_draft(tmp_path: Path) -> None:
    path = tmp_path / "2026.yaml"
    path.write_text("schema_version: 1\nnotes:\n  - id: x\n    draft: 1\n", "utf-8")
    assert not is_draft(path)
    path.write_text("# started\ndraft:\n  review: []\nschema_version: 1\n", "utf-8")
    assert is_draft(path)
