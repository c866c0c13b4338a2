"""`yibao policies check`'s problem lines follow `--lang` (issue 10, item 5), as the rest of
`yibao` does (tests/bot/test_cli_language.py).

Three copies of the real data, each with one broken thing per field, produce every problem
code of `policies.problems` at least once: a copy the schema rejects (pydantic's errors and
our validators', a file YAML cannot parse), a copy that passes the schema but not the semantic
checks, and drafts in both. Each line must still start with the file and the field as the YAML
spells them; after them, Chinese has no English word outside the codes the YAML holds (ids,
dates, file names: the problem's own parameters) and the file's own text in “…”, and zh_Hant
no Simplified-only character and none of the mainland words a Taiwan reader would not write.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from policies.catalog import DATA_DIR
from policies.checks import run_checks
from policies.problems import CODES, Problem
from tests.bot.test_cli_language import english_words, mainland_words, run
from tests.dialogs.test_scripts import _simplified, _unquoted
from tests.policies.test_catalog_checks import DataCopy

Doc = dict[str, Any]
LANGS = ("zh_Hans", "zh_Hant", "en")


class Tree(DataCopy):
    """A copy of policies/ to break (tests/policies' DataCopy), with drafts and pristine files."""

    def drafts(self) -> None:
        """A draft with a TODO, a review entry and a clause never cited; one lacking its
        standards and windows; one with nothing left but the `draft:` block; one not a
        mapping."""
        kezuo = self.pristine("kezuohouqi/2025.yaml")
        kezuo["document"]["title"] = "TODO: 通知标题"
        kezuo["clauses"].append({**kezuo["clauses"][0], "id": "c_spare", "label": "十"})
        review = [{"field": "standards", "why": "核对金额"}]
        self.write("kezuohouqi/2026.yaml", {"draft": {"review": review}, **kezuo})
        fengdu = self.pristine("fengdu-lizi/2025.yaml")
        del fengdu["standards"], fengdu["windows"]
        self.write("fengdu-lizi/2026.yaml", {"draft": {}, **fengdu})
        self.write("changtu/2026.yaml", {"draft": {}, **self.pristine("changtu/2025.yaml")})
        (self.data / "shuangqing" / "2026.yaml").write_text("[1,\ndraft: 2]\n", "utf-8")

    @staticmethod
    def pristine(relative: str) -> Doc:
        """A shipped file as the next insurance year's."""
        doc: Doc = yaml.safe_load((DATA_DIR / relative).read_text("utf-8"))
        doc["insurance_year"] += 1
        return doc

    def problems(self) -> list[Problem]:
        return run_checks(self.data, self.documents)


def schema_tree(root: Path) -> Tree:
    tree = Tree(root)

    def changtu(doc: Doc) -> None:
        doc["deadline_note"] = "typo"
        del doc["contacts"][0]["concerns"]
        doc["contacts"][1]["concerns"] = []
        doc["contacts"][2]["concerns"][0]["topic"] = "everything"
        doc["standards"][0]["clause"] = 5
        doc["windows"][0]["end"] = "2024-01-01"
        doc["region"]["admin_code_is_county"] = "maybe"
        doc["region"]["admin_code"] = "12345"
        doc["subsidies"][0]["kind"] = "fixed"
        doc["subsidies"][1]["kind"] = "percent"
        doc["subsidies"][2]["amount"] = 10
        doc["subsidies"][3]["kind"] = "gift"

    def kezuohouqi(doc: Doc) -> None:
        doc["standards"][0]["amount"] = "four hundred"
        doc["insurance_year"] = "twenty"
        doc["coverage_start"] = "2025-13-01"

    def fengdu(doc: Doc) -> None:
        doc["clauses"] = "none"
        doc["region"] = "fengdu"
        doc["fiscal_subsidy"] = {"amount": 10, "clause": "c1", "national": "follows"}
        doc["standards"][0]["amount"] = -1
        doc["subsidies"][0]["amount"] = float("inf")
        doc["schema_version"] = 2

    def national(doc: Doc) -> None:
        quoted = next(c for c in doc["clauses"] if "quote" in c)
        quoted["reading"] = {"zh_Hans": "解读", "zh_Hant": "解讀", "en": "reading"}

    def shuangqing(doc: Doc) -> None:
        doc["region"]["office_contact"] = "c9_nowhere"

    tree.edit("changtu/2025.yaml", changtu)
    tree.edit("shuangqing/2025.yaml", shuangqing)
    tree.edit("kezuohouqi/2025.yaml", kezuohouqi)
    tree.edit("fengdu-lizi/2025.yaml", fengdu)
    tree.edit("national.yaml", national)
    broken = tree.data / "wulateqianqi" / "2024.yaml"
    broken.write_text(broken.read_text("utf-8") + "\n  - : [\n", "utf-8")
    tree.drafts()
    return tree


def semantic_tree(root: Path) -> Tree:
    tree = Tree(root)
    # a second file for 昌图 2025, in a directory named after no region
    (tree.data / "elsewhere").mkdir()
    shutil.copy(DATA_DIR / "changtu" / "2025.yaml", tree.data / "elsewhere" / "2025.yaml")

    def changtu(doc: Doc) -> None:
        clause = next(c for c in doc["clauses"] if c["id"] == "c2_standard")
        clause["quote"] = clause["quote"].replace("400", "380")
        doc["waiting"]["repair_clause"] = "national:no_such_rule"
        doc["subsidies"][0]["identity"] = "martian"
        doc["standards"][0]["identities"] = ["dibao"]  # no general standard left

    def national(doc: Doc) -> None:
        quoted = next(c for c in doc["clauses"] if "quote" in c)
        quoted["quote"] += "不存在的话"

    def fengdu(doc: Doc) -> None:
        next(w for w in doc["windows"] if w["id"] == "mar_jun")["start"] = "2025-02-20"
        doc["tier_placements"][0]["tier"] = 9

    def kezuohouqi(doc: Doc) -> None:
        dibao = next(s for s in doc["subsidies"] if s["identity"] == "dibao")
        dibao["amount"] = 500
        doc["general_notes"] = ["no_such_note"]
        doc["clauses"].append(doc["clauses"][0])

    def shuangqing(doc: Doc) -> None:
        doc["subsidies"][0]["clause"] = "c9_9"
        next(w for w in doc["windows"] if w["id"] == "after_collection")["start"] = "2025-01-05"

    def wulateqianqi(doc: Doc) -> None:
        doc["windows"][-1]["end"] = "2024-12-20"
        doc["coverage_start"] = "2025-01-01"

    tree.edit("changtu/2025.yaml", changtu)
    tree.edit("national.yaml", national)
    tree.edit("fengdu-lizi/2025.yaml", fengdu)
    tree.edit("kezuohouqi/2025.yaml", kezuohouqi)
    tree.edit("shuangqing/2025.yaml", shuangqing)
    tree.edit("wulateqianqi/2024.yaml", wulateqianqi)
    (tree.documents / "shuangqing-2025.txt").unlink()
    tree.drafts()
    return tree


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> list[Tree]:
    return [
        schema_tree(tmp_path_factory.mktemp("schema")),
        semantic_tree(tmp_path_factory.mktemp("semantic")),
    ]


def test_the_broken_copies_produce_every_problem_code(trees: list[Tree]) -> None:
    produced = {p.code for tree in trees for p in tree.problems()}
    assert sorted(set(CODES) - produced) == []


def _allowed(problem: Problem) -> list[str]:
    """What a line may hold in ASCII besides codes: the problem's parameters (ids, dates,
    amounts, file names and the values allowed, as the YAML has them) and its field."""
    values = [v for _, v in problem.params]
    parts = [part for v in values for part in re.split(r", |:", v)]  # choices; national:x
    return [problem.field, *values, *parts]


def wrong_words(lang: str, where: str, text: str, allowed: list[str]) -> list[str]:
    """What is not in `lang` in one text the program wrote."""
    wrong = []
    if lang != "en":
        words = english_words(text, allowed)
        if words:
            wrong.append(f"{where}: English {words}: {text}")
        if not re.search(r"[\u4e00-\u9fff]", text):
            wrong.append(f"{where}: no Chinese: {text}")
    if lang == "zh_Hant" and _simplified(text):
        wrong.append(f"{where}: Simplified {_simplified(text)}: {text}")
    if lang == "zh_Hant" and mainland_words(text):
        wrong.append(f"{where}: mainland words {mainland_words(text)}: {text}")
    if lang == "en":
        unquoted = _unquoted(text)
        if re.search(r"[：，。；]", unquoted) or not re.search(r"[A-Za-z]{3,}", unquoted):
            wrong.append(f"{where}: not English: {text}")
    return wrong


def _check_lines(lang: str, lines: list[str], problems: list[Problem]) -> list[str]:
    assert len(lines) == len(problems), (lines, problems)
    wrong = []
    for line, problem in zip(lines, problems, strict=True):
        head = f"{problem.file}: {problem.field}: " if problem.field else f"{problem.file}: "
        assert line.startswith(head), (line, problem)
        said = line.removeprefix(head)
        assert said.strip(), line
        # (the head is the file and field, as the YAML spells them: nothing to check there)
        wrong += wrong_words(lang, problem.code, said, _allowed(problem))
    return wrong


@pytest.mark.parametrize("lang", LANGS)
def test_policies_check_problem_lines_follow_the_language(
    capsys: pytest.CaptureFixture[str], trees: list[Tree], lang: str
) -> None:
    wrong = []
    for tree in trees:
        argv = ["policies", "check", "--policies-dir", str(tree.root), "--lang", lang]
        code, out, err = run(capsys, argv)
        assert code == 1 and not err, (code, err)
        *lines, summary = out.splitlines()
        assert summary, out
        wrong += _check_lines(lang, lines, tree.problems())
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("lang", LANGS)
def test_policies_new_names_the_broken_data_in_the_language(
    capsys: pytest.CaptureFixture[str], trees: list[Tree], tmp_path: Path, lang: str
) -> None:
    notice = tmp_path / "n.txt"
    notice.write_text("一、通知\n", "utf-8")
    tree = trees[0]  # the schema's problems: `new` cannot read the data on file
    argv = ["policies", "new", "昌图", "2027", "--notice", str(notice)]
    code, out, err = run(capsys, [*argv, "--policies-dir", str(tree.root), "--lang", lang])
    assert code == 1 and not out, (code, out)
    from policies.catalog import DataError, read_catalog

    with pytest.raises(DataError) as info:
        read_catalog(tree.data)
    assert not _check_lines(lang, err.splitlines(), info.value.problems)


def test_a_problem_names_its_values_in_every_language(
    capsys: pytest.CaptureFixture[str], trees: list[Tree]
) -> None:
    """The figures and ids a problem is about are in its line, whatever the language."""
    for lang in LANGS:
        _, out, _ = run(
            capsys, ["policies", "check", "--policies-dir", str(trees[1].root), "--lang", lang]
        )
        exceeds = next(line for line in out.splitlines() if ".amount: " in line)
        assert "500" in exceeds and "400" in exceeds, (lang, exceeds)
        gap = next(line for line in out.splitlines() if "shuangqing/2025.yaml: windows:" in line)
        assert "collection" in gap and "after_collection" in gap, (lang, gap)


@pytest.mark.parametrize("lang", LANGS)
def test_a_folder_that_is_not_a_policies_folder_is_refused_plainly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str
) -> None:
    # an empty folder, and the common slip of naming policies/data itself
    (tmp_path / "empty").mkdir()
    shutil.copytree(DATA_DIR, tmp_path / "policies" / "data")
    for folder in (tmp_path / "empty", tmp_path / "policies" / "data", tmp_path / "absent"):
        for command in (["check"], ["new", "昌图", "2027", "--notice", str(tmp_path / "n.txt")]):
            argv = ["policies", *command, "--policies-dir", str(folder), "--lang", lang]
            code, out, err = run(capsys, argv)
            assert code == 2 and not out, (argv, code, out, err)
            [line] = err.strip().splitlines()
            assert str(folder) in line and "Traceback" not in line
            assert "identities.yaml" in line  # what the folder lacks
            if lang != "en":
                assert not english_words(line, argv), line
            if lang == "zh_Hant":
                assert not _simplified(line.replace(str(folder), "")), line
