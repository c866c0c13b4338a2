"""Nothing a user types or clicks breaks the dialog (issue 3, hypothesis).

Random text (emoji, 10,000-character messages, markup such as <b> and </a>), random button
ids and random commands, fed to random reachable states: no exception (no "error" reply),
the state always round-trips through JSON, HTML replies are well-formed for Telegram, and
every reply fits in one Telegram message.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.telegram.splitting import split_message
from dialogs.engine import COMMANDS, Choice, Command, Text, step
from dialogs.render import render_reply
from dialogs.rendering.telegram_html import check_telegram_html
from dialogs.state import DialogState
from policies.catalog import load_catalog

CATALOG = load_catalog()
REGIONS = CATALOG.regions()
IDENTITIES = list(CATALOG.identities)
LIMIT = 4096

MARKUP = st.sampled_from(["<b>", "</a>", "<script>", "&", "&amp;", "<", ">", "</b></i>", '"'])
OPTION_IDS = st.one_of(
    st.sampled_from(
        [f"r:{r}" for r in REGIONS]
        + [f"i:{i}" for i in IDENTITIES]
        + [
            "i:done",
            "i:none",
            "i:unsure",
            "i:more",
            "t:1",
            "t:2",
            "t:3",
            "h:yes",
            "h:no",
            "y:1",
            "y:6",
            "p:0",
            "p:5",
            "d:today",
            "iy:2025",
            "iy:2026",
            "iy:1899",
            "iy:20x5",
            "c:year",
            "n:back",
            "n:restart",
            "n:help",
            "n:ask",
            "n:bogus",
            "c:region",
            "c:identities",
            "c:date",
            "c:history",
            "c:tier",
            "c:birth",
            "c:x",
            "v:table",
            "v:compare",
            "v:sources",
            "v:menu",
            "v:language",
            "v:faq:refund",
            "v:faq:nonsense",
            "v:table:nowhere",
            "l:en",
            "l:zh_Hant",
            "l:xx",
            "x:dibao",
            "x:nonsense",
            "a:plain",
            "?",
            "",
        ]
    ),
    st.text(max_size=40),
)
TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.text(max_size=20), MARKUP), max_size=20).map("".join),
    st.sampled_from(
        [
            "昌图",
            "科左后旗",
            "丰都二档",
            "低保",
            "我是昌图县的低保边缘户，3月10号交",
            "今天",
            "2月30日",
            "13月5日",
            "断保两年，补缴一年",
            "是",
            "否",
            "2",
            "不确定",
            "返回",
            "帮助",
            "重新开始",
            "😀" * 50,
            "x" * 10_000,
            "1960-01-01",
            "下个月5号",
            "<b>低保</b>",
            "交2025年的",
            "2030年度",
            "for the 2026 insurance year",
        ]
    ),
)
TODAYS = st.dates(min_value=date(2023, 6, 1), max_value=date(2027, 6, 1))
EVENTS = st.one_of(
    st.builds(lambda t, d: Text(text=t, today=d), TEXTS, TODAYS),
    st.builds(
        lambda o, s, d: Choice(option=o, seq=s, today=d),
        OPTION_IDS,
        st.one_of(st.none(), st.integers(0, 40)),
        TODAYS,
    ),
    st.builds(
        lambda n, a, d: Command(name=n, arg=a, today=d),
        st.one_of(st.sampled_from(COMMANDS), st.text(max_size=10)),
        st.one_of(st.sampled_from([*REGIONS, "", "nowhere", "低保"]), st.text(max_size=30)),
        TODAYS,
    ),
)


def _check(state: DialogState, replies: list) -> None:  # type: ignore[type-arg]
    assert DialogState.from_json(state.to_json()) == state
    for reply in replies:
        assert reply.kind != "error", "a step failed inside the dialog"
        html = render_reply(reply, "html")
        text = render_reply(reply, "text")
        if not any(b.template == "reference_answer" for b in reply.blocks):
            assert len(html.text) < LIMIT and len(text.text) < LIMIT
        # A reference answer has a message's room of its own after the "no notice" answer,
        # so the whole may be longer: the bot sends it in parts, each of which must pass.
        for part in split_message(html.text, html=True):
            assert check_telegram_html(part) == [], part[:500]
        for part in split_message(text.text, html=False):
            assert len(part) <= LIMIT
        for row in html.buttons:
            for option_id, label in row:
                assert len(f"v1|{reply.seq}|{option_id}".encode()) <= 64
                assert label.strip()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(EVENTS, min_size=1, max_size=12))
def test_random_conversations_never_break(events: list) -> None:  # type: ignore[type-arg]
    state = DialogState()
    for event in events:
        state, replies = step(state, event)
        _check(state, replies)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    region=st.sampled_from(REGIONS),
    identities=st.lists(st.sampled_from(IDENTITIES), max_size=3, unique=True),
    offset=st.integers(-800, 800),
    lapsed=st.integers(0, 6),
    lang=st.sampled_from(["zh_Hans", "zh_Hant", "en"]),
    tail=st.lists(EVENTS, max_size=4),
)
def test_answer_screens_stay_valid(
    region: str,
    identities: list[str],
    offset: int,
    lapsed: int,
    lang: str,
    tail: list,  # type: ignore[type-arg]
) -> None:
    """Drive to an answer by buttons, then throw random events at the answer screen."""
    today = date(2025, 1, 15) + timedelta(days=offset)
    state = DialogState(lang=lang)
    state, replies = step(state, Command(name="start", arg=region, today=today))
    state, replies = step(state, Choice(option="i:more", seq=state.seq, today=today))
    for code in identities:
        state, replies = step(state, Choice(option=f"i:{code}", seq=state.seq, today=today))
    scripted = [
        "i:done",
        "c:tier",  # tier and history are assumed unless asked for
        "t:1",
        "c:history",
        "h:no" if lapsed else "h:yes",
        f"y:{max(lapsed, 1)}",
        "p:0",
        "d:today",
    ]
    for option in scripted:
        state, replies = step(state, Choice(option=option, seq=state.seq, today=today))
        _check(state, replies)
    if state.stage.value == "birth_date":
        state, replies = step(
            state, Text(text=(today - timedelta(days=30)).isoformat(), today=today)
        )
        _check(state, replies)
    for event in tail:
        state, replies = step(state, event)
        _check(state, replies)


# Free text mixing facts, corrections, additions, negations and questions about terms
# (issue 10): after every message the state holds exactly what was last said of each fact,
# a question changes nothing, and an answer is the calculator's for those facts.
_REGION_NAMES = {"changtu": "昌图县", "shuangqing": "双清区", "wulateqianqi": "乌拉特前旗"}
_IDENTITY_NAMES = {
    "dibao": "低保户",
    "dibao_edge": "低保边缘户",
    "poverty_alleviated": "脱贫户",
    "tekun": "特困人员",
}
_DAYS = st.dates(min_value=date(2025, 1, 11), max_value=date(2025, 2, 20))
_MOVES = st.one_of(
    st.tuples(st.just("region"), st.sampled_from(sorted(_REGION_NAMES))),
    st.tuples(st.just("identity"), st.sampled_from(sorted(_IDENTITY_NAMES))),
    st.tuples(st.just("also"), st.sampled_from(sorted(_IDENTITY_NAMES))),
    st.tuples(st.just("not"), st.sampled_from(sorted(_IDENTITY_NAMES))),
    st.tuples(st.just("question"), st.sampled_from(sorted(_IDENTITY_NAMES))),
    st.tuples(st.just("date"), _DAYS),
)


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日交"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    region=st.sampled_from(sorted(_REGION_NAMES)),
    identity=st.sampled_from(sorted(_IDENTITY_NAMES)),
    day=_DAYS,
    moves=st.lists(_MOVES, max_size=6),
)
def test_corrections_questions_and_facts_in_free_text(
    region: str, identity: str, day: date, moves: list[tuple[str, object]]
) -> None:
    from policies.engine import quote
    from policies.result import QuoteRequest

    today = date(2025, 1, 10)
    state, _ = step(DialogState(), Command(name="start", today=today))
    text = f"{_REGION_NAMES[region]}{_IDENTITY_NAMES[identity]}，{_day(day)}"
    state, replies = step(state, Text(text=text, today=today))
    model: dict[str, object] = {"region": region, "identities": [identity], "day": day}
    for kind, value in moves:
        before = state
        if kind == "region":
            assert isinstance(value, str)
            said = f"不对，是{_REGION_NAMES[value]}"
            model["region"] = value
        elif kind == "date":
            assert isinstance(value, date)
            said = f"说错了，是{_day(value)}"
            model["day"] = value
        elif kind == "identity":
            assert isinstance(value, str)
            said = f"不对，是{_IDENTITY_NAMES[value]}"
            model["identities"] = [value]
        elif kind == "also":
            assert isinstance(value, str)
            said = f"还有{_IDENTITY_NAMES[value]}"
            model["identities"] = list(dict.fromkeys([*(model["identities"] or []), value]))  # type: ignore[misc]
        elif kind == "not":
            assert isinstance(value, str)
            said = f"我不是{_IDENTITY_NAMES[value]}"
            left = [i for i in (model["identities"] or []) if i != value]  # type: ignore[attr-defined]
            model["identities"] = left or None
        else:
            assert isinstance(value, str)
            said = f"什么是{_IDENTITY_NAMES[value]}？"
        state, replies = step(state, Text(text=said, today=today))
        _check(state, replies)
        if kind == "question":
            assert state.model_dump(exclude={"seq"}) == before.model_dump(exclude={"seq"})
        assert state.region == model["region"], said
        assert (
            None if state.identities is None else set(state.identities)
        ) == (None if model["identities"] is None else set(model["identities"])), said  # type: ignore[call-overload]
        assert state.payment_date == model["day"], said
        answers = [b for r in replies for b in r.blocks if b.template == "answer"]
        if answers and state.identities is not None:
            expected = quote(
                QuoteRequest(
                    region=state.region,
                    identities=frozenset(state.identities),
                    payment_date=state.payment_date,
                    lapsed_years=state.lapsed_years or 0,
                    tier=state.tier,
                ),
                CATALOG,
            )
            assert answers[0].params["result"] == expected
