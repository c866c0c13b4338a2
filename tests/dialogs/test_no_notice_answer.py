"""The no-notice answer: the plain statement, then a compact labelled reference (issue 10 §4).

No notice on file governs 2027-03-01 (昌图's latest is for 2025). The reply says so, then the
same question under the 2025 notice — amount, deadline, coverage start with their clauses,
the one office to call — every line labelled as the 2025 notice's, not the whole answer
again with the phone list (1,695 characters before, the phones twice).
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.cli import main
from dialogs.engine import Command, Text, step
from dialogs.render import render_reply
from dialogs.rendering import format_date, format_money
from dialogs.rendering.environment import render_template
from dialogs.state import DialogState
from dialogs.views import reference_for
from policies.catalog import load_catalog
from policies.engine import quote
from policies.result import QuoteRequest, Status

CATALOG = load_catalog()
TODAY = date(2026, 12, 2)



def _reply(message: str, lang: str = "zh_Hans"):  # type: ignore[no-untyped-def]
    state, _ = step(DialogState(lang=lang), Command(name="start", arg="", today=TODAY))
    state, replies = step(state, Text(text=message, today=TODAY))
    [answer] = [r for r in replies if r.kind == "answer"]
    return answer


def test_the_dialog_gives_the_statement_and_a_compact_labelled_reference() -> None:
    reply = _reply("昌图 低保户 2027年3月1日交")
    assert [b.template for b in reply.blocks][-2:] == ["answer", "reference_answer"]
    asked = reply.blocks[-2].params["result"]
    assert asked.status is Status.NO_POLICY
    reference = reply.blocks[-1].params["result"]
    assert reference == reference_for(CATALOG, asked)
    text = render_reply(reply, "text").text
    assert "咨询电话" not in text and "75823186" not in text  # no phone list, let alone twice
    assert len(text) < 700, len(text)
    label = render_template("dialog/reference_label.j2", "zh_Hans", "text", result=reference)
    assert label == "【2025年度规定，仅供参考】"
    statement, _, rest = text.partition("仅供参考：")
    assert "2027年3月1日" in statement and label not in statement
    lines = [line for line in rest.split("\n")[1:] if line.strip()]
    assert lines and all(line.startswith(label) for line in lines), lines
    facts = "\n".join(lines)
    # every figure is quote()'s under the 2025 notice, with its clause
    assert reference.amount is not None
    assert f"应缴{format_money(reference.amount.due, 'zh_Hans')}（二；一、3）" in facts
    assert format_date(reference.request.payment_date, "zh_Hans") in facts
    assert reference.coverage is not None and reference.coverage.start is not None
    assert format_date(reference.coverage.start, "zh_Hans") + "起享受待遇" in facts
    assert "通知未写明截止日期" in facts  # 一、3 sets no end for paying outside the period
    # the one office to call, with the phone 七、2 prints for it
    assert f"咨询：{reference.office} {reference.office_phone}或12393。" in facts


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "en"])
@pytest.mark.parametrize("region", ["昌图", "丰都", "科左后旗", "双清区", "乌拉特前旗"])
def test_every_region_and_language_answers_today_compactly(region: str, lang: str) -> None:
    reply = _reply(f"{region} 普通居民 今天交", lang)
    text = render_reply(reply, "text").text
    assert reply.blocks[-1].template == "reference_answer", text
    reference = reply.blocks[-1].params["result"]
    label = render_template("dialog/reference_label.j2", lang, "text", result=reference)
    first = text.index(label)
    assert all(line.startswith(label) for line in text[first:].split("\n") if line.strip())
    assert len(text) < (1000 if lang == "en" else 700), (len(text), text)
    if reference.amount is not None and reference.status is Status.OK:
        assert format_money(reference.amount.due, lang) in text


def test_the_command_gives_the_same_compact_reference(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["quote", "--region", "昌图", "--identity", "低保", "--date", "2027-03-01"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    request = QuoteRequest(
        region="changtu", identities=frozenset({"dibao"}), payment_date=date(2027, 3, 1)
    )
    asked = quote(request, CATALOG)
    reference = reference_for(CATALOG, asked)
    assert reference is not None and reference.amount is not None
    assert "本服务尚未收录适用于2027年3月1日缴费的通知" in text
    assert "咨询电话" not in text
    assert f"【2025年度规定，仅供参考】 应缴{format_money(reference.amount.due, 'zh_Hans')}" in text


def test_the_compact_reference_names_the_facts_its_figures_depend_on() -> None:
    """A person not insured for two years waits four months (昌图 一、3 with the national
    lapse rule): the reference's coverage start is only true for that history, so the line
    saying who pays when says it too, as the full answer's header does."""
    reply = _reply("昌图 特困人员 2027年3月1日交 断保2年 不补缴")
    reference = reply.blocks[-1].params["result"]
    assert reference.request.lapsed_years == 2
    text = render_reply(reply, "text").text
    label = render_template("dialog/reference_label.j2", "zh_Hans", "text", result=reference)
    day = format_date(reference.request.payment_date, "zh_Hans")
    assert f"{label} 特困人员，{day}缴费；断保2年" in text
    assert reference.coverage is not None and reference.coverage.start is not None
    assert format_date(reference.coverage.start, "zh_Hans") + "起享受待遇" in text
