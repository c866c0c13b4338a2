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

from dialogs.rendering import render_quote
from policies.catalog import load_catalog
from policies.engine import quote
from policies.result import QuoteRequest

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
    assert "依据：昌图县政府办通知（2024年10月18日） 七" in text


def test_the_issue_example_is_shorter_and_keeps_every_figure() -> None:
    # 881 characters before, with seven phone numbers; 815 after, with four
    text = changtu_answer("dibao_edge")
    assert len(text) <= 881 - 60
    for figure in ("160元", "2025年6月9日", "90天", "12393", "75823186", "75813852"):
        assert figure in text
