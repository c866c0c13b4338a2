"""The short answer (issue 10, item 4): one SMS-sized paragraph that stands alone — at most
200 characters in Chinese over the whole grid of regions × identities × days × tiers ×
histories, and every figure in it is the calculator's."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from dialogs.engine import Choice, Command, step
from dialogs.render import render_paste_ready, render_reply, render_short_reply
from dialogs.rendering import format_date, format_money
from dialogs.rendering.short import SHORT_LIMIT, render_short
from dialogs.state import DialogState
from dialogs.views import reference_for
from policies.catalog import load_catalog
from policies.result import QuoteResult, Status
from tests.dialogs.test_rendering import GRID

CATALOG = load_catalog()


def _short(result: QuoteResult, lang: str) -> str:
    reference = reference_for(CATALOG, result) if result.status is Status.NO_POLICY else None
    return render_short(result, lang, "text", reference=reference)


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant"])
def test_every_short_answer_fits_one_sms(lang: str) -> None:
    longest = max(GRID, key=lambda r: len(_short(r, lang)))
    text = _short(longest, lang)
    assert len(text) <= SHORT_LIMIT, (longest.request, len(text), text)


def _says_the_answer(
    result: QuoteResult, text: str, lang: str, *, region_said: bool = False
) -> None:
    """`region_said`: the line before named the region (a reference under a no-notice line)."""
    where = (result.request, text)
    assert region_said or result.region_name in text or lang == "zh_Hant", where
    assert str(result.policy_year) in text, where
    assert result.document is not None and result.document in text, where
    if result.status is Status.OK:
        assert result.amount is not None and result.amount.due is not None
        assert format_money(result.amount.due, lang) in text, where
    floor = result.amount.lower_bound if result.amount is not None else None
    if result.status is Status.UNDETERMINED and floor is not None:
        # 丰都 六 July–September "全额缴费": at least 400 + the national 700. The hotline's
        # paste must carry the floor the full answer gives, not a bare "not fixed".
        assert format_money(floor, lang) in text, where
    if result.status in (Status.OK, Status.UNDETERMINED):
        if result.deadline is not None and result.deadline.date is not None:
            assert format_date(result.deadline.date, lang) in text, where
        if result.coverage is not None and result.coverage.start is not None:
            assert format_date(result.coverage.start, lang) in text, where


def test_every_short_answer_states_the_calculators_figures() -> None:
    for result in GRID:
        text = _short(result, "zh_Hans")
        assert "12393" in text  # the one office, with the national hotline
        if result.status is Status.NO_POLICY:
            assert format_date(result.request.payment_date, "zh_Hans") in text
            reference = reference_for(CATALOG, result)
            if reference is not None:
                statement, _, labelled = text.partition("\n")
                assert result.region_name in statement and "仅供参考" in labelled
                _says_the_answer(reference, labelled, "zh_Hans", region_said=True)
        else:
            _says_the_answer(result, text, "zh_Hans")


def test_the_plain_text_button_gives_the_short_answer() -> None:
    today = date(2025, 1, 10)
    state, _ = step(DialogState(), Command(name="start", arg="changtu", today=today), CATALOG)
    for option in ("i:dibao_edge", "i:done", "h:yes", "d:today"):
        state, replies = step(state, Choice(option=option, seq=state.seq, today=today), CATALOG)
    [answer] = replies
    short = render_short_reply(answer)
    assert short is not None and len(short) <= SHORT_LIMIT
    # 昌图 二: 400 − 60 % = 160; the collection period ends 2025-02-28 (一、1)
    assert "160元" in short and "2025年2月28日" in short and "79590058" in short


def test_paste_ready_is_the_short_answer_or_else_the_whole_reply_as_text() -> None:
    # One function for Telegram's "plain text" button and the web's copy button.
    today = date(2025, 1, 10)
    state, [question] = step(
        DialogState(), Command(name="start", arg="changtu", today=today), CATALOG
    )
    for option in ("i:dibao_edge", "i:done", "h:yes", "d:today"):
        state, replies = step(state, Choice(option=option, seq=state.seq, today=today), CATALOG)
    [answer] = replies
    assert render_paste_ready(answer) == render_short_reply(answer)
    assert "160元" in render_paste_ready(answer)
    assert render_short_reply(question) is None
    assert render_paste_ready(question) == render_reply(question, "text").text != ""


def test_yibao_quote_format_short() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "quote",
            "--region",
            "昌图",
            "--identity",
            "低保边缘",
            "--date",
            "2025-03-10",
            "--format",
            "short",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    text = done.stdout.strip()
    assert len(text) <= SHORT_LIMIT and "\n" not in text
    assert "160元" in text and "2025年度" in text and "79590058" in text
