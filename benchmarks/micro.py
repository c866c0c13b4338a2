"""Micro-benchmarks of yibao's own pieces, without Telegram, HTTP or SQLite.

* quotes per second over the calculator's full grid (benchmarks.policy_grid, unchanged);
* dialog steps per second: every load-test script played through `dialogs.engine.step` (the
  bot's clock, the client language Telegram reports, the same buttons pressed), the state
  round-tripped through JSON between steps as the bot stores it, each pass with the memo of
  steps emptied first (dialogs/step_memo.py: the engine's own work, not the memo's);
* the same with each step's replies rendered as the bot sends them (HTML, split, keyboards):
  the bot's own work per update, minus HTTP and SQLite;
* template renders per second: every reply those scripts produce, rendered to Telegram HTML
  with `dialogs.render.render_reply`.

Each figure is the best of `repeats` timed passes after one warm-up pass (templates compiled,
catalog loaded), on one core. They are absolute rates and move with the machine's load; the
load benchmark's ratios are what the targets are judged on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from benchmarks import policy_grid
from benchmarks.expected import script_event
from benchmarks.scenarios import Script, scripts
from bot.clock import today_in_china
from bot.telegram import callback_data
from bot.telegram.outgoing import render_step
from dialogs.engine import step
from dialogs.render import render_reply
from dialogs.replies import Reply
from dialogs.state import DialogState
from dialogs.step_memo import forget_steps


def play(script: Script, replies_out: list[Reply] | None = None, *, render: bool = False) -> int:
    """One conversation through the engine; returns the number of steps.

    With `render`, each step's replies are also rendered as the bot sends them
    (`bot.telegram.outgoing.render_step`: HTML, split, keyboards): the bot's own work per update
    minus HTTP and SQLite.
    """
    today = today_in_china()
    lang = script.language_code
    state = DialogState()
    buttons: list[str] = []
    for action in script.actions:
        event = script_event(action, buttons, today, lang)
        state, replies = step(DialogState.from_json(state.to_json()), event)
        if render:
            render_step(replies)
        if replies_out is not None:
            replies_out.extend(replies)
        # the buttons the next click presses: the options of the last reply that has any
        for reply in replies:
            if reply.options:
                buttons = [callback_data.encode(reply.seq, o.id) for o in reply.options]
    return len(script.actions)


def _best_rate(work: Callable[[], int], repeats: int) -> float:
    work()  # warm-up: templates compiled, catalog loaded
    best, count = float("inf"), 0
    for _ in range(repeats):
        started = time.perf_counter()
        count = work()
        best = min(best, time.perf_counter() - started)
    return count / best


def dialog_steps_per_second(all_scripts: list[Script], *, render: bool, repeats: int = 5) -> float:
    def every_script_afresh() -> int:
        # every pass plays the same scripts: without this the passes after the first would
        # measure the memo of steps, not the engine
        forget_steps()
        return sum(play(s, render=render) for s in all_scripts)

    return _best_rate(every_script_afresh, repeats)


def renders_per_second(all_scripts: list[Script], repeats: int = 5) -> tuple[float, int]:
    replies: list[Reply] = []
    for script in all_scripts:
        play(script, replies)

    def render_all() -> int:
        for reply in replies:
            render_reply(reply, "html")
        return len(replies)

    return _best_rate(render_all, repeats), len(replies)


def run_micro(*, grid: bool = True, log: Any = print) -> dict[str, Any]:
    all_scripts = scripts()
    out: dict[str, Any] = {}
    steps = dialog_steps_per_second(all_scripts, render=False)
    out["dialog_steps_per_second"] = round(steps)
    log(f"dialog steps: {steps:,.0f}/s")
    rendered = dialog_steps_per_second(all_scripts, render=True)
    out["dialog_steps_rendered_per_second"] = round(rendered)
    log(f"dialog steps incl. rendering the Telegram messages: {rendered:,.0f}/s")
    renders, count = renders_per_second(all_scripts)
    out["template_renders_per_second"] = round(renders)
    out["template_renders_replies"] = count
    log(f"template renders: {renders:,.0f}/s over {count} replies")
    if grid:
        figures = policy_grid.main()  # its own results file is written by its __main__ only
        out["policy_grid"] = figures
        log(
            f"calculator: {figures['quotes_per_second']:,}/s over {figures['grid_quotes']:,} "
            f"quotes; load and check {figures['load_and_check_seconds']} s"
        )
    return out
