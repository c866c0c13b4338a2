"""The bot's update handlers: Telegram update in, dialog event through the engine, replies out.

Each update: load the conversation's state, `step` the dialog, render the replies, then
commit in one transaction the new state, the messages owed (the store's outbox) and the
update as finished (its inbox entry), then deliver what is owed, dropping each owed message
once it is out. Rendering before committing means an update whose reply cannot be produced
changes nothing; committing before delivering means a crash while sending loses nothing:
on restart the owed messages are sent (`recover`). Conversations are processed one update
at a time (bot.telegram.conversations), so the sequence needs no further locking.

A failure after delivery never reaches the error handler (no apology for an answer the user
already has): recording a delivery is retried, and when the store still refuses, the
delivery is kept in memory and written before the conversation's next update
(`_repair`), so that update starts from what was really sent.

No policy logic here and no user-facing wording: the dialog decides what to say.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final

from telegram import Bot, Chat, Message, Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.health import Counters
from bot.store import KEEP, Change, Conversation, Owed, Store
from bot.telegram import callback_data
from bot.telegram.conversations import key_of
from bot.telegram.outgoing import (
    ANSWERED,
    NO_EFFECT,
    QUESTION,
    Delivery,
    Outgoing,
    Rendered,
    render,
    render_plain,
    render_step,
)
from bot.telegram.sender import EditResult, RetryPolicy, Sender
from dialogs.engine import Choice, Command, Text, replay, step
from dialogs.memory import forget_shared
from dialogs.rendering import normalise_lang, render_template
from dialogs.replies import Block, Reply
from dialogs.state import DialogState

log = logging.getLogger("bot.telegram.handlers")

STORE_RETRIES: Final = 3  # tries to record a delivery before keeping it in memory
STORE_BACKOFF: Final = 0.05  # seconds, times four after each try
ADMIN_NOTICE_INTERVAL: Final = 600.0  # one notice per kind of failure per ten minutes

Event = Text | Choice | Command
STALE = "?"  # an option no question has: the dialog answers "this question has moved on"


@dataclass(frozen=True)
class Origin:
    """Where an update came from and where its replies go."""

    key: str
    chat_id: int
    private: bool
    user_lang: str | None
    # The user's message the replies answer (groups only: it says whom the bot addresses).
    reply_to: int | None
    clicked_message_id: int | None = None  # the bot message whose button was pressed
    update_id: int | None = None  # finished in the same transaction as the step


def _origin(update: Update, clicked: Message | None = None) -> Origin | None:
    key = key_of(update)
    chat = update.effective_chat
    if key is None or chat is None:
        return None
    private = chat.type == Chat.PRIVATE
    reply_to: int | None = None
    if not private:
        if clicked is not None:
            original = clicked.reply_to_message
            reply_to = original.message_id if original is not None else None
        elif update.effective_message is not None:
            reply_to = update.effective_message.message_id
    user = update.effective_user
    return Origin(
        key=key,
        chat_id=chat.id,
        private=private,
        user_lang=user.language_code if user else None,
        reply_to=reply_to,
        clicked_message_id=clicked.message_id if clicked is not None else None,
        update_id=update.update_id,
    )


def _clean(text: str) -> str:
    """Lone surrogates (invalid UTF-16 a client can still send) become U+FFFD: they cannot
    be stored or sent back."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _command_of(text: str, bot_username: str | None) -> tuple[str, str] | None:
    """("start", "changtu") from "/start@our_bot changtu"; None when addressed to another bot."""
    head, *rest = text.strip().split(maxsplit=1)  # the payload may follow a newline too
    arg = rest[0] if rest else ""
    name, _, addressee = head.lstrip("/").partition("@")
    if addressee and (bot_username is None or addressee.lower() != bot_username.lower()):
        return None
    return name.lower(), arg.strip()


def _addressed_text(message: Message, bot: Bot) -> str | None:
    """In a group: the text with our @mention removed, or None when not meant for the bot."""
    text = message.text or ""
    username = (bot.username or "").lower()
    replied = message.reply_to_message
    to_bot = replied is not None and replied.from_user is not None and (
        replied.from_user.id == bot.id
    )
    # Telegram marks "@bot" with a mention entity; matching the text itself is equivalent
    # and also holds for clients and test servers that leave entities out.
    mention = re.compile(rf"(?<![\w@])@{re.escape(username)}\b", re.IGNORECASE)
    mentioned = bool(username) and mention.search(text) is not None
    if mentioned:
        text = mention.sub(" ", text).strip()
    return text if (to_bot or mentioned) else None


class Helpdesk:
    """The handlers, holding what they share: the store, the clock, the admins."""

    def __init__(
        self,
        store: Store,
        today: Callable[[], date],
        admin_ids: frozenset[int] = frozenset(),
        *,
        counters: Counters | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.store = store
        self.today = today
        self.admin_ids = admin_ids
        self.counters = counters or Counters()
        self.retry = retry or RetryPolicy()
        # Updates already in the inbox when they reach the handlers (the poller recorded
        # them, or recover() re-queued them); any other update (a webhook's) is recorded
        # by admit(), which also recognises a replay.
        self.admitted: set[int] = set()
        # Deliveries the store could not record: key -> [(owed id, question message id)].
        self._unsaved: dict[str, list[tuple[int, int | None]]] = {}
        self._unsaved_ids: set[int] = set()
        self._noticed: dict[str, float] = {}  # failure kind -> when the admins were told
        self._suppressed: dict[str, int] = {}
        self._background: set[asyncio.Future[None]] = set()
        self._dropped: list[int] = []

    def sender(self, bot: Bot) -> Sender:
        return Sender(bot, retry=self.retry)

    # -- handlers -------------------------------------------------------------------------

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        if not message.text.strip():  # whitespace that a client marked as a command
            await self.on_text(update, context)
            return
        parsed = _command_of(_clean(message.text), context.bot.username)
        origin = _origin(update)
        if parsed is None or origin is None:
            return
        name, arg = parsed
        event = Command(name=name, arg=arg, today=self.today(), client_lang=origin.user_lang)
        await self._dialog(context.bot, origin, event)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        origin = _origin(update)
        if message is None or message.text is None or origin is None:
            return
        text = message.text if origin.private else _addressed_text(message, context.bot)
        if text is None:
            return  # group chatter not meant for the bot
        event = Text(text=_clean(text), today=self.today(), client_lang=origin.user_lang)
        await self._dialog(context.bot, origin, event)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        sender = self.sender(context.bot)
        # The acknowledgement (it stops the button's spinner) goes out alongside the work, not
        # before it: the answer no longer waits a Bot API round trip for it, and it is sent
        # even if the work fails (answer_callback never raises).
        await asyncio.gather(sender.answer_callback(query.id), self._press(update, context))

    async def _press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        clicked = query.message if isinstance(query.message, Message) else None
        origin = _origin(update, clicked)
        if origin is None:
            return
        press = callback_data.decode(query.data)
        if press is not None and not origin.private and clicked is not None:
            # In a group, a button belongs to whoever asked; anyone else pressing it gets
            # their own current question, as for any button that is not theirs to press.
            asker = clicked.reply_to_message.from_user if clicked.reply_to_message else None
            if asker is not None and asker.id != query.from_user.id:
                press = None
                # Answer under the presser's own question (which quotes them), not under the
                # message they pressed, which quotes someone else.
                own = await self.store.get(origin.key)
                origin = replace(origin, clicked_message_id=None,
                                 reply_to=own.question_message_id)
        if press is not None and press.option == callback_data.PLAIN_TEXT_OPTION:
            if await self._plain_text(context.bot, origin, press.seq):
                return
            press = None  # not the current answer any more: "moved on"
        if press is None:
            event = Choice(option=STALE, seq=None, today=self.today(),
                           client_lang=origin.user_lang)
        else:
            event = Choice(option=press.option, seq=press.seq, today=self.today(),
                           client_lang=origin.user_lang)
        await self._dialog(context.bot, origin, event)

    async def received(self, batch: Sequence[tuple[int, dict[str, Any]]]) -> set[int]:
        """The poller's batch into the inbox (durably, before Telegram is told); the new ids."""
        fresh = await self.store.receive(
            # ASCII JSON: a lone surrogate in a message is kept as \ud800, not refused
            [(update_id, json.dumps(raw)) for update_id, raw in batch]
        )
        self.admitted.update(fresh)
        return fresh

    async def admit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """First of all handlers: an update not yet in the inbox (a webhook's) is recorded;
        one seen before (Telegram retrying a webhook call) is not processed again."""
        if update.update_id in self.admitted:
            self.admitted.discard(update.update_id)
            return
        payload = json.dumps(update.to_dict())
        if not await self.store.receive([(update.update_id, payload)]):
            self.counters.replayed_updates += 1
            log.info("update %s was received before; not processed again", update.update_id)
            raise ApplicationHandlerStop

    async def finish(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Last of all handlers: the update needs nothing more (a no-op after a commit)."""
        try:
            await self.store.finish(update.update_id)
        except Exception as err:  # it is then redone after a restart: a step, no more
            log.warning("could not mark update %s finished: %s", update.update_id,
                        type(err).__name__)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo, sticker, voice message, file or captioned media: say what we can read."""
        origin = _origin(update)
        if origin is None or (not origin.private and not _for_the_bot(update, context.bot)):
            return
        await self._notice(context.bot, origin, ONLY_TEXT_TEMPLATE)

    async def slow_down(self, bot: Bot, update: object) -> None:
        """Told once to a flooding chat (bot.telegram.conversations): wait for each answer."""
        origin = _origin(update) if isinstance(update, Update) else None
        if origin is None:
            return
        self.counters.flood_notices += 1
        await self._notice(bot, origin, SLOW_DOWN_TEMPLATE)

    def dropped(self, update: object) -> None:
        """A flooding chat's message dropped unprocessed: finished, counted."""
        self.counters.dropped_messages += 1
        if not isinstance(update, Update):
            return
        self.admitted.discard(update.update_id)
        self._dropped.append(update.update_id)
        if len(self._dropped) == 1:  # one transaction for all dropped meanwhile
            task = asyncio.ensure_future(self._finish_dropped())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _finish_dropped(self) -> None:
        await asyncio.sleep(0)  # let the rest of the flood's batch be dropped first
        ids, self._dropped = self._dropped, []
        try:
            await self.store.finish_many(ids)
        except Exception as err:  # they are then dropped again after a restart
            log.warning("could not mark dropped messages finished: %s", type(err).__name__)

    async def set_aside(self, update_id: int) -> None:
        """An update that cannot be read: finished without being processed."""
        self.admitted.discard(update_id)
        await self.store.finish(update_id)

    async def _notice(self, bot: Bot, origin: Origin, template: str) -> None:
        lang = normalise_lang(origin.user_lang)
        text = render_template(template, lang, "text").strip()
        await self.sender(bot).send(origin.chat_id, Outgoing(text=text, html=False),
                                    reply_to=origin.reply_to)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log, apologise with the hotline, tell the admins; never raise."""
        error = context.error
        if update is None:
            # Polling and network trouble outside any update: PTB retries by itself.
            if isinstance(error, NetworkError):
                log.warning("network trouble outside an update: %s", type(error).__name__)
            else:
                log.error("error outside an update", exc_info=error)
            return
        update_id = update.update_id if isinstance(update, Update) else None
        self.counters.failed_updates += 1
        # The traceback, but no chat or user id and no message text next to it.
        log.error("error while handling update %s", update_id, exc_info=error)
        origin = _origin(update) if isinstance(update, Update) else None
        if origin is not None:
            lang = normalise_lang(origin.user_lang)
            try:
                conversation = await self.store.get(origin.key)
                lang = normalise_lang(conversation.state.lang or origin.user_lang)
            except Exception:  # the store may be what failed
                log.warning("could not read the conversation's language for the apology")
            await self._apologise(context.bot, origin, lang)
        await self.tell_admins(context.bot, error, update_id)

    # -- the dialog round trip ------------------------------------------------------------

    async def _dialog(self, bot: Bot, origin: Origin, event: Event) -> None:
        await self._repair(origin.key)
        await self.deliver_owed(bot, origin.key)  # a previous step's, left by a crash
        forget = isinstance(event, Command) and event.name == "forget"
        state, rendered = DialogState(), list[Rendered]()

        def decide(conversation: Conversation) -> Change:
            nonlocal state, rendered
            state, replies = step(conversation.state, event)
            rendered = render_step(replies)
            owed = _plan(origin, rendered, conversation.question_message_id)
            # /forget deletes everything about this chat, as promised, in the same step.
            return Change(None if forget else state, owed=[d.to_json() for d in owed],
                          forget=forget)

        # Read, step and write under the conversation's lock: another worker's update of this
        # conversation is applied before or after this one, never on the same old state.
        if await self.store.apply(origin.key, decide, event_id=origin.update_id) is None:
            log.info("update %s was applied already (by another worker); not again",
                     origin.update_id)
            await self.deliver_owed(bot, origin.key)
            return
        log.info(
            "conversation step: event=%s stage=%s replies=%s",
            event.kind, state.stage.value, ",".join(r.kind for r in rendered),
        )
        await self.deliver_owed(bot, origin.key)
        if forget:
            forget_shared()  # answers and texts shared by all: which were this chat's is not known
            await self._scrub()

    async def deliver_owed(self, bot: Bot, key: str) -> None:
        """Send (or edit in) what the conversation is owed, oldest first; never raises.

        The messages are claimed first (Store.claim_owed): while another worker delivers
        this conversation's messages, this one leaves them, and what is owed after them, to
        it, so they go out in order and once; the claim is renewed to take what was owed
        meanwhile, until nothing is left."""
        sender = self.sender(bot)
        token: str | None = None
        while True:
            try:
                claim = await self.store.claim_owed(key, token)
            except Exception as err:
                log.error("could not read the messages owed: %s", type(err).__name__)
                return
            token = claim.token
            # (an entry in _unsaved_ids was sent; only its record is missing)
            owed = [entry for entry in claim.owed if entry.id not in self._unsaved_ids]
            if not owed:
                return
            await self._deliver(bot, sender, key, owed)

    async def _deliver(self, bot: Bot, sender: Sender, key: str, owed: list[Owed]) -> None:
        for entry in owed:
            try:
                delivery = Delivery.from_json(entry.payload)
            except (ValueError, KeyError, TypeError) as err:
                log.error("an owed message is unreadable (%s); dropped", type(err).__name__)
                await self._record(bot, key, entry.id, KEEP)
                continue
            message_id = await _send(sender, delivery)
            question: int | None = KEEP
            if delivery.effect == QUESTION:
                question = message_id
            elif delivery.effect == ANSWERED:
                question = None
            await self._record(bot, key, entry.id, question)

    async def _record(self, bot: Bot, key: str, owed_id: int, question: int | None) -> None:
        """Drop a delivered message from the outbox; retried, then kept in memory."""
        error: Exception | None = None
        for attempt in range(STORE_RETRIES):
            try:
                await self.store.delivered(key, owed_id, question)
                return
            except Exception as err:
                error = err
                await asyncio.sleep(STORE_BACKOFF * 4**attempt)
        log.error("could not record a delivered message (%s); the conversation's next update "
                  "records it first", type(error).__name__)
        self._unsaved.setdefault(key, []).append((owed_id, question))
        self._unsaved_ids.add(owed_id)
        await self.tell_admins(bot, error, None)

    async def _repair(self, key: str) -> None:
        """Write the deliveries the store refused before; raises while it still refuses
        (then this update changes nothing and gets the apology: nothing of it was sent)."""
        pending = self._unsaved.get(key)
        while pending:
            owed_id, question = pending[0]
            await self.store.delivered(key, owed_id, question)
            pending.pop(0)
            self._unsaved_ids.discard(owed_id)
        self._unsaved.pop(key, None)

    async def repair_all(self) -> None:
        """Write every delivery the store refused before (at shutdown); never raises."""
        for key in list(self._unsaved):
            try:
                await self._repair(key)
            except Exception as err:
                log.error("deliveries still unrecorded at shutdown (%s); they may be sent "
                          "again after the restart", type(err).__name__)
                return

    async def _scrub(self) -> None:
        try:
            await self.store.scrub()
        except Exception as err:  # retried by the next /forget or retention run
            log.warning("could not truncate the WAL after /forget: %s", type(err).__name__)

    async def recover(self, application: Any, *, at_start: bool = True) -> None:
        """After a crash (`at_start`), and every SWEEP_SECONDS while running (another worker
        may have died): deliver every owed message no live worker holds, then queue the
        unfinished updates no live worker holds (in arrival order, before anything new is
        fetched)."""
        bot = application.bot
        keys = list(dict.fromkeys(entry.key for entry in await self.store.owed()))
        if keys and at_start:
            log.info("after a restart: delivering what %d conversation(s) were owed", len(keys))
        if keys:
            turns = asyncio.Semaphore(16)

            async def one(key: str) -> None:
                async with turns:
                    await self.deliver_owed(bot, key)

            await asyncio.gather(*(one(key) for key in keys))
        unfinished = await self.store.claim_unfinished()
        if unfinished:
            log.info("%s: %d update(s) received and not finished", "after a restart"
                     if at_start else "taken over from a worker that stopped", len(unfinished))
        for update_id, payload in unfinished:
            try:
                update = Update.de_json(json.loads(payload), bot)
            except Exception as err:
                self.counters.unreadable_updates += 1
                log.warning("update %s could not be read (%s); set aside", update_id,
                            type(err).__name__)
                await self.store.finish(update_id)
                continue
            self.admitted.add(update_id)
            await application.update_queue.put(update)

    async def _plain_text(self, bot: Bot, origin: Origin, seq: int) -> bool:
        """Send the paste-ready answer; False when the pressed answer is not current."""
        conversation = await self.store.get(origin.key)
        if conversation.state.seq != seq:
            return False
        reply = replay(conversation.state, self.today())
        if reply is None:
            return False
        owed = [Delivery(origin.chat_id, m, reply_to=origin.reply_to)
                for m in render_plain(reply)]
        await self.store.commit(origin.key, None, event_id=origin.update_id,
                                owed=[d.to_json() for d in owed])
        await self.deliver_owed(bot, origin.key)
        return True

    async def _apologise(self, bot: Bot, origin: Origin, lang: str) -> None:
        try:
            rendered = render(Reply(kind="error", lang=lang, blocks=[Block(template="error")]))
            messages = rendered.messages
        except Exception:
            # The templates themselves are broken: still say something the user can act on.
            log.exception("could not render the apology; sending the built-in one")
            messages = [Outgoing(text=LAST_RESORT_APOLOGY, html=False)]
        await self.sender(bot).send_all(origin.chat_id, messages, reply_to=origin.reply_to)

    async def tell_admins(
        self, bot: Bot, error: BaseException | None, update_id: int | None
    ) -> None:
        """One notice per kind of failure per ADMIN_NOTICE_INTERVAL; the rest are counted
        into the next one. For operators only: the exception type, never the user's message
        or identity."""
        if not self.admin_ids:
            return
        kind = type(error).__name__
        now = time.monotonic()
        last = self._noticed.get(kind)
        if last is not None and now - last < ADMIN_NOTICE_INTERVAL:
            self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
            return
        self._noticed[kind] = now
        where = f"while handling update {update_id}" if update_id is not None else \
            "recording a delivered message"
        note = f"yibao bot: {kind} {where}; see logs"
        more = self._suppressed.pop(kind, 0)
        if more:
            note += f" ({more} more {kind} since the last notice)"
        for admin in sorted(self.admin_ids):
            try:
                await bot.send_message(admin, note)
            except TelegramError as err:
                log.warning("could not notify admin: %s", type(err).__name__)


def _plan(origin: Origin, replies: list[Rendered], question_message_id: int | None
          ) -> list[Delivery]:
    """The messages a step owes, and what each does to "the message showing the question"."""
    owed = []
    for index, reply in enumerate(replies):
        in_place = (
            index == 0
            and reply.kind == "question"
            and len(reply.messages) == 1
            and origin.clicked_message_id is not None
            and origin.clicked_message_id == question_message_id
        )
        for position, message in enumerate(reply.messages):
            effect = NO_EFFECT
            if reply.kind == "question" and position == len(reply.messages) - 1:
                effect = QUESTION
            elif reply.kind == "answer" and position == 0:
                effect = ANSWERED  # the question is answered; its buttons are stale
            owed.append(Delivery(
                origin.chat_id, message, reply_to=origin.reply_to,
                # A button on the current question: show the next question in its place, so
                # the chat keeps one message per question instead of a growing stack.
                edit_message_id=origin.clicked_message_id if in_place else None,
                effect=effect,
            ))
    return owed


async def _send(sender: Sender, delivery: Delivery) -> int | None:
    """Deliver one owed message; the id of the message now showing it (None: not sent)."""
    if delivery.edit_message_id is not None:
        result = await sender.edit(delivery.chat_id, delivery.edit_message_id, delivery.message)
        if result is not EditResult.FAILED:
            return delivery.edit_message_id
    sent = await sender.send(delivery.chat_id, delivery.message, reply_to=delivery.reply_to)
    return sent.message_id if sent is not None else None


ONLY_TEXT_TEMPLATE = "dialog/only_text.j2"
SLOW_DOWN_TEMPLATE = "dialog/slow_down.j2"


def _for_the_bot(update: Update, bot: Bot) -> bool:
    """In a group, media is for the bot only when it replies to one of the bot's messages."""
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    return bool(replied and replied.from_user and replied.from_user.id == bot.id)


# Used only when even the error template cannot be rendered (see _apologise).
LAST_RESORT_APOLOGY = (
    "抱歉，出错了，请稍后再试。医保服务热线 12393。\nSorry, something went wrong. Hotline 12393."
)
