"""Sending, editing and acknowledging, with the retry rules that keep answers exactly-once.

* 429 RetryAfter: retried per chat by bot.telegram.ratelimit (configured in
  bot.telegram.app), every method.
* `NotDelivered` (connection refused, DNS, 502 from the gateway): the request never took
  effect, so it is resent with a growing backoff for as long as the reply is still useful
  (`RetryPolicy.window`, 60 s by default: an outage shorter than that loses nothing).
* TimedOut or a connection lost after the request was written: the message may already be
  on the user's screen. A sendMessage is then never resent (a duplicate answer is worse than
  a missing one: the user can ask again); an edit is idempotent and is tried once more.
* A refused HTML message (400 "can't parse entities") is sent once more as plain text, so a
  rendering bug costs formatting, not the answer.

Nothing here raises: failures are logged (without message text) and reported as None/False,
so one undeliverable reply never reaches the error handler and triggers a second message.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Final

from telegram import Bot, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.telegram.outgoing import Outgoing
from bot.telegram.request import NotDelivered

log = logging.getLogger("bot.telegram.sender")

WINDOW_SECONDS: Final = 60.0  # how long a reply stays worth resending (bot.settings)
BACKOFF_SECONDS: Final = 0.5  # doubled after each NotDelivered ...
BACKOFF_MAX_SECONDS: Final = 8.0  # ... up to this


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often a certainly-undelivered request is resent."""

    window: float = WINDOW_SECONDS
    first: float = BACKOFF_SECONDS
    cap: float = BACKOFF_MAX_SECONDS

    def scaled(self, factor: float) -> RetryPolicy:
        """The same policy on a faster clock (tests: a 30 s outage played in 3 s)."""
        return RetryPolicy(self.window * factor, self.first * factor, self.cap * factor)

    def waits(self, clock: Callable[[], float] = time.monotonic) -> _Waits:
        return _Waits(self, clock)


class _Waits:
    """The backoff before each resend; None once the window is used up."""

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float]) -> None:
        self.policy = policy
        self.clock = clock
        self.deadline = clock() + policy.window
        self.backoff = policy.first

    def next(self) -> float | None:
        wait = self.backoff
        if self.clock() + wait > self.deadline:
            return None
        self.backoff = min(self.backoff * 2, self.policy.cap)
        return wait
_NO_PREVIEW: Final = LinkPreviewOptions(is_disabled=True)  # links in answers are citations
_TAG: Final = re.compile(r"<[^<>]*>")


class EditResult(Enum):
    EDITED = "edited"  # applied (or already showing exactly this)
    UNKNOWN = "unknown"  # may have been applied: do not send the content again
    FAILED = "failed"  # certainly not applied: send it as a new message instead


def html_to_text(text: str) -> str:
    """What the user would have seen: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def _is_entity_error(err: BadRequest) -> bool:
    return "can't parse entities" in err.message.lower()


class Sender:
    def __init__(self, bot: Bot, *, retry: RetryPolicy | None = None) -> None:
        self.bot = bot
        self.retry = retry or RetryPolicy()

    async def send(
        self, chat_id: int, message: Outgoing, *, reply_to: int | None = None
    ) -> Message | None:
        """Send one message; None when it was not (or may not have been) delivered."""
        text, as_html = message.text, message.html
        reply = (
            ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if reply_to is not None
            else None
        )
        waits = self.retry.waits()
        while True:
            try:
                return await self.bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML if as_html else None,
                    reply_markup=message.keyboard,
                    reply_parameters=reply,
                    link_preview_options=_NO_PREVIEW,
                )
            except NotDelivered as err:
                wait = waits.next()
                if wait is None:
                    log.warning("sendMessage to chat %s not delivered within %.0f s, giving "
                                "up: %s", chat_id, self.retry.window, err.message)
                    return None
                log.info("sendMessage to chat %s not delivered (%s); resending in %.2f s",
                         chat_id, err.message, wait)
                await asyncio.sleep(wait)
            except TimedOut:
                log.warning(
                    "sendMessage to chat %s timed out after it was sent; it may have been "
                    "delivered, so it is not resent", chat_id,
                )
                return None
            except BadRequest as err:
                if as_html and _is_entity_error(err):
                    log.error("Telegram refused our HTML (%s); sending plain text", err.message)
                    text, as_html = html_to_text(text), False
                    continue
                log.error("sendMessage to chat %s refused: %s", chat_id, err.message)
                return None
            except Forbidden as err:
                log.info("chat %s cannot be written to: %s", chat_id, err.message)
                return None
            except RetryAfter as err:
                log.warning("sendMessage to chat %s still rate-limited after retries (%s)",
                            chat_id, err.message)
                return None
            except TelegramError as err:  # NetworkError after sending, and the unexpected
                log.warning("sendMessage to chat %s failed: %s: %s; not resent",
                            chat_id, type(err).__name__, err.message)
                return None

    async def send_all(
        self, chat_id: int, messages: list[Outgoing], *, reply_to: int | None = None
    ) -> list[Message | None]:
        """Send the parts of one reply in order; a lost part does not stop the rest."""
        return [await self.send(chat_id, m, reply_to=reply_to) for m in messages]

    async def edit(self, chat_id: int, message_id: int, message: Outgoing) -> EditResult:
        """Replace a message's text and keyboard (editing is idempotent, so one retry)."""
        text, as_html = message.text, message.html
        waits = self.retry.waits()
        timeouts = 0
        while True:
            try:
                await self.bot.edit_message_text(
                    text,
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML if as_html else None,
                    reply_markup=message.keyboard,
                    link_preview_options=_NO_PREVIEW,
                )
                return EditResult.EDITED
            except BadRequest as err:
                if "not modified" in err.message.lower():
                    return EditResult.EDITED  # e.g. our retry after a lost response
                if as_html and _is_entity_error(err):
                    log.error("Telegram refused our HTML (%s); editing in plain text",
                              err.message)
                    text, as_html = html_to_text(text), False
                    continue
                log.info("editMessageText in chat %s refused: %s", chat_id, err.message)
                return EditResult.FAILED
            except NotDelivered as err:
                wait = waits.next()
                if wait is None:
                    log.warning("editMessageText in chat %s not delivered: %s",
                                chat_id, err.message)
                    return EditResult.FAILED
                await asyncio.sleep(wait)
            except (TimedOut, NetworkError) as err:
                timeouts += 1
                if timeouts == 2:
                    log.warning("editMessageText in chat %s: %s; outcome unknown",
                                chat_id, type(err).__name__)
                    return EditResult.UNKNOWN
            except TelegramError as err:
                log.warning("editMessageText in chat %s failed: %s", chat_id, err.message)
                return EditResult.FAILED

    async def answer_callback(self, query_id: str) -> None:
        """Stop the button's spinner. Best effort: a lost answer only delays the spinner."""
        try:
            await self.bot.answer_callback_query(query_id)
        except TelegramError as err:
            log.info("answerCallbackQuery failed (%s); skipped", type(err).__name__)
