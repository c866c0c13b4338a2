"""PTB's HTTP client, telling "certainly not delivered" apart from "maybe delivered".

Resending a message is only safe when the first attempt cannot have reached Telegram. PTB
reports both a refused connection and a lost response as NetworkError/TimedOut; this request
class raises `NotDelivered` for the cases where the request provably did not take effect:

* the connection could not be opened (connect error, connect or pool timeout);
* the gateway in front of the Bot API answered 502 Bad Gateway: it could not reach the
  Bot API server, so the method was not carried out.

A read timeout or a connection dropped after the request was written stays TimedOut /
NetworkError: the message may be on the user's screen, and it is never resent blindly.

It also keeps the number of connections small: at most `connection_pool_size` requests are
in flight at once, and the rest wait their turn (first come, first served) before they reach
httpx. httpcore's pool re-examines every connection (a poll() on each idle socket) and every
queued request whenever a request starts or ends, so its cost per request grows with the
square of the connections open; under a burst of updates with 72 allowed, the bot opened 70
to 100 of them and spent more CPU in that bookkeeping than in the dialog (benchmarks, README
"Performance"). Waiting longer than the pool timeout for a turn is `NotDelivered`, as httpx's
own pool timeout is: nothing was sent.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any

import httpx
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class NotDelivered(NetworkError):
    """The request did not reach the Bot API: resending it cannot duplicate anything."""


class DeliveryAwareRequest(HTTPXRequest):
    def __init__(
        self, connection_pool_size: int = 1, pool_timeout: float | None = 1.0, **kwargs: Any
    ) -> None:
        super().__init__(
            connection_pool_size=connection_pool_size, pool_timeout=pool_timeout, **kwargs
        )
        self._turns = asyncio.Semaphore(connection_pool_size)
        self._pool_timeout = pool_timeout

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._turns.locked():  # wait for a turn, but not forever
            try:
                async with asyncio.timeout(_given(pool_timeout, self._pool_timeout)):
                    await self._turns.acquire()
            except TimeoutError:
                raise NotDelivered(
                    "Pool timeout: every connection stayed busy; the request was not sent"
                ) from None
        else:  # a free turn: taken at once, no timer to arm and cancel
            await self._turns.acquire()
        try:
            return await self._request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )
        finally:
            self._turns.release()

    async def _request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None,
        read_timeout: ODVInput[float],
        write_timeout: ODVInput[float],
        connect_timeout: ODVInput[float],
        pool_timeout: ODVInput[float],
    ) -> tuple[int, bytes]:
        try:
            if request_data is not None and not request_data.contains_files:
                code, payload = await self._post_json(
                    url, method, request_data, read_timeout, write_timeout, connect_timeout,
                    pool_timeout,
                )
            else:
                code, payload = await super().do_request(
                    url,
                    method,
                    request_data=request_data,
                    read_timeout=read_timeout,
                    write_timeout=write_timeout,
                    connect_timeout=connect_timeout,
                    pool_timeout=pool_timeout,
                )
        except NetworkError as err:  # TimedOut is a NetworkError too
            if isinstance(err.__cause__, _NEVER_SENT):
                # err.message is PTB's text, which never includes the URL (and so the token)
                raise NotDelivered(err.message) from err
            raise
        if code == HTTPStatus.BAD_GATEWAY:
            raise NotDelivered("Bad Gateway (502)")
        return code, payload

    async def _post_json(
        self,
        url: str,
        method: str,
        request_data: RequestData,
        read_timeout: ODVInput[float],
        write_timeout: ODVInput[float],
        connect_timeout: ODVInput[float],
        pool_timeout: ODVInput[float],
    ) -> tuple[int, bytes]:
        """`HTTPXRequest.do_request` with the parameters as a JSON body instead of a form.

        PTB form-encodes every request, and `urllib.parse.urlencode` escapes byte by byte in
        Python: a 1,000-character Chinese answer became ~12 KB of %XX and took ~0.2 ms to
        encode, where `json.dumps` takes ~0.01 ms and sends UTF-8 (benchmarks, README
        "Performance"). The Bot API takes `application/json` for every method without files.
        Timeouts and errors are mapped exactly as PTB maps them.
        """
        client = self._client
        timeout = httpx.Timeout(
            connect=_given(connect_timeout, client.timeout.connect),
            read=_given(read_timeout, client.timeout.read),
            write=_given(write_timeout, client.timeout.write),
            pool=_given(pool_timeout, client.timeout.pool),
        )
        body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
        try:
            response = await client.request(
                method=method,
                url=url,
                headers={"User-Agent": self.USER_AGENT, "Content-Type": "application/json"},
                timeout=timeout,
                content=body,
            )
        except httpx.TimeoutException as err:
            # as PTB words it (a PoolTimeout is then told apart by its cause, see _NEVER_SENT)
            raise TimedOut from err
        except httpx.HTTPError as err:
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        return response.status_code, response.content


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value
