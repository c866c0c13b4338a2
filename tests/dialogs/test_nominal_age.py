"""An age said in "岁" may be 虚岁: only "周岁" is the full years a notice counts.

科左后旗 二(二): "低保边缘家庭 60 周岁以上老年人和未成年人 … 个人缴费 220 元"; otherwise "普通城乡
居民：个人缴费标准为 400 元". Many older residents count 虚岁 (one at birth, one more each
Spring Festival), one or two years more than 周岁: "我今年60了" may be 58 周岁. Taking it as 60
周岁 told a 58-year-old 220元 where the notice gives 400元.
"""

from __future__ import annotations

from dialogs.state import Stage
from tests.dialogs.replies import answer, plain_text, say, templates


def test_an_age_in_sui_at_the_boundary_asks_the_birth_date() -> None:
    for said in ("60岁", "我今年60了", "今年六十岁", "61岁", "虚岁61"):
        state, replies = say("科左后旗 低保边缘户 今天交", said)
        assert state.stage is Stage.BIRTH_DATE, said
        assert "answer" not in templates(replies), said
        assert "要看具体的出生日期" in plain_text(replies), said
    _, replies = say("科左后旗 低保边缘户 今天交", "60岁")
    assert "58至60周岁" in plain_text(replies) and "虚岁" in plain_text(replies)


def test_full_years_or_an_age_clear_of_the_boundary_is_enough() -> None:
    for said, due in (("60周岁", 220), ("62岁", 220), ("65岁", 220), ("虚岁62岁", 220),
                      ("59周岁", 400), ("59岁", 400), ("17岁", 220)):
        state, replies = say("科左后旗 低保边缘户 今天交", said)
        assert state.birth_date is None, said
        assert answer(replies).amount_due == due, said
    _, replies = say("科左后旗 低保边缘户 今天交", "65岁")
    assert "缴费日63至65周岁" in plain_text(replies)


def test_the_birth_date_then_decides() -> None:
    # born 1966-01-05: 59 full years on 10 March 2025, whatever "60岁" meant
    _, replies = say("科左后旗 低保边缘户 今天交", "今年60了", "1966年1月5日")
    assert answer(replies).amount_due == 400
    _, replies = say("科左后旗 低保边缘户 今天交", "今年60了", "1965年1月5日")
    assert answer(replies).amount_due == 220
