"""The insurance history: insured last year? if not, for how many years, and how many of them
will be back-paid. The answer assumes "insured last year" unless the amount depends on it; the
three are forgotten together, since each only makes sense with the one before."""

from __future__ import annotations

from datetime import date

from dialogs import actions as A
from dialogs import flow
from dialogs.questions.base import Asked, Dialog, Question, block
from dialogs.state import DialogState, Stage

MAX_LAPSED_CHOICE = 6


def forget_history(state: DialogState) -> None:
    state.insured_last_year = None
    state.lapsed_years = None
    state.repaid_years = None


class HistoryQuestion(Question):
    stage = Stage.HISTORY
    answers = (A.InsuredLastYear,)

    def pending(self, dialog: Dialog) -> bool:
        state = dialog.state
        return (
            state.requested is Stage.HISTORY
            and state.insured_last_year is None
            and flow.history_matters(state, dialog.policy())
        )

    def ask(self, dialog: Dialog) -> Asked:
        return Asked(
            [block("ask_history")],
            [
                self.option(dialog, A.InsuredLastYear(True), "history_yes"),
                self.option(dialog, A.InsuredLastYear(False), "history_no"),
            ],
        )

    def take(self, dialog: Dialog, action: A.Action) -> None:
        state = dialog.state
        assert isinstance(action, A.InsuredLastYear)
        state.insured_last_year = action.insured
        if action.insured:
            state.lapsed_years = 0
            state.repaid_years = 0

    def chosen(self, state: DialogState, today: date) -> list[A.Action]:
        insured = state.insured_last_year
        return [A.InsuredLastYear(insured)] if insured is not None else []

    def forget(self, state: DialogState) -> None:
        forget_history(state)


class LapsedYearsQuestion(Question):
    stage = Stage.LAPSED_YEARS
    answers = (A.LapsedYears,)

    def pending(self, dialog: Dialog) -> bool:
        state = dialog.state
        return state.insured_last_year is False and state.lapsed_years is None

    def ask(self, dialog: Dialog) -> Asked:
        return Asked(
            [block("ask_lapsed_years")],
            [
                self.option(dialog, A.LapsedYears(n), "years", years=n)
                for n in range(1, MAX_LAPSED_CHOICE + 1)
            ],
            columns=3,
        )

    def take(self, dialog: Dialog, action: A.Action) -> None:
        state = dialog.state
        assert isinstance(action, A.LapsedYears)
        state.lapsed_years = action.years

    def chosen(self, state: DialogState, today: date) -> list[A.Action]:
        lapsed = state.lapsed_years
        if state.insured_last_year is False and lapsed:
            return [A.LapsedYears(lapsed)]
        return []

    def forget(self, state: DialogState) -> None:
        forget_history(state)


class RepairQuestion(Question):
    stage = Stage.REPAIR
    answers = (A.RepaidYears,)

    def pending(self, dialog: Dialog) -> bool:
        state = dialog.state
        return state.repaid_years is None and flow.repair_matters(state, dialog.policy())

    def ask(self, dialog: Dialog) -> Asked:
        lapsed = dialog.state.lapsed_years or 0
        return Asked(
            [block("ask_repair", lapsed=lapsed, max_useful=lapsed - 1)],
            [
                self.option(dialog, A.RepaidYears(n), "repair_years", years=n)
                for n in range(0, lapsed)
            ],
            columns=3,
        )

    def take(self, dialog: Dialog, action: A.Action) -> None:
        state = dialog.state
        assert isinstance(action, A.RepaidYears)
        state.repaid_years = action.years

    def chosen(self, state: DialogState, today: date) -> list[A.Action]:
        repaid = state.repaid_years
        if state.insured_last_year is False and repaid is not None:
            return [A.RepaidYears(repaid)]
        return []

    def forget(self, state: DialogState) -> None:
        forget_history(state)
