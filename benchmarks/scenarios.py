"""What the simulated users do: whole conversations, by buttons, free text and commands.

The conversations are the golden-transcript scenarios of the dialog tests
(tests/dialogs/transcript_scenarios.py: every region, by buttons and by free text, in the
three languages, some ending with /table, /sources or /compare), plus two volunteers who
browse the reference views by command and by the help menu's buttons. Each becomes a list of
actions for the load driver: ("text", "…") sends a message (commands are messages starting
with "/"), ("click", n) presses the n-th button (reading order, 1-based, as the terminal
numbers them) of the bot's latest message that has buttons, and ("click", "i:dibao") the
button of that action (the scenarios' "@i:dibao" lines).

The echo bot gets the same actions: its messages carry one button, which every click presses,
so both bots receive the same number of updates of the same kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tests.dialogs.transcript_scenarios import LANGS, SCENARIOS

Action = tuple[Literal["text"], str] | tuple[Literal["click"], int | str]

# Telegram clients report IETF tags; the bot maps them onto its languages.
LANGUAGE_CODES = {"zh_Hans": "zh-hans", "zh_Hant": "zh-hant", "en": "en"}

# Volunteers answering questions in a WeChat group look things up rather than ask for a quote.
VOLUNTEERS: dict[str, tuple[str | None, list[str]]] = {
    # the identity table by command, then sources / compare through the help menu's buttons
    "volunteer-views-buttons": (None, ["/table 昌图", "2", "4", "2", "3", "1"]),
    # one region's short answers (channels, contacts) from the menu, then commands
    "volunteer-views-commands": (
        "shuangqing",
        ["/help", "9", "2", "10", "/compare 特困", "/sources", "/table"],
    ),
}


@dataclass(frozen=True)
class Script:
    name: str
    lang: str  # the dialog language (zh_Hans, zh_Hant, en)
    actions: tuple[Action, ...]

    @property
    def language_code(self) -> str:
        return LANGUAGE_CODES[self.lang]

    @property
    def key(self) -> tuple[str, str]:
        return self.name, self.lang

    @property
    def updates(self) -> int:
        return len(self.actions)


def _actions(region: str | None, lines: list[str]) -> tuple[Action, ...]:
    actions: list[Action] = [("text", f"/start {region}" if region else "/start")]
    for line in lines:
        stripped = line.strip()
        if stripped.isdigit():
            actions.append(("click", int(stripped)))
        elif stripped.startswith("@"):
            actions.append(("click", stripped[1:]))
        else:
            actions.append(("text", line))
    return tuple(actions)


def button_for(choice: object, buttons: list[str]) -> str:
    """The callback data a click presses: the n-th button, or the one of that action."""
    if isinstance(choice, int):
        return buttons[min(choice, len(buttons)) - 1]
    from bot.telegram import callback_data

    for data in buttons:
        press = callback_data.decode(data)
        if press is not None and press.option == choice:
            return data
    raise ValueError(f"no button for action {choice!r} among {buttons}")


def scripts() -> list[Script]:
    """Every conversation in every language, interleaved so neighbours differ."""
    out = []
    for lang in LANGS:
        for scenario in SCENARIOS:
            if scenario.two_years:  # the tests' two-year catalog; the bots load the shipped one
                continue
            out.append(
                Script(scenario.name, lang, _actions(scenario.region, scenario.lines[lang]))
            )
        for name, (region, lines) in VOLUNTEERS.items():
            out.append(Script(name, lang, _actions(region, lines)))
    # zh_Hans first is what most users are; interleave the languages round-robin instead
    per_lang = len(out) // len(LANGS)
    return [out[i + per_lang * j] for i in range(per_lang) for j in range(len(LANGS))]
