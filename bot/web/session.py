"""The web conversation's identity: a random session id in an HttpOnly, SameSite=Lax cookie.

The id is the whole secret: it names the store row ("web:<id>") and the CSRF token every
form carries is derived from it, so a page from another site can neither read nor forge it
(the cookie is HttpOnly; SameSite=Lax keeps it off cross-site POSTs besides). Nothing else
is kept in the browser, and no server-side secret is needed, so a restarted server accepts
the forms of pages it rendered before.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

COOKIE: Final = "yibao_session"
KEY_PREFIX: Final = "web:"
# token_urlsafe(32): 43 characters, 256 random bits.
_SESSION_ID: Final = re.compile(r"[A-Za-z0-9_-]{43}")
# How long a browser keeps the cookie: one collection period and its late window.
COOKIE_MAX_AGE: Final = 180 * 24 * 3600


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def session_of(request: Request) -> str | None:
    """The request's session id, if its cookie holds a well-formed one."""
    value = request.cookies.get(COOKIE, "")
    return value if _SESSION_ID.fullmatch(value) else None


def store_key(session_id: str) -> str:
    return KEY_PREFIX + session_id


# HMAC-SHA256 (RFC 2104) spelled out with hashlib: the same value as
# hmac.new(key, msg, "sha256"), but OpenSSL 3's HMAC setup costs ~16-20 us a call here, and the
# token is made twice per form post (checked, then put in the new page); this is ~5-8 us.
_BLOCK: Final = 64
_INNER: Final = bytes(x ^ 0x36 for x in range(256))
_OUTER: Final = bytes(x ^ 0x5C for x in range(256))


def csrf_token(session_id: str) -> str:
    key = session_id.encode()
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(key.translate(_INNER) + b"yibao-web-csrf").digest()
    return hashlib.sha256(key.translate(_OUTER) + inner).hexdigest()[:32]


def csrf_ok(session_id: str | None, token: str | None) -> bool:
    if session_id is None or not token:
        return False
    return hmac.compare_digest(csrf_token(session_id), token)


def set_cookie(response: Response, request: Request, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


class SessionLocks:
    """One conversation's requests one at a time (two quick taps apply in order), different
    conversations in parallel; an entry lives only while requests hold or wait for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
