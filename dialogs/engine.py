"""The conversation as a pure state machine: `step(state, event) -> (state, replies)`.

No I/O and no Telegram: the terminal chat, the bot and the tests all drive this function.
Every reply is structured (template blocks + options with stable ids); the adapters render.
A failure inside a step never loses the conversation: the caller gets an apology reply and
the state as it was before the event.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dialogs import flow, views
from dialogs.flow import identities_of
from dialogs.quotes import quote_once
from dialogs.rendering.languages import normalise_lang
from dialogs.replies import Block, Option, Reply
from dialogs.state import DialogState, Stage
from dialogs.understanding.message import Intent, MessageFacts, understand
from dialogs.understanding.numerals import find_year_counts, parse_chinese_int
from policies.catalog import Catalog, LoadedPolicy, load_catalog
from policies.engine import QuoteInputError
from policies.result import ListedItem, QuoteRequest, QuoteResult, Status

log = logging.getLogger("dialogs.engine")

LANGS = ("zh_Hans", "zh_Hant", "en")
MAX_FAILURES = 3
MAX_LAPSED_CHOICE = 6


class _EventBase(BaseModel):
    model_config = ConfigDict(frozen=True)

    today: date
    client_lang: str | None = None


class Text(_EventBase):
    kind: Literal["text"] = "text"
    text: str


class Choice(_EventBase):
    kind: Literal["choice"] = "choice"
    option: str
    seq: int | None = None  # the seq the button was made with; None: unversioned


class Command(_EventBase):
    kind: Literal["command"] = "command"
    name: str
    arg: str = ""


Event = Annotated[Text | Choice | Command, Field(discriminator="kind")]

COMMANDS = ("start", "help", "cancel", "lang", "table", "compare", "sources", "forget")


def language(state: DialogState) -> str:
    if state.lang in LANGS:
        return state.lang
    return normalise_lang(state.client_lang)


def step(
    state: DialogState, event: Text | Choice | Command, catalog: Catalog | None = None
) -> tuple[DialogState, list[Reply]]:
    """Advance the conversation by one user event."""
    catalog = catalog or load_catalog()
    working = state.clone()
    if event.client_lang:
        working.client_lang = event.client_lang[:16]
    try:
        replies = _Step(working, event, catalog).run()
    except Exception:  # the conversation must survive any bug in one step
        log.exception("dialog step failed at stage %s", state.stage.value)
        lang = language(state)
        return state, [Reply(kind="error", lang=lang, blocks=[_block("error")])]
    return working, replies


def _block(template: str, **params: Any) -> Block:
    return Block(template=template, params=params)


def _option(option_id: str, template: str, selected: bool = False, **params: Any) -> Option:
    return Option(id=option_id, label=_block(f"option/{template}", **params), selected=selected)


class _Step:
    def __init__(self, state: DialogState, event: Text | Choice | Command, catalog: Catalog):
        self.state = state
        self.event = event
        self.catalog = catalog
        self.today = event.today
        self.pre: list[Block] = []  # said before the next question

    @property
    def lang(self) -> str:
        return language(self.state)

    # -- dispatch -------------------------------------------------------------------------

    def run(self) -> list[Reply]:
        event = self.event
        if isinstance(event, Command):
            return self.command(event.name.lower(), event.arg.strip())
        if isinstance(event, Choice):
            return self.choice(event.option, event.seq)
        return self.text(event.text)

    def command(self, name: str, arg: str) -> list[Reply]:
        if name == "start":
            self.reset(keep_lang=True)
            self.pre.append(_block("welcome"))
            slug = self.catalog.resolve_region(arg) if arg else None
            if slug:
                self.state.region = slug
            return [self.ask()]
        if name == "cancel":
            return [self.restart()]
        if name == "forget":
            self.reset(keep_lang=False)
            return [self.info([_block("forgotten")], with_menu=False)]
        if name == "help":
            return [self.help()]
        if name == "lang":
            return [self.ask_language()]
        if name == "table":
            return [self.table(self.catalog.resolve_region(arg) if arg else None)]
        if name == "compare":
            return [self.compare(self.catalog.resolve_identity(arg) if arg else None)]
        if name == "sources":
            return [self.sources()]
        self.pre.append(_block("unknown_command", command=name[:32]))
        return [self.ask()]

    def choice(self, option: str, seq: int | None) -> list[Reply]:
        kind, _, value = option.partition(":")
        # Navigation and views work from any message; answers to a question must be fresh.
        if kind == "n":
            return self.navigate(value)
        if kind == "v":
            return self.view(value)
        if kind == "l":
            return self.set_language(value)
        if kind == "c":
            return self.change(value)
        if seq is not None and seq != self.state.seq:
            return self.stale()
        valid = {o.id for o in self.question().options}
        if option not in valid:
            return self.stale()
        return self.answer_choice(kind, value)

    def stale(self) -> list[Reply]:
        self.pre.append(_block("stale"))
        return [self.ask()]

    # -- navigation -----------------------------------------------------------------------

    def reset(self, *, keep_lang: bool) -> None:
        fresh = DialogState(seq=self.state.seq)
        if keep_lang:
            fresh.lang = self.state.lang
            fresh.client_lang = self.state.client_lang
        for name in DialogState.model_fields:
            setattr(self.state, name, getattr(fresh, name))

    def restart(self) -> Reply:
        """/cancel and the "start over" button: everything but the language is forgotten."""
        self.reset(keep_lang=True)
        self.pre.append(_block("restarted"))
        return self.ask()

    def navigate(self, where: str) -> list[Reply]:
        if where == "back":
            return [self.back()]
        if where == "restart":
            return [self.restart()]
        if where == "help":
            return [self.help()]
        if where == "ask":
            return [self.ask()]
        return self.stale()

    def back(self) -> Reply:
        while self.state.asked:
            stage = self.state.asked.pop()
            if stage in (Stage.ANSWER, Stage.COMPARE):
                continue
            flow.clear(self.state, stage)
            return self.ask()
        self.pre.append(_block("nothing_to_go_back_to"))
        return self.ask()

    def change(self, what: str) -> list[Reply]:
        stage = {
            "region": Stage.REGION,
            "identities": Stage.IDENTITIES,
            "birth": Stage.BIRTH_DATE,
            "tier": Stage.TIER,
            "history": Stage.HISTORY,
            "date": Stage.PAYMENT_DATE,
        }.get(what)
        if stage is None:
            return self.stale()
        flow.clear(self.state, stage)
        if stage is Stage.IDENTITIES:
            self.state.draft = []
        return [self.ask()]

    def set_language(self, lang: str) -> list[Reply]:
        if lang not in LANGS:
            return self.stale()
        self.state.lang = lang
        self.pre.append(_block("language_set"))
        return [self.ask()]

    def view(self, what: str) -> list[Reply]:
        name, _, arg = what.partition(":")
        if name == "table":
            return [self.table(self.catalog.resolve_region(arg) if arg else None)]
        if name == "compare":
            return [self.compare(None)]
        if name == "sources":
            return [self.sources()]
        if name == "faq" and arg in views.FAQ_TOPICS:
            return [self.faq(arg)]
        if name == "menu":
            return [self.help()]
        if name == "language":
            return [self.ask_language()]
        return self.stale()

    # -- free text ------------------------------------------------------------------------

    def text(self, raw: str) -> list[Reply]:
        text = raw[:2000]  # nobody types a longer answer; bound the parsing work
        facts = understand(text, self.today, self.catalog)
        if facts.intent is not None and self._intent_is_whole_message(facts):
            return self.intent(facts.intent)
        stage = self.state.stage
        if stage is Stage.COMPARE and facts.identities:
            return [self.compare(facts.identities[0])]
        before = self.state.model_dump()
        problem = self.apply(facts, stage, text)
        if problem is not None:
            return [self.fail(problem)]
        if self.state.model_dump() == before:
            if facts.intent is not None:
                return self.intent(facts.intent)
            if stage is Stage.IDENTITIES and _unsure(text):
                return [self.explain_identities()]
            if stage is Stage.ANSWER and facts.anything():
                return [self.ask(record=False)]  # understood, and already answered: the answer
            return [self.fail(None)]
        self.state.failures = 0
        return [self.ask()]

    def _intent_is_whole_message(self, facts: MessageFacts) -> bool:
        return not (facts.region or facts.identities or facts.payment_date or facts.birth_date)

    def intent(self, intent: Intent) -> list[Reply]:
        if intent is Intent.HELP:
            return [self.help()]
        if intent is Intent.BACK:
            return [self.back()]
        if intent is Intent.RESTART:
            return self.navigate("restart")
        if intent is Intent.LANGUAGE:
            return [self.ask_language()]
        if intent is Intent.TABLE:
            return [self.table(None)]
        if intent is Intent.COMPARE:
            return [self.compare(None)]
        if intent is Intent.SOURCES:
            return [self.sources()]
        topic = intent.value.removeprefix("faq_")
        return [self.faq(topic)]

    def apply(self, facts: MessageFacts, stage: Stage, text: str) -> Block | None:
        """Store every fact the message gives; a Block names a specific problem."""
        state = self.state
        if facts.region:
            if facts.region != state.region:
                state.tier = None
            state.region = facts.region
        if facts.identities:
            merged = list(
                dict.fromkeys([*(state.identities or []), *state.draft, *facts.identities])
            )
            state.identities = [i for i in merged if i in self.catalog.identities]
            state.draft = []
        elif facts.ordinary and (stage is Stage.IDENTITIES or state.identities is None):
            state.identities = []
            state.draft = []
        if facts.tier and (stage is Stage.TIER or flow.has_tiers(self.catalog, state)):
            state.tier = facts.tier
        elif stage is Stage.TIER and facts.bare_number in (1, 2):
            state.tier = facts.bare_number
        problem = self._apply_dates(facts, stage)
        if problem is not None:
            return problem
        self._apply_history(facts, stage, text)
        return None

    def _apply_dates(self, facts: MessageFacts, stage: Stage) -> Block | None:
        state = self.state
        if facts.date_problems and not (
            facts.birth_date or facts.payment_date or facts.other_dates
        ):
            mention = facts.date_problems[0]
            return _block("date_problem", problem=str(mention.problem), text=mention.text)
        birth = facts.birth_date
        payment = facts.payment_date
        others = list(facts.other_dates)
        if stage is Stage.BIRTH_DATE and birth is None and others:
            birth = others.pop(0)
        if payment is None and others:
            payment = others.pop(0)
        if birth is not None and birth.value is not None:
            if birth.value > self.today:
                return _block("birth_in_future", day=birth.value)
            state.birth_date = birth.value
            if birth.year_inferred:
                self.pre.append(_block("year_assumed", day=birth.value))
        if payment is not None and payment.value is not None:
            state.payment_date = payment.value
            if payment.year_inferred:
                self.pre.append(_block("year_assumed", day=payment.value))
        if (
            state.birth_date is not None
            and state.payment_date is not None
            and state.birth_date > state.payment_date
        ):
            state.payment_date = None
            return _block("birth_after_payment")
        return None

    def _apply_history(self, facts: MessageFacts, stage: Stage, text: str) -> None:
        state = self.state
        if facts.insured_last_year is not None:
            state.insured_last_year = facts.insured_last_year
            if facts.insured_last_year:
                state.lapsed_years = 0
                state.repaid_years = 0
        if facts.lapsed_years is not None:
            state.insured_last_year = facts.lapsed_years == 0
            state.lapsed_years = min(facts.lapsed_years, 80)
        if facts.repaid_years is not None:
            state.repaid_years = min(facts.repaid_years, 80)
        if stage is Stage.HISTORY and facts.yes is not None:
            state.insured_last_year = facts.yes
            if facts.yes:
                state.lapsed_years = 0
                state.repaid_years = 0
        count = _count(text, facts)
        if stage is Stage.LAPSED_YEARS and count is not None and count > 0:
            state.lapsed_years = min(count, 80)
        if stage is Stage.REPAIR and count is not None:
            state.repaid_years = min(count, 80)
        elif stage is Stage.REPAIR and facts.yes is False:
            state.repaid_years = 0

    def fail(self, problem: Block | None) -> Reply:
        self.state.failures += 1
        if problem is not None:
            self.pre.append(problem)
        else:
            self.pre.append(_block("not_understood", stage=self.state.stage.value))
        if self.state.failures >= MAX_FAILURES:
            self.state.failures = 0
            return self.help(with_hotline=True)
        return self.ask(record=False)

    # -- answering a question by button -------------------------------------------------------

    def answer_choice(self, kind: str, value: str) -> list[Reply]:
        state = self.state
        if kind == "r":
            if value != state.region:
                state.tier = None
            state.region = value
        elif kind == "i":
            if value == "done":
                state.identities = list(state.draft)
                state.draft = []
            elif value == "none":
                state.identities = []
                state.draft = []
            elif value == "unsure":
                return [self.explain_identities()]
            elif value in state.draft:
                state.draft = [i for i in state.draft if i != value]
                return [self.ask(record=False)]
            else:
                state.draft = [*state.draft, value]
                return [self.ask(record=False)]
        elif kind == "t":
            state.tier = int(value)
        elif kind == "h":
            state.insured_last_year = value == "yes"
            if value == "yes":
                state.lapsed_years = 0
                state.repaid_years = 0
        elif kind == "y":
            state.lapsed_years = int(value)
        elif kind == "p":
            state.repaid_years = int(value)
        elif kind == "d" and value == "today":
            state.payment_date = self.today
        elif kind == "x":
            return [self.compare(value)]
        state.failures = 0
        return [self.ask()]

    # -- questions ------------------------------------------------------------------------

    def ask(self, record: bool = True) -> Reply:
        """Ask the next missing question, or give the answer."""
        stage = flow.next_stage(self.catalog, self.state)
        if record and stage is not self.state.stage:
            self.state.asked = [*self.state.asked[-31:], self.state.stage]
        if stage is not self.state.stage:
            self.state.failures = 0
        self.state.stage = stage
        if stage is Stage.ANSWER:
            return self.answer()
        self.state.seq += 1
        return self.question()

    def question(self) -> Reply:
        stage = self.state.stage
        state = self.state
        blocks = [*self.pre]
        options: list[Option] = []
        columns = 2
        loaded = flow.policy(self.catalog, state)
        region_name = loaded.data.region.name if loaded else None
        if stage is Stage.REGION:
            blocks.append(_block("ask_region", regions=self._regions()))
            options = [
                _option(f"r:{slug}", "region", region_name=name) for slug, name in self._regions()
            ]
        elif stage is Stage.IDENTITIES:
            assert state.region is not None
            codes = identities_of(self.catalog, state.region)
            blocks.append(_block("ask_identities", region_name=region_name, draft=state.draft))
            options = [
                _option(f"i:{code}", "identity", selected=code in state.draft, code=code)
                for code in codes
            ]
            options += [
                _option("i:done", "identities_done", count=len(state.draft)),
                _option("i:none", "identities_none"),
                _option("i:unsure", "identities_unsure"),
            ]
        elif stage is Stage.BIRTH_DATE:
            newborn = "newborn" in (state.identities or [])
            blocks.append(_block("ask_birth_date", newborn=newborn))
        elif stage is Stage.TIER:
            assert loaded is not None
            blocks.append(_block("ask_tier", tiers=self._tiers(loaded), region_name=region_name))
            options = [_option(f"t:{t.number}", "tier", label=t.label) for t in loaded.data.tiers]
        elif stage is Stage.HISTORY:
            blocks.append(_block("ask_history"))
            options = [_option("h:yes", "history_yes"), _option("h:no", "history_no")]
        elif stage is Stage.LAPSED_YEARS:
            blocks.append(_block("ask_lapsed_years"))
            options = [_option(f"y:{n}", "years", years=n) for n in range(1, MAX_LAPSED_CHOICE + 1)]
            columns = 3
        elif stage is Stage.REPAIR:
            lapsed = state.lapsed_years or 0
            blocks.append(_block("ask_repair", lapsed=lapsed, max_useful=lapsed - 1))
            options = [_option(f"p:{n}", "repair_years", years=n) for n in range(0, lapsed)]
            columns = 3
        elif stage is Stage.PAYMENT_DATE:
            blocks.append(_block("ask_payment_date", today=self.today))
            options = [_option("d:today", "today", day=self.today)]
        elif stage is Stage.COMPARE:
            blocks.append(_block("ask_compare"))
            options = [
                _option(f"x:{code}", "identity", code=code) for code in self._all_identities()
            ]
        if self.state.asked and stage not in (Stage.REGION,):
            options.append(_option("n:back", "back"))
        return Reply(
            kind="question",
            lang=self.lang,
            blocks=blocks,
            options=options,
            columns=columns,
            seq=self.state.seq,
        )

    def _regions(self) -> list[tuple[str, str]]:
        return [
            (slug, self.catalog.latest(slug).data.region.name) for slug in self.catalog.regions()
        ]

    def _tiers(self, loaded: LoadedPolicy) -> list[dict[str, Any]]:
        out = []
        for tier in loaded.data.tiers:
            amount = next(
                s.amount
                for s in loaded.data.standards
                if s.tier == tier.number and not s.identities
            )
            out.append({"number": tier.number, "label": tier.label, "amount": amount})
        return out

    def _all_identities(self) -> list[str]:
        named: set[str] = set()
        for region in self.catalog.regions():
            named |= set(identities_of(self.catalog, region))
        return [code for code in self.catalog.identities if code in named and code != "newborn"]

    def ask_language(self) -> Reply:
        self.state.seq += 1
        blocks = [*self.pre, _block("ask_language")]
        options = [_option(f"l:{lang}", "language", language=lang) for lang in LANGS]
        return Reply(
            kind="question",
            lang=self.lang,
            blocks=blocks,
            options=options,
            columns=3,
            seq=self.state.seq,
        )

    def explain_identities(self) -> Reply:
        """ "Not sure": each group in one line, in the region's own wording."""
        assert self.state.region is not None
        table = views.identity_table(self.catalog, self.state.region)
        self.pre.append(_block("identities_explained", table=table))
        return self.ask(record=False)

    # -- the answer -------------------------------------------------------------------------

    def request(self, payment_date: date | None = None) -> QuoteRequest:
        state = self.state
        assert state.region is not None
        return QuoteRequest(
            region=state.region,
            identities=frozenset(state.identities or []),
            payment_date=payment_date or state.payment_date or self.today,
            birth_date=state.birth_date,
            lapsed_years=state.lapsed_years or 0,
            repaid_years=state.repaid_years or 0,
            tier=state.tier,
        )

    def answer(self) -> Reply:
        blocks = [*self.pre]
        try:
            result = quote_once(self.catalog, self.request())
        except QuoteInputError:
            flow.clear(self.state, Stage.PAYMENT_DATE)
            self.pre = [_block("birth_after_payment")]
            return self.ask(record=False)
        blocks.append(_block("answer", result=result))
        if result.status is Status.NO_POLICY:
            reference = self.reference(result)
            if reference is not None:
                # "No notice governs this date" comes first and travels with the reference
                # answer (labelled on every line), so a forwarded answer keeps the warning.
                # The renderer gives the reference a message's room of its own; a longer
                # whole is split on a paragraph by the adapter.
                blocks.append(_block("reference_answer", result=reference, asked=result))
        return Reply(
            kind="answer",
            lang=self.lang,
            blocks=blocks,
            options=self.answer_options(),
            seq=self.state.seq,
        )

    def reference(self, result: QuoteResult) -> QuoteResult | None:
        """The same question under the latest notice on file, on the equivalent day."""
        assert self.state.payment_date is not None
        latest = self.catalog.latest(result.region)
        shifted = reference_day(latest, self.state.payment_date)
        if shifted is None:
            return None
        birth = self.state.birth_date
        if birth is not None and "newborn" in (self.state.identities or []):
            # A newborn's answer hinges on the days since birth; keep them.
            birth = _shift_years(birth, shifted.year - self.state.payment_date.year)
        request = self.request(shifted).model_copy(update={"birth_date": birth})
        try:
            return quote_once(self.catalog, request)
        except QuoteInputError:
            return None

    def answer_options(self) -> list[Option]:
        state = self.state
        options = [
            _option("c:region", "change_region"),
            _option("c:identities", "change_identities"),
            _option("c:date", "change_date"),
        ]
        if flow.history_matters(self.catalog, state):
            options.append(_option("c:history", "change_history"))
        if flow.has_tiers(self.catalog, state):
            options.append(_option("c:tier", "change_tier"))
        if state.birth_date is not None:
            options.append(_option("c:birth", "change_birth"))
        options += [
            _option(f"v:table:{state.region}", "table"),
            _option("v:compare", "compare"),
            _option("n:restart", "restart"),
        ]
        return options

    # -- reference views ------------------------------------------------------------------

    def info(self, blocks: list[Block], *, with_menu: bool = True) -> Reply:
        options = [_option("n:ask", "continue"), _option("v:menu", "menu")] if with_menu else []
        return Reply(
            kind="info",
            lang=self.lang,
            blocks=[*self.pre, *blocks],
            options=options,
            seq=self.state.seq,
        )

    def help(self, *, with_hotline: bool = False) -> Reply:
        loaded = flow.policy(self.catalog, self.state)
        contacts: list[ListedItem] = []
        if with_hotline and loaded is not None:
            contacts = views.faq(self.catalog, loaded.slug, "contacts").items
        elif with_hotline:
            hotline = self.catalog.national.hotline
            contacts = [ListedItem(name=hotline.name, detail=hotline.phone, sources=[])]
        blocks = [*self.pre, _block("help", with_hotline=with_hotline, contacts=contacts)]
        options = [
            _option("n:ask", "continue"),
            _option("v:table", "table"),
            _option("v:compare", "compare"),
            _option("v:sources", "sources"),
            *[_option(f"v:faq:{topic}", f"faq_{topic}") for topic in views.FAQ_TOPICS],
            _option("n:restart", "restart"),
            _option("v:language", "language_menu"),
        ]
        return Reply(
            kind="info", lang=self.lang, blocks=blocks, options=options, seq=self.state.seq
        )

    def table(self, region: str | None) -> Reply:
        region = region or self.state.region
        if region is None:
            self.pre.append(_block("choose_region_first"))
            return self.ask()
        return self.info(
            [_block("identity_table", table=views.identity_table(self.catalog, region))]
        )

    def compare(self, identity: str | None) -> Reply:
        if identity is None and self.state.identities and len(self.state.identities) == 1:
            identity = self.state.identities[0]
        if identity is None or identity not in self.catalog.identities:
            self.state.resume = self.state.stage
            self.state.stage = Stage.COMPARE
            self.state.seq += 1
            return self.question()
        if self.state.stage is Stage.COMPARE:
            self.state.stage = self.state.resume or flow.next_stage(self.catalog, self.state)
            self.state.resume = None
        rows = views.compare_identity(self.catalog, identity)
        return self.info([_block("comparison", identity=identity, rows=rows)])

    def sources(self) -> Reply:
        return self.info(
            [_block("sources", entries=views.sources_on_file(self.catalog), today=self.today)]
        )

    def faq(self, topic: str) -> Reply:
        region = self.state.region
        if region is None:
            self.pre.append(_block("choose_region_first"))
            return self.ask()
        return self.info([_block("faq", answer=views.faq(self.catalog, region, topic))])


def replay(state: DialogState, today: date, catalog: Catalog | None = None) -> Reply | None:
    """The answer screen for the current state again (the "plain text" button), or None."""
    if state.stage is not Stage.ANSWER:
        return None
    working = state.clone()
    try:
        return _Step(
            working, Command(name="replay", today=today), catalog or load_catalog()
        ).answer()
    except Exception:
        log.exception("replaying the answer failed")
        return None


def _unsure(text: str) -> bool:
    lowered = text.strip().lower()
    return lowered in {"不确定", "不知道", "不清楚", "不確定", "not sure", "unsure", "?", "？"}


def _count(text: str, facts: MessageFacts) -> int | None:
    """A bare count typed as an answer: "3", "三", "两年", "3 years"."""
    if facts.bare_number is not None:
        return facts.bare_number
    counts = find_year_counts(text)
    if counts:
        return counts[0][0]
    stripped = text.strip().rstrip("年")
    value = parse_chinese_int(stripped) if stripped else None
    return value


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 Feb in a common year
        return day.replace(year=day.year + years, day=28)


def reference_day(policy: LoadedPolicy, day: date) -> date | None:
    """The day in the latest notice's year that plays the role `day` plays in its own year.

    Autumn dates are collection-period dates for the next year, so a shift that lands in the
    collection window wins over one that lands in the late part of the year.
    """
    first = policy.first_payment_day
    last = policy.data.coverage_end
    candidates = []
    for years in range(-60, 61):
        shifted = _shift_years(day, years)
        if first <= shifted <= last:
            candidates.append(shifted)
    if not candidates:
        return None
    collection = [w for w in policy.data.windows if w.kind == "collection"]
    for shifted in candidates:
        if any(w.start <= shifted <= w.end for w in collection):
            return shifted
    return candidates[0]
