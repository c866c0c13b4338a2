"""The draft `yibao policies new` writes speaks the language of `--lang` (issue 10, item 5):
its TODO hints, its `draft.review` reasons, its header comment and `started:`, and so the lines
`yibao policies check` then prints about it, in zh_Hans, zh_Hant and en.

Three drafts per language, in a copy of the data: 昌图 2026 from the shipped 2025 notice with
every year shifted by one and a few changes (the rules copied from 2025, every date and amount
a TODO; a clause gone, one moved, one with many changes), a new region from the shipped 乌拉特前旗
notice (the skeleton's hints), and one from a bare list of clauses (no title, number or
issuer). Together they say every kind of text (`DRAFT_CODES`). Chinese may hold no English
word outside codes, the draft's own ids and what it quotes in “…”; zh_Hant no Simplified-only
character and no mainland word; English no Chinese punctuation outside quotes. Whatever the
language, every TODO shows last year's exact date or amount.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli.policies import draft_words
from policies.catalog import DOCUMENTS_DIR
from policies.checks import run_checks
from policies.drafts import walk
from policies.scaffold import DRAFT_CODES, PLACEHOLDER, Placeholder, build
from tests.bot.test_cli_language import run
from tests.bot.test_cli_policy_problems import _check_lines, wrong_words
from tests.policies.test_catalog_checks import DataCopy
from tests.policies.test_scaffold import shift_years

LANGS = ("zh_Hans", "zh_Hant", "en")
Loc = tuple[str | int, ...]


class Tree(DataCopy):
    """A copy of policies/ with only 昌图 2025 on file for 昌图, and three incoming notices."""

    def __init__(self, root: Path) -> None:
        super().__init__(root / "policies")
        for path in (self.data / "changtu").glob("*.yaml"):
            if path.name != "2025.yaml":
                path.unlink()
        (self.documents / "changtu-2026.txt").unlink(missing_ok=True)
        incoming = root / "incoming"
        incoming.mkdir()
        self.changtu_notice = incoming / "changtu-2026.txt"
        text = shift_years((DOCUMENTS_DIR / "changtu-2025.txt").read_text("utf-8"))
        waiting = "未在集中缴费期缴纳 2026 年度保费的，自缴费之日起设 90 天待遇等待期。"
        newborn = "新生儿出生 90 天内由监护人持新生儿户口簿到户口所在地的医保经办机构办理参保登记。"
        for old, new in (
            (f"3. {waiting}", "3. 另行通知。"),  # 一、3 moves into 二
            ("不得重复资助。", f"不得重复资助。{waiting}"),
            (newborn, "新生儿参保另行通知。"),  # 四、4 is gone
            ("2025 年 9 月 23 日至 2026 年 2 月 28 日", "2025 年 10 月 8 日至 2026 年 3 月 31 日"),
        ):
            assert old in text, old
            text = text.replace(old, new)
        self.changtu_notice.write_text(text, "utf-8")
        self.new_notice = incoming / "newregion.txt"
        self.new_notice.write_text(
            (DOCUMENTS_DIR / "wulateqianqi-2024.txt").read_text("utf-8"), "utf-8"
        )
        self.bare_notice = incoming / "bare.txt"
        self.bare_notice.write_text("一、缴费时间\n1. 集中缴费期为9月1日至12月31日。\n", "utf-8")

    STARTS = (
        ("昌图", "changtu", 2026, "changtu_notice"),
        ("newregion", "newregion", 2024, "new_notice"),
        ("bare", "bare", 2026, "bare_notice"),
    )

    def start(self, capsys: pytest.CaptureFixture[str], lang: str) -> list[Path]:
        for region, _, year, notice in self.STARTS:
            argv = ["policies", "new", region, str(year), "--notice", str(getattr(self, notice))]
            code, out, err = run(capsys, [*argv, "--policies-dir", str(self.root), "--lang", lang])
            assert code == 0 and not err, (argv, code, out, err)
        return [self.data / slug / f"{year}.yaml" for _, slug, year, _ in self.STARTS]


def _at(doc: Any, path: Loc) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def written_words(path: Path) -> list[tuple[str, str]]:
    """(where, text) of every word the program wrote for the editor into the draft: the
    header comment, `started:`, each review reason and each TODO's hint."""
    text = path.read_text("utf-8")
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line.removeprefix("#").strip())
    doc = yaml.safe_load(text)
    said = [("header", " ".join(header)), ("draft.started", doc["draft"]["started"])]
    said += [(f"review {r['field']}", r["why"]) for r in doc["draft"]["review"]]
    body = {k: v for k, v in doc.items() if k != "draft"}
    said += [
        (str(place), value.removeprefix(PLACEHOLDER).lstrip(" :"))
        for place, value in walk(body)
        if isinstance(value, str) and value.startswith(PLACEHOLDER)
    ]
    return said


def _ids(*paths: Path) -> list[str]:
    """What a hint may name in ASCII besides codes: the drafts' clause ids and their sources."""
    ids = ["changtu/2025.yaml"]
    for path in paths:
        doc = yaml.safe_load(path.read_text("utf-8"))
        ids += [str(c["id"]) for c in doc["clauses"]]
    return ids


def test_the_drafts_say_every_kind_of_text(tmp_path: Path) -> None:
    tree = Tree(tmp_path)
    said: set[str] = {"header", "started"}  # every file has them (Draft.yaml_text)
    variants: set[str] = set()
    worded = {lang: draft_words(lang) for lang in LANGS}
    for _, slug, year, notice in tree.STARTS:
        previous = tree.data / "changtu" / "2025.yaml" if slug == "changtu" else None
        draft = build(slug, year, getattr(tree, notice), tree.data, tree.documents, previous)
        texts = [r.why for r in draft.review]
        texts += [v.hint for _, v in walk(draft.body) if isinstance(v, Placeholder)]
        said |= {t.code for t in texts}
        for text in texts:  # a code the template has no sentence for comes out as the code
            assert all(worded[lang](text) != text.code for lang in LANGS), text
        variants |= {f"{t.code} {sorted(t.context)}" for t in texts}
    assert sorted(set(DRAFT_CODES) - said) == []
    for variant in (
        "citation []",
        "citation ['last_year']",
        "date ['last_year']",
        "date ['clauses', 'last_year']",
        "figure ['clauses', 'last_year']",
        "wording_changed ['changes', 'id']",
        "wording_changed ['changes', 'id', 'more']",
    ):
        assert variant in variants, sorted(variants)


@pytest.mark.parametrize("lang", LANGS)
def test_the_draft_speaks_the_language_asked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str
) -> None:
    tree = Tree(tmp_path)
    drafts = tree.start(capsys, lang)
    allowed = _ids(*drafts)
    wrong = []
    for path in drafts:
        said = written_words(path)
        assert len(said) > 10, said
        for where, text in said:
            wrong += wrong_words(lang, f"{path.parent.name}/{path.name} {where}", text, allowed)
    assert not wrong, "\n".join(wrong)


def _figure(value: Any) -> str | None:
    """A date or amount as last year's file has it (what its TODO must show), else None."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


@pytest.mark.parametrize("lang", LANGS)
def test_every_todo_shows_last_years_exact_figure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str
) -> None:
    tree = Tree(tmp_path)
    changtu, *_ = tree.start(capsys, lang)
    old = yaml.safe_load((tree.data / "changtu" / "2025.yaml").read_text("utf-8"))
    new = yaml.safe_load(changtu.read_text("utf-8"))
    copied = {k: v for k, v in old.items() if k not in ("document", "clauses", "valid_until")}
    checked = 0
    for place, value in walk(copied):
        figure = _figure(value)
        money = bool(place) and place[-1] in ("amount", "percent")
        if figure is None or not (money or isinstance(value, date)):
            continue
        hint = _at(new, place)
        assert isinstance(hint, str) and hint.startswith(f"{PLACEHOLDER}: "), (place, hint)
        # the hint's first figure, whole (400 is not 4000 nor 400.5), is last year's
        first = re.search(r"\d[\d.-]*\d|\d", hint)
        assert first is not None and first.group() == figure, (place, figure, hint)
        checked += 1
    assert checked >= 10, checked


@pytest.mark.parametrize("lang", LANGS)
def test_policies_check_on_the_drafts_speaks_the_language_asked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str
) -> None:
    tree = Tree(tmp_path)
    drafts = tree.start(capsys, lang)
    allowed = _ids(*drafts)
    argv = ["policies", "check", "--policies-dir", str(tree.root), "--lang", lang]
    code, out, err = run(capsys, argv)
    assert code == 1 and not err, (code, err)
    *lines, _ = out.splitlines()
    problems = run_checks(tree.data, tree.documents)
    wrong = _check_lines(lang, lines, problems)
    quoted = 0
    for line, problem in zip(lines, problems, strict=True):
        said = problem.context.get("hint") or problem.context.get("why")
        if problem.code not in ("draft_todo", "draft_review") or said is None:
            continue
        assert f"“{' '.join(said.split())}”" in line, (line, said)
        wrong += wrong_words(lang, f"{problem.file}: {problem.field}", said, allowed)
        quoted += 1
    assert quoted > 20, lines
    assert not wrong, "\n".join(wrong)
