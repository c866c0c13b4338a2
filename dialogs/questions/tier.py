"""The contribution tier, where the notice has two (丰都): assumed 一档 in the answer, asked
when the person wants to choose or the amount depends on it."""

from __future__ import annotations

from datetime import date
from typing import Any

from dialogs import actions as A
from dialogs import flow
from dialogs.questions.base import Asked, Dialog, Question, block
from dialogs.state import DialogState, Stage
from policies.catalog import LoadedPolicy


def tiers(loaded: LoadedPolicy) -> list[dict[str, Any]]:
    """Each tier with the ordinary resident's amount in it."""
    out = []
    for tier in loaded.data.tiers:
        amount = next(
            s.amount for s in loaded.data.standards if s.tier == tier.number and not s.identities
        )
        out.append({"number": tier.number, "label": tier.label, "amount": amount})
    return out


class TierQuestion(Question):
    stage = Stage.TIER
    answers = (A.PickTier,)

    def pending(self, dialog: Dialog) -> bool:
        state = dialog.state
        loaded = dialog.policy()
        return (
            state.requested is Stage.TIER
            and state.tier is None
            and flow.has_tiers(loaded)
        )

    def ask(self, dialog: Dialog) -> Asked:
        loaded = dialog.policy()
        assert loaded is not None
        return Asked(
            [block("ask_tier", tiers=tiers(loaded), region_name=loaded.data.region.name)],
            [
                self.option(dialog, A.PickTier(t.number), "tier", label=t.label)
                for t in loaded.data.tiers
            ],
        )

    def take(self, dialog: Dialog, action: A.Action) -> None:
        state = dialog.state
        assert isinstance(action, A.PickTier)
        state.tier = action.number

    def chosen(self, state: DialogState, today: date) -> list[A.Action]:
        return [A.PickTier(state.tier)] if state.tier else []

    def forget(self, state: DialogState) -> None:
        state.tier = None
