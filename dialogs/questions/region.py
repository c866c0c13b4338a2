"""Which region (county) the person is insured in."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from dialogs import actions as A
from dialogs.questions.base import Asked, Dialog, Question, block
from dialogs.state import DialogState, Stage
from policies.catalog import Catalog


@lru_cache(maxsize=8)
def regions(catalog: Catalog) -> tuple[tuple[str, str], ...]:
    """(slug, name) of every region with a notice on file.

    One tuple per catalog: the region question's text block carries it, and the render cache
    (dialogs.render) knows an object it has seen by identity instead of freezing its ~30
    pairs again on every ask (the largest key it froze under load)."""
    return tuple((slug, catalog.latest(slug).data.region.name) for slug in catalog.regions())


class RegionQuestion(Question):
    stage = Stage.REGION
    answers = (A.PickRegion,)

    def pending(self, dialog: Dialog) -> bool:
        return dialog.state.region is None

    def ask(self, dialog: Dialog) -> Asked:
        listed = regions(dialog.catalog)
        return Asked(
            [block("ask_region", regions=listed)],
            [
                self.option(dialog, A.PickRegion(slug), "region", region_name=name)
                for slug, name in listed
            ],
        )

    def take(self, dialog: Dialog, action: A.Action) -> None:
        state = dialog.state
        assert isinstance(action, A.PickRegion)
        if action.region != state.region:
            state.tier = None  # tiers are a region's own
        state.region = action.region

    def chosen(self, state: DialogState, today: date) -> list[A.Action]:
        return [A.PickRegion(state.region)] if state.region else []

    def forget(self, state: DialogState) -> None:
        state.region = None
        state.tier = None
        state.all_identities = False
