"""The conversations kept as golden transcripts: two or more per region and language.

`python -m tests.dialogs.transcript_scenarios` rewrites tests/dialogs/transcripts/*.txt from
these scripts; read the diff before committing, since the files are the reviewed truth.
Input lines: free text, a number picking a listed option, a /command, or "@<action>" pressing
the button of that action (echoed as its number), so a new identity or region does not
rewrite the scripts.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from unittest import mock

from bot.terminal.chat import run_chat
from tests.policies.two_years import two_year_catalog

DIRECTORY = Path(__file__).parent / "transcripts"
LANGS = ("zh_Hans", "zh_Hant", "en")


@dataclass(frozen=True)
class Scenario:
    name: str
    today: date
    lines: dict[str, list[str]]  # per language ("@<action>" presses are the same everywhere)
    region: str | None = None
    two_years: bool = False  # the test-only 昌图 2026 notice is on file beside 2025


def _same(lines: list[str]) -> dict[str, list[str]]:
    return {lang: lines for lang in LANGS}


SCENARIOS = [
    # 昌图县: 低保边缘 + 脱贫 by buttons (highest subsidy, 二), the history assumed; then the
    # table; then free text, late payment.
    Scenario(
        "changtu-buttons",
        date(2025, 1, 10),
        _same(
            [
                "@r:changtu",
                "@i:dibao_edge",
                "@i:poverty_alleviated",
                "@i:done",
                "2025-02-28",
                "/table",
            ]
        ),
    ),
    Scenario(
        "changtu-free-text",
        date(2025, 3, 1),
        {
            "zh_Hans": ["我是昌图县的低保边缘户，3月10号交"],
            "zh_Hant": ["我是昌圖縣的低保邊緣戶，3月10號交"],
            "en": ["changtu, dibao edge, paying on 10 March 2025"],
        },
    ),
    # 昌图县: a question about a term, then a correction (issue 10: it said 0元, 160 is due).
    Scenario(
        "changtu-correction",
        date(2025, 1, 10),
        {
            "zh_Hans": ["什么是低保边缘家庭？", "昌图 低保户", "不对，是低保边缘户", "@d:today",
                        "今天"],
            "zh_Hant": ["什麼是低保邊緣家庭？", "昌圖 低保戶", "不對，是低保邊緣戶", "@d:today",
                        "今天"],
            "en": ["what is dibao edge?", "changtu, dibao", "no, dibao edge", "@d:today", "today"],
        },
    ),
    # 科左后旗: newborn by buttons, then the whole question in one message.
    Scenario(
        "kezuohouqi-buttons",
        date(2025, 5, 25),
        _same(["@r:kezuohouqi", "@i:newborn", "@i:done", "2025-04-10", "@d:today"]),
        region=None,
    ),
    Scenario(
        "kezuohouqi-free-text",
        date(2025, 5, 25),
        {
            "zh_Hans": ["我家孩子4月10号出生的，5月20号去交，科左后旗"],
            "zh_Hant": ["我家孩子4月10號出生的，5月20號去交，科左後旗"],
            "en": ["kezuohouqi, baby born on 10 April 2025, paying on 20 May 2025"],
        },
    ),
    # 乌拉特前旗: 单纯低保户 by buttons; free text; then the sources view.
    Scenario(
        "wulateqianqi-buttons",
        date(2023, 10, 1),
        _same(["@r:wulateqianqi", "@i:dibao", "@i:done", "@d:today"]),
    ),
    Scenario(
        "wulateqianqi-free-text",
        date(2024, 3, 1),
        {
            "zh_Hans": ["乌拉特前旗，普通居民，今天交", "/sources"],
            "zh_Hant": ["烏拉特前旗，普通居民，今天交", "/sources"],
            "en": ["wulateqianqi, ordinary resident, paying today", "/sources"],
        },
    ),
    # 双清区: the answer assuming continuous insurance, then refined: lapsed 2 years with 1
    # back-paid, late (the amount is not fixed by the notice).
    Scenario(
        "shuangqing-buttons",
        date(2025, 3, 1),
        _same(
            ["@r:shuangqing", "@i:none", "@d:today", "@c:history", "@h:no", "@y:2", "@p:1"]
        ),
    ),
    Scenario(
        "shuangqing-free-text",
        date(2025, 6, 1),
        {
            "zh_Hans": ["双清区 刑满释放人员 今天交", "去年没参保", "1年"],
            "zh_Hant": ["雙清區 刑滿釋放人員 今天交", "去年沒參保", "1年"],
            "en": [
                "shuangqing, released prisoner, paying today",
                "not insured last year",
                "1 year",
            ],
        },
    ),
    # 丰都县栗子乡: a college student, 一档 assumed and 二档 priced, then 二档 chosen; 低保 一档
    # in the Jan-Feb window by text; then today (no notice on file) with the reference answer.
    Scenario(
        "fengdu-buttons",
        date(2024, 12, 1),
        _same(
            [
                "@r:fengdu-lizi",
                "@i:college_student",
                "@i:done",
                "@d:today",
                "@c:tier",
                "@t:2",
            ]
        ),
    ),
    Scenario(
        "fengdu-free-text",
        date(2025, 1, 10),
        {
            "zh_Hans": ["丰都 一档 城乡低保对象 1月15号交", "去年参保了", "/compare 低保"],
            "zh_Hant": ["豐都 一檔 城鄉低保對象 1月15號交", "去年參保了", "/compare 低保"],
            "en": [
                "fengdu, tier 1, dibao, paying on 15 Jan 2025",
                "insured last year",
                "/compare dibao",
            ],
        },
    ),
    Scenario(
        "fengdu-no-notice-today",
        date(2026, 11, 25),
        _same(["@r:fengdu-lizi", "@i:none", "@d:today"]),
    ),
    # 昌图县 with its 2026 notice on file too (test data): on 2025-10-15 both years take
    # payment, so the year is the one question; 2025 chosen (late: the wait outlasts the
    # year), then corrected to 2026 in words.
    Scenario(
        "changtu-two-years",
        date(2025, 10, 15),
        {
            "zh_Hans": ["昌图县低保边缘户，今天交", "@iy:2025", "不对，交2026年的"],
            "zh_Hant": ["昌圖縣低保邊緣戶，今天交", "@iy:2025", "不對，交2026年的"],
            "en": [
                "changtu, dibao edge, paying today",
                "@iy:2025",
                "no, for the 2026 insurance year",
            ],
        },
        two_years=True,
    ),
]


@contextmanager
def _catalog(scenario: Scenario) -> Iterator[None]:
    """The dialog's catalog for the scenario (the terminal chat loads the shipped one)."""
    if not scenario.two_years:
        yield
        return
    with mock.patch("dialogs.engine.load_catalog", two_year_catalog):
        yield


def transcript(scenario: Scenario, lang: str) -> str:
    out = io.StringIO()
    with _catalog(scenario):
        run_chat(
            scenario.lines[lang],
            out,
            today=scenario.today,
            lang=lang,
            region=scenario.region,
            echo=True,
        )
    return out.getvalue()


def path_for(scenario: Scenario, lang: str) -> Path:
    return DIRECTORY / f"{scenario.name}.{lang}.txt"


def main() -> None:
    DIRECTORY.mkdir(exist_ok=True)
    for scenario in SCENARIOS:
        for lang in LANGS:
            path_for(scenario, lang).write_text(transcript(scenario, lang), encoding="utf-8")


if __name__ == "__main__":
    main()
