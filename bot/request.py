"""PTB's HTTP client, telling "certainly not delivered" apart from "maybe delivered".

Resending a message is only safe when the first attempt cannot have reached Telegram. PTB
reports both a refused connection and a lost response as NetworkError/TimedOut; this request
class raises `NotDelivered` for the cases where the request provably did not take effect:

* the connection could not be opened (connect error, connect or pool timeout);
* the gateway in front of the Bot API answered 502 Bad Gateway: it could not reach the
  Bot API server, so the method was not carried out.

A read timeout or a connection dropped after the request was written stays TimedOut /
NetworkError: the message may be on the user's screen, and it is never resent blindly.
"""

from __future__ import annotations

from http import HTTPStatus

import httpx
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import NetworkError
from telegram.request import HTTPXRequest, RequestData

_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class NotDelivered(NetworkError):
    """The request did not reach the Bot API: resending it cannot duplicate anything."""


class DeliveryAwareRequest(HTTPXRequest):
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
        try:
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
