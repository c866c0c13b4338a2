"""DialogState.clone: a step's working copy shares nothing mutable with the stored state."""

from __future__ import annotations

from datetime import date

from dialogs.state import DialogState, Stage


def full_state() -> DialogState:
    return DialogState(
        lang="en",
        stage=Stage.PAYMENT_DATE,
        region="changtu",
        identities=["dibao"],
        draft=["dibao", "tekun"],
        birth_date=date(2025, 4, 10),
        asked=[Stage.REGION, Stage.IDENTITIES],
        kept=["t:2"],
        seq=4,
    )


def test_a_clone_is_equal_and_owns_every_list() -> None:
    state = full_state()
    clone = state.clone()
    assert clone == state
    for name in DialogState.model_fields:
        value = getattr(state, name)
        if isinstance(value, list | dict | set):
            assert getattr(clone, name) is not value, f"{name} is shared with the original"


def test_mutating_a_clone_leaves_the_original_alone() -> None:
    state = full_state()
    before = state.model_dump()
    clone = state.clone()
    clone.asked.pop()
    clone.draft.append("disabled")
    assert clone.identities is not None
    clone.identities.clear()
    clone.seq += 1
    assert state.model_dump() == before


def test_a_fresh_state_clones_too() -> None:
    state = DialogState()
    assert state.clone() == state and state.clone().identities is None
