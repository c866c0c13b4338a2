"""DeliveryAwareRequest: never-sent failures are NotDelivered; requests in flight are bounded;
parameters travel as a UTF-8 JSON body."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import socket
from typing import Any

import pytest
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.request import DeliveryAwareRequest, NotDelivered


class Recorder:
    """Stands in for HTTPXRequest.do_request: counts requests in flight."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.in_flight = 0
        self.most = 0
        self.done = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(self.hold)
        finally:
            self.in_flight -= 1
        self.done += 1
        return 200, b'{"ok": true, "result": true}'


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    fake = Recorder(hold=0.01)
    monkeypatch.setattr(HTTPXRequest, "do_request", lambda self, *a, **kw: fake(*a, **kw))
    return fake


async def test_at_most_pool_size_requests_in_flight_the_rest_wait(recorder: Recorder) -> None:
    request = DeliveryAwareRequest(connection_pool_size=3, pool_timeout=5.0)
    results = await asyncio.gather(
        *(request.do_request("https://x/bot/sendMessage", "POST") for _ in range(10))
    )
    assert recorder.most == 3
    assert recorder.done == 10
    assert all(code == 200 for code, _ in results)


async def test_waiting_past_the_pool_timeout_is_not_delivered(recorder: Recorder) -> None:
    recorder.hold = 0.5
    request = DeliveryAwareRequest(connection_pool_size=1, pool_timeout=0.05)
    first = asyncio.create_task(request.do_request("https://x/bot/sendMessage", "POST"))
    await asyncio.sleep(0)  # the first request takes the only turn
    with pytest.raises(NotDelivered):
        await request.do_request("https://x/bot/sendMessage", "POST")
    assert recorder.done == 0  # the second one never reached httpx
    await first
    assert recorder.done == 1
    # an explicit per-call pool timeout wins over the default
    second = asyncio.create_task(request.do_request("https://x/bot/sendMessage", "POST"))
    await asyncio.sleep(0)
    assert (await request.do_request("https://x/bot/m", "POST", pool_timeout=2.0))[0] == 200
    await second


# -- the wire format: JSON bodies, errors mapped as PTB maps them --------------------------


class BotApiStub:
    """A local HTTP server that records what the bot posted and answers as told."""

    def __init__(self, delay: float = 0.0, status: int = 200) -> None:
        self.delay = delay
        self.status = status
        self.seen: list[tuple[str, bytes]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        self.seen.append((request.content_type, await request.read()))
        await asyncio.sleep(self.delay)
        return web.json_response({"ok": True, "result": True}, status=self.status)

    async def __aenter__(self) -> BotApiStub:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/bot123:ABC/sendMessage"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


def message_data() -> RequestData:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("低保", callback_data="v1|3|i:dibao")]])
    return RequestData(
        [
            RequestParameter.from_input("chat_id", 42),
            RequestParameter.from_input("text", "科左后旗 <b>400元</b> & 12393"),
            RequestParameter.from_input("reply_markup", markup),
        ]
    )


async def test_parameters_are_posted_as_one_utf8_json_object() -> None:
    request = DeliveryAwareRequest(connection_pool_size=2)
    await request.initialize()
    try:
        async with BotApiStub() as api:
            code, payload = await request.do_request(api.url, "POST", message_data())
    finally:
        await request.shutdown()
    assert code == 200 and json.loads(payload) == {"ok": True, "result": True}
    [(content_type, body)] = api.seen
    assert content_type == "application/json"
    assert "科左后旗".encode() in body  # UTF-8, not \u escapes or %XX
    assert json.loads(body) == {
        "chat_id": 42,
        "text": "科左后旗 <b>400元</b> & 12393",
        "reply_markup": {"inline_keyboard": [[{"text": "低保", "callback_data": "v1|3|i:dibao"}]]},
    }


async def test_a_reply_slower_than_the_read_timeout_is_timed_out_not_undelivered() -> None:
    request = DeliveryAwareRequest(connection_pool_size=1, read_timeout=0.05)
    await request.initialize()
    try:
        async with BotApiStub(delay=0.5) as api:
            with pytest.raises(TimedOut) as caught:
                await request.do_request(api.url, "POST", message_data())
    finally:
        await request.shutdown()
    assert not isinstance(caught.value, NotDelivered)  # it was sent: never resent blindly
    assert len(api.seen) == 1


async def test_a_refused_connection_is_not_delivered() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = DeliveryAwareRequest(connection_pool_size=1)
    await request.initialize()
    try:
        with pytest.raises(NotDelivered):
            await request.do_request(f"http://127.0.0.1:{port}/bot1:A/sendMessage", "POST",
                                     message_data())
    finally:
        await request.shutdown()


async def test_bad_gateway_is_not_delivered() -> None:
    request = DeliveryAwareRequest(connection_pool_size=1)
    await request.initialize()
    try:
        async with BotApiStub(status=502) as api:
            with pytest.raises(NotDelivered):
                await request.do_request(api.url, "POST", message_data())
    finally:
        await request.shutdown()


def test_httpcore_finds_sniffio() -> None:
    """sniffio is a dependency although no module of ours imports it: httpcore asks for it on
    every lock it creates, and a failed import there cost a quarter of the bot's CPU under
    load (README "Performance"). Dropping it from pyproject.toml fails here."""
    assert importlib.util.find_spec("sniffio") is not None
