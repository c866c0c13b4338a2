"""/compare without an identity: which group to compare across the regions on file."""

from __future__ import annotations

from dialogs import actions as A
from dialogs import flow, views
from dialogs.questions.base import Asked, Dialog, Question, block
from dialogs.replies import Reply
from dialogs.state import Stage
from policies.catalog import Catalog


def comparable(catalog: Catalog) -> list[str]:
    """What /compare offers: ordinary residents, newborns, then every group a notice names."""
    named: set[str] = set()
    for region in catalog.regions():
        named |= set(flow.identities_of(catalog, region))
    extra = views.COMPARABLE_EXTRA
    return [*extra, *[c for c in catalog.identities if c in named and c not in extra]]


class CompareQuestion(Question):
    """Not part of the flow to the answer: asked by /compare and left when answered."""

    stage = Stage.COMPARE
    answers = (A.CompareIdentity,)

    def ask(self, dialog: Dialog) -> Asked:
        return Asked(
            [block("ask_compare")],
            [
                self.option(dialog, A.CompareIdentity(code), "identity", code=code)
                for code in comparable(dialog.catalog)
            ],
        )

    def handle(self, dialog: Dialog, action: A.Action) -> Reply:
        assert isinstance(action, A.CompareIdentity)
        return dialog.compare(action.identity)
