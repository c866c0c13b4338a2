"""Which groups the person belongs to: a multi-select of the groups the notice names, the
common ones first (issue 10 §7), with "more…", "none of these" and "not sure"."""

from __future__ import annotations

from datetime import date

from dialogs import actions as A
from dialogs import flow
from dialogs.questions.base import Asked, Dialog, Question, block
from dialogs.replies import Reply
from dialogs.state import DialogState, Stage


class IdentitiesQuestion(Question):
    stage = Stage.IDENTITIES
    answers = (A.ToggleIdentity, A.IdentityChoice)

    def pending(self, dialog: Dialog) -> bool:
        return dialog.state.identities is None

    def ask(self, dialog: Dialog) -> Asked:
        state = dialog.state
        assert state.region is not None
        loaded = dialog.policy()
        first, rest = flow.shortlist(dialog.catalog, state.region, loaded)
        if state.all_identities:
            shown, hidden = [*first, *rest], []
        else:  # a group chosen behind "more…" stays in sight with its ✓
            shown = [*first, *(c for c in rest if c in state.draft)]
            hidden = [c for c in rest if c not in shown]
        region_name = loaded.data.region.name if loaded else None
        options = [
            self.option(dialog, A.ToggleIdentity(code), "identity", code=code) for code in shown
        ]
        if hidden:
            options.append(
                self.option(dialog, A.IdentityChoice("more"), "identities_more", count=len(hidden))
            )
        options += [
            self.option(
                dialog, A.IdentityChoice("done"), "identities_done", count=len(state.draft)
            ),
            self.option(dialog, A.IdentityChoice("none"), "identities_none"),
            self.option(dialog, A.IdentityChoice("unsure"), "identities_unsure"),
        ]
        return Asked(
            [block("ask_identities", region_name=region_name, draft=tuple(state.draft))], options
        )

    def handle(self, dialog: Dialog, action: A.Action) -> Reply:
        state = dialog.state
        match action:
            case A.IdentityChoice("unsure"):
                return dialog.explain_identities()
            case A.IdentityChoice("more"):
                state.all_identities = True
                return dialog.ask(record=False)
            case A.ToggleIdentity(code) if code in state.draft:
                state.draft = [i for i in state.draft if i != code]
                return dialog.ask(record=False)
            case A.ToggleIdentity(code):
                state.draft = [*state.draft, code]
                return dialog.ask(record=False)
            case A.IdentityChoice("done"):
                state.identities = list(state.draft)
            case A.IdentityChoice("none"):
                state.identities = []
        state.draft = []
        state.failures = 0
        return dialog.ask()

    # The choices in progress are the draft, marked by `chosen` below while the question is
    # open; forgetting keeps them as the draft, so "back" and 修改身份 show them ✓.
    def chosen(self, state: DialogState, today: date) -> list[A.Action]:
        return [A.ToggleIdentity(code) for code in state.draft]

    def forget(self, state: DialogState) -> None:
        state.draft = list(state.identities or [])
        state.identities = None
        state.birth_date = None
        state.birth_range = None
