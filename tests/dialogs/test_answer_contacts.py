"""The full answer lists the contacts the question concerns, once (issue 10 §4).

昌图县's notice prints six phone numbers (七); what each office does is in
四、3 and 五. A payment question concerns the tax office (七 "参保缴费咨询")
and the 医保 centre (七 "参保政策咨询"), plus the offices the notice charges
with the person's own group: 民政局 verifies 低保边缘家庭成员 (五、6
"做好低保、特困、孤儿、低保边缘家庭成员等贫困人口身份认定工作"), 退役军人事务局
verifies 重点优抚对象 (五、8), 农业农村局 registers 脱贫人口 (四、3), 教育局
helps register students (五、5). The reference views and the JSON keep every
phone.
"""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from dialogs.rendering import render_quote
from dialogs.rendering.environment import render_template
from dialogs.rendering.quote import ANSWER_TEMPLATE, LEVELS, answer_context
from dialogs.rendering.reference import render_reference
from dialogs.rendering.short import render_short
from policies.catalog import load_catalog
from policies.engine import quote
from policies.result import QuoteRequest
from policies.schema import PolicyFile

CATALOG = load_catalog()
PHONES = {
    "tax": "75823186",
    "medical": "79590058",
    "education": "75335522",
    "civil": "75813852",
    "agriculture": "75816616",
    "veterans": "75853583",
    "hotline": "12393",
}


def changtu_answer(*identities: str, lang: str = "zh_Hans") -> str:
    request = QuoteRequest(
        region="changtu", identities=frozenset(identities), payment_date=date(2025, 3, 10)
    )
    return render_quote(quote(request, CATALOG), lang, "text")


def contact_lines(text: str) -> list[str]:
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(("咨询电话", "Ask", "諮詢")))
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith("• "):
            break
        block.append(line)
    return block


@pytest.mark.parametrize(
    ("identities", "offices"),
    [
        ((), {"tax", "medical", "hotline"}),
        (("dibao_edge",), {"tax", "medical", "civil", "hotline"}),
        (("dibao",), {"tax", "medical", "civil", "hotline"}),
        (("key_youfu",), {"tax", "medical", "veterans", "hotline"}),
        (("poverty_alleviated",), {"tax", "medical", "agriculture", "hotline"}),
        (("school_student",), {"tax", "medical", "education", "hotline"}),
    ],
)
@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "en"])
def test_the_answer_lists_the_offices_the_question_concerns(
    identities: tuple[str, ...], offices: set[str], lang: str
) -> None:
    text = changtu_answer(*identities, lang=lang)
    lines = contact_lines(text)
    listed = {office for office, phone in PHONES.items() if any(phone in line for line in lines)}
    assert listed == offices, lines
    assert len(lines) == len(offices)  # each office once
    for office, phone in PHONES.items():
        if office not in offices:
            assert phone not in text, (office, text)


def test_the_contacts_clause_stays_cited() -> None:
    text = changtu_answer("dibao_edge")
    # with what it stands behind, beside the channels' clause of the same notice
    assert "依据：昌图县政府办通知（2024年10月18日） 三（缴费渠道）；七（咨询电话）" in text


def test_the_issue_example_is_shorter_and_keeps_every_figure() -> None:
    # 881 characters before, with seven phone numbers; 815 after, with four
    text = changtu_answer("dibao_edge")
    assert len(text) <= 881 - 60
    for figure in ("160元", "2025年6月9日", "90天", "12393", "75823186", "75813852"):
        assert figure in text


@pytest.mark.parametrize("identities", [(), ("dibao_edge",), ("dibao", "tekun")])
@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "en"])
def test_each_phone_is_printed_once_in_the_full_answer(
    identities: tuple[str, ...], lang: str
) -> None:
    # Paid 2025-03-10, outside 一、1's collection period: the notes send the reader to the
    # deciding office twice (amount, deadline); its phone is in the contact list only.
    # (the source lines cite the national hotline by its label, 12393: not a phone line)
    lines = changtu_answer(*identities, lang=lang).split("\n")
    text = "\n".join(line for line in lines if not line.startswith(("依据", "依據", "Source")))
    for phone in PHONES.values():
        assert text.count(phone) <= 1, (phone, text)
    assert text.count(PHONES["medical"]) == 1


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "en"])
def test_answers_without_the_contact_list_give_the_offices_phone(lang: str) -> None:
    # the short answer and the no-notice reference name one office to call: 七、2 "县医保中心
    # 参保政策咨询电话：79590058（参保部）" gives its phone
    for payment_date in (date(2025, 3, 10), date(2027, 3, 1)):
        request = QuoteRequest(
            region="changtu", identities=frozenset({"dibao_edge"}), payment_date=payment_date
        )
        result = quote(request, CATALOG)
        reference = quote(request.model_copy(update={"payment_date": date(2025, 3, 1)}), CATALOG)
        short = render_short(result, lang, reference=reference)
        assert short.count(PHONES["medical"]) == 1, short
    no_notice = quote(QuoteRequest(region="changtu", payment_date=date(2027, 3, 1)), CATALOG)
    reference = quote(QuoteRequest(region="changtu", payment_date=date(2025, 3, 1)), CATALOG)
    compact = render_reference(reference, no_notice, lang, "text")
    assert compact.count(PHONES["medical"]) == 1, compact


def test_the_deciding_office_must_name_a_contact_line() -> None:
    data = CATALOG.policies_for("changtu")[0].data.model_dump()
    data["region"]["office_contact"] = "c9_nowhere"
    with pytest.raises(ValidationError, match="office_contact c9_nowhere"):
        PolicyFile.model_validate(data)


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "en"])
def test_the_most_compact_answer_keeps_the_deciding_offices_phone(lang: str) -> None:
    # the notes name the office without its phone, so the answer cut to its most compact
    # level (an answer too long for one message) must keep that office's line and 12393
    request = QuoteRequest(
        region="changtu", identities=frozenset({"dibao_edge"}), payment_date=date(2025, 3, 10)
    )
    result = quote(request, CATALOG)
    context = answer_context(result, lang, "text", LEVELS[-1])
    text = render_template(ANSWER_TEMPLATE, lang, "text", **context)
    lines = contact_lines(text)
    assert [PHONES["medical"] in lines[0], PHONES["hotline"] in lines[1]] == [True, True], lines
    assert len(lines) == 2 and PHONES["tax"] not in text
