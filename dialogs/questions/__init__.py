"""The dialog's questions, one unit each, in the order they are asked.

Each question builds its options and handles them (`dialogs.questions.base.Question`); the
engine only asks `next_stage` which one is due and hands a button press to the question that
offered it. What the person chose before going back or pressing 修改 is kept in
`state.kept` (button ids) and marked ✓ until they answer that question again.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from dialogs import actions as A
from dialogs.questions.base import Dialog, Question
from dialogs.questions.birth_date import BirthDateQuestion
from dialogs.questions.compare import CompareQuestion
from dialogs.questions.history import HistoryQuestion, LapsedYearsQuestion, RepairQuestion
from dialogs.questions.identities import IdentitiesQuestion
from dialogs.questions.insurance_year import InsuranceYearQuestion
from dialogs.questions.payment_date import PaymentDateQuestion
from dialogs.questions.region import RegionQuestion
from dialogs.questions.tier import TierQuestion
from dialogs.state import DialogState, Stage

# In the order they are asked; the first pending one is next. The insurance year comes as
# soon as the date is known and before the questions its notice decides (birth date, tier,
# history): those come from the year chosen.
FLOW: Final[tuple[Question, ...]] = (
    RegionQuestion(),
    IdentitiesQuestion(),
    InsuranceYearQuestion(),
    BirthDateQuestion(),
    TierQuestion(),
    HistoryQuestion(),
    LapsedYearsQuestion(),
    RepairQuestion(),
    PaymentDateQuestion(),
)
QUESTIONS: Final[dict[Stage, Question]] = {
    q.stage: q for q in (*FLOW, CompareQuestion())
}
_OWNERS: Final[dict[type, Question]] = {
    kind: q for q in QUESTIONS.values() for kind in q.answers
}


def question_for(action: A.Action) -> Question | None:
    """The question whose button carries this action."""
    return _OWNERS.get(type(action))


def next_stage(dialog: Dialog) -> Stage:
    """The first question still unanswered, or ANSWER."""
    return next((q.stage for q in FLOW if q.pending(dialog)), Stage.ANSWER)


def forget(state: DialogState, stage: Stage) -> None:
    QUESTIONS[stage].forget(state)


def _chosen_ids(state: DialogState, today: date) -> list[str]:
    return [A.encode(a) for q in QUESTIONS.values() for a in q.chosen(state, today)]


def revisit(state: DialogState, stage: Stage, today: date) -> None:
    """Forget one question's answer to ask it again ("back", 修改…), keeping what was chosen
    (there and in the questions forgotten with it) to be marked ✓."""
    before = _chosen_ids(state, today)
    forget(state, stage)
    after = set(_chosen_ids(state, today))
    state.kept = list(dict.fromkeys([*state.kept, *(i for i in before if i not in after)]))


def prune_kept(state: DialogState, today: date, *, answered: bool) -> None:
    """Drop the marks that no longer stand for a choice to come back to: all of them once the
    answer is given or another region is chosen (its tiers are not this one's), and those of
    questions answered again (their new answer marks itself)."""
    region = next((a for a in map(A.decode, state.kept) if isinstance(a, A.PickRegion)), None)
    if answered or (region is not None and state.region not in (None, region.region)):
        state.kept = []
        return
    kept = []
    for option in state.kept:
        action = A.decode(option)
        owner = question_for(action) if action is not None else None
        if owner is not None and not owner.chosen(state, today):
            kept.append(option)
    state.kept = kept
