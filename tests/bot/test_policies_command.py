"""`yibao policies new` and `yibao policies check` as a volunteer runs them, in a temporary
copy of policies/ (`--policies-dir`), on the 昌图 notice with every year shifted by one."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from policies.catalog import DATA_DIR, DOCUMENTS_DIR


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(DATA_DIR, tmp_path / "policies" / "data",
                    ignore=shutil.ignore_patterns("*.cases.yaml"))
    shutil.copytree(DOCUMENTS_DIR, tmp_path / "policies" / "documents")
    for path in (tmp_path / "policies" / "data" / "changtu").glob("*.yaml"):
        if path.name != "2025.yaml":
            path.unlink()  # only 昌图 2025 on file for 昌图, whatever ships later
    (tmp_path / "policies" / "documents" / "changtu-2026.txt").unlink(missing_ok=True)
    text = (DOCUMENTS_DIR / "changtu-2025.txt").read_text("utf-8")
    shifted = re.sub(r"(?<!\d)(20\d\d)(?!\d)", lambda m: str(int(m.group(1)) + 1), text)
    (tmp_path / "notice.txt").write_text(shifted, "utf-8")
    return tmp_path


def new(root: Path, *args: str) -> int:
    return main(["policies", "new", *args, "--policies-dir", str(root / "policies")])


def check(root: Path) -> int:
    return main(["policies", "check", "--policies-dir", str(root / "policies")])


def test_new_creates_the_draft_and_refuses_to_overwrite_it(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(root) == 0
    assert capsys.readouterr().out.startswith("检查通过：")
    assert new(root, "昌图", "2026", "--notice", str(root / "notice.txt")) == 0
    out = capsys.readouterr().out
    draft = root / "policies" / "data" / "changtu" / "2026.yaml"
    assert str(draft) in out and "草稿" in out and "26" in out  # clauses quoted
    assert "changtu/2025.yaml" in out  # the rules it started from
    assert draft.read_text("utf-8").count("TODO") >= 10
    text = root / "policies" / "documents" / "changtu-2026.txt"
    assert text.read_text("utf-8") == (root / "notice.txt").read_text("utf-8")
    before = draft.read_text("utf-8")
    assert new(root, "changtu", "2026", "--notice", str(root / "notice.txt")) == 2
    assert "已存在" in capsys.readouterr().err
    assert draft.read_text("utf-8") == before


def test_check_names_what_the_draft_lacks(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(root, "昌图", "2026", "--notice", str(root / "notice.txt")) == 0
    capsys.readouterr()
    assert check(root) == 1
    *lines, summary = capsys.readouterr().out.splitlines()
    assert summary.endswith(f"发现 {len(lines)} 个问题。")
    assert lines and all("policies/data/changtu/2026.yaml: " in line for line in lines)
    fields = {line.split(": ")[1] for line in lines}
    assert {"standards[0].amount", "windows[0].start", "coverage_start", "windows"} <= fields


def test_new_in_english(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(root, "昌图", "2026", "--notice", str(root / "notice.txt"), "--lang", "en") == 0
    assert "Started the draft" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["北京", "2026"], "无法识别的地区：北京"),
        (["昌图", "2026", "--notice", "missing.txt"], "找不到通知文件"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    root: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    notice = ["--notice", str(root / "notice.txt")] if "--notice" not in args else []
    argv = [str(root / a) if a.endswith(".txt") else a for a in args]
    assert new(root, *argv, *notice) == 2
    assert message in capsys.readouterr().err
    assert not (root / "policies" / "data" / "changtu" / "2026.yaml").exists()


def test_a_text_that_is_not_a_notice(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert new(root, "昌图", "2026", "--notice", str(root / "photo.txt")) == 2
    assert "UTF-8" in capsys.readouterr().err
    (root / "letter.txt").write_text("各位好：\n明天开会。", "utf-8")
    assert new(root, "昌图", "2026", "--notice", str(root / "letter.txt")) == 2
    assert "没有找到带编号的条款" in capsys.readouterr().err


@pytest.mark.parametrize("year", ["20x6", "1999", "2101"])
def test_a_bad_year_exits_2(root: Path, capsys: pytest.CaptureFixture[str], year: str) -> None:
    with pytest.raises(SystemExit) as info:
        new(root, "昌图", year, "--notice", str(root / "notice.txt"))
    assert info.value.code == 2
    assert "参数 年度：" in capsys.readouterr().err  # the positional, by its metavar


def test_a_new_region_by_its_slug(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(root, "tieling-test", "2026", "--notice", str(root / "notice.txt")) == 0
    capsys.readouterr()
    draft = root / "policies" / "data" / "tieling-test" / "2026.yaml"
    assert "slug: tieling-test" in draft.read_text("utf-8")
    assert check(root) == 1
    out = capsys.readouterr().out
    assert "tieling-test/2026.yaml: region.admin_code: 尚待填写：“" in out
