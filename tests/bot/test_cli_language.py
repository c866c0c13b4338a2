"""Every word `yibao` prints follows the language asked (issue 10, item 5): help, argparse's own
usage errors, each command's errors and results, in zh_Hans, zh_Hant and en.

The walk runs every subcommand's --help, bad values for every option of the commands this
package owns (quote, link, policies, store, chat), the quote errors (unknown region and
identity, malformed dates, born after paying, a year not on file or not payable) and yibao
link with good and bad regions. Chinese output may hold no English word outside the codes a
reader types (option names, choices, URLs, paths, environment variables, region slugs and
identity codes); zh_Hant none of the Simplified-only characters outside the notices' quotes.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po

from bot.cli import build_parser, main
from bot.cli.argparse_messages import MESSAGES
from bot.cli.language import columns, parsers
from dialogs.rendering.script import outside_quotes
from tests.dialogs.test_scripts import _english, _simplified

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("zh_Hans", "zh_Hant", "en")
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Codes, not prose: choice lists and values, paths and file names, `code` spans, sqlite:/// and
# postgresql:// addresses, the product names a reader installs or looks for.
_CODES = re.compile(
    r"https?://\S+"
    r"|--[\w-]+"  # option names
    r"|\{[^}\s]*\}"  # {zh_Hans,zh_Hant,en}
    r"|`[^`]+`"
    r"|'[^'\s]*'"  # a value echoed back: 'fr', 'x'
    r"|\b(?:sqlite|postgresql)://\S*"
    r"|[\w.<>$~-]*/[\w./<>$…-]*"  # policies/data/<slug>/YEAR.yaml, data/, docs/adding-a-notice.md
    r"|[\w<>-]*\.(?:png|yaml|txt|md|sqlite3)\b"  # file names, also 文件.png
    r"|\b\w+(?:\.\w+)+\b"  # a module: bot.store.migrations
    r"|\bX-[\w-]+"  # HTTP headers: X-Forwarded-For
    r"|\b[a-z]+(?:_[a-z0-9]+)+\b"  # JSON keys: total_due_cny
    r"|\b(?:zh_Hans|zh_Hant|en|text|short|json)\b"
    # names with no Chinese of their own: products, protocols, keys, Telegram's API
    r"|\b(?:SQLite|PostgreSQL|BotFather|Bot API|JavaScript|https?|webhook|getMe|Ctrl)\b",
    re.ASCII,
)


# the commands' names, as typed: yibao quote, yibao policies check …
COMMANDS = frozenset(
    name
    for parser in parsers(build_parser())
    for action in parser._actions
    if isinstance(action, argparse._SubParsersAction)
    for name in action.choices
)


def english_words(text: str, argv: list[str]) -> list[str]:
    """English words in `text`, apart from codes and what the user typed (echoed back)."""
    text = _CODES.sub(" ", text)
    for typed in sorted(argv, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(typed)}(?![\w-])", " ", text)
    return [w for w in _english(text) if w not in COMMANDS]


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:  # --help and argparse's usage errors
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


HELP: list[list[str]] = [
    [],
    ["quote"],
    ["policies"],
    ["policies", "check"],
    ["policies", "new"],
    ["chat"],
    ["telegram"],
    ["link"],
    ["store"],
    ["store", "migrate"],
    ["store", "version"],
    ["web"],
]

QUOTE = ["quote", "--region", "昌图", "--date", "2025-03-10"]

# (argv, exit code) of input the commands cannot take.
BAD: list[tuple[list[str], int]] = [
    ([], 2),  # no command
    (["nope"], 2),  # invalid choice
    (["quote"], 2),  # the following arguments are required
    (["quote", "--region"], 2),  # expected one argument
    ([*QUOTE, "--colour", "red"], 2),  # unrecognized arguments
    ([*QUOTE, "--tier", "3"], 2),
    ([*QUOTE, "--tier", "x"], 2),
    ([*QUOTE, "--lapsed-years", "x"], 2),
    ([*QUOTE, "--lapsed-years", "99"], 2),
    ([*QUOTE, "--repaid-years", "-1"], 2),
    ([*QUOTE, "--insurance-year", "25"], 2),
    ([*QUOTE, "--insurance-year", "2031"], 2),  # not on file
    ([*QUOTE, "--format", "xml"], 2),
    (["quote", "--region", "北京朝阳区", "--date", "2025-03-10"], 2),
    ([*QUOTE, "--identity", "宇航员"], 2),
    (["quote", "--region", "昌图", "--date", "3月10日"], 2),
    ([*QUOTE, "--birth-date", "2025/01/01"], 2),
    ([*QUOTE, "--birth-date", "2025-04-01", "--identity", "newborn"], 2),
    (["quote", "--region", "昌图", "--date", "2026-01-05", "--insurance-year", "2025"], 2),
    (["link"], 2),
    (["link", "北京朝阳区", "--bot-username", "yibao_helpdesk_bot"], 2),
    (["link", "昌图", "--bot-username", "bad name!"], 2),
    (["link", "昌图", "--web-base", "foo"], 2),
    (["policies"], 2),
    (["policies", "new", "昌图", "20x6", "--notice", "n.txt"], 2),
    (["policies", "new", "北京", "2026", "--notice", "n.txt"], 2),
    (["policies", "new", "昌图", "2026", "--notice", "missing.txt"], 2),
    (["policies", "new", "昌图", "2026"], 2),
    (["store"], 2),
    (["store", "version", "--database-url", "mysql://x"], 2),
    (["chat", "--region", "火星县"], 2),
    (["chat", "--today", "tomorrow"], 2),
]


def outputs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str
) -> Iterator[tuple[list[str], str]]:
    """(argv, everything printed) for the whole walk in one language."""
    for argv in HELP:
        for placed in ([*argv, "--help", "--lang", lang], ["--lang", lang, *argv, "--help"]):
            code, out, err = run(capsys, placed)
            assert code == 0 and out and not err, (placed, code, err)
            yield placed, out
    for argv, expected in BAD:
        placed = ["--lang", lang, *argv]
        code, out, err = run(capsys, placed)
        assert code == expected, (placed, code, out, err)
        assert err.strip(), placed
        yield placed, out + err
    png = tmp_path / "changtu.png"
    for argv in (
        ["link", "昌图", "--bot-username", "yibao_helpdesk_bot", "--out", str(png)],
        ["link", "昌图", "--web-base", "https://yibao.example.cn", "--out", str(png)],
        ["store", "version", "--database-url", f"sqlite:///{tmp_path / 's.sqlite3'}"],
        ["store", "migrate", "--database-url", f"sqlite:///{tmp_path / 's.sqlite3'}"],
        ["policies", "check"],
    ):
        placed = [*argv, "--lang", lang]
        code, out, err = run(capsys, placed)
        assert code == 0, (placed, err)
        yield placed, out + err


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant"])
def test_no_english_in_chinese_command_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "n.txt").write_text("一、通知\n", "utf-8")
    problems = []
    for argv, text in outputs(capsys, tmp_path, lang):
        words = english_words(text, argv)
        if words:
            problems.append(f"{' '.join(argv)}: {sorted(set(words))}")
        assert CHINESE.search(text), (argv, text)
    assert not problems, "\n\n".join(problems)


def traditional_outputs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[list[str], str]]:
    """Every command's zh_Hant output (`outputs`), run in `tmp_path` with a notice file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "n.txt").write_text("一、通知\n", "utf-8")
    return outputs(capsys, tmp_path, "zh_Hant")


def test_no_simplified_in_traditional_command_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    problems = [
        f"{' '.join(argv)}: {''.join(_simplified(text))}\n{text[:400]}"
        for argv, text in traditional_outputs(capsys, tmp_path, monkeypatch)
        if _simplified(text)
    ]
    assert not problems, "\n\n".join(problems)


# Mainland words a Taiwan reader would not write, each with the word zh_Hant uses. (Not 文件:
# it is a document in Taiwan too, and the notices are 政策文件; a file is 檔案.)
MAINLAND_WORDS: Final = {
    "環境變量": "環境變數", "服務器": "伺服器", "數據庫": "資料庫", "數據": "資料", "默認": "預設",
    "設置": "設定", "信息": "訊息/資訊", "程序": "程式", "端口": "連接埠", "鏈接": "連結",
    "二維碼": "QR 碼", "用戶": "使用者", "運行": "執行", "消息": "訊息", "進程": "行程",
    "支持": "支援", "菜單": "選單", "字符": "字元", "加載": "載入", "文本": "文字",
    "粘貼": "貼上", "短信": "簡訊", "接口": "介面", "互聯網": "網際網路", "網絡": "網路",
    "軟件": "軟體", "屏幕": "螢幕", "文件夾": "資料夾", "保存": "儲存", "地址": "位址/網址",
    "斜槓": "斜線", "請求頭": "請求標頭", "協議": "協定",
}


def mainland_words(text: str) -> list[str]:
    """MAINLAND_WORDS in `text` outside verbatim quotes (a notice's words stay as printed)."""
    unquoted = "".join(piece for quoted, piece in outside_quotes(text) if not quoted)
    unquoted = unquoted.replace("用戶端", "")  # a client, in Taiwan too
    return [word for word in MAINLAND_WORDS if word in unquoted]


def test_traditional_command_output_uses_taiwan_words(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    problems = [
        f"{' '.join(argv)}: {[f'{w} → {MAINLAND_WORDS[w]}' for w in mainland_words(text)]}"
        for argv, text in traditional_outputs(capsys, tmp_path, monkeypatch)
        if mainland_words(text)
    ]
    assert not problems, "\n".join(problems)


def test_english_command_output_is_english(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """English readers get English words around the Chinese names the data prints."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "n.txt").write_text("一、通知\n", "utf-8")
    for argv, text in outputs(capsys, tmp_path, "en"):
        assert re.search(r"[A-Za-z]{2,}", text), (argv, text)
        # the Chinese catalog's words: its colon, "usage", "error", "argument", "option"
        assert not re.search("：|用法|错误|参数|选项", text), (argv, text)


def test_help_and_usage_errors_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, ["quote", "--help"])
    assert code == 0
    assert out.startswith("用法：yibao quote [-h] --region 地区")
    assert "显示此帮助信息并退出" in out
    code, _, err = run(capsys, [*QUOTE, "--tier", "3"])
    assert code == 2
    assert err.splitlines()[-1] == "yibao quote: 错误：参数 --tier：无效的选项：3（可选：1, 2）"
    code, _, err = run(capsys, ["quote", "--lang", "zh_Hant"])
    assert err.splitlines()[-1] == "yibao quote: 錯誤：缺少以下參數：--region, --date"


def test_the_default_language_is_zh_hans_and_english_is_asked_for(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, ["--help"])
    assert out.startswith("用法：yibao")
    _, out, _ = run(capsys, ["--help", "--lang", "en"])
    assert out.startswith("usage: yibao")
    _, out, _ = run(capsys, ["--lang=en", "quote", "--help"])
    assert out.startswith("usage: yibao quote")


def test_a_language_given_before_the_command_is_the_answers_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, ["--lang", "en", *QUOTE])
    assert code == 0 and "Amount due" in out
    code, out, _ = run(capsys, ["--lang", "en", *QUOTE, "--lang", "zh_Hant"])
    assert code == 0 and "應繳金額" in out


def test_argparse_is_left_as_it_was(capsys: pytest.CaptureFixture[str]) -> None:
    """Other parsers in the process (the web API's) keep argparse's own English."""
    run(capsys, [*QUOTE, "--tier", "3"])
    parser = argparse.ArgumentParser(prog="p")
    parser.add_argument("--n", type=int)
    with pytest.raises(SystemExit):
        parser.parse_args(["--n", "x"])
    assert "invalid int value: 'x'" in capsys.readouterr().err


def _argparse_messages() -> set[str | tuple[str, ...]]:
    """The msgids this Python's argparse asks gettext for."""
    with open(argparse.__file__, "rb") as handle:
        found = extract_python(handle, ["_", "ngettext"], [], {})
        return {
            m if isinstance(m, str) else tuple(x for x in m if x)
            for _, _, m, _ in found
            if m is not None  # a message argparse builds at runtime, not a msgid
        }


def test_every_argparse_message_is_in_the_list_and_translated() -> None:
    listed = {m if isinstance(m, str) else tuple(m) for m in MESSAGES}
    missing = _argparse_messages() - listed
    assert not missing, f"add to bot/cli/argparse_messages.py, then `make i18n`: {missing}"
    for lang in ("zh_Hans", "zh_Hant"):
        with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle)
        for message in listed:
            key = message if isinstance(message, str) else message[0]
            entry = catalog.get(key)
            assert entry is not None and entry.string, (lang, message)


def test_a_metavar_is_translated_for_its_option(capsys: pytest.CaptureFixture[str]) -> None:
    """"N" is a count of years for --lapsed-years and a port for --port."""
    _, out, _ = run(capsys, ["telegram", "--help"])
    assert "--port 端口" in out
    _, out, _ = run(capsys, ["quote", "--help"])
    assert "--lapsed-years 年数" in out


def test_chinese_help_fits_the_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """argparse counts characters; a CJK character takes two columns."""
    monkeypatch.setenv("COLUMNS", "80")
    for argv in HELP:
        _, out, _ = run(capsys, [*argv, "--help"])
        for line in out.splitlines():
            if line.lstrip().startswith("yibao "):
                continue  # an example command: not to be broken, in any language
            assert columns(line) <= 80 + 2, (argv, line)  # a closing mark may overhang
