"""Callback data: versioned, at most 64 bytes, and anything odd decodes to "stale"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.callback_data import MAX_BYTES, ButtonPress, CallbackDataTooLong, decode, encode

OPTION_IDS = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40
)


@given(seq=st.integers(min_value=0, max_value=9_999_999_999), option=OPTION_IDS)
def test_round_trip_within_telegram_limit(seq: int, option: str) -> None:
    data = encode(seq, option)
    assert len(data.encode("utf-8")) <= MAX_BYTES
    assert decode(data) == ButtonPress(seq=seq, option=option)


def test_the_longest_option_fits() -> None:
    assert decode(encode(9_999_999_999, "x" * 40)) is not None


def test_too_long_is_a_bug_caught_at_encoding() -> None:
    with pytest.raises(CallbackDataTooLong):
        encode(1, "抱" * 40)  # 120 bytes in UTF-8


@pytest.mark.parametrize(
    "data",
    [None, "", "garbage", "v2|1|r:changtu", "v1|x|r:changtu", "v1|-1|r:changtu", "v1|1|",
     "v1|01|r:changtu", "v1|1|has space", "v1|1|" + "x" * 41, "V1|1|r:changtu"],
)
def test_anything_else_is_not_a_button_press(data: str | None) -> None:
    assert decode(data) is None


@given(st.text(max_size=80))
def test_decoding_never_raises(data: str) -> None:
    decode(data)
