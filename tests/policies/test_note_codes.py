"""Every note code the engine can emit has a sentence, and every sentence a code (issue 9 §3)."""

from __future__ import annotations

import re
from pathlib import Path

from dialogs.rendering.notes import note_codes
from policies.quote.notes import NoteCode

QUOTE_PACKAGE = Path(__file__).parents[2] / "policies" / "quote"


def test_every_code_has_a_template() -> None:
    missing = {code.value for code in NoteCode} - note_codes()
    assert not missing, f"codes without a note_<code> macro in notes.j2: {sorted(missing)}"


def test_every_template_has_a_code() -> None:
    orphans = note_codes() - {code.value for code in NoteCode}
    assert not orphans, f"note_<code> macros no code names: {sorted(orphans)}"


def test_the_rules_emit_notes_only_through_the_enum() -> None:
    """No note code is spelt as a bare string in the rules (a typo would render as the code)."""
    bare = re.compile(r"\.note\(\s*\"|code=\"")
    for path in QUOTE_PACKAGE.glob("*.py"):
        assert not bare.search(path.read_text("utf-8")), path.name
