"""What a question is: the options it offers and how it takes each of them, in one unit.

A question (`Question`) knows when it is still to be asked (`pending`), what it says and
offers (`ask`), how a press of one of its buttons changes the state (`take`, or `handle` when
the press shows something else), what the person chose (`chosen`, so the choice is marked ✓
when they come back to it) and how to forget that choice (`forget`). Adding a question is one
new module and one line in `dialogs.questions.QUESTIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Protocol

from dialogs import actions as A
from dialogs.replies import Block, Option, Reply
from dialogs.state import DialogState, Stage
from policies.catalog import Catalog, LoadedPolicy
from policies.result import QuoteRequest


def block(template: str, **params: Any) -> Block:
    return Block(template=template, params=params)


def option(action: A.Action, template: str, selected: bool = False, **params: Any) -> Option:
    return _option(A.encode(action), template, selected, params)


def _option(id: str, template: str, selected: bool, params: dict[str, Any]) -> Option:
    return Option(id=id, label=Block(template=f"option/{template}", params=params),
                  selected=selected)


@dataclass
class Asked:
    """A question as it appears: its text blocks and its buttons."""

    blocks: list[Block]
    options: list[Option] = field(default_factory=list)
    columns: int = 2


class Dialog(Protocol):
    """What a question sees of the conversation step it is part of."""

    state: DialogState
    catalog: Catalog
    today: date

    def policy(self) -> LoadedPolicy | None:
        """The notice the questions come from (the chosen or best-guess insurance year)."""
        ...

    def ask(self, record: bool = True) -> Reply: ...

    def request(self) -> QuoteRequest:
        """The calculator's request for the facts so far."""
        ...

    def explain_identities(self) -> Reply: ...

    def compare(self, identity: str | None) -> Reply: ...


class Question:
    stage: ClassVar[Stage]
    answers: ClassVar[tuple[type, ...]] = ()  # the action types its buttons carry

    def pending(self, dialog: Dialog) -> bool:
        """Whether the question is still to be asked before the answer."""
        return False

    def ask(self, dialog: Dialog) -> Asked:
        raise NotImplementedError

    def take(self, dialog: Dialog, action: A.Action) -> None:
        """Store the answer a button gives."""

    def handle(self, dialog: Dialog, action: A.Action) -> Reply:
        """A press of one of this question's buttons: store it, then ask what comes next."""
        self.take(dialog, action)
        dialog.state.failures = 0
        return dialog.ask()

    def chosen(self, state: DialogState, today: date) -> list[A.Action]:
        """The buttons that stand for what the person has chosen here."""
        return []

    def forget(self, state: DialogState) -> None:
        """Forget the answer (and what only made sense with it)."""

    def option(
        self, dialog: Dialog, action: A.Action, template: str, **params: Any
    ) -> Option:
        """One of this question's buttons, marked ✓ when it is the person's choice: the
        current one, or the one they made before going back (`state.kept`)."""
        state = dialog.state
        id = A.encode(action)
        selected = id in state.kept or action in self.chosen(state, dialog.today)
        return _option(id, template, selected, params)
