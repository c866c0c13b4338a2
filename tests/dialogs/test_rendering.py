"""Rendering of quote answers: Babel formats, Telegram HTML safety, length, every note code.

The grid test is the net for new engine codes: any note, waiting reason, coverage rule or
status without a sentence in the templates logs a warning from "dialogs.rendering", and the
test fails on it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.rendering import (
    LANGUAGES,
    MARKUPS,
    MAX_MESSAGE_LENGTH,
    check_telegram_html,
    format_date,
    format_money,
    normalise_lang,
    note_codes,
    render_note,
    render_quote,
)
from dialogs.rendering.script import to_traditional
from policies.catalog import LoadedPolicy, load_catalog
from policies.engine import QuoteInputError, quote
from policies.quote.notes import NoteCode
from policies.result import Note, QuoteRequest, QuoteResult, Source, Status

CATALOG = load_catalog()
TAG = re.compile(r"</?(b|i|u|s|code|pre|a|blockquote)\b[^>]*>")


# -- Babel formats ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "lang", "expected"),
    [
        (Decimal(400), "zh_Hans", "400元"),
        (Decimal("160.50"), "zh_Hans", "160.50元"),
        (Decimal("160.5"), "zh_Hant", "160.50元"),
        (Decimal(1400), "zh_Hans", "1400元"),  # notices never group thousands
        (Decimal(0), "zh_Hans", "0元"),
        (Decimal(400), "en", "CNY 400"),
        (Decimal("160.50"), "en", "CNY 160.50"),
        (Decimal(1400), "en", "CNY 1,400"),
        (Decimal(400), "fr", "400元"),  # unknown language: zh_Hans
    ],
)
def test_format_money(amount: Decimal, lang: str, expected: str) -> None:
    assert format_money(amount, lang) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh_Hans", "2025年2月28日"), ("zh_Hant", "2025年2月28日"), ("en", "28 Feb 2025")],
)
def test_format_date(lang: str, expected: str) -> None:
    assert format_date(date(2025, 2, 28), lang) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (None, "zh_Hans"),
        ("", "zh_Hans"),
        ("zh_Hans", "zh_Hans"),
        ("zh-hans", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-hant", "zh_Hant"),
        ("zh-TW", "zh_Hant"),
        ("zh_HK", "zh_Hant"),
        ("en", "en"),
        ("en-GB", "en"),
        ("ru", "zh_Hans"),
    ],
)
def test_normalise_lang(code: str | None, expected: str) -> None:
    assert normalise_lang(code) == expected


# -- the grid ---------------------------------------------------------------------------------


def _boundary_days(policy: LoadedPolicy) -> set[date]:
    """Days where the answer changes: each window's first and last day, a day inside it, the
    closure, the year's ends, and days before and after everything."""
    data = policy.data
    days = {data.coverage_start, data.coverage_end, data.coverage_end + timedelta(days=1)}
    days.add(policy.first_payment_day - timedelta(days=1))
    for window in data.windows:
        days |= {window.start, window.end, window.start + (window.end - window.start) / 2}
    if data.closure is not None:
        days |= {data.closure.from_date - timedelta(days=1), data.closure.from_date}
    return days


def _identity_sets() -> list[frozenset[str]]:
    singles = [frozenset({code}) for code in CATALOG.identities]
    pairs = [frozenset({"dibao", "dibao_edge"}), frozenset({"tekun", "poverty_alleviated"})]
    return [frozenset(), *singles, *pairs]


def _born_this_year(birth: date | None, day: date) -> bool:
    return birth is not None and birth.year == day.year


def _grid() -> Iterator[QuoteResult]:
    histories = [(0, 0), (2, 0), (5, 2)]
    for slug in CATALOG.regions():
        policies = CATALOG.policies_for(slug)
        tiers: list[int | None] = sorted({t.number for p in policies for t in p.data.tiers})
        days = sorted(set().union(*(_boundary_days(p) for p in policies)))
        for index, day in enumerate(days):
            for identities in _identity_sets():
                lapsed, repaid = histories[index % len(histories)]
                births: list[date | None] = [None]
                if "newborn" in identities or any(
                    CATALOG.identities[i].needs_birth_date for i in identities
                ):
                    births = [None, day - timedelta(days=20), day - timedelta(days=120)]
                    births.append(date(day.year - 70, 6, 1))
                    # Born after the insurance year began (and so insured nowhere before):
                    # cover cannot start before birth.
                    if date(day.year, 1, 15) < day:
                        births.append(date(day.year, 1, 15))
                for tier in tiers or [None]:
                    for birth in births:
                        request = QuoteRequest(
                            region=slug,
                            identities=identities,
                            payment_date=day,
                            birth_date=birth,
                            lapsed_years=0 if _born_this_year(birth, day) else lapsed,
                            repaid_years=0 if _born_this_year(birth, day) else repaid,
                            tier=tier,
                        )
                        try:
                            yield quote(request, CATALOG)
                        except QuoteInputError:
                            continue


GRID = list(_grid())


def test_grid_reaches_every_status() -> None:
    """Guards the grid itself: a grid that never reaches a status tests nothing about it."""
    statuses = {r.status for r in GRID}
    rules = {r.coverage.rule for r in GRID if r.coverage is not None}
    assert "not_before_birth" in rules
    assert {Status.OK, Status.NO_POLICY} <= statuses
    assert len(GRID) > 1000


def test_every_answer_renders_in_every_language_and_markup(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="dialogs.rendering")
    for result in GRID:
        for lang in LANGUAGES:
            for markup in MARKUPS:
                text = render_quote(result, lang, markup)
                where = f"{result.request} {lang} {markup}"
                assert len(text) < MAX_MESSAGE_LENGTH, where
                if markup == "html":
                    assert check_telegram_html(text) == [], where
                else:
                    assert TAG.search(text) is None, where
                assert not caplog.records, f"{where}: {caplog.records[0].getMessage()}"


def test_every_note_code_in_the_grid_has_a_sentence() -> None:
    emitted = {note.code for result in GRID for note in result.notes}
    assert emitted - note_codes() == set()


def test_every_note_code_the_engine_can_emit_has_a_sentence() -> None:
    """The engine's note codes are an enum (policies.quote.notes.NoteCode): a new member
    fails here even before any grid case reaches it."""
    codes = {code.value for code in NoteCode}
    assert codes, "the engine's note codes were not found; update this test"
    assert codes - note_codes() == set()


def test_unknown_note_code_is_loud(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="dialogs.rendering")
    assert render_note(Note(code="no_such_code"), "zh_Hans", "text") == "no_such_code"
    assert "no_such_code" in caplog.text


def test_ok_answers_end_contacts_with_12393_and_dedupe_sources() -> None:
    for result in GRID:
        if result.status is not Status.OK:
            continue
        text = render_quote(result, "zh_Hans", "text")
        lines = text.splitlines()
        sources = [line for line in lines if line.startswith("依据：")]
        labels = [re.sub(r" “.*", "", line) for line in sources]
        assert len(labels) == len(set(labels)), text
        assert sources, text
        contacts = [line for line in lines if line.startswith("• ") and line[2:].strip()]
        assert any("12393" in line for line in contacts)
        assert result.contacts[-1].detail == "12393"


# -- what each status says first ---------------------------------------------------------------


def _first(status: Status) -> list[QuoteResult]:
    found: dict[str, QuoteResult] = {}
    for result in GRID:
        if result.status is status:
            found.setdefault(result.region, result)
    return list(found.values())


def test_plain_text_stands_alone() -> None:
    """Region, policy year and document in the first line of every payable answer."""
    for result in GRID:
        if result.status not in (Status.OK, Status.UNDETERMINED, Status.CLOSED):
            continue
        assert result.document is not None
        for lang in LANGUAGES:
            first = render_quote(result, lang, "text").splitlines()[0]
            # zh_Hant prints the data's names in Traditional script
            script = to_traditional if lang == "zh_Hant" else str
            assert script(result.region_name) in first
            assert str(result.policy_year) in first
            assert script(result.document) in first


def test_no_policy_says_so_first() -> None:
    results = _first(Status.NO_POLICY)
    assert len(results) == len(CATALOG.regions())
    for result in results:
        text = render_quote(result, "zh_Hans", "text")
        assert "尚未收录适用于" in text.splitlines()[1]
        assert result.region_name in text.splitlines()[0]
        assert "12393" in text
        english = render_quote(result, "en", "text")
        assert english.splitlines()[1].startswith("No notice on file governs")


def test_closed_says_so_first() -> None:
    closures = [
        p for slug in CATALOG.regions() for p in CATALOG.policies_for(slug) if p.data.closure
    ]
    if not closures:
        pytest.skip("no notice on file closes payment")
    for policy in closures:
        assert policy.data.closure is not None
        result = quote(
            QuoteRequest(region=policy.slug, payment_date=policy.data.closure.from_date),
            CATALOG,
        )
        assert result.status is Status.CLOSED
        lines = render_quote(result, "zh_Hans", "text").splitlines()
        assert "缴费已截止" in lines[3] or "已停止缴纳" in lines[3], lines


def test_undetermined_says_the_notice_does_not_fix_the_amount() -> None:
    results = _first(Status.UNDETERMINED)
    if not results:
        pytest.skip("no undetermined answer in the grid")
    for result in results:
        text = render_quote(result, "zh_Hans", "text")
        assert "应缴金额：通知未确定" in text
        assert "为准" in text  # who decides
        assert "Amount due: not fixed by the notice" in render_quote(result, "en", "text")


# -- a golden answer, derived from the notice ---------------------------------------------------


def test_changtu_near_dibao_in_the_collection_period() -> None:
    """昌图县 2025 notice: 一、1 collection 2024-09-23..2025-02-28; 一、2 covered 2025-01-01..
    2025-12-31; 二 standard 400元, 低保边缘家庭成员 60% → 240元 subsidy, 160元 due."""
    if "changtu" not in CATALOG.regions():
        pytest.skip("昌图县 data not on file")
    result = quote(
        QuoteRequest(
            region="changtu", identities=frozenset({"dibao_edge"}), payment_date=date(2025, 1, 15)
        ),
        CATALOG,
    )
    text = render_quote(result, "zh_Hans", "text")
    assert "标准 400元 − 低保边缘家庭成员资助 240元 = 应缴 160元" in text
    assert "缴费截止：2025年2月28日" in text
    assert "待遇享受期：2025年1月1日至2025年12月31日" in text
    assert "等待期：无" in text
    assert "依据：昌图县政府办通知（2024年10月18日） 二" in text
    english = render_quote(result, "en", "text")
    assert "Amount due: CNY 160" in english
    assert "低保边缘家庭成员 (member of a near-dibao household)" in english
    html = render_quote(result, "zh_Hans", "html")
    assert "<b>应缴金额：</b><b>160元</b>" in html


# -- escaping -----------------------------------------------------------------------------------


def _payable() -> QuoteResult:
    return next(r for r in GRID if r.status is Status.OK and r.amount and r.amount.subsidies)


def test_inserted_values_are_escaped_in_html_and_verbatim_in_text() -> None:
    result = _payable()
    assert result.amount is not None
    hostile = "<script>&"
    line = result.amount.subsidies[0].model_copy(update={"label": "<b>&"})
    amount = result.amount.model_copy(update={"subsidies": [line]})
    note = Note(code="data", text=dict.fromkeys(LANGUAGES, hostile))
    crafted = result.model_copy(
        update={"region_name": "<i>县&", "amount": amount, "notes": [*result.notes, note]}
    )
    for lang in LANGUAGES:
        html = render_quote(crafted, lang, "html")
        assert check_telegram_html(html) == []
        assert "&lt;script&gt;&amp;" in html and "<script>" not in html
        county = "縣" if lang == "zh_Hant" else "县"  # zh_Hant prints data in Traditional
        assert f"&lt;i&gt;{county}&amp;" in html
        text = render_quote(crafted, lang, "text")
        assert hostile in text
        assert f"<i>{county}&" in text


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=60,
    )
)
def test_any_data_text_stays_well_formed(value: str) -> None:
    result = _payable()
    note = Note(code="data", text=dict.fromkeys(LANGUAGES, f"«{value}»"))
    crafted = result.model_copy(update={"notes": [note], "document": f"«{value}»"})
    html = render_quote(crafted, "en", "html")
    assert check_telegram_html(html) == []
    assert f"«{value}»" in render_quote(crafted, "en", "text")


# -- fitting one message ------------------------------------------------------------------------


def test_quotes_are_dropped_before_the_message_gets_too_long() -> None:
    result = _payable()
    long_quote = "长" * 1500
    sources = [
        Source(document="某通知", clause_id=f"c{i}", clause_label=f"第{i}条", quote=long_quote)
        for i in range(3)
    ]
    crafted = result.model_copy(update={"sources": [*result.sources, *sources]})
    for markup in MARKUPS:
        text = render_quote(crafted, "zh_Hans", markup)
        assert len(text) < MAX_MESSAGE_LENGTH
        assert long_quote not in text
        for i in range(3):
            assert f"依据：某通知 第{i}条" in text
    short = result.model_copy(update={"sources": [*result.sources, sources[0]]})
    short_quote = "短" * 100
    short = short.model_copy(
        update={"sources": [s.model_copy(update={"quote": short_quote}) for s in short.sources]}
    )
    assert short_quote in render_quote(short, "zh_Hans", "text")


def test_most_compact_level_keeps_only_the_national_hotline() -> None:
    from dialogs.rendering.environment import render_template
    from dialogs.rendering.quote import ANSWER_TEMPLATE, LEVELS, answer_context

    result = next(r for r in GRID if r.status is Status.OK and len(r.contacts) > 1)
    compact = render_template(
        ANSWER_TEMPLATE, "zh_Hans", "text", **answer_context(result, "zh_Hans", "text", LEVELS[-1])
    )
    assert "12393" in compact
    assert str(result.contacts[0].detail) not in compact
    # ...while every standalone answer in the grid still lists all contacts
    assert str(result.contacts[0].detail) in render_quote(result, "zh_Hans", "text")
