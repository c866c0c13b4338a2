"""The state each scripted conversation reaches on a single worker, worked out offline.

The scripts (benchmarks/scenarios.py) are played through the code a worker runs for each
update — `dialogs.engine.step` on the state as stored (a JSON round trip each step), with the
events the adapters make of a message, a command or a button press — pressing the buttons
the user will press. A single process applies one conversation's updates one after the other
on the state the previous one left, so this is what every conversation must end in however
many workers share the store and whichever worker each update reaches.
"""

from __future__ import annotations

from datetime import date

from benchmarks.expected import _buttons, script_event
from benchmarks.scenarios import Script
from bot.telegram.outgoing import render_step
from dialogs.engine import Choice, Command, Text, step
from dialogs.render import render_reply
from dialogs.replies import Reply
from dialogs.state import DialogState


def telegram_final_state(script: Script, today: date) -> DialogState:
    """The state the Telegram bot stores after the script (client language as Telegram
    reports it)."""
    state = DialogState()
    buttons: list[str] = []
    for action in script.actions:
        event = script_event(action, buttons, today, script.language_code)
        state, replies = step(DialogState.from_json(state.to_json()), event)
        buttons = _buttons(render_step(replies)) or buttons
    return state


def _form(replies: list[Reply]) -> tuple[list[str], int] | None:
    """The option ids of the last reply with buttons, in the order the page shows them,
    and the seq its form carries."""
    found = None
    for reply in replies:
        rendered = render_reply(reply, "html")
        options = [option for row in rendered.buttons for option, _ in row]
        if options:
            found = options, rendered.seq
    return found


def web_steps(script: Script, today: date, *, twice: frozenset[int] = frozenset()
              ) -> list[tuple[DialogState, int | None]]:
    """The state `yibao web` stores after each action of the script, and the seq of the
    page's last form (None: no buttons), as the benchmark's web users play it: "/start R"
    opens /r/R?lang=L (a fresh conversation in that language), a click posts the n-th
    button of the latest reply with buttons, text posts the message (a leading "/" makes it
    a command). The test client sends no Accept-Language.

    `twice`: the indices of actions that reached a worker twice (a resend after a worker
    died having applied the first) — the second time on the state the first left."""
    state = DialogState()
    options: list[str] = []
    seq = 0
    out = []
    for index, (kind, value) in enumerate(script.actions):
        fresh_start = kind == "text" and isinstance(value, str) and value.startswith("/start")
        event: Text | Choice | Command
        if fresh_start:
            assert isinstance(value, str)
            event = Command(name="start", arg=value.removeprefix("/start").strip(),
                            today=today, client_lang=None)
        elif kind == "text" and isinstance(value, str) and value.strip().startswith("/"):
            name, _, arg = value.strip()[1:].partition(" ")
            event = Command(name=name.lower()[:32], arg=arg[:100], today=today,
                            client_lang=None)
        elif kind == "text":
            event = Text(text=str(value), today=today, client_lang=None)
        else:
            option = (options[min(value, len(options)) - 1] if isinstance(value, int)
                      else str(value))
            event = Choice(option=option, seq=seq, today=today, client_lang=None)
        form: tuple[list[str], int] | None = None
        for time in range(2 if index in twice else 1):
            if fresh_start and time == 1 and event.arg == "":  # type: ignore[union-attr]
                # GET / again: the page shows where the conversation stands
                event = Choice(option="n:ask", today=today, client_lang=None)
            elif fresh_start:
                state = DialogState(lang=script.lang)
            state, replies = step(DialogState.from_json(state.to_json()), event)
            form = _form(replies)
        if form is not None:
            options, seq = form
        out.append((state, form[1] if form is not None else None))
    return out
