"""Golden transcripts: whole conversations per region and language, compared exactly.

A failure shows what the helpdesk now says differently. If the change is intended, regenerate
with `python -m tests.dialogs.transcript_scenarios` and review the diff like code.
"""

from __future__ import annotations

import pytest

from tests.dialogs.transcript_scenarios import LANGS, SCENARIOS, path_for, transcript

CASES = [(s, lang) for s in SCENARIOS for lang in LANGS]


@pytest.mark.parametrize(("scenario", "lang"), CASES, ids=[f"{s.name}.{lang}" for s, lang in CASES])
def test_transcript(scenario, lang) -> None:  # type: ignore[no-untyped-def]
    expected = path_for(scenario, lang).read_text(encoding="utf-8")
    assert transcript(scenario, lang) == expected


def test_every_region_has_two_conversations_per_language() -> None:
    from policies.catalog import load_catalog

    for region in load_catalog().regions():
        prefix = region.split("-")[0]
        assert sum(s.name.startswith(prefix) for s in SCENARIOS) >= 2, region
