"""Found by the trust audit: every sentence of an answer holds for the person asked about."""

from __future__ import annotations

from datetime import date

from policies.engine import quote
from policies.result import QuoteRequest


def _texts(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.text["zh_Hans"] for n in result.notes if n.text]


def test_a_subsidy_that_decides_nothing_adds_no_sentence_about_its_amount() -> None:
    # 乌政办发〔2023〕81号 二(二)6 "脱贫享受政策人员（过渡期内）中的低保对象：由医保局、乡村振兴局
    # 分别代缴200元，个人无需缴费": 0元. The 单纯低保户 sentence of 二(二)4 ("个人缴纳的200元，
    # 具体缴费时间另行通知") is not this person's and contradicted the 0元.
    result = quote(
        QuoteRequest(
            region="wulateqianqi",
            identities=frozenset({"dibao", "poverty_alleviated"}),
            payment_date=date(2024, 3, 1),
        )
    )
    assert result.amount_due == 0
    assert not [t for t in _texts(result) if "200元" in t], _texts(result)
    # The 单纯低保户 alone still hears it: it is their 200元.
    alone = quote(
        QuoteRequest(
            region="wulateqianqi", identities=frozenset({"dibao"}), payment_date=date(2024, 3, 1)
        )
    )
    assert alone.amount_due == 200
    assert [t for t in _texts(alone) if "个人缴纳的200元" in t]
