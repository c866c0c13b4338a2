"""Three languages, really (issue 10, item 5): every rendered reply, answer, short answer and
command error in Chinese has no English outside verbatim quotes, URLs and codes, and zh_Hant
has no Simplified-only character outside the notices' own words (“…”), which stay as printed.

The replies walked: every question of every region's dialog, every view (/table, /compare for
every group, /glossary, /sources, help, the FAQ topics), every answer of the rendering grid in
full and short, and the CLI's error messages.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dialogs.render import render_reply
from dialogs.rendering import render_quote
from dialogs.rendering.script import outside_quotes
from dialogs.rendering.short import render_short
from dialogs.views import FAQ_TOPICS, reference_for
from policies.catalog import load_catalog
from policies.result import Status
from tests.dialogs.test_rendering import GRID
from tests.dialogs.test_views import _run
from tests.test_catalogs import SIMPLIFIED_ONLY

CATALOG = load_catalog()
ROOT = Path(__file__).resolve().parents[2]
WORD = re.compile(r"[A-Za-z]{2,}")
URL = re.compile(r"https?://\S+")
# codes a reader types or sees on screen, not English prose: options, usernames, environment
# variables and other all-capital codes, the command's own name, and Telegram's
CODE = re.compile(r"--[\w-]+|/\w+|@\w+|\b[A-Z][A-Z0-9_]+\b|\byibao(?: \w+)?\b|\bTelegram\b")


def _data_words() -> set[str]:
    """ASCII words the notices themselves print (湘税社保APP, ...): proper names, not English."""
    words: set[str] = set()
    for path in (ROOT / "policies" / "documents").glob("*.txt"):
        words |= set(WORD.findall(path.read_text(encoding="utf-8")))
    # and the names a command accepts and lists: region slugs and pinyin, identity codes and
    # aliases
    for labels in CATALOG.region_labels().values():
        words |= {w for label in labels for w in WORD.findall(label)}
    for code, identity in CATALOG.identities.items():
        # the accepted aliases the unknown-identity message lists (some are English input)
        words |= {w for name in [code, *identity.aliases] for w in WORD.findall(name)}
    return words


DATA_WORDS = _data_words()


def _unquoted(text: str) -> str:
    return "".join(piece for quoted, piece in outside_quotes(text) if not quoted)


def _english(text: str) -> list[str]:
    bare = CODE.sub("", URL.sub("", _unquoted(text)))
    return [w for w in WORD.findall(bare) if w not in DATA_WORDS]


def _simplified(text: str) -> list[str]:
    return sorted({ch for ch in _unquoted(text) if ch in SIMPLIFIED_ONLY})


def _dialog_texts(lang: str) -> Iterator[tuple[str, str]]:
    for region in CATALOG.regions():
        scripts = [
            (f"/start {region}",),
            (f"/start {region}", "!i:unsure"),
            (f"/start {region}", "/table"),
            (f"/start {region}", "/glossary"),
            (f"/start {region}", "/help"),
            *[(f"/start {region}", f"!v:faq:{topic}") for topic in FAQ_TOPICS],
        ]
        for script in scripts:
            _, replies = _run(*script, lang=lang)
            for reply in replies:
                rendered = render_reply(reply, "text")
                yield " ".join(script), rendered.text
                for row in rendered.buttons:
                    for _, label in row:
                        yield " ".join(script) + " [button]", label
    for code in ["ordinary", *CATALOG.identities]:
        _, replies = _run(f"/compare {code}", lang=lang)
        for reply in replies:
            yield f"/compare {code}", render_reply(reply, "text").text
    for script in [("/sources",), ("/compare",), ("/glossary 低保边缘",), ("/start",)]:
        _, replies = _run(*script, lang=lang)
        for reply in replies:
            rendered = render_reply(reply, "text")
            yield " ".join(script), rendered.text
            for row in rendered.buttons:
                for _, label in row:
                    yield " ".join(script) + " [button]", label


def _answer_texts(lang: str) -> Iterator[tuple[str, str]]:
    for result in GRID[::7]:  # every seventh answer: all statuses, regions and identities
        where = str(result.request)
        yield where, render_quote(result, lang, "text")
        reference = reference_for(CATALOG, result) if result.status is Status.NO_POLICY else None
        yield where + " short", render_short(result, lang, "text", reference=reference)


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant"])
def test_no_english_in_chinese_replies(lang: str) -> None:
    for where, text in [*_dialog_texts(lang), *_answer_texts(lang)]:
        assert _english(text) == [], (where, _english(text), text[:300])


def test_no_simplified_in_traditional_replies() -> None:
    for where, text in [*_dialog_texts("zh_Hant"), *_answer_texts("zh_Hant")]:
        assert _simplified(text) == [], (where, _simplified(text), text[:300])


def test_quotes_keep_the_notices_simplified_text() -> None:
    _, replies = _run("/start kezuohouqi", "/glossary", lang="zh_Hant")
    text = render_reply(replies[-1], "text").text
    # 后政办字〔2024〕126号 二(二), verbatim, inside the Traditional labels around it
    assert "“特困人员、孤儿（含事实无抚养儿童）实施全额资助，个人缴费 0 元；”" in text
    assert "科爾沁左翼後旗" in text


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant"])
def test_command_errors_are_in_the_language_asked(lang: str) -> None:
    cases = [
        ("quote", "--region", "昌图", "--date", "2025-03-10", "--birth-date", "2025-04-01"),
        ("quote", "--region", "北京朝阳区", "--date", "2025-03-10"),
        ("quote", "--region", "昌图", "--identity", "宇航员", "--date", "2025-03-10"),
        ("quote", "--region", "昌图", "--date", "3月10日"),
        ("link", "北京朝阳区"),
        ("link", "昌图", "--bot-username", "bad name!"),
    ]
    for args in cases:
        done = _cli(*args, "--lang", lang)
        assert done.returncode == 2, (args, done.stderr)
        message = done.stderr.strip()
        assert message and _english(message) == [], (args, message)
        if lang == "zh_Hant":
            assert _simplified(message) == [], (args, message)
