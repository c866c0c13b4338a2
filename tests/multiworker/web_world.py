"""Several `yibao web` workers on one store, behind the alternating dispatcher.

Users are the web benchmark's (benchmarks/web.py): each plays a scripted conversation with a
cookie jar of its own — "/start R" opens /r/R?lang=L, a click posts the n-th button of the
page's last form (its seq and CSRF token with it), text posts the message — each request
waiting for the previous page. Consecutive requests of one visitor reach different workers.

A request the dispatcher answers 502 (its worker was killed with it) is sent again, as a
person presses again; the killed worker may or may not have committed it, so such a
conversation must end in the state a single worker reaches with that request applied once,
or applied twice (the second time on the state the first left: a stale button is "moved
on", a typed fact is stated again) — never anything else.

What is counted, per run:

* lost: requests never answered 200 (after three resends);
* wrong: conversations whose pages (the seq of each page's last form) or final stored state
  differ from what a single worker gives (tests/multiworker/expected.py) — a step applied
  on an old state, lost, or applied twice without a resend.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Final

import aiohttp
from yarl import URL

from benchmarks.scenarios import Script, scripts
from bot.web import session as web_session
from dialogs.state import DialogState
from tests.multiworker.dispatcher import AlternatingDispatcher, DispatchStats, Upstream
from tests.multiworker.expected import web_steps
from tests.multiworker.stored import stored_states
from tests.multiworker.workers import Backend, Worker, start_web_workers, stop_all

TODAY: Final = "2025-05-25"  # the collection period of several notices is open
RESENDS: Final = 3
RESEND_PAUSE: Final = 0.2
_FORM: Final = re.compile(
    r'<form method="post" action="/chat" class="buttons[^"]*">(.*?)</form>', re.S)
_SEQ: Final = re.compile(r'name="seq" value="(\d+)"')
_OPTION: Final = re.compile(r'name="option" value="([^"]+)"')
_CSRF: Final = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Visit:
    """One visitor's conversation as it happened."""

    script: Script
    seqs: list[int | None] = field(default_factory=list)  # each page's last form's seq
    resent: set[int] = field(default_factory=set)  # actions sent again after a 502
    latencies: list[float] = field(default_factory=list)
    lost: int = 0
    session_id: str | None = None
    # This action is sent twice at once (a double tap): the two requests reach two workers
    # together, and must be applied one after the other as one worker applies them.
    doubled: frozenset[int] = frozenset()


@dataclass
class WebReport:
    workers: int
    conversations: int
    requests: int = 0
    lost: int = 0
    resent: int = 0
    double_taps: int = 0
    wrong: list[str] = field(default_factory=list)
    seconds: float = 0.0
    requests_per_second: float = 0.0
    latencies: list[float] = field(default_factory=list)
    killed: str | None = None
    dispatch: DispatchStats = field(default_factory=DispatchStats)
    errors_in_logs: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.workers} web workers, {self.conversations} conversations, "
                f"{self.requests} requests in {self.seconds:.1f} s: lost {self.lost}, "
                f"resent after 502 {self.resent}, double taps {self.double_taps}, "
                f"wrong {len(self.wrong)}; killed "
                f"{self.killed}; dispatch {dict(self.dispatch.forwarded)}, passed over "
                f"{self.dispatch.passed_over}, 502 {self.dispatch.bad_gateway}\n"
                + "\n".join(self.wrong[:10] + self.errors_in_logs[:10]))


def plan(conversations: int) -> list[Script]:
    every = scripts()
    return [every[i % len(every)] for i in range(conversations)]


async def play(client: aiohttp.ClientSession, base: str, visit: Visit) -> None:
    page = ""
    for index, (kind, value) in enumerate(visit.script.actions):
        csrf_match = _CSRF.search(page)
        csrf = csrf_match.group(1) if csrf_match else "0" * 32
        method, data = "POST", None
        if kind == "text" and isinstance(value, str) and value.startswith("/start"):
            region = value.removeprefix("/start").strip()
            method, path = "GET", (f"/r/{region}" if region else "/") + f"?lang={visit.script.lang}"
        elif kind == "text":
            path, data = "/chat", {"csrf": csrf, "text": str(value)}
        else:
            forms = [f for f in _FORM.findall(page) if _OPTION.search(f)]
            if not forms:
                visit.lost += 1  # astray: no buttons to press (counted wrong below too)
                return
            options = _OPTION.findall(forms[-1])
            seq_match = _SEQ.search(forms[-1])
            option = (options[min(value, len(options)) - 1] if isinstance(value, int)
                      else str(value))
            path = "/chat"
            data = {"csrf": csrf, "seq": seq_match.group(1) if seq_match else "0",
                    "option": option}
        if index in visit.doubled:
            pages = await asyncio.gather(*(_once(client, method, base + path, data, visit)
                                           for _ in range(2)))
            if None in pages:
                visit.lost += 1
                return
            # the later of the two steps: the page with the higher seq (or either)
            page = max((p for p in pages if p is not None), key=_last_seq_or_none)
            visit.seqs.append(_last_seq(page))
            continue
        body = None
        for attempt in range(RESENDS + 1):
            started = time.perf_counter()
            try:
                async with client.request(method, base + path, data=data) as response:
                    text = await response.text()
                    if response.status == 200:
                        body = text
                        visit.latencies.append(time.perf_counter() - started)
                        break
            except aiohttp.ClientError:
                pass
            if attempt < RESENDS:
                visit.resent.add(index)
                await asyncio.sleep(RESEND_PAUSE)
        if body is None:
            visit.lost += 1
            return
        page = body
        visit.seqs.append(_last_seq(page))
    cookies = client.cookie_jar.filter_cookies(URL(base))
    morsel = cookies.get(web_session.COOKIE)
    visit.session_id = morsel.value if morsel is not None else None


def _last_seq(page: str) -> int | None:
    forms = [f for f in _FORM.findall(page) if _OPTION.search(f)]
    seq_match = _SEQ.search(forms[-1]) if forms else None
    return int(seq_match.group(1)) if seq_match else None


def _last_seq_or_none(page: str) -> int:
    return _last_seq(page) or -1


async def _once(client: aiohttp.ClientSession, method: str, url: str,
                data: dict[str, str] | None, visit: Visit) -> str | None:
    started = time.perf_counter()
    try:
        async with client.request(method, url, data=data) as response:
            text = await response.text()
            if response.status == 200:
                visit.latencies.append(time.perf_counter() - started)
                return text
    except aiohttp.ClientError:
        pass
    return None


def _doubled(script: Script, taps: int) -> frozenset[int]:
    """The first `taps` typed messages or button presses after the start: sent twice."""
    posts = [i for i, (kind, value) in enumerate(script.actions)
             if i > 0 and not (kind == "text" and str(value).startswith("/start"))]
    return frozenset(posts[:taps])


def verdict(visit: Visit, stored: DialogState | None, today: date) -> str | None:
    """None when the conversation is one a single worker gives; else what differs."""
    candidates = []
    resent = sorted(visit.resent)
    for count in range(len(resent) + 1):
        for twice in itertools.combinations(resent, count):
            candidates.append(web_steps(visit.script, today,
                                        twice=frozenset({*twice, *visit.doubled})))
    for steps in candidates:
        if [seq for _, seq in steps] == visit.seqs and stored == steps[-1][0]:
            return None
    steps = candidates[0]
    want = [seq for _, seq in steps]
    if want != visit.seqs:
        at = next((i for i, (a, b) in enumerate(zip(want, visit.seqs, strict=False)) if a != b),
                  min(len(want), len(visit.seqs)))
        return (f"page of step {at + 1} shows seq {visit.seqs[at:at + 1]} (single worker: "
                f"{want[at:at + 1]}), {len(visit.seqs)} of {len(want)} steps answered")
    return f"stored state differs: {stored!r}"[:300]


async def run_web(
    workers: int,
    conversations: int,
    backend: Backend,
    workdir: Path,
    *,
    kill_after: float | None = None,
    double_taps: int = 0,
    processes: list[Worker] | None = None,
    dispatcher_url: str | None = None,
    timed: Callable[[str], None] | None = None,
) -> WebReport:
    """Play `conversations` conversations at once through `workers` web workers (or the
    running `processes`); with `kill_after` (a fraction of the requests), kill -9 the first
    worker once that share of the requests has been answered; with `double_taps` N, every
    other visitor sends its first N posts twice at once. With `dispatcher_url`, requests go
    to that dispatcher (a process of its own, already in front of `processes`) instead of one
    in this process. `timed("start")` and `timed("stop")` are called around the timed part
    (the benchmark reads its CPU counters there)."""
    chosen = plan(conversations)
    report = WebReport(workers=workers, conversations=conversations)
    own = processes is None
    started_workers: list[Worker] = []
    try:
        if processes is None:
            started_workers = await start_web_workers(workers, backend, workdir, today=TODAY)
            processes = started_workers
        visits = [Visit(script, doubled=_doubled(script, double_taps if i % 2 else 0))
                  for i, script in enumerate(chosen)]
        total = sum(s.updates for s in chosen)
        async with contextlib.AsyncExitStack() as stack:
            if dispatcher_url is None:
                proxy: AlternatingDispatcher | None = await stack.enter_async_context(
                    AlternatingDispatcher([Upstream(w.name, w.url) for w in processes]))
                assert proxy is not None
                base = proxy.url
            else:
                proxy, base = None, dispatcher_url
            connector = aiohttp.TCPConnector(limit=0)
            clients = [aiohttp.ClientSession(
                connector=connector, connector_owner=False,
                timeout=aiohttp.ClientTimeout(total=60),
                cookie_jar=aiohttp.CookieJar(unsafe=True)) for _ in visits]
            killer = None
            if kill_after is not None:
                killer = asyncio.ensure_future(
                    _kill_when(visits, processes[0], kill_after * total))
            if timed is not None:
                timed("start")
            started = time.perf_counter()
            try:
                await asyncio.gather(*(play(c, base, v)
                                       for c, v in zip(clients, visits, strict=True)))
            finally:
                for client in clients:
                    await client.close()
                await connector.close()
            report.seconds = time.perf_counter() - started
            if timed is not None:
                timed("stop")
            if killer is not None:
                killer.cancel()
                report.killed = processes[0].name if not processes[0].alive else None
            if proxy is not None:
                report.dispatch = proxy.stats
        today = date.fromisoformat(TODAY)
        keys = [web_session.store_key(v.session_id) for v in visits if v.session_id]
        stored = await stored_states(backend, keys)
        for number, visit in enumerate(visits):
            report.requests += len(visit.latencies)
            report.latencies += visit.latencies
            report.lost += visit.lost
            report.resent += len(visit.resent)
            report.double_taps += len(visit.doubled)
            state = (stored.get(web_session.store_key(visit.session_id))
                     if visit.session_id else None)
            problem = verdict(visit, state, today)
            if problem is not None:
                report.wrong.append(f"#{number} {visit.script.name}/{visit.script.lang}: "
                                    f"{problem}")
        report.requests_per_second = (report.requests / report.seconds
                                      if report.seconds else 0.0)
    finally:
        if own:
            await stop_all(started_workers)
    report.errors_in_logs = [f"{w.name}: {line}" for w in (processes or [])
                             for line in w.errors_in_log()]
    return report


async def _kill_when(visits: list[Visit], worker: Worker, requests: float) -> None:
    while sum(len(v.latencies) for v in visits) < requests:
        await asyncio.sleep(0.005)
    worker.kill()
