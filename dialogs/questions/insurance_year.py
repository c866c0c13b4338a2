"""Which insurance year the payment is for (issue 9 §2).

Every autumn two notices of a region take payment at once: last year's (late payment) and
next year's (its collection window). The question is asked only then — the payment date is
known, two notices accept payment on it (`policies.years`), and the person has not said which
year — and it is the one question before the answer when everything else was said. It comes
before the questions a notice decides (birth date, tier, history), so those are the chosen
year's; a newborn's birth date comes first, since it decides the year. Each
button says what paying that year means (its window and when cover starts, or that the wait
outlasts the year), from the calculator's answer for that year, never from the question's own
reckoning.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dialogs import actions as A
from dialogs import flow
from dialogs.questions.base import Asked, Dialog, Question, block
from dialogs.quotes import quote_once
from dialogs.state import DialogState, Stage
from policies.engine import QuoteInputError
from policies.result import QuoteResult
from policies.years import InsuranceYearError


def meaning(result: QuoteResult) -> dict[str, Any]:
    """What paying one year means, as the year's button and line say it."""
    deadline, coverage, waiting = result.deadline, result.coverage, result.waiting
    return {
        "year": result.policy_year,
        "amount": result.amount_due,
        "window": deadline.window_label if deadline is not None else None,
        "deadline": deadline.date if deadline is not None else None,
        "start": coverage.start if coverage is not None else None,
        "no_cover": coverage is not None and coverage.rule == "none_this_year",
        "until": waiting.last_day if waiting is not None else None,
    }


class InsuranceYearQuestion(Question):
    stage = Stage.INSURANCE_YEAR
    answers = (A.PickInsuranceYear,)

    def pending(self, dialog: Dialog) -> bool:
        state = dialog.state
        # a newborn's birth date decides the year (its birth year's fee, 双清 三(四)3(1)):
        # asked first
        birth_undated = "newborn" in (state.identities or []) and state.birth_date is None
        return (
            state.insurance_year is None
            and state.payment_date is not None
            and state.identities is not None
            and not birth_undated
            and len(flow.open_years(dialog.catalog, state)) >= 2
        )

    def ask(self, dialog: Dialog) -> Asked:
        state = dialog.state
        loaded = dialog.policy()
        years = list(reversed(flow.open_years(dialog.catalog, state)))  # the open collection first
        meanings = []
        for year in years:
            request = dialog.request().model_copy(update={"insurance_year": year})
            try:
                meanings.append(meaning(quote_once(dialog.catalog, request)))
            except (QuoteInputError, InsuranceYearError):
                meanings.append({"year": year})
        return Asked(
            [
                block(
                    "ask_insurance_year",
                    region_name=loaded.data.region.name if loaded else "",
                    day=state.payment_date,
                    years=meanings,
                )
            ],
            [
                self.option(dialog, A.PickInsuranceYear(m["year"]), "insurance_year", **m)
                for m in meanings
            ],
            columns=1,
        )

    def take(self, dialog: Dialog, action: A.Action) -> None:
        assert isinstance(action, A.PickInsuranceYear)
        dialog.state.insurance_year = action.year

    def chosen(self, state: DialogState, today: date) -> list[A.Action]:
        year = state.insurance_year
        return [A.PickInsuranceYear(year)] if year is not None else []

    def forget(self, state: DialogState) -> None:
        state.insurance_year = None
