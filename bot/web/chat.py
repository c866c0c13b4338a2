"""The chat page: the dialog over plain HTML forms, state in the bot's store.

Every request: find the session (cookie), then load its state, `step` the dialog and save,
as one `Store.apply` (so two workers serving one session's requests at once apply them one
after the other), and render the replies into the page. Buttons are <button name="option">
in a form carrying the reply's seq, so a stale page's button is told "this question has
moved on" exactly as in Telegram; free text is a text field; both work with JavaScript off
(full page loads), and the small script in static/ only swaps the page in place. Nothing
here decides what to say.

A post is answered Post/Redirect/Get: 303 to the chat page, whose GET shows what the step
said. So a reload, or Back and Forward, with JavaScript off repeats that GET, never the post:
a tap is never taken twice and no browser asks to "resubmit the form". The step's replies,
rendered, are written with its state in the same `Store.apply` (bot.web.step_page), so the
GET shows them on whichever worker it reaches, and after a restart, for as long as the
stored conversation is still where that step left it; when it has moved on (or the page was
over the store's bound) the page asks the current question again from the stored state.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Final
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.store import Change, Conversation, Store
from bot.web import session
from bot.web.rendering import render_page, render_web
from bot.web.step_page import StepPage, forget_said, load, said
from dialogs.engine import Choice, Command, Text, language, replay, step
from dialogs.memory import forget_shared
from dialogs.rendering import LANGUAGES, normalise_lang
from dialogs.replies import Reply
from dialogs.state import DialogState
from policies.catalog import load_catalog

log = logging.getLogger("bot.web.chat")

Event = Text | Choice | Command

MAX_TEXT: Final = 500  # characters of one typed message (the dialog reads at most 2,000)
MAX_FIELDS: Final = 8
_OPTION: Final = re.compile(r"[\x21-\x7e]{1,40}")  # the dialog's option ids
_SEQ: Final = re.compile(r"\d{1,10}")
_LANG_TAG: Final = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8}){0,3}")
# Stands for the CSRF token in a chat page remembered for everyone (_StoredPages): random per
# process and shaped like a token, so no page text can contain it by chance or design.
_CSRF_SLOT: Final = secrets.token_hex(16)
# Chat pages remembered as rendered (README "Privacy": the categories they name, never whose)
PAGES_REMEMBERED: Final = 256
# A conversation not begun, to compare with (never changed, never stored): building one for
# each comparison was a pydantic validation on every GET
_FRESH: Final = DialogState()


def _no_store(response: HTMLResponse) -> HTMLResponse:
    response.headers["cache-control"] = "no-store"
    return response


def see_other(path: str) -> Response:
    """The answer to a form post: GET this page instead (Post/Redirect/Get)."""
    response = RedirectResponse(path, status_code=303)
    response.headers["cache-control"] = "no-store"
    return response


def accept_language(header: str | None) -> str | None:
    """The first language in Accept-Language (by q) that the helpdesk speaks, as sent."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header[:512].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if _LANG_TAG.fullmatch(tag) and tag.split("-")[0].split("_")[0].lower() in ("zh", "en"):
            ranked.append((-quality, index, tag))
    return min(ranked)[2][:16] if ranked else None


def _lang_param(request: Request) -> str | None:
    value = request.query_params.get("lang")
    return value if value in LANGUAGES else None


def _page_lang(state: DialogState, replies: list[Reply]) -> str:
    return replies[-1].lang if replies else normalise_lang(state.lang)


def _form(raw: bytes) -> dict[str, str]:
    try:
        fields = parse_qs(raw.decode("utf-8"), max_num_fields=MAX_FIELDS, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {name: values[0] for name, values in fields.items() if values}


def _chat_html(shown: StepPage, region: str | None, csrf: str) -> str:
    return render_page(
        "chat.j2", shown.lang, replies=shown.replies, csrf=csrf, region=region,
        notice=shown.notice, forgotten=False, max_text=MAX_TEXT,
    )


class _StoredPages:
    """The chat page for a stored step, rendered once per (stored page, region) and shared:
    the GET after every post shows it, and many people stand at the same step (the same
    question with the same choices ticked). The page is a function of that stored text, the
    region and the CSRF token only; the token, the one part that is the visitor's own, is
    rendered as a slot and put in per request, so the bytes are those of rendering the page
    for that visitor. Bounded, least recently used first out; an unreadable stored page is
    not remembered (it is logged each time, as before). A conversation deleted by its
    person empties it (`clear`)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[str, str | None], str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pages)

    def clear(self) -> None:
        """Drop every remembered page: "删除我的信息" leaves no copy of what any of the
        person's steps said, even one that names no one. Which pages were theirs is
        deliberately not recorded, so all go; the next visitors have theirs rendered again."""
        self._pages.clear()

    def html(self, raw: str, region: str | None, csrf: str) -> str | None:
        key = (raw, region)
        html = self._pages.get(key)
        if html is None:
            shown = load(raw)
            if shown is None:
                return None
            html = _chat_html(shown, region, _CSRF_SLOT)
            self._pages[key] = html
            if len(self._pages) > self.size:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(key)
        return html.replace(_CSRF_SLOT, csrf)


class Chat:
    def __init__(self, store: Store, today: Callable[[], date]) -> None:
        self.store = store
        self.today = today
        self.locks = session.SessionLocks()
        self.pages = _StoredPages(PAGES_REMEMBERED)

    # -- routes ---------------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        """GET /: the conversation where it stands (a new one for a new visitor)."""
        return await self._show(request, region=None)

    async def deep_link(self, request: Request) -> Response:
        """GET /r/<region>: a fresh conversation with the region chosen (volunteers' links)."""
        text = str(request.path_params["region"])[:64]
        region = load_catalog().resolve_region(text)
        if region is None:
            response = await self._show(request, region=None)
            response.status_code = 404
            return response
        return await self._show(request, region=region)

    async def post(self, request: Request) -> Response:
        """POST /chat: a button (option + seq) or typed text (a leading "/" is a command)."""
        sid = session.session_of(request)
        form = _form(await request.body())
        if not session.csrf_ok(sid, form.get("csrf")):
            return self._expired(request)
        assert sid is not None
        client_lang = accept_language(request.headers.get("accept-language"))
        today = self.today()
        notice = None
        event: Event
        option, seq, text = form.get("option"), form.get("seq", ""), form.get("text")
        if option is not None:
            if not _OPTION.fullmatch(option):
                option = "?"  # no question has it: "this question has moved on"
            event = Choice(option=option, seq=int(seq) if _SEQ.fullmatch(seq) else None,
                           today=today, client_lang=client_lang)
        elif text is not None and len(text) > MAX_TEXT:
            notice = "too_long"
            event = Choice(option="n:ask", today=today, client_lang=client_lang)
        elif text is not None and text.strip().startswith("/"):
            name, _, arg = text.strip()[1:].partition(" ")
            name = name.lower()[:32]
            if name == "forget":
                return await self._delete(request, sid)
            event = Command(name=name, arg=arg[:100], today=today, client_lang=client_lang)
        elif text is not None and text.strip():
            event = Text(text=text, today=today, client_lang=client_lang)
        else:
            event = Choice(option="n:ask", today=today, client_lang=client_lang)
        key = session.store_key(sid)
        state, replies = DialogState(), list[Reply]()

        def decide(conversation: Conversation) -> Change:
            nonlocal state, replies
            state, replies = step(conversation.state, event)
            # what the step said, for the GET the redirect leads to (on any worker)
            return Change(state, page=said(replies, _page_lang(state, replies), notice))

        async with self.locks.hold(key):  # in this process; apply holds it across processes
            await self.store.apply(key, decide)
        # DEBUG: the access log's line (bot.web.access) is the operators' view of traffic at
        # INFO; a second line per request was ~1 % of its CPU
        log.debug("web step: event=%s stage=%s replies=%s", event.kind, state.stage.value,
                  ",".join(r.kind for r in replies))
        return see_other("/")

    async def forget(self, request: Request) -> Response:
        """POST /forget ("删除我的信息"): the stored conversation is deleted, as /forget."""
        sid = session.session_of(request)
        form = _form(await request.body())
        if not session.csrf_ok(sid, form.get("csrf")):
            return self._expired(request)
        assert sid is not None
        return await self._delete(request, sid)

    async def _delete(self, request: Request, sid: str) -> Response:
        key = session.store_key(sid)
        replies: list[Reply] = []
        today = self.today()

        def decide(conversation: Conversation) -> Change:
            nonlocal replies
            _, replies = step(conversation.state, Command(name="forget", today=today))
            return Change(None, forget=True)

        async with self.locks.hold(key):
            await self.store.apply(key, decide)  # the row goes, with its page
        self.pages.clear()
        forget_said()
        forget_shared()  # answers and texts remembered for all: which were theirs is not known
        log.info("web forget: conversation deleted")
        lang = replies[0].lang if replies else "zh_Hans"
        response = see_other(f"/forgotten?lang={lang}")
        session.clear_cookie(response, request)
        return response

    async def forgotten(self, request: Request) -> Response:
        """GET /forgotten: the confirmation that the conversation was deleted (where the
        deletion's redirect leads; a reload shows it again and stores nothing)."""
        lang = normalise_lang(_lang_param(request) or accept_language(
            request.headers.get("accept-language")))
        _, replies = step(DialogState(lang=lang), Command(name="forget", today=self.today()))
        html = render_page(
            "chat.j2", lang, replies=[render_web(r) for r in replies], csrf=None,
            region=None, notice=None, forgotten=True,
        )
        response = HTMLResponse(html)
        response.headers["cache-control"] = "no-store"
        return response

    async def answer(self, request: Request) -> Response:
        """GET /answer: the current answer on a page of its own (to read, print or copy)."""
        sid = session.session_of(request)
        if sid is None:
            return RedirectResponse("/", status_code=303)
        key = session.store_key(sid)
        asked_lang = _lang_param(request)
        today = self.today()
        client_lang = accept_language(request.headers.get("accept-language"))
        state = DialogState()

        def decide(conversation: Conversation) -> Change:
            nonlocal state
            state = conversation.state
            if asked_lang is None or asked_lang == language(state):
                return Change(None)
            # the page's language links: the same answer, and the conversation goes on in
            # that language (as ?lang= on the chat page)
            state, _ = step(state, Choice(option=f"l:{asked_lang}", today=today,
                                          client_lang=client_lang))
            return Change(state)

        async with self.locks.hold(key):
            await self.store.apply(key, decide)
        reply = replay(state, today)
        if reply is None:
            return RedirectResponse("/", status_code=303)
        html = render_page("answer.j2", reply.lang, reply=render_web(reply, full_plain=True),
                           region=state.region)
        return HTMLResponse(html)

    # -- helpers --------------------------------------------------------------------------

    async def _show(self, request: Request, region: str | None) -> Response:
        sid = session.session_of(request)
        new_cookie = sid is None
        sid = sid or session.new_session_id()
        key = session.store_key(sid)
        today = self.today()
        client_lang = accept_language(request.headers.get("accept-language"))
        asked_lang = _lang_param(request)
        if not new_cookie and region is None:
            # where a post's redirect leads (or its reload): one read, without the lock or a
            # write, as the stored page is what that step said about the stored state (they
            # are written together); anything else steps, under the lock, below
            stored = await self.store.get(key)
            if (stored.page is not None and stored.state != _FRESH
                    and asked_lang in (None, language(stored.state))):
                html = self.pages.html(stored.page, stored.state.region,
                                       session.csrf_token(sid))
                if html is not None:
                    return _no_store(HTMLResponse(html))
        state, replies = DialogState(), list[Reply]()
        shown: StepPage | None = None

        def decide(conversation: Conversation) -> Change:
            nonlocal state, replies, shown
            state = conversation.state
            if region is not None or state == _FRESH:
                # a new conversation: with the language asked for in the link, if any
                state = DialogState(lang=asked_lang or state.lang)
                state, replies = step(
                    state, Command(name="start", arg=region or "", today=today,
                                   client_lang=client_lang)
                )
            elif asked_lang is not None and asked_lang != language(state):
                state, replies = step(
                    state, Choice(option=f"l:{asked_lang}", today=today, client_lang=client_lang)
                )
            elif (shown := load(conversation.page)) is not None:
                # where a post's redirect leads (or its reload): what that step said; a page
                # is stored with its state, so it is still where that step left it
                return Change(None)
            else:
                # where it stands: the current question asked again, or the answer
                state, replies = step(
                    state, Choice(option="n:ask", today=today, client_lang=client_lang)
                )
            return Change(state)

        async with self.locks.hold(key):
            await self.store.apply(key, decide)
        html = None
        if shown is None:
            # rendered and laid out once for everyone shown these replies (a deep link's
            # welcome, a question asked again), like the page a post's redirect shows
            raw = said(replies, _page_lang(state, replies), None)
            html = self.pages.html(raw, state.region, session.csrf_token(sid)) if raw else None
            if html is None:
                shown = StepPage(lang=_page_lang(state, replies), notice=None,
                                 replies=[render_web(r) for r in replies])
        if html is None:
            assert shown is not None
            html = _chat_html(shown, state.region, session.csrf_token(sid))
        response = _no_store(HTMLResponse(html))
        if new_cookie:
            session.set_cookie(response, request, sid)
        return response

    def _expired(self, request: Request) -> Response:
        lang = normalise_lang(
            _lang_param(request) or accept_language(request.headers.get("accept-language"))
        )
        return HTMLResponse(render_page("expired.j2", lang), status_code=403)
