"""The birth date, asked only where the amount depends on age or the person is a newborn."""

from __future__ import annotations

from dialogs import flow
from dialogs.questions.base import Asked, Dialog, Question, block
from dialogs.state import DialogState, Stage


class BirthDateQuestion(Question):
    stage = Stage.BIRTH_DATE

    def pending(self, dialog: Dialog) -> bool:
        state = dialog.state
        return state.birth_date is None and flow.needs_birth_date(
            dialog.catalog, state, dialog.policy()
        )

    def ask(self, dialog: Dialog) -> Asked:
        newborn = "newborn" in (dialog.state.identities or [])
        return Asked([block("ask_birth_date", newborn=newborn)])

    def forget(self, state: DialogState) -> None:
        state.birth_date = None
