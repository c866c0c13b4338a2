"""The payment date: typed in any common form, or "today" by button."""

from __future__ import annotations

from datetime import date

from dialogs import actions as A
from dialogs.questions.base import Asked, Dialog, Question, block
from dialogs.state import DialogState, Stage


class PaymentDateQuestion(Question):
    stage = Stage.PAYMENT_DATE
    answers = (A.PayToday,)

    def pending(self, dialog: Dialog) -> bool:
        return dialog.state.payment_date is None

    def ask(self, dialog: Dialog) -> Asked:
        today = dialog.today
        return Asked(
            [block("ask_payment_date", today=today)],
            [self.option(dialog, A.PayToday(), "today", day=today)],
        )

    def take(self, dialog: Dialog, action: A.Action) -> None:
        dialog.state.payment_date = dialog.today

    def chosen(self, state: DialogState, today: date) -> list[A.Action]:
        return [A.PayToday()] if state.payment_date == today else []

    def forget(self, state: DialogState) -> None:
        state.payment_date = None
