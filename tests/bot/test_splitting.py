"""Splitting long replies: at most 4096 per part, paragraph cuts first, HTML valid per part."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.splitting import MAX_MESSAGE_LENGTH, split_message, utf16_len
from tests.e2e.fake_bot_api import parse_html


def visible(html: str) -> str:
    return re.sub(r"\s+", "", parse_html(html).text)


def test_short_text_is_one_part() -> None:
    assert split_message("<b>400元</b>", html=True) == ["<b>400元</b>"]


def test_cuts_fall_on_paragraph_boundaries() -> None:
    paragraphs = [f"<b>第{i}段</b>\n" + "缴费标准" * 200 for i in range(8)]
    text = "\n\n".join(paragraphs)
    parts = split_message(text, html=True)
    assert len(parts) > 1
    for part in parts:
        assert utf16_len(part) <= MAX_MESSAGE_LENGTH
        assert part.startswith("<b>第")  # every part begins with a whole paragraph
        parse_html(part)
    assert "\n\n".join(parts) == text


def test_a_tag_open_across_a_cut_is_closed_and_reopened() -> None:
    text = '<blockquote expandable>' + ("依据 " * 3000) + "</blockquote>"
    parts = split_message(text, html=True)
    assert len(parts) > 1
    for part in parts:
        assert part.startswith("<blockquote expandable>") and part.endswith("</blockquote>")
        assert utf16_len(part) <= MAX_MESSAGE_LENGTH
    assert "".join(visible(p) for p in parts) == visible(text)


def test_never_cuts_inside_an_entity_or_tag() -> None:
    text = "&amp;" * 2000 + '<a href="https://example.org/?a=1&amp;b=2">链接</a>' * 200
    for part in split_message(text, html=True):
        parse_html(part)


def test_plain_text_counts_utf16_units() -> None:
    text = "😀" * 3000  # 6000 UTF-16 units, 3000 code points
    parts = split_message(text, html=False)
    assert len(parts) == 2
    assert all(utf16_len(p) <= MAX_MESSAGE_LENGTH for p in parts)
    assert "".join(parts) == text


WORDS = st.sampled_from(["缴费", "400元", "&lt;", "&amp;", "低保", "2025年", "📄", "x", "依据"])
INLINE = st.one_of(
    WORDS,
    WORDS.map(lambda w: f"<b>{w}</b>"),
    WORDS.map(lambda w: f"<i>{w}</i>"),
    WORDS.map(lambda w: f"<code>{w}</code>"),
)
LINES = st.lists(INLINE, min_size=1, max_size=60).map(" ".join)
PARAGRAPHS = st.lists(LINES, min_size=1, max_size=40).map("\n".join)
DOCUMENTS = st.lists(PARAGRAPHS, min_size=1, max_size=20).map("\n\n".join)


@settings(max_examples=60, deadline=None)
@given(DOCUMENTS, st.integers(min_value=300, max_value=MAX_MESSAGE_LENGTH))
def test_every_part_fits_parses_and_nothing_is_lost(text: str, limit: int) -> None:
    parts = split_message(text, html=True, limit=limit)
    for part in parts:
        assert utf16_len(part) <= limit
        parse_html(part)
    assert "".join(visible(p) for p in parts) == visible(text)
