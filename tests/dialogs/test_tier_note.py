"""The tier the answer assumes is said once, in the notice's wording (issue 10, tier note).

栗子府发〔2024〕62号 四(一) "一档400元/人•年，二档775元/人•年": a person who gives no tier is
answered in 一档. The dialog's answer used to say "按一档计算" in the line about what it
assumed and "本答复按第1档计算" in the notes; the command said "一档" in its header and
"第1档" in the note.
"""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.engine import Command, Text, step
from dialogs.render import render_reply
from dialogs.rendering import render_quote
from dialogs.state import DialogState
from policies.engine import quote
from policies.result import QuoteRequest

TODAY = date(2024, 11, 10)


def _dialog_answer(message: str, lang: str = "zh_Hans") -> str:
    state, _ = step(DialogState(lang=lang), Command(name="start", arg="", today=TODAY))
    state, replies = step(state, Text(text=message, today=TODAY))
    answers = [r for r in replies if r.kind == "answer"]
    assert answers, [b.template for r in replies for b in r.blocks]
    return render_reply(answers[-1], "text").text


@pytest.mark.parametrize(
    "message", ["丰都 普通居民 2024年11月10日交", "丰都县栗子乡 低保户 2024年11月10日交"]
)
def test_the_dialog_says_the_assumed_tier_once(message: str) -> None:
    text = _dialog_answer(message)
    assert "第1档" not in text
    assert text.count("按一档计算") == 1, text
    assert "若选二档" in text  # the other case stays, computed by quote()


def test_the_command_names_the_tier_as_the_notice_does() -> None:
    result = quote(QuoteRequest(region="fengdu-lizi", payment_date=TODAY))
    assert result.tier == 1 and result.tier_label == "一档"
    text = render_quote(result, "zh_Hans", "text")
    assert "第1档" not in text
    assert text.count("按一档计算") == 1, text


@pytest.mark.parametrize("lang", ["zh_Hant", "en"])
def test_other_languages_say_it_once_too(lang: str) -> None:
    text = _dialog_answer("丰都 普通居民 2024年11月10日交", lang)
    marker = {"zh_Hant": "按一檔計算", "en": "一档"}[lang]
    assert "第1" not in text and "tier 1" not in text, text
    if lang == "zh_Hant":
        assert text.count(marker) == 1, text
