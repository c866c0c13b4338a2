"""The birth date, asked only where the amount depends on age or the person is a newborn."""

from __future__ import annotations

from dialogs import flow
from dialogs.questions.base import Asked, Dialog, Question, block
from dialogs.state import DialogState, Stage


class BirthDateQuestion(Question):
    stage = Stage.BIRTH_DATE

    def pending(self, dialog: Dialog) -> bool:
        state = dialog.state
        loaded = dialog.policy()
        return (
            state.birth_date is None
            and flow.needs_birth_date(dialog.catalog, state, loaded)
            and not flow.age_decides(dialog.catalog, state, loaded, dialog.today)
        )

    def ask(self, dialog: Dialog) -> Asked:
        state = dialog.state
        newborn = "newborn" in (state.identities or [])
        # An age or a year given that leaves the subsidy open on the payment day: say so.
        ages = None if newborn else flow.ages_on(state, state.payment_date or dialog.today)
        return Asked([block("ask_birth_date", newborn=newborn, ages=ages)])

    def forget(self, state: DialogState) -> None:
        state.birth_date = None
        state.birth_range = None
