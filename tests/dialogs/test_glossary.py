"""The glossary (issue 10, item 1, content): every group each notice names, in its own words
(the clauses naming it, verbatim and cited), with the calculator's figures, and the national
meaning marked as national — which the national texts on file do not give for any group, so
the glossary says so instead of inventing one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dialogs.flow import identities_of
from dialogs.glossary import glossary_entries, glossary_entry
from dialogs.rendering import LANGUAGES
from policies.catalog import load_catalog
from tests.dialogs.test_views import _amounts, _expected, _expected_newborn, _run, _text

CATALOG = load_catalog()
DOCUMENTS = Path(__file__).resolve().parents[2] / "policies" / "documents"
SPACE = re.compile(r"\s+")


def _squeezed(text: str) -> str:
    return SPACE.sub("", text)


def _notice(region: str) -> str:
    return _squeezed((DOCUMENTS / CATALOG.latest(region).data.document.text_file).read_text())


@pytest.mark.parametrize("region", CATALOG.regions())
def test_every_named_group_has_an_entry_quoting_the_notice(region: str) -> None:
    data = CATALOG.latest(region).data
    named = set(identities_of(CATALOG, region)) | {s.identity for s in data.scope_identities}
    entries = glossary_entries(CATALOG, region, "zh_Hans")
    assert {e.identity for e in entries} == named
    notice = _notice(region)
    for entry in entries:
        assert entry.sources and entry.named and not entry.national, entry.identity
        for source in entry.sources:
            assert _squeezed(source.quote) in notice, (region, entry.identity, source.clause_id)
            assert source.document == data.document.citation and not source.national
        # the wording shown "as printed" is the notice's
        for label in entry.printed:
            assert any(_squeezed(label) in _squeezed(s.quote) for s in entry.sources), label
        assert entry.national_sources == ()  # national-context.md defines no group


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_not_sure_button_shows_the_glossary_with_the_calculators_figures(lang: str) -> None:
    for region in CATALOG.regions():
        _, replies = _run(f"/start {region}", "!i:unsure", lang=lang)
        text = _text(replies)
        assert "ordinary:" not in text and "ordinary" not in text.replace("ordinary resident", "")
        entries = glossary_entries(CATALOG, region, lang)
        lines = [x for x in text.splitlines() if x.startswith("• ")]
        assert len(lines) == len(entries)
        for entry, line in zip(entries, lines, strict=True):
            if entry.identity == "newborn":
                expected = _expected_newborn(region)
            else:
                expected = {e for e in _expected(region, entry.identity) if e is not None}
            assert set(_amounts(line, lang)) == expected, (region, entry.identity, line)
        for source in {s for e in entries for s in e.sources}:
            assert f"“{source.quote}”" in text  # verbatim, once per clause
            assert text.count(f"“{source.quote}”") == 1
        # the national meaning, marked as national: there is none on file, and it says so
        national = {"zh_Hans": "国家规定：", "zh_Hant": "國家規定：", "en": "National rules:"}
        assert national[lang] in text


def test_a_term_asked_across_regions_names_each_notices_wording() -> None:
    _, replies = _run("/glossary 低保边缘家庭", lang="zh_Hans")
    text = _text(replies)
    entries = glossary_entry(CATALOG, None, "dibao_edge", "zh_Hans")
    for entry in entries:
        assert entry.region_name in text
        for label in entry.printed:
            assert label in text
    # 乌拉特前旗's 2024 notice does not name 低保边缘家庭: there the ordinary standard applies
    assert {e.region_name for e in entries if not e.named} == {"乌拉特前旗"}
    [line] = [x for x in text.splitlines() if x.startswith("• 乌拉特前旗")]
    assert "普通标准" in line and "400元" in line


def test_a_term_in_the_current_region_gives_that_regions_words_only() -> None:
    _, replies = _run("/start kezuohouqi", "/glossary 低保边缘", lang="zh_Hans")
    text = _text(replies)
    assert "低保边缘家庭60周岁以上老年人和未成年人" in text  # 后政办字〔2024〕126号 二(二)
    assert "昌图" not in text


def test_glossary_without_region_or_term_gives_the_national_names_marked_national() -> None:
    _, replies = _run("/glossary", lang="zh_Hans")
    text = _text(replies)
    for identity in CATALOG.identities.values():
        assert f"• {identity.zh}（全国通用类别" in text
