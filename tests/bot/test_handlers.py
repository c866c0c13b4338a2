"""Reading commands the way Telegram delivers them."""

from __future__ import annotations

import pytest

from bot.telegram.handlers import _command_of

BOT = "yibao_test_bot"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", ("start", "")),
        ("/start changtu", ("start", "changtu")),  # t.me/<bot>?start=changtu
        ("/start@Yibao_Test_Bot changtu", ("start", "changtu")),
        ("/table\n双清区", ("table", "双清区")),
        ("/HELP", ("help", "")),
        ("/compare 低保 对象", ("compare", "低保 对象")),
        ("/start@other_bot changtu", None),  # a group command for another bot
    ],
)
def test_command_of(text: str, expected: tuple[str, str] | None) -> None:
    assert _command_of(text, BOT) == expected
