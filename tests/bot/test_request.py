"""DeliveryAwareRequest: never-sent failures are NotDelivered; requests in flight are bounded."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.request import HTTPXRequest

from bot.request import DeliveryAwareRequest, NotDelivered


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
