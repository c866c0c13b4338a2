"""The conversation as a pure state machine: `step(state, event) -> (state, replies)`.

No I/O and no Telegram: the terminal chat, the bot and the tests all drive this function.
Every reply is structured (template blocks + options with stable ids); the adapters render.
A failure inside a step never loses the conversation: the caller gets an apology reply and
the state as it was before the event.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from dialogs import actions as A
from dialogs import flow, questions, step_memo, views
from dialogs.events import Choice as Choice
from dialogs.events import Command as Command
from dialogs.events import Event as Event
from dialogs.events import Text as Text
from dialogs.glossary import glossary_entries, glossary_entry
from dialogs.questions.base import block as _block
from dialogs.questions.base import option as _option
from dialogs.questions.region import regions
from dialogs.quotes import quote_once
from dialogs.rendering.languages import normalise_lang
from dialogs.replies import Block, Option, Reply
from dialogs.state import DialogState, Stage
from dialogs.understanding.message import Intent, MessageFacts, understand
from dialogs.understanding.numerals import find_year_counts, parse_chinese_int
from policies.catalog import Catalog, LoadedPolicy, load_catalog
from policies.engine import ORDINARY, QuoteInputError, expand_identities
from policies.result import ListedItem, QuoteRequest, QuoteResult, Status
from policies.years import InsuranceYearError, choose, payment_periods

log = logging.getLogger("dialogs.engine")

LANGS = ("zh_Hans", "zh_Hant", "en")
MAX_FAILURES = 3
MAX_TEXT = 2000  # characters of one message that are read; nobody types a longer answer
_SEPARATORS = " \t\n，。,.;；、！!？?：:）)"


COMMANDS = (
    "start",
    "help",
    "cancel",
    "lang",
    "table",
    "compare",
    "glossary",
    "sources",
    "forget",
)


def language(state: DialogState) -> str:
    if state.lang in LANGS:
        return state.lang
    return normalise_lang(state.client_lang)


def step(
    state: DialogState, event: Text | Choice | Command, catalog: Catalog | None = None
) -> tuple[DialogState, list[Reply]]:
    """Advance the conversation by one user event (a tap or command already answered for the
    same state is given again: dialogs/step_memo.py)."""
    catalog = catalog or load_catalog()
    if not step_memo.may_remember(event, catalog):
        return _step_afresh(state, event, catalog)
    key = step_memo.key_of(state, event, catalog)
    remembered = step_memo.recall(key)
    if remembered is not None:
        return remembered
    new, replies = _step_afresh(state, event, catalog)
    step_memo.remember(key, new, replies)
    return new, replies


def _step_afresh(
    state: DialogState, event: Text | Choice | Command, catalog: Catalog
) -> tuple[DialogState, list[Reply]]:
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

    def policy(self) -> LoadedPolicy | None:
        """The notice the questions come from."""
        return flow.policy(self.catalog, self.state, self.today)

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
            return [self.compare(self._comparable(arg) if arg else None)]
        if name == "sources":
            return [self.sources()]
        if name == "glossary":
            code = self.catalog.resolve_identity(arg) if arg else None
            return [self.glossary([code] if code else [])]
        self.pre.append(_block("unknown_command", command=name[:32]))
        return [self.ask()]

    def choice(self, option: str, seq: int | None) -> list[Reply]:
        action = A.decode(option)
        if action is None:
            return self.stale()
        # Navigation and views work from any message; answers to a question must be fresh
        # and among the options of the question on screen.
        if isinstance(action, A.ANSWERS):
            if seq is not None and seq != self.state.seq:
                return self.stale()
            question = questions.question_for(action)
            on_screen = questions.QUESTIONS.get(self.state.stage)
            if question is None or question is not on_screen:
                return self.stale()
            if option not in {o.id for o in self.question().options}:
                return self.stale()
            return [question.handle(self, action)]
        match action:
            case A.Navigate(where):
                return self.navigate(where)
            case A.View(name, arg):
                return self.view(name, arg)
            case A.SetLanguage(lang):
                return self.set_language(lang)
            case A.Change(what):
                return self.change(what)
        return self.stale()  # the plain-text button is the bot's; anything else is stale

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

    def navigate(self, where: A.Where) -> list[Reply]:
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
        current = self.state.stage
        while self.state.asked:
            stage = self.state.asked.pop()
            if stage in (Stage.ANSWER, Stage.COMPARE):
                continue
            questions.revisit(self.state, stage, self.today)  # back to it with its ✓ marks
            if questions.next_stage(self) is current and self.state.asked:
                continue  # that step was never answered: one press goes one visible step
            # Going back is not a new step: recording it would make the next "back" a no-op.
            return self.ask(record=False)
        self.pre.append(_block("nothing_to_go_back_to"))
        return self.ask()

    def change(self, what: A.Changeable) -> list[Reply]:
        stage = {
            "region": Stage.REGION,
            "identities": Stage.IDENTITIES,
            "birth": Stage.BIRTH_DATE,
            "tier": Stage.TIER,
            "history": Stage.HISTORY,
            "date": Stage.PAYMENT_DATE,
            "year": Stage.INSURANCE_YEAR,
        }.get(what)
        if stage is None:
            return self.stale()
        questions.revisit(self.state, stage, self.today)  # the ✓ marks stay
        if stage in (Stage.TIER, Stage.HISTORY):
            self.state.requested = stage
        return [self.ask()]

    def set_language(self, lang: str) -> list[Reply]:
        if lang not in LANGS:
            return self.stale()
        self.state.lang = lang
        self.pre.append(_block("language_set"))
        return [self.ask()]

    def view(self, name: A.ViewName, arg: str) -> list[Reply]:
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
        text = _bounded(raw)
        if len(text) < len(raw):
            self.pre.append(_block("input_cut", length=len(raw), limit=MAX_TEXT))
        facts = understand(text, self.today, self.catalog)
        if facts.asked_about:
            return [self.glossary(facts.asked_about)]
        if facts.intent is not None and self._intent_is_whole_message(facts):
            return self.intent(facts.intent)
        stage = self.state.stage
        if stage is Stage.COMPARE and facts.identities:
            return [self.compare(facts.identities[0])]
        if stage is Stage.COMPARE and facts.ordinary:
            return [self.compare(ORDINARY)]
        if facts.place is not None and facts.region is None:
            hotline = self.catalog.national.hotline
            names = [name for _, name in regions(self.catalog)]
            near = facts.near_region
            self.pre.append(
                _block("region_not_covered", place=facts.place[:24], regions=names,
                       hotline=hotline.phone,
                       suggestion=self.catalog.latest(near).data.region.name if near else None)
            )  # fmt: skip
        if facts.several_people is not None:
            self.pre.append(_block("one_person", dropped=facts.several_people == "dropped"))
        before = self.state.model_dump()
        problem = self.apply(facts, stage, text)
        if problem is not None:
            return [self.fail(problem)]
        if facts.disability_grade is not None and facts.intent is None:
            self.pre.append(self._disability_grade(facts.disability_grade))
        half = _block("partial_word", fragments=facts.partial) if facts.partial else None
        if self.state.model_dump() == before:
            if facts.intent is not None:
                return self.intent(facts.intent)
            if stage is Stage.IDENTITIES and _unsure(text):
                return [self.explain_identities()]
            if (stage is Stage.BIRTH_DATE and facts.bare_number is not None
                    and "newborn" not in (self.state.identities or [])):
                # "70": an age or 1970? Either may be meant, and they can price differently.
                # A newborn has neither: its birth date is asked as before.
                return [self.fail(_block("age_or_year", number=facts.bare_number))]
            if half is None and (_states_a_fact(facts) or facts.place is not None):
                return [self.ask(record=False)]  # said again what we know: nothing to fix
            return [self.fail(half)]
        if half is not None:
            self.pre.append(half)
        self.state.failures = 0
        return [self.ask()]

    def _disability_grade(self, grade: int) -> Block:
        """ "残疾人" with no grade, or a grade the notice does not subsidise: the notice's own
        disability groups, to choose from (科左后旗's minors are behind "more…": shown)."""
        loaded = self.policy()
        if loaded is None:
            return _block("disability_grade", grade=grade, region=None, groups=None)
        codes = ("severe_disability", "disabled_minor")
        subsidies = [s for s in loaded.data.subsidies if s.identity in codes]
        groups = list(dict.fromkeys(s.label for s in subsidies))
        if any(s.identity == "disabled_minor" for s in subsidies):
            self.state.all_identities = True
        return _block(
            "disability_grade",
            grade=grade,
            region=loaded.data.region.name,
            groups=groups,
            codes=list(dict.fromkeys(s.identity for s in subsidies)),
        )

    def _intent_is_whole_message(self, facts: MessageFacts) -> bool:
        return not (
            facts.region
            or facts.identities
            or facts.negated
            or facts.payment_date
            or facts.birth_date
            or facts.insurance_year
        )

    def intent(self, intent: Intent) -> list[Reply]:
        if intent is Intent.HELP:
            return [self.help()]
        if intent is Intent.BACK:
            return [self.back()]
        if intent is Intent.RESTART:
            return [self.restart()]
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
        """Store every fact the message gives, each replacing the one it corrects; what an
        earlier message had said differently is announced ("已改为：…"). A Block names a
        specific problem."""
        state = self.state
        at = len(self.pre)
        old = state.model_copy()
        if facts.region:
            if facts.region != state.region:
                state.tier = None
                if state.region is not None:
                    state.kept = []  # another region's choices are not this one's
            state.region = facts.region
        removed = self._apply_identities(facts, stage)
        if facts.tier and (stage is Stage.TIER or flow.has_tiers(self.policy())):
            state.tier = facts.tier
        elif stage is Stage.TIER and facts.bare_number in (1, 2):
            state.tier = facts.bare_number
        problem = self._apply_dates(facts, stage)
        # A date not understood leaves the history and year said beside it standing:
        # "断保2年 过年后交" asks the day, not the lapse again.
        self._apply_history(facts, stage, text)
        self._apply_year(facts, stage, text)
        if problem is not None:
            return problem
        self.check_year()  # a new date may close the year stored: no change to announce
        changes = _changes(old, state)
        for change in changes:
            if change["what"] == "region":
                change["name"] = self.catalog.latest(change["value"]).data.region.name
            elif change["what"] == "tier":
                loaded = self.policy()
                tiers = loaded.data.tiers if loaded else []
                change["name"] = next((t.label for t in tiers if t.number == state.tier), "")
        if removed:
            changes.append({"what": "removed", "value": removed})
        if changes:
            self.pre.insert(at, _block("changed", changes=changes))
        return None

    def _apply_identities(self, facts: MessageFacts, stage: Stage) -> list[str]:
        """The identities a message states: they replace the earlier ones, unless they are
        being chosen right now (the draft) or the message adds them ("还有…"); "不是低保户"
        removes one. Returns the identities removed by a negation."""
        state = self.state
        known = self.catalog.identities
        before = state.identities
        if facts.identities or facts.negated:
            choosing = stage is Stage.IDENTITIES and before is None
            base = list(state.draft) if choosing else list(before or [])
            if facts.identities and not facts.additive and (facts.correction or not choosing):
                base = []
            merged = dict.fromkeys([*base, *facts.identities])
            chosen = [i for i in merged if i in known and i not in facts.negated]
            removed = [i for i in [*(before or []), *state.draft] if i in facts.negated]
            state.draft = []
            # Only negations and nothing left: ask again rather than guess "ordinary".
            state.identities = chosen or None
            return list(dict.fromkeys(removed)) if state.identities is None else []
        if facts.ordinary and (
            stage is Stage.IDENTITIES or state.identities is None or facts.correction
        ):
            state.identities = []
            state.draft = []
        return []

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
        assumed: dict[str, date] = {}  # one "no year given" notice for the whole message
        if birth is not None and birth.value is not None:
            if birth.value > self.today:
                return _block("birth_in_future", day=birth.value)
            state.birth_date = birth.value
            state.birth_range = None
            if birth.year_inferred:
                assumed["birth"] = birth.value
        elif facts.birth_range is not None:
            # An age ("65岁") or a year ("1960年"): the days the birth lies between, kept
            # instead of an exact date it does not give.
            state.birth_range = facts.birth_range
            state.birth_date = None
        elif stage is Stage.BIRTH_DATE and facts.bare_year is not None:
            year = facts.bare_year
            if year <= self.today.year:
                state.birth_range = (date(year, 1, 1), min(date(year, 12, 31), self.today))
                state.birth_date = None
        if payment is not None and payment.value is not None:
            value = payment.value
            if (
                payment.year_inferred
                and state.birth_date is not None
                and ("newborn" in (state.identities or []))
            ):
                # a newborn pays after birth: "2025年1月3日出生 2月10号交" is 2025-02-10
                value = _first_on_or_after(value, state.birth_date)
            state.payment_date = value
            if payment.year_inferred:
                assumed["payment"] = value
        if assumed:
            self.pre.append(_block("year_assumed", **assumed))
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
            if facts.insured_last_year != state.insured_last_year:
                # "去年没交" after "去年交了": the lapse counts must be asked, not kept at 0.
                state.lapsed_years = None
                state.repaid_years = None
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

    def _apply_year(self, facts: MessageFacts, stage: Stage, text: str) -> None:
        """The insurance year said ("交2026年的", "2026年度", or a bare "2026" when asked); a
        year refused leaves the one stored as it was."""
        year = facts.insurance_year
        bare = text.strip().rstrip("年").strip()
        if year is None and stage is Stage.INSURANCE_YEAR and bare.isdigit() and len(bare) == 4:
            year = int(bare)
        if year is None:
            return
        problem = self._year_problem(year)
        if problem is not None:
            self.pre.append(problem)
        else:
            self.state.insurance_year = year

    def check_year(self) -> None:
        """The stored year, if the payment date no longer allows it, is dropped with the
        message that says why."""
        year = self.state.insurance_year
        problem = self._year_problem(year) if year is not None else None
        if problem is not None:
            self.state.insurance_year = None
            self.pre.append(problem)

    def _year_problem(self, year: int) -> Block | None:
        """Why the region cannot take `year`: not on file, or not payable on the payment date
        (once known). The message is `yibao quote --insurance-year`'s: the years on file and
        their payment periods."""
        state = self.state
        if state.region is None:
            return None  # checked once the region is known
        periods = payment_periods(self.catalog, state.region)
        on_file = any(y == year for y, _, _ in periods)
        if on_file and state.payment_date is None:
            return None  # checked again once the date is known
        if on_file:
            request = self.request().model_copy(update={"insurance_year": year})
            try:
                choose(self.catalog, request, expand_identities(self.catalog, request.identities))
                return None
            except InsuranceYearError:
                pass
        return _block(
            "insurance_year_problem",
            year=year,
            day=state.payment_date,
            on_file=on_file,
            periods=periods,
        )

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

    # -- questions ------------------------------------------------------------------------

    def ask(self, record: bool = True) -> Reply:
        """Ask the next missing question, or give the answer."""
        if self.state.then is not None and self.state.region is not None:
            # A view asked for before its region was known: the region is known now.
            then, self.state.then = self.state.then, None
            if then == "table":
                return self.table(self.state.region)
        self.check_year()
        stage = questions.next_stage(self)
        if stage is Stage.ANSWER and self._amount_depends_on_history():
            self.state.requested = Stage.HISTORY
            stage = questions.next_stage(self)
        questions.prune_kept(self.state, self.today, answered=stage is Stage.ANSWER)
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
        """The question of the current stage, as its unit builds it, with "back"."""
        stage = self.state.stage
        asked = questions.QUESTIONS[stage].ask(self)
        blocks = [*self.pre, *asked.blocks]
        options = list(asked.options)
        columns = asked.columns
        if self.state.asked and stage not in (Stage.REGION,):
            options.append(_option(A.Navigate("back"), "back"))
        return Reply(
            kind="question",
            lang=self.lang,
            blocks=blocks,
            options=options,
            columns=columns,
            seq=self.state.seq,
        )

    def _comparable(self, text: str) -> str | None:
        """/compare's argument: an identity, or ordinary residents ("普通居民", "ordinary")."""
        code = self.catalog.resolve_identity(text)
        if code is not None:
            return code
        facts = understand(text, self.today, self.catalog)
        return ORDINARY if facts.ordinary or text.strip().lower() == ORDINARY else None

    def ask_language(self) -> Reply:
        self.state.seq += 1
        blocks = [*self.pre, _block("ask_language")]
        options = [_option(A.SetLanguage(lang), "language", language=lang) for lang in LANGS]
        return Reply(
            kind="question",
            lang=self.lang,
            blocks=blocks,
            options=options,
            columns=3,
            seq=self.state.seq,
        )

    def explain_identities(self) -> Reply:
        """ "Not sure": the region's glossary (each group in the notice's own words)."""
        assert self.state.region is not None
        region = self.state.region
        entries = glossary_entries(self.catalog, region, self.lang)
        self.pre.append(_block("glossary", entries=entries, region=region))
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
            age_range=flow.ages_on(state, payment_date or state.payment_date or self.today),
            lapsed_years=state.lapsed_years or 0,
            repaid_years=state.repaid_years or 0,
            tier=state.tier,
            insurance_year=state.insurance_year,
        )

    def _amount_depends_on_history(self) -> bool:
        """Whether "insured last year?" changes the amount itself (not only the waiting), so
        it must be asked before answering rather than assumed."""
        state = self.state
        if state.insured_last_year is not None or not flow.history_matters(state, self.policy()):
            return False
        try:
            continuing = quote_once(self.catalog, self.request())
            lapsed = quote_once(self.catalog, self.request().model_copy(update={"lapsed_years": 1}))
        except (QuoteInputError, InsuranceYearError):
            return False
        return (continuing.status, continuing.amount_due) != (lapsed.status, lapsed.amount_due)

    def assumed_cases(self, result: QuoteResult) -> list[dict[str, Any]]:
        """What the answer assumed about facts nobody gave (history, tier), each with the
        calculator's answer for the other case, where that answer differs."""
        state = self.state
        if result.status not in (Status.OK, Status.UNDETERMINED):
            return []
        request = result.request
        cases: list[dict[str, Any]] = []
        loaded = self.policy()
        if state.insured_last_year is None and flow.history_matters(state, loaded):
            lapsed = quote_once(self.catalog, request.model_copy(update={"lapsed_years": 1}))
            if _outcome(lapsed) != _outcome(result):
                cases.append({"what": "history", "result": lapsed})
            else:
                # Outside a collection one lapsed year waits like everyone (the fixed wait);
                # from two on each adds a month: still an assumption worth a line.
                longer = quote_once(self.catalog, request.model_copy(update={"lapsed_years": 2}))
                if _outcome(longer) != _outcome(result):
                    cases.append({"what": "history_years", "years": 2, "result": longer})
        if state.tier is None and loaded is not None and loaded.data.tiers:
            for tier in loaded.data.tiers:
                if tier.number == result.tier:
                    continue
                other = quote_once(self.catalog, request.model_copy(update={"tier": tier.number}))
                cases.append({"what": "tier", "result": other})
        return cases

    def answer(self) -> Reply:
        blocks = [*self.pre]
        try:
            result = quote_once(self.catalog, self.request())
        except QuoteInputError:
            questions.forget(self.state, Stage.PAYMENT_DATE)
            self.pre = [_block("birth_after_payment")]
            return self.ask(record=False)
        except InsuranceYearError:  # `check_year` drops such a year before: a safety net
            self.state.insurance_year = None
            return self.ask(record=False)
        # (Not for a reference answer: "no notice governs this date" must come first.)
        cases = self.assumed_cases(result)
        if cases:
            blocks.append(_block("assumed", cases=cases, asked=result))
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
        return views.reference_for(self.catalog, result)

    def answer_options(self) -> list[Option]:
        state = self.state
        options = [
            _option(A.Change("region"), "change_region"),
            _option(A.Change("identities"), "change_identities"),
            _option(A.Change("date"), "change_date"),
        ]
        if len(flow.open_years(self.catalog, state)) >= 2:
            options.append(_option(A.Change("year"), "change_year"))
        loaded = self.policy()
        if flow.history_matters(state, loaded):
            options.append(_option(A.Change("history"), "change_history"))
        if flow.has_tiers(loaded):
            options.append(_option(A.Change("tier"), "change_tier"))
        if state.birth_date is not None:
            options.append(_option(A.Change("birth"), "change_birth"))
        options += [
            _option(A.View("table", state.region or ""), "table"),
            _option(A.View("compare"), "compare"),
            _option(A.Navigate("restart"), "restart"),
        ]
        return options

    # -- reference views ------------------------------------------------------------------

    def info(self, blocks: list[Block], *, with_menu: bool = True) -> Reply:
        options = (
            [_option(A.Navigate("ask"), "continue"), _option(A.View("menu"), "menu")]
            if with_menu
            else []
        )
        return Reply(
            kind="info",
            lang=self.lang,
            blocks=[*self.pre, *blocks],
            options=options,
            seq=self.state.seq,
        )

    def help(self, *, with_hotline: bool = False) -> Reply:
        loaded = self.policy()
        contacts: list[ListedItem] = []
        if with_hotline and loaded is not None:
            contacts = views.faq(self.catalog, loaded.slug, "contacts").items
        elif with_hotline:
            hotline = self.catalog.national.hotline
            contacts = [ListedItem(name=hotline.name, detail=hotline.phone, sources=[])]
        blocks = [*self.pre, _block("help", with_hotline=with_hotline, contacts=contacts)]
        options = [
            _option(A.Navigate("ask"), "continue"),
            _option(A.View("table"), "table"),
            _option(A.View("compare"), "compare"),
            _option(A.View("sources"), "sources"),
            *[_option(A.View("faq", topic), f"faq_{topic}") for topic in views.FAQ_TOPICS],
            _option(A.Navigate("restart"), "restart"),
            _option(A.View("language"), "language_menu"),
        ]
        return Reply(
            kind="info", lang=self.lang, blocks=blocks, options=options, seq=self.state.seq
        )

    def table(self, region: str | None) -> Reply:
        region = region or self.state.region
        if region is None:
            self.state.then = "table"  # shown as soon as the region is known
            self.pre.append(_block("choose_region_first"))
            return self.ask()
        return self.info(
            [_block("identity_table", table=views.identity_table(self.catalog, region))]
        )

    def compare(self, identity: str | None) -> Reply:
        if identity is None and self.state.identities and len(self.state.identities) == 1:
            identity = self.state.identities[0]
        if identity is None or identity not in (*self.catalog.identities, ORDINARY):
            self.state.resume = self.state.stage
            self.state.stage = Stage.COMPARE
            self.state.seq += 1
            return self.question()
        if self.state.stage is Stage.COMPARE:
            self.state.stage = self.state.resume or questions.next_stage(self)
            self.state.resume = None
        rows = views.compare_identity(self.catalog, identity)
        return self.info([_block("comparison", identity=identity, rows=rows)])

    def glossary(self, codes: list[str]) -> Reply:
        """What the groups mean, in the notice's words; asking changes nothing."""
        region = self.state.region
        if len(codes) == 1:  # the shared tuple: the render cache knows it by identity
            entries = glossary_entry(self.catalog, region, codes[0], self.lang)
        elif codes:
            entries = tuple(
                entry
                for code in codes
                for entry in glossary_entry(self.catalog, region, code, self.lang)
            )
        else:
            entries = glossary_entries(self.catalog, region, self.lang)
        return self.info([_block("glossary", entries=entries, region=region)])

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


def _outcome(result: QuoteResult) -> tuple[object, ...]:
    """What a resident sees change between two cases: the amount and when cover starts."""
    coverage = result.coverage
    return (
        result.status,
        result.amount_due,
        coverage.start if coverage else None,
        coverage.rule if coverage else None,
    )


def _bounded(raw: str) -> str:
    """At most MAX_TEXT characters, and no word cut in half: a cut message loses its last
    fragment, so "…低保边缘户" cut after "低保" cannot become 低保."""
    if len(raw) <= MAX_TEXT:
        return raw
    kept = raw[:MAX_TEXT]
    if raw[MAX_TEXT] in _SEPARATORS:
        return kept
    last = max(kept.rfind(ch) for ch in _SEPARATORS)
    return kept[: last + 1] if last >= 0 else ""


_WATCHED = (
    "region",
    "identities",
    "birth_date",
    "birth_range",
    "tier",
    "insured_last_year",
    "lapsed_years",
    "repaid_years",
    "payment_date",
    "insurance_year",
)


def _changes(old: DialogState, new: DialogState) -> list[dict[str, Any]]:
    """The facts a message changed from an earlier value (a first answer is no change)."""
    out: list[dict[str, Any]] = []
    for name in _WATCHED:
        before, after = getattr(old, name), getattr(new, name)
        if before is not None and after is not None and before != after:
            if name == "lapsed_years" and not after:
                continue  # no lapse: said as "insured last year", its own change
            out.append({"what": name, "value": after})
    return out


def _states_a_fact(facts: MessageFacts) -> bool:
    return bool(
        facts.region
        or facts.identities
        or facts.ordinary
        or facts.birth_date
        or facts.payment_date
        or facts.other_dates
        or facts.tier
        or facts.insurance_year is not None
        or facts.insured_last_year is not None
        or facts.lapsed_years is not None
        or facts.several_people is not None
        or facts.disability_grade is not None
        or facts.birth_range is not None
    )


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


def _first_on_or_after(day: date, earliest: date) -> date:
    """`day`'s month and day in the first year that puts it on or after `earliest`."""
    for year in range(earliest.year, day.year + 1):
        try:
            candidate = day.replace(year=year)
        except ValueError:  # 29 Feb in a common year
            continue
        if candidate >= earliest:
            return candidate
    return day
