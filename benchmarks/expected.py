"""How many messages yibao's bot owes for each update of a script, worked out offline.

A step's reply is one message or several (a long reply is split, e.g. a long answer for a
date no notice governs; a question may have no buttons at all), so "the reply has arrived"
cannot be read off one message. The driver therefore knows in advance how many messages
each update must produce: the scripts are played once through the same
code the bot runs for an update (`dialogs.engine.step` and `bot.telegram.outgoing.render_step`, with
the bot's clock and the client language Telegram reports), pressing the same buttons the
load driver will press. Fewer messages within the timeout is a lost reply; any message
beyond the count is a duplicate. The echo bot owes exactly one message per update.
"""

from __future__ import annotations

from datetime import date

from benchmarks.scenarios import Script, button_for
from bot.clock import today_in_china
from bot.telegram import callback_data
from bot.telegram.outgoing import Rendered, render_step
from dialogs.engine import Choice, Command, Text, step
from dialogs.state import DialogState

Expected = dict[tuple[str, str], list[int]]


def _buttons(rendered: list[Rendered]) -> list[str] | None:
    """Callback data of the last message with buttons among a step's messages."""
    found = None
    for reply in rendered:
        for message in reply.messages:
            if message.keyboard is not None:
                found = [
                    button.callback_data
                    for row in message.keyboard.inline_keyboard
                    for button in row
                    if isinstance(button.callback_data, str)
                ]
    return found


def script_event(
    action: tuple[str, object], buttons: list[str], today: date, client_lang: str | None
) -> Text | Choice | Command:
    """The dialog event the bot makes of one scripted action (a click picks a button)."""
    kind, value = action
    if kind == "click":
        press = callback_data.decode(button_for(value, buttons))
        assert press is not None
        if press.option == callback_data.PLAIN_TEXT_OPTION:
            raise ValueError("pressing 'plain text' is not simulated")
        return Choice(option=press.option, seq=press.seq, today=today, client_lang=client_lang)
    assert isinstance(value, str)
    if value.startswith("/"):
        head, *rest = value.strip().split(maxsplit=1)
        return Command(
            name=head.lstrip("/").lower(),
            arg=rest[0].strip() if rest else "",
            today=today,
            client_lang=client_lang,
        )
    return Text(text=value, today=today, client_lang=client_lang)


def messages_per_update(script: Script) -> list[int]:
    today = today_in_china()
    state = DialogState()
    buttons: list[str] = []
    counts = []
    for action in script.actions:
        event = script_event(action, buttons, today, script.language_code)
        # the bot keeps state as JSON between updates; do the same
        state, replies = step(DialogState.from_json(state.to_json()), event)
        rendered = render_step(replies)
        counts.append(sum(len(r.messages) for r in rendered))
        buttons = _buttons(rendered) or buttons
    return counts


def expected_messages(scripts: list[Script]) -> Expected:
    return {s.key: messages_per_update(s) for s in scripts}
