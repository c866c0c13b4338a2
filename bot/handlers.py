"""The bot's update handlers: Telegram update in, dialog event through the engine, replies out.

Each update: load the conversation's state, `step` the dialog, render the replies, save the
new state, then deliver. Rendering before saving means an update whose reply cannot be
produced changes nothing; saving before delivering means a crash while sending loses
nothing. Conversations are processed one update at a time (bot.conversations), so the
load-step-save sequence needs no further locking.

No policy logic here and no user-facing wording: the dialog decides what to say.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from telegram import Bot, Chat, Message, Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot import callback_data
from bot.conversations import key_of
from bot.health import Counters
from bot.outgoing import Outgoing, Rendered, render, render_plain, render_step
from bot.sender import EditResult, Sender
from bot.store import StateStore
from dialogs.engine import Choice, Command, Text, replay, step
from dialogs.rendering import normalise_lang, render_template
from dialogs.replies import Block, Reply

log = logging.getLogger("bot.handlers")

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
    )


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
        store: StateStore,
        today: Callable[[], date],
        admin_ids: frozenset[int] = frozenset(),
        *,
        counters: Counters | None = None,
    ) -> None:
        self.store = store
        self.today = today
        self.admin_ids = admin_ids
        self.counters = counters or Counters()

    # -- handlers -------------------------------------------------------------------------

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        parsed = _command_of(message.text, context.bot.username)
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
        event = Text(text=text, today=self.today(), client_lang=origin.user_lang)
        await self._dialog(context.bot, origin, event)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        sender = Sender(context.bot)
        # The acknowledgement (it stops the button's spinner) goes out alongside the work, not
        # before it: the answer no longer waits a Bot API round trip for it, and it is sent
        # even if the work fails (answer_callback never raises).
        await asyncio.gather(sender.answer_callback(query.id), self._press(update, context))

    async def _press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        sender = Sender(context.bot)
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
            if await self._plain_text(sender, origin, press.seq):
                return
            press = None  # not the current answer any more: "moved on"
        if press is None:
            event = Choice(option=STALE, seq=None, today=self.today(),
                           client_lang=origin.user_lang)
        else:
            event = Choice(option=press.option, seq=press.seq, today=self.today(),
                           client_lang=origin.user_lang)
        await self._dialog(context.bot, origin, event)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo, sticker, voice message, file or captioned media: say what we can read."""
        origin = _origin(update)
        if origin is None or (not origin.private and not _for_the_bot(update, context.bot)):
            return
        await self._notice(context.bot, origin, ONLY_TEXT_TEMPLATE)

    async def slow_down(self, bot: Bot, update: object) -> None:
        """Told once to a flooding chat (bot.conversations): wait for each answer."""
        origin = _origin(update) if isinstance(update, Update) else None
        if origin is None:
            return
        self.counters.flood_notices += 1
        await self._notice(bot, origin, SLOW_DOWN_TEMPLATE)

    def dropped(self, update: object) -> None:
        self.counters.dropped_messages += 1

    async def _notice(self, bot: Bot, origin: Origin, template: str) -> None:
        lang = normalise_lang(origin.user_lang)
        text = render_template(template, lang, "text").strip()
        await Sender(bot).send(origin.chat_id, Outgoing(text=text, html=False),
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
        await self._tell_admins(context.bot, error, update_id)

    # -- the dialog round trip ------------------------------------------------------------

    async def _dialog(self, bot: Bot, origin: Origin, event: Event) -> None:
        conversation = await self.store.get(origin.key)
        state, replies = step(conversation.state, event)
        rendered = render_step(replies)
        forget = isinstance(event, Command) and event.name == "forget"
        if forget:
            await self.store.delete(origin.key)  # everything about this chat, as promised
        else:
            await self.store.put(origin.key, state, conversation.question_message_id)
        log.info(
            "conversation step: event=%s stage=%s replies=%s",
            event.kind, state.stage.value, ",".join(r.kind for r in rendered),
        )
        question_message_id = await self._deliver(
            Sender(bot), origin, rendered, conversation.question_message_id
        )
        if not forget and question_message_id != conversation.question_message_id:
            await self.store.set_question_message(origin.key, question_message_id)

    async def _deliver(
        self,
        sender: Sender,
        origin: Origin,
        replies: list[Rendered],
        question_message_id: int | None,
    ) -> int | None:
        """Send (or edit in) the replies; returns the message now showing the question."""
        for index, reply in enumerate(replies):
            if (
                index == 0
                and reply.kind == "question"
                and len(reply.messages) == 1
                and origin.clicked_message_id is not None
                and origin.clicked_message_id == question_message_id
            ):
                # A button on the current question: show the next question in its place, so
                # the chat keeps one message per question instead of a growing stack.
                result = await sender.edit(origin.chat_id, origin.clicked_message_id,
                                           reply.messages[0])
                if result is not EditResult.FAILED:
                    continue
            sent = await sender.send_all(origin.chat_id, reply.messages,
                                         reply_to=origin.reply_to)
            if reply.kind == "question":
                last = sent[-1] if sent else None
                question_message_id = last.message_id if last is not None else None
            elif reply.kind == "answer":
                question_message_id = None  # the question is answered; its buttons are stale
        return question_message_id

    async def _plain_text(self, sender: Sender, origin: Origin, seq: int) -> bool:
        """Send the paste-ready answer; False when the pressed answer is not current."""
        conversation = await self.store.get(origin.key)
        if conversation.state.seq != seq:
            return False
        reply = replay(conversation.state, self.today())
        if reply is None:
            return False
        await sender.send_all(origin.chat_id, render_plain(reply), reply_to=origin.reply_to)
        return True

    async def _apologise(self, bot: Bot, origin: Origin, lang: str) -> None:
        try:
            rendered = render(Reply(kind="error", lang=lang, blocks=[Block(template="error")]))
            messages = rendered.messages
        except Exception:
            # The templates themselves are broken: still say something the user can act on.
            log.exception("could not render the apology; sending the built-in one")
            messages = [Outgoing(text=LAST_RESORT_APOLOGY, html=False)]
        await Sender(bot).send_all(origin.chat_id, messages, reply_to=origin.reply_to)

    async def _tell_admins(self, bot: Bot, error: Exception | None, update_id: int | None) -> None:
        # For operators only: the exception type, never the user's message or identity.
        note = f"yibao bot: {type(error).__name__} while handling update {update_id}; see logs"
        for admin in sorted(self.admin_ids):
            try:
                await bot.send_message(admin, note)
            except TelegramError as err:
                log.warning("could not notify admin: %s", type(err).__name__)


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
