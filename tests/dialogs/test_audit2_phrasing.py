"""Second trust audit: residents', 明白人's and hotline staff's phrasings the dialog re-asked
instead of understanding. Each is understood as meant where the notice allows, else the
dialog asks one specific question; a figure is never guessed."""

from __future__ import annotations

from datetime import date

from dialogs.engine import Command, Text, step
from dialogs.render import render_reply
from dialogs.replies import Reply
from dialogs.state import DialogState
from tests.dialogs.replies import templates

SPRING = date(2025, 3, 10)


def _say(
    *texts: str, today: date = SPRING, lang: str | None = None
) -> tuple[DialogState, list[Reply]]:
    state, replies = step(DialogState(lang=lang), Command(name="start", arg="", today=today))
    for text in texts:
        state, replies = step(state, Text(text=text, today=today))
    return state, replies


def _text(replies: list[Reply]) -> str:
    return "\n".join(render_reply(r, "text").text for r in replies)


def test_a_one_character_typo_of_a_region_is_offered_as_that_region() -> None:
    # "双青区" is one character off 双清区 (双政办发〔2024〕11号): the not-covered reply asks
    # whether 双清区 was meant, and nothing about the region is taken.
    state, replies = _say("双青区 低保 今天交")
    assert state.region is None
    block = next(b for r in replies for b in r.blocks if b.template == "region_not_covered")
    assert block.params["suggestion"] == "双清区"
    assert "您是说双清区吗" in _text(replies)
    _, replies = _say("双青区", lang="en")
    assert "Did you mean 双清区?" in _text(replies)


def test_a_place_far_from_every_region_gets_no_suggestion() -> None:
    _, replies = _say("北京朝阳区")
    block = next(b for r in replies for b in r.blocks if b.template == "region_not_covered")
    assert block.params["suggestion"] is None
    assert "region_not_covered" in templates(replies)
