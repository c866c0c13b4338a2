"""The helpdesk in a terminal: the same dialog as Telegram, buttons as numbered options.

Reads one line per turn, so it can be scripted (`printf '昌图\n1\n' | yibao chat`) and its
transcripts compared in tests. A number picks an option of the last reply, a line starting
with "/" is a command (/help, /table…), anything else is free text; "q" (or /quit), end of input
(Ctrl-D) or Ctrl-C ends. A script may also press a button by its action, "@i:dibao" (the
option's encoded id): it is echoed as the number a person would have typed, so transcripts
are scripted by action and survive a new identity or region moving the buttons.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TextIO

from dialogs.engine import Choice, Command, Text, step
from dialogs.render import RenderedReply, render_reply
from dialogs.state import DialogState

# "/quit" too: people used to other chat programs type it, and it is no dialog command
QUIT = {"q", "quit", "exit", "退出", "/q", "/quit", "/exit"}


def format_reply(reply: RenderedReply) -> str:
    """Plain text with the buttons numbered in reading order."""
    lines = [reply.text]
    number = 0
    for row in reply.buttons:
        cells = []
        for _, label in row:
            number += 1
            cells.append(f"[{number}] {label}")
        lines.append("  ".join(cells))
    return "\n".join(line for line in lines if line)


def _event(line: str, options: list[str], seq: int, today: date) -> Text | Choice | Command:
    stripped = line.strip()
    if stripped.startswith("/"):
        name, _, arg = stripped[1:].partition(" ")
        return Command(name=name.split("@")[0], arg=arg, today=today)
    if stripped.isdigit() and 1 <= int(stripped) <= len(options):
        return Choice(option=options[int(stripped) - 1], seq=seq, today=today)
    return Text(text=line, today=today)


def run_chat(
    lines: Iterable[str],
    out: TextIO,
    *,
    today: date,
    lang: str | None = None,
    region: str | None = None,
    echo: bool = False,
    prompt: str = "",
) -> DialogState:
    """Play a whole conversation; returns the final state (tests inspect it)."""
    state = DialogState(lang=lang)
    state, replies = step(state, Command(name="start", arg=region or "", today=today))
    options: list[str] = []
    seq = state.seq

    def show(replies_: list[RenderedReply]) -> None:
        nonlocal options, seq
        for rendered in replies_:
            out.write(format_reply(rendered) + "\n\n")
            options = [option for row in rendered.buttons for option, _ in row]
            seq = rendered.seq

    show([render_reply(r, "text") for r in replies])
    out.write(prompt)
    out.flush()
    try:
        for raw in lines:
            line = raw.rstrip("\n")
            if line.strip().lower() in QUIT:
                break
            if not line.strip():
                out.write(prompt)
                out.flush()
                continue
            if line.startswith("@") and line[1:] in options:
                line = str(options.index(line[1:]) + 1)  # pressed by action, shown as typed
            if echo:
                out.write(f"> {line}\n")
            state, replies = step(state, _event(line, options, seq, today))
            show([render_reply(r, "text") for r in replies])
            out.write(prompt)
            out.flush()
    except KeyboardInterrupt:  # Ctrl-C ends the chat as "q" does, without a traceback
        pass
    if prompt:  # interactive: leave the shell prompt on a line of its own (Ctrl-C, Ctrl-D)
        out.write("\n")
        out.flush()
    return state
