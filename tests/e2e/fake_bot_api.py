"""A fake Telegram Bot API server for end-to-end tests.

Point a real python-telegram-bot ``Application`` (or a bare ``telegram.Bot``) at it::

    async with FakeBotApi(token="123:ABC") as api:
        app = (
            ApplicationBuilder()
            .token("123:ABC")
            .base_url(api.base_url)
            .base_file_url(api.base_file_url)
            .build()
        )
        ...
        await api.user_sends_text(42, "/start")
        await api.wait_for(lambda a: len(a.sent_messages(42)) == 1)

The server speaks the wire protocol PTB uses (``POST {base_url}{token}/{method}``; parameters
as ``application/x-www-form-urlencoded`` -- or ``multipart/form-data`` when files are uploaded --
with every non-string value JSON-encoded, so ``chat_id`` arrives as ``"42"`` and
``reply_markup`` as a JSON string).  ``application/json`` bodies and query strings are accepted
as well.

The simulated world has one bot (id 7000, ``@yibao_test_bot``) and the chats that users have
written in through :meth:`FakeBotApi.user_sends_text` (or :meth:`FakeBotApi.add_chat`).  The bot
can only reach chats the world has seen: anything else is ``Bad Request: chat not found``.

Validation follows Telegram (wording taken from tdlib's ``parse_html`` where it exists), with
these deliberate deviations, all documented where they are implemented:

* ``strict_ampersand=True`` (default): a ``&`` that does not start a complete entity
  (``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` ``&#N;`` ``&#xH;``) is rejected.  Real Telegram keeps
  such a ``&`` as literal text (and also decodes ``&lt`` without the semicolon); pass
  ``strict_ampersand=False`` to get exactly that behaviour.
* Message length is counted in UTF-16 code units after entity parsing and trimming
  (``text_length_unit="utf16"``), the stricter of the two plausible readings; pass
  ``text_length_unit="codepoints"`` to count ``len()`` instead.
* An inline button with more than one action field is rejected (the real Bot API silently uses
  the first one).
* Only ``parse_mode=HTML`` is implemented; Markdown/MarkdownV2 are refused loudly instead of
  being accepted unparsed.
* Group privacy mode is not simulated: every message a user sends reaches the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from aiohttp import web

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "DEFAULT_GROUP_USER_ID",
    "CallRecord",
    "EntityParseError",
    "FakeBotApi",
    "FaultKind",
    "ParsedText",
    "UploadedFile",
    "parse_html",
]

_LOGGER = logging.getLogger(__name__)

BOT_ID = 7000
BOT_USERNAME = "yibao_test_bot"
BOT_FIRST_NAME = "yibao"
#: ``from.id`` of a user writing in a group when the test does not pass ``user_id``.
DEFAULT_GROUP_USER_ID = 100001

JSON = dict[str, Any]
FaultKind = Literal["429", "502", "timeout"]
Predicate = Callable[["FakeBotApi"], bool]

# --------------------------------------------------------------------------------------------
# HTML parse mode (a port of tdlib's parse_html, td/telegram/MessageEntity.cpp)
# --------------------------------------------------------------------------------------------

#: td::is_space; the end of the string reads as NUL, which counts as a space.
_SPACE = frozenset(" \t\r\n\0\v")
_DIGITS = frozenset("0123456789")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_SIMPLE_TAG_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(exc)`` is Telegram's wording."""


@dataclass(frozen=True)
class ParsedText:
    """Visible text plus Bot API ``MessageEntity`` dicts (offsets in UTF-16 code units)."""

    text: str
    entities: list[JSON]


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    out_index: int


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _decode_entity(text: str, pos: int, *, strict: bool) -> tuple[str, int] | None:
    """tdlib's decode_html_entity: ``(character, position after it)`` or ``None``.

    With ``strict`` the terminating ``;`` is required (tdlib makes it optional).
    """
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    end = pos + 1
    if at(pos + 1) == "#":
        end += 1
        if at(pos + 2) == "x":
            end += 1
            start = end
            while at(end) in _HEX_DIGITS:
                end += 1
            code = int(text[start:end], 16) if end > start else 0
        else:
            start = end
            while at(end) in _DIGITS:
                end += 1
            code = int(text[start:end]) if end > start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(code)
    else:
        while at(end).isascii() and at(end).isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(text[pos + 1 : end])
        if named is None:
            return None
        char = named
    if at(end) == ";":
        return char, end + 1
    if strict:
        return None
    return char, end


def parse_html(text: str, *, strict_ampersand: bool = True) -> ParsedText:
    """Parse Telegram-flavoured HTML the way the Bot API does.

    Raises :class:`EntityParseError` carrying Telegram's message (without the
    ``"Bad Request: can't parse entities: "`` prefix).  Byte offsets are UTF-8 byte offsets
    into ``text``, like Telegram's.
    """
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    def byte_offset(k: int) -> int:
        return len(text[:k].encode("utf-8", "surrogatepass"))

    def bare_ampersand(k: int) -> EntityParseError:
        return EntityParseError(
            f'Character "&" at byte offset {byte_offset(k)} does not start an HTML entity; '
            "escape it as &amp; (FakeBotApi strict_ampersand: real Telegram would keep it "
            "as text)"
        )

    out: list[str] = []
    utf16 = 0
    entities: list[JSON] = []
    stack: list[_OpenTag] = []
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_entity(text, i, strict=strict_ampersand)
            if decoded is not None:
                char, i = decoded
                out.append(char)
                utf16 += 2 if ord(char) > 0xFFFF else 1
                continue
            if strict_ampersand:
                raise bare_ampersand(i)
        if c != "<":
            out.append(c)
            utf16 += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != "/":
            # a start tag
            while at(i) not in _SPACE and at(i) != ">":
                i += 1
            if at(i) == "\0":
                raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _SUPPORTED_TAGS:
                raise EntityParseError(
                    f'Unsupported start tag "{tag}" at byte offset {byte_offset(begin)}'
                )
            argument = ""
            while at(i) != ">":
                while at(i) != "\0" and at(i) in _SPACE:
                    i += 1
                if at(i) == ">":
                    break
                attribute_begin = i
                while at(i) not in _SPACE and at(i) not in "=>/\"'":
                    i += 1
                attribute = text[attribute_begin:i]
                if not attribute:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset '
                        f"{byte_offset(begin)}"
                    )
                while at(i) != "\0" and at(i) in _SPACE:
                    i += 1
                if at(i) != "=":
                    if at(i) == "\0":
                        raise EntityParseError(
                            f'Unclosed start tag "{tag}" at byte offset {byte_offset(begin)}'
                        )
                    if tag == "blockquote" and attribute == "expandable":
                        argument = "1"
                    continue
                i += 1
                while at(i) != "\0" and at(i) in _SPACE:
                    i += 1
                if at(i) == "\0":
                    raise EntityParseError(
                        f'Unclosed start tag "{tag}" at byte offset {byte_offset(begin)}'
                    )
                if at(i) not in "'\"":
                    # a name token: letters, digits, periods and hyphens; case-insensitive
                    token_begin = i
                    while at(i).isascii() and (at(i).isalnum() or at(i) in ".-"):
                        i += 1
                    value = text[token_begin:i].lower()
                    if at(i) not in _SPACE and at(i) != ">":
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset "
                            f"{byte_offset(token_begin)}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    chars: list[str] = []
                    while at(i) != quote and at(i) != "\0":
                        if at(i) == "&":
                            decoded = _decode_entity(text, i, strict=strict_ampersand)
                            if decoded is not None:
                                char, i = decoded
                                chars.append(char)
                                continue
                            if strict_ampersand:
                                raise bare_ampersand(i)
                        chars.append(text[i])
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = "".join(chars)
                if at(i) == "\0":
                    raise EntityParseError(
                        f"Unclosed start tag at byte offset {byte_offset(begin)}"
                    )
                if tag == "a" and attribute == "href":
                    argument = value
                elif tag == "code" and attribute == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attribute == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif (tag == "tg-emoji" and attribute == "emoji-id") or (
                    tag == "blockquote" and attribute == "expandable"
                ):
                    argument = value if tag == "tg-emoji" else "1"
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
                )
            stack.append(_OpenTag(tag, argument, utf16, len(out)))
            i += 1  # the '>'
            continue

        # an end tag
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
        while at(i) not in _SPACE and at(i) != ">":
            i += 1
        end_tag = text[begin + 2 : i].lower()
        while at(i) != "\0" and at(i) in _SPACE:
            i += 1
        if at(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
        top = stack[-1]
        if end_tag and end_tag != top.name:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {byte_offset(begin)}, "
                f'expected "</{top.name}>", found "</{end_tag}>"'
            )
        if utf16 > top.utf16_offset:
            _close_entity(top, utf16 - top.utf16_offset, out, entities)
        stack.pop()
        i += 1  # the '>'

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    result = "".join(out)
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in result):
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        )
    return ParsedText(result, entities)


def _close_entity(top: _OpenTag, length: int, out: list[str], entities: list[JSON]) -> None:
    offset = top.utf16_offset
    tag = top.name
    same_span = bool(entities) and (
        entities[-1]["offset"] == offset and entities[-1]["length"] == length
    )
    if tag in _SIMPLE_TAG_ENTITIES:
        entities.append({"type": _SIMPLE_TAG_ENTITIES[tag], "offset": offset, "length": length})
    elif tag == "tg-emoji":
        try:
            emoji_id = int(top.argument)
        except ValueError:
            emoji_id = 0
        if emoji_id == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append(
            {"type": "custom_emoji", "offset": offset, "length": length,
             "custom_emoji_id": str(emoji_id)}
        )  # fmt: skip
    elif tag == "a":
        url = top.argument or "".join(out[top.out_index :])
        if url:
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})
    elif tag == "pre":
        if same_span and entities[-1]["type"] == "code" and entities[-1].get("language"):
            entities[-1]["type"] = "pre"
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        if same_span and entities[-1]["type"] == "pre" and top.argument:
            entities[-1]["language"] = top.argument
        else:
            entity: JSON = {"type": "code", "offset": offset, "length": length}
            if top.argument:
                entity["language"] = top.argument  # dropped at the end unless a <pre> claims it
            entities.append(entity)
    elif tag == "blockquote":
        kind = "expandable_blockquote" if top.argument else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})


def _trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Strip surrounding whitespace like Telegram does, keeping entities aligned."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    kept: list[JSON] = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(total, entity["offset"] + entity["length"] - lead)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


# --------------------------------------------------------------------------------------------
# Errors, records
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass
class CallRecord:
    """One HTTP request the bot made (in arrival order), with what the fake answered."""

    method: str
    params: JSON
    status: int = 0
    response: Any = None
    fault: FaultKind | None = None
    #: False when a fault short-circuited the request (429, 502, un-performed timeout).
    performed: bool = True
    #: The request's Content-Type (PTB: urlencoded, or multipart when uploading files).
    content_type: str = ""


@dataclass
class _Fault:
    kind: FaultKind
    remaining: int
    retry_after: int
    delay: float | None
    performed: bool
    chat_id: int | None = None  # only calls for this chat (None: every call)


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    content_type: str


_JSON_PARAMS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "commands", "scope", "allowed_updates",
        "menu_button", "reply_parameters", "link_preview_options", "media",
    }
)  # fmt: skip
_INT_PARAMS = frozenset(
    {
        "chat_id", "message_id", "offset", "limit", "user_id", "message_thread_id",
        "cache_time", "reply_to_message_id", "from_chat_id", "max_connections",
    }
)  # fmt: skip
_FLOAT_PARAMS = frozenset({"timeout"})
_BOOL_PARAMS = frozenset(
    {
        "disable_notification", "protect_content", "show_alert", "drop_pending_updates",
        "allow_sending_without_reply", "disable_web_page_preview", "has_spoiler",
        "disable_content_type_detection",
    }
)  # fmt: skip

_METHODS = (
    "getMe", "logOut", "close", "deleteWebhook", "setWebhook", "getWebhookInfo", "getUpdates",
    "sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery",
    "setMyCommands", "getMyCommands", "deleteMyCommands", "sendChatAction", "sendPhoto",
    "sendDocument", "deleteMessage", "setChatMenuButton", "getChatMenuButton", "getFile",
)  # fmt: skip

_INLINE_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)  # fmt: skip
_SCOPE_TYPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
        "chat_administrators", "chat_member",
    }
)  # fmt: skip
_HIDDEN_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_BOT_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")

_BAD_GATEWAY_BODY = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_GATEWAY_TIMEOUT_BODY = (
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    "<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def _update_type(update: JSON) -> str:
    return next(key for key in update if key != "update_id")


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeBotApi:
    """An in-process Bot API server on ``127.0.0.1`` with a random port.

    Use it as an async context manager (or call :meth:`start` / :meth:`close`).

    Test-side API (call it from the test's event loop):

    * the world: :meth:`user_sends_text`, :meth:`user_clicks`, :meth:`push_update`,
      :meth:`add_chat`, :meth:`user_blocks_bot`;
    * inspection: :meth:`sent_messages`, :meth:`message`, :attr:`requests`,
      :meth:`requests_for`, :attr:`calls`, :attr:`callback_answers`, :meth:`commands`,
      :attr:`menu_buttons`, :attr:`pending_updates`, :attr:`waiting_get_updates`, :meth:`dump`;
    * synchronisation: ``await`` :meth:`wait_for` -- never sleep;
    * faults: :meth:`inject_fault`, :meth:`clear_faults`.

    Closing the server releases every held request (long polls, ``"timeout"`` faults).
    """

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        strict_ampersand: bool = True,
        text_length_unit: Literal["utf16", "codepoints"] = "utf16",
        max_get_updates_timeout: float = 50.0,
    ) -> None:
        self.token = token
        self.strict_ampersand = strict_ampersand
        self.text_length_unit = text_length_unit
        self.max_get_updates_timeout = max_get_updates_timeout

        self.calls: list[CallRecord] = []
        #: id -> the params of the answerCallbackQuery that answered it.
        self.callback_answers: dict[str, JSON] = {}
        #: chat_id (``None`` for the bot-wide default) -> menu button.
        self.menu_buttons: dict[int | None, JSON] = {}
        self.webhook_url = ""
        self.logged_out = False
        self.closed_by_bot = False

        self._cond = asyncio.Condition()
        self._closing = False
        #: An outage in progress: nobody listens, and calls on open connections get 502.
        self.down = False
        self.outages: list[tuple[float, float]] = []  # (start, end), monotonic
        self._outage_on: tuple[str, float] | None = None
        self._site: web.TCPSite | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

        self._chats: dict[int, JSON] = {}
        self._blocked: set[int] = set()
        self._users: dict[int, JSON] = {}
        self._messages: dict[int, dict[int, JSON]] = {}
        self._bot_message_ids: dict[int, list[int]] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._next_message_id: dict[int, int] = {}
        self._updates: list[JSON] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._waiting_polls = 0
        self._callback_queries: dict[str, JSON] = {}
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_counter = itertools.count(1)

        self._canonical = {name.lower(): name for name in _METHODS}
        self._handlers: dict[str, Callable[[JSON], Awaitable[Any]]] = {
            name: getattr(self, f"_m_{name}") for name in _METHODS
        }

    # ---------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._site = site
        self._port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        """Release every held request (long polls, timeout faults) and stop the server."""
        self._closing = True
        for task in list(self._background):
            task.cancel()
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---------------------------------------------------------------- test-side API: the world

    @property
    def bot_user(self) -> JSON:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }

    def add_chat(
        self,
        chat_id: int,
        *,
        chat_type: str = "private",
        first_name: str = "Test",
        title: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> JSON:
        """Make a chat known to the world (``user_sends_text`` does this implicitly)."""
        existing = self._chats.get(chat_id)
        if existing is not None:
            if chat_type != existing["type"] and not (chat_type == "private" and chat_id < 0):
                raise ValueError(f"chat {chat_id} is a {existing['type']} chat, not {chat_type!r}")
            return existing
        if chat_type == "private":
            if chat_id <= 0:
                raise ValueError(
                    f"private chats have positive ids (got {chat_id}); "
                    "pass chat_type='group' or 'supergroup'"
                )
            chat: JSON = {"id": chat_id, "type": "private", "first_name": first_name}
            if username:
                chat["username"] = username
            self._remember_user(chat_id, first_name, language_code, username)
        elif chat_type in ("group", "supergroup"):
            if chat_id >= 0:
                raise ValueError(f"group chats have negative ids (got {chat_id})")
            chat = {"id": chat_id, "type": chat_type, "title": title or f"Test {chat_type}"}
        else:
            raise ValueError(f"unsupported chat_type {chat_type!r}")
        self._chats[chat_id] = chat
        self._messages.setdefault(chat_id, {})
        return chat

    def user_blocks_bot(self, chat_id: int) -> None:
        """From now on sending to this private chat fails with 403 like Telegram."""
        self._blocked.add(chat_id)

    async def user_sends_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Test",
        language_code: str | None = "zh-hans",
        username: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """A user writes ``text`` in ``chat_id``; returns the new update's ``update_id``.

        Text starting with a command (``/start``, ``/start@yibao_test_bot``) gets a
        ``bot_command`` entity, so PTB's ``CommandHandler`` matches.
        """
        chat = self.add_chat(
            chat_id,
            chat_type=chat_type,
            first_name=first_name,
            username=username,
            language_code=language_code,
        )
        if chat["type"] == "private":
            if user_id is not None and user_id != chat_id:
                raise ValueError("in a private chat the user id is the chat id")
            user_id = chat_id
        elif user_id is None:
            user_id = DEFAULT_GROUP_USER_ID
        user = self._remember_user(user_id, first_name, language_code, username)
        message = self._new_message(chat, user, text=text)
        command = _BOT_COMMAND_RE.match(text)
        if command and not re.match(r"[\w/<>]", text[command.end() : command.end() + 1]):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
            ]
        if reply_to_message_id is not None:
            replied = self._live_message(chat_id, reply_to_message_id)
            if replied is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
            message["reply_to_message"] = _without_reply(replied)
        self._store(message)
        return await self.push_update({"message": message})

    async def user_clicks(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        strict: bool = True,
    ) -> str:
        """A user presses an inline button of a bot message; returns the callback query id.

        With ``strict`` (default) the message's current keyboard must contain a button with
        this ``callback_data`` -- a user cannot press a button that is not there.
        """
        chat = self._chats.get(chat_id)
        message = self._live_message(chat_id, message_id)
        if (
            chat is None
            or message is None
            or message_id not in self._bot_message_ids.get(chat_id, [])
        ):
            raise ValueError(f"the bot has no message {message_id} in chat {chat_id}")
        if strict:
            available = _callback_data_of(message)
            if data not in available:
                raise ValueError(
                    f"message {message_id} has no button with callback_data {data!r}; "
                    f"it has {available!r}"
                )
        if chat["type"] == "private":
            user_id = chat_id
        elif user_id is None:
            user_id = DEFAULT_GROUP_USER_ID
        user = self._users.get(user_id) or self._remember_user(user_id, "Test", "zh-hans", None)
        query_id = str(next(self._query_ids))
        query: JSON = {
            "id": query_id,
            "from": dict(user),
            "message": _deepcopy(message),
            "chat_instance": str(abs(chat_id) * 7 + 3),
            "data": data,
        }
        self._callback_queries[query_id] = query
        await self.push_update({"callback_query": query})
        return query_id

    async def push_update(self, payload: JSON) -> int:
        """Queue a raw update (``update_id`` is assigned); the escape hatch for other kinds."""
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, **_deepcopy(payload)})
        await self._notify()
        return update_id

    # ---------------------------------------------------------------- test-side API: inspection

    @property
    def requests(self) -> list[tuple[str, JSON]]:
        """Every request that reached the server, ``(method, params)``, faulted ones included.

        ``method`` is the canonical camelCase name; ``params`` are decoded (ints, bools, parsed
        JSON for ``reply_markup``/``entities``/... , :class:`UploadedFile` for file parts).
        """
        return [(call.method, call.params) for call in self.calls]

    def requests_for(self, method: str) -> list[JSON]:
        wanted = self._canonical.get(method.lower(), method)
        return [call.params for call in self.calls if call.method == wanted]

    def sent_messages(self, chat_id: int) -> list[JSON]:
        """The bot's messages in the chat, oldest first, in their current (edited) version.

        Deleted messages are left out.  The dicts are copies in Bot API ``Message`` shape.
        """
        messages = self._messages.get(chat_id, {})
        return [
            _deepcopy(messages[mid])
            for mid in self._bot_message_ids.get(chat_id, [])
            if (chat_id, mid) not in self._deleted
        ]

    def sent_count(self, chat_id: int) -> int:
        """How many messages the bot sent to the chat (no copies: cheap in a wait_for)."""
        return sum(1 for mid in self._bot_message_ids.get(chat_id, [])
                   if (chat_id, mid) not in self._deleted)

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """Any message (user's or bot's) in its current version, or ``None``."""
        found = self._live_message(chat_id, message_id)
        return _deepcopy(found) if found is not None else None

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands set with setMyCommands for this scope and language (``[]`` if none)."""
        return _deepcopy(self._commands.get((_scope_key(scope), language_code), []))

    @property
    def pending_updates(self) -> list[JSON]:
        return _deepcopy(self._updates)

    @property
    def waiting_get_updates(self) -> int:
        """How many getUpdates long polls are currently parked on the server."""
        return self._waiting_polls

    async def wait_for(self, predicate: Predicate, timeout: float = 10.0) -> None:
        """Wait until ``predicate(api)`` holds; re-checked whenever the bot makes a request.

        Raises :class:`TimeoutError` with a dump of recent requests and sent messages.
        """
        if not await self._wait_until(lambda: predicate(self), timeout):
            raise TimeoutError(
                f"FakeBotApi.wait_for: condition not met within {timeout}s\n{self.dump()}"
            )

    def dump(self, last: int = 25) -> str:
        lines = [f"last {min(last, len(self.calls))} of {len(self.calls)} requests:"]
        for call in self.calls[-last:]:
            tag = f" [fault {call.fault}]" if call.fault else ""
            lines.append(f"  {call.method} -> {call.status}{tag} {_short(call.params)}")
            if call.status >= 400 and isinstance(call.response, dict):
                lines.append(f"      {call.response.get('description')}")
        for chat_id in sorted(self._chats):
            sent = self.sent_messages(chat_id)
            lines.append(f"chat {chat_id}: {len(sent)} bot message(s)")
            for message in sent:
                body = message.get("text", message.get("caption", "<media>"))
                lines.append(f"  #{message['message_id']}: {body!r:.200}")
        lines.append(f"pending updates: {[u['update_id'] for u in self._updates]}")
        pending = {m: [f.kind for f in fs] for m, fs in self._faults.items() if fs}
        if pending:
            lines.append(f"pending faults: {pending}")
        return "\n".join(lines)

    # ---------------------------------------------------------------- test-side API: faults

    def inject_fault(
        self,
        method: str,
        kind: FaultKind,
        *,
        times: int = 1,
        retry_after: int = 1,
        delay: float | None = None,
        performed: bool = False,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (with ``chat_id``: its calls for
        that chat only, as Telegram's per-chat flood limits do).

        * ``"429"``: ``429 Too Many Requests: retry after N`` with ``parameters.retry_after``;
          the request is not performed.
        * ``"502"``: ``502 Bad Gateway`` with an nginx HTML (non-JSON) body; not performed.
        * ``"timeout"``: the response is held for ``delay`` seconds (``None``: until the server
          closes), which must exceed the client's read timeout.  With ``performed=True`` the
          request IS carried out first -- e.g. the message is delivered and shows up in
          :meth:`sent_messages` although the client saw a timeout (the dangerous case).  With
          ``performed=False`` nothing happens and, should the client still be listening after
          ``delay``, it gets ``504 Gateway Time-out``.

        Faults apply after the token check and before any validation.
        """
        canonical = self._canonical.get(method.lower())
        if canonical is None:
            raise ValueError(f"FakeBotApi does not implement {method!r}")
        if kind not in ("429", "502", "timeout"):
            raise ValueError(f"unknown fault kind {kind!r}")
        if times < 1:
            raise ValueError("times must be >= 1")
        self._faults.setdefault(canonical, []).append(
            _Fault(kind, times, retry_after, delay, performed, chat_id)
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    def outage_on(self, method: str, seconds: float) -> None:
        """The next call of ``method`` starts an outage of ``seconds``: it is answered 502,
        then the port stops listening (connections refused), idle connections are closed,
        held long polls and calls on still-open connections get 502 (not performed), and
        after ``seconds`` the server listens on the same port again."""
        self._outage_on = (self._canonical[method.lower()], seconds)

    async def outage(self, seconds: float) -> None:
        self.down = True
        started = time.monotonic()
        if self._site is not None:
            await self._site.stop()  # new connections: refused
        if self._runner is not None and self._runner.server is not None:
            for connection in self._runner.server.connections:
                connection.close()  # after its current response (idle ones: now)
        await self._notify()  # long polls wake and answer 502
        await asyncio.sleep(seconds)
        if self._runner is not None and not self._closing:
            self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
            await self._site.start()
        self.down = False
        self.outages.append((started, time.monotonic()))

    # ---------------------------------------------------------------- plumbing

    async def _notify(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    async def _wait_until(self, predicate: Callable[[], bool], timeout: float | None) -> bool:
        async with self._cond:
            if predicate():
                return True
            if timeout is not None and timeout <= 0:
                return False
            try:
                async with asyncio.timeout(timeout):
                    await self._cond.wait_for(predicate)
            except TimeoutError:
                return predicate()
            return True

    def _remember_user(
        self, user_id: int, first_name: str, language_code: str | None, username: str | None
    ) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def _new_message(self, chat: JSON, sender: JSON, **content: Any) -> JSON:
        chat_id = chat["id"]
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return {
            "message_id": message_id,
            "from": dict(sender),
            "chat": dict(chat),
            "date": int(time.time()),
            **content,
        }

    def _store(self, message: JSON, *, by_bot: bool = False) -> None:
        chat_id = message["chat"]["id"]
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        if by_bot:
            self._bot_message_ids.setdefault(chat_id, []).append(message["message_id"])

    def _live_message(self, chat_id: int, message_id: int) -> JSON | None:
        if (chat_id, message_id) in self._deleted:
            return None
        return self._messages.get(chat_id, {}).get(message_id)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return self._serve_file(path[len("/file/bot") :])
        match = re.fullmatch(r"/bot([^/]*)/([^/]+)", path)
        if match is None:
            return _error_response(404, "Not Found")
        token, raw_method = match.groups()
        if token != self.token:
            return _error_response(401, "Unauthorized")
        canonical = self._canonical.get(raw_method.lower())
        try:
            params = await _read_params(request)
        except _ApiError as exc:
            self.calls.append(CallRecord(canonical or raw_method, {}, exc.code, exc.description))
            await self._notify()
            return _error_response(exc.code, exc.description)
        call = CallRecord(canonical or raw_method, params, content_type=request.content_type)
        self.calls.append(call)
        if canonical is None:
            return await self._finish(call, _error_response(404, "Not Found"))

        if self.down:
            call.performed = False
            call.fault = "502"
            return await self._finish(
                call, web.Response(status=502, text=_BAD_GATEWAY_BODY, content_type="text/html")
            )
        if self._outage_on is not None and self._outage_on[0] == canonical:
            seconds = self._outage_on[1]
            self._outage_on = None
            self.down = True  # from this call on
            task = asyncio.create_task(self.outage(seconds))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            call.performed = False
            call.fault = "502"
            return await self._finish(
                call, web.Response(status=502, text=_BAD_GATEWAY_BODY, content_type="text/html")
            )
        fault = self._take_fault(canonical, params)
        if fault is not None:
            call.fault = fault.kind
            if fault.kind == "429":
                call.performed = False
                description = f"Too Many Requests: retry after {fault.retry_after}"
                params_out = {"retry_after": fault.retry_after}
                return await self._finish(call, _error_response(429, description, params_out))
            if fault.kind == "502":
                call.performed = False
                return await self._finish(
                    call, web.Response(status=502, text=_BAD_GATEWAY_BODY, content_type="text/html")
                )
            if not fault.performed:
                call.performed = False
                await self._notify()
                await self._wait_until(lambda: self._closing, fault.delay)
                return await self._finish(
                    call,
                    web.Response(status=504, text=_GATEWAY_TIMEOUT_BODY, content_type="text/html"),
                )

        response = await self._perform(canonical, params)
        if fault is not None:  # a performed timeout: the effect is visible, the answer is late
            call.status = response.status
            call.response = _response_body(response)
            await self._notify()
            await self._wait_until(lambda: self._closing, fault.delay)
            return response
        return await self._finish(call, response)

    async def _finish(self, call: CallRecord, response: web.Response) -> web.Response:
        call.status = response.status
        call.response = _response_body(response)
        await self._notify()  # wake wait_for() and long polls
        return response

    async def _perform(self, method: str, params: JSON) -> web.Response:
        try:
            result = await self._handlers[method](params)
        except _ApiError as exc:
            return _error_response(exc.code, exc.description, exc.parameters)
        except Exception as exc:  # a bug in the fake: make it loud, not a hang
            _LOGGER.exception("FakeBotApi crashed handling %s", method)
            return _error_response(500, f"Internal Server Error: FakeBotApi bug: {exc!r}")
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str, params: JSON) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = next(
            (f for f in queue if f.chat_id is None or f.chat_id == params.get("chat_id")), None
        )
        if fault is None:
            return None
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.remove(fault)
        return fault

    def _serve_file(self, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return _error_response(401, "Unauthorized")
        for stored in self._files.values():
            if stored.file_path == file_path:
                return web.Response(body=stored.data, content_type=stored.content_type)
        return _error_response(404, "Not Found")

    # ---------------------------------------------------------------- parameter helpers

    def _chat(self, params: JSON, *, key: str = "chat_id", for_sending: bool = True) -> JSON:
        raw = params.get(key)
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        chat: JSON | None = None
        if isinstance(raw, int):
            chat = self._chats.get(raw)
        elif isinstance(raw, str) and raw.startswith("@"):
            chat = next((c for c in self._chats.values() if c.get("username") == raw[1:]), None)
        if chat is None:
            raise _bad("chat not found")
        if for_sending and chat["id"] in self._blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _text(
        self, params: JSON, *, key: str, entities_key: str, limit: int, too_long: str,
        required: bool,
    ) -> tuple[str, list[JSON]] | None:  # fmt: skip
        raw = params.get(key)
        if raw is None or raw == "":
            if required:
                raise _bad("message text is empty")
            return None
        text = raw if isinstance(raw, str) else json.dumps(raw)
        parse_mode = params.get("parse_mode")
        entities: list[JSON]
        if parse_mode:
            mode = str(parse_mode).lower()
            if mode != "html":
                if mode in ("markdown", "markdownv2"):
                    raise _bad(
                        f"can't parse entities: parse_mode {parse_mode} is not implemented by "
                        "FakeBotApi (use HTML)"
                    )
                raise _bad(f"unsupported parse_mode {parse_mode}")
            try:
                parsed = parse_html(text, strict_ampersand=self.strict_ampersand)
            except EntityParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
            text, entities = parsed.text, parsed.entities
        else:
            given = params.get(entities_key)
            if given is not None and not isinstance(given, list):
                raise _bad(f"can't parse {entities_key} JSON object")
            entities = list(given or [])
        text, entities = _trim(text, entities)
        if not text:
            if required:
                raise _bad("message text is empty")
            return None
        length = utf16_len(text) if self.text_length_unit == "utf16" else len(text)
        if length > limit:
            raise _bad(too_long)
        return text, entities

    def _reply_to(self, chat: JSON, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        message_id: Any = None
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
            if reply.get("chat_id") not in (None, chat["id"]):
                raise _bad("cross-chat replies are not implemented by FakeBotApi")
        elif reply is not None:
            raise _bad("can't parse reply parameters JSON object")
        elif params.get("reply_to_message_id") is not None:
            message_id = params["reply_to_message_id"]
        if message_id is None:
            return None
        replied = self._live_message(chat["id"], _as_int(message_id))
        if replied is None:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        return _without_reply(replied)

    def _bot_message(self, params: JSON, *, not_found: str) -> JSON:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._chat(params, for_sending=False)
        raw_id = params.get("message_id")
        if raw_id is None:
            raise _bad("message identifier is not specified")
        message = self._live_message(chat["id"], _as_int(raw_id))
        if message is None:
            raise _bad(not_found)
        return message

    def _file(self, params: JSON, key: str, kind: Literal["photo", "document"]) -> _StoredFile:
        raw = params.get(key)
        if isinstance(raw, UploadedFile):
            return self._save_file(kind, raw.data, raw.content_type, raw.filename)
        if isinstance(raw, str) and raw:
            if raw in self._files:
                return self._files[raw]
            if raw.startswith(("http://", "https://")):
                return self._save_file(kind, b"", "application/octet-stream", raw.rsplit("/")[-1])
            if raw.startswith("attach://"):
                raise _bad(f"can't find attached file {raw}")
            raise _bad("wrong file identifier/HTTP URL specified")
        raise _bad(f"there is no {kind} in the request")

    def _save_file(
        self, kind: str, data: bytes, content_type: str, filename: str | None
    ) -> _StoredFile:
        number = next(self._file_counter)
        prefix = "AgAC" if kind == "photo" else "BQAC"
        file_id = f"{prefix}AgFake{number:06d}"
        suffix = ""
        if filename and "." in filename:
            suffix = "." + filename.rsplit(".", 1)[-1]
        elif kind == "photo":
            suffix = ".jpg"
        folder = "photos" if kind == "photo" else "documents"
        stored = _StoredFile(
            file_id=file_id,
            file_unique_id=f"AQADFake{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            data=data,
            content_type=content_type or "application/octet-stream",
        )
        self._files[file_id] = stored
        return stored

    def _deliverable(self) -> list[JSON]:
        allowed = self._allowed_updates
        return [
            update
            for update in self._updates
            if (_update_type(update) in allowed if allowed else
                _update_type(update) not in _HIDDEN_BY_DEFAULT)
        ]  # fmt: skip

    # ---------------------------------------------------------------- Bot API methods

    async def _m_getMe(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_logOut(self, params: JSON) -> bool:
        self.logged_out = True
        return True

    async def _m_close(self, params: JSON) -> bool:
        self.closed_by_bot = True
        return True

    async def _m_setWebhook(self, params: JSON) -> bool:
        url = params.get("url")
        if url is None:
            raise _bad('parameter "url" is required')
        if url and not str(url).startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = str(url)
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_deleteWebhook(self, params: JSON) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_getWebhookInfo(self, params: JSON) -> JSON:
        info: JSON = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._allowed_updates:
            info["allowed_updates"] = list(self._allowed_updates)
        return info

    async def _m_getUpdates(self, params: JSON) -> list[JSON]:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if offset is not None:
            offset = _as_int(offset)
            if offset < 0:
                self._updates = self._updates[offset:]
            elif offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = params.get("limit")
        limit = 100 if limit is None else min(max(_as_int(limit), 1), 100)
        timeout = float(params.get("timeout") or 0)
        timeout = min(max(timeout, 0.0), self.max_get_updates_timeout)
        allowed = params.get("allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise _bad("can't parse allowed_updates JSON array")
            self._allowed_updates = [str(kind) for kind in allowed]
        deliverable_ids = {u["update_id"] for u in self._deliverable()}
        self._updates = [u for u in self._updates if u["update_id"] in deliverable_ids]

        self._poll_generation += 1
        generation = self._poll_generation
        self._waiting_polls += 1
        try:
            await self._notify()
            await self._wait_until(
                lambda: (
                    self._closing
                    or self.down
                    or self._poll_generation != generation
                    or bool(self._deliverable())
                ),
                timeout,
            )
        finally:
            self._waiting_polls -= 1
        if self.down:
            raise _ApiError(502, "Bad Gateway")
        if self._poll_generation != generation:
            raise _ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot "
                "instance is running",
            )
        return _deepcopy(self._deliverable()[:limit])

    async def _m_sendMessage(self, params: JSON) -> JSON:
        chat = self._chat(params)
        text = self._text(
            params, key="text", entities_key="entities", limit=4096,
            too_long="message is too long", required=True,
        )  # fmt: skip
        assert text is not None
        markup = _validate_markup(params.get("reply_markup"), inline_only=False)
        reply_to = self._reply_to(chat, params)
        message = self._new_message(chat, self.bot_user, text=text[0])
        _set_optional(message, "entities", text[1])
        _set_optional(message, "reply_to_message", reply_to)
        _set_optional(message, "reply_markup", _echoed_markup(markup))
        self._store(message, by_bot=True)
        return _deepcopy(message)

    async def _send_media(self, params: JSON, kind: Literal["photo", "document"]) -> JSON:
        chat = self._chat(params)
        stored = self._file(params, kind, kind)
        caption = self._text(
            params, key="caption", entities_key="caption_entities", limit=1024,
            too_long="message caption is too long", required=False,
        )  # fmt: skip
        markup = _validate_markup(params.get("reply_markup"), inline_only=False)
        reply_to = self._reply_to(chat, params)
        size = len(stored.data)
        media: Any
        if kind == "photo":
            media = [
                {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                 "width": 90, "height": 90, "file_size": size},
                {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                 "width": 800, "height": 800, "file_size": size},
            ]  # fmt: skip
        else:
            media = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": stored.file_path.rsplit("/", 1)[-1],
                "mime_type": stored.content_type,
                "file_size": size,
            }
            upload = params.get(kind)
            if isinstance(upload, UploadedFile) and upload.filename:
                media["file_name"] = upload.filename
        message = self._new_message(chat, self.bot_user, **{kind: media})
        if caption is not None:
            message["caption"] = caption[0]
            _set_optional(message, "caption_entities", caption[1])
        _set_optional(message, "reply_to_message", reply_to)
        _set_optional(message, "reply_markup", _echoed_markup(markup))
        self._store(message, by_bot=True)
        return _deepcopy(message)

    async def _m_sendPhoto(self, params: JSON) -> JSON:
        return await self._send_media(params, "photo")

    async def _m_sendDocument(self, params: JSON) -> JSON:
        return await self._send_media(params, "document")

    async def _m_getFile(self, params: JSON) -> JSON:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    async def _m_editMessageText(self, params: JSON) -> JSON:
        message = self._bot_message(params, not_found="message to edit not found")
        if message["from"]["id"] != BOT_ID:
            raise _bad("message can't be edited")
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        text = self._text(
            params, key="text", entities_key="entities", limit=4096,
            too_long="message is too long", required=True,
        )  # fmt: skip
        assert text is not None
        markup = _echoed_markup(_validate_markup(params.get("reply_markup"), inline_only=True))
        return self._apply_edit(message, {"text": text[0], "entities": text[1] or None}, markup)

    async def _m_editMessageReplyMarkup(self, params: JSON) -> JSON:
        message = self._bot_message(params, not_found="message to edit not found")
        if message["from"]["id"] != BOT_ID:
            raise _bad("message can't be edited")
        markup = _echoed_markup(_validate_markup(params.get("reply_markup"), inline_only=True))
        return self._apply_edit(message, {}, markup)

    def _apply_edit(self, message: JSON, content: JSON, markup: JSON | None) -> JSON:
        changed = any(message.get(key) != value for key, value in content.items())
        if not changed and message.get("reply_markup") == markup:
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        for key, value in [*content.items(), ("reply_markup", markup)]:
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = int(time.time())
        return _deepcopy(message)

    async def _m_deleteMessage(self, params: JSON) -> bool:
        message = self._bot_message(params, not_found="message to delete not found")
        self._deleted.add((message["chat"]["id"], message["message_id"]))
        return True

    async def _m_answerCallbackQuery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._callback_queries or query_id in self.callback_answers:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = dict(params)
        return True

    async def _m_sendChatAction(self, params: JSON) -> bool:
        self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope")
        if scope is not None:
            if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
                raise _bad("unsupported bot command scope type")
            if scope["type"] in ("chat", "chat_administrators", "chat_member"):
                self._chat(scope, for_sending=False)
        language = str(params.get("language_code") or "")
        if language and not _LANGUAGE_RE.fullmatch(language):
            # Bot API: "A two-letter ISO 639-1 language code" (so "zh", never "zh-hans").
            raise _bad("invalid language code specified")
        return _scope_key(scope), language

    async def _m_setMyCommands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    async def _m_getMyCommands(self, params: JSON) -> list[JSON]:
        return _deepcopy(self._commands.get(self._commands_key(params), []))

    async def _m_deleteMyCommands(self, params: JSON) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    async def _m_setChatMenuButton(self, params: JSON) -> bool:
        chat_id: int | None = None
        if params.get("chat_id") not in (None, ""):
            chat = self._chat(params, for_sending=False)
            if chat["type"] != "private":
                raise _bad("chat menu button can be set only in private chats")
            chat_id = chat["id"]
        button = params.get("menu_button")
        if button is None:
            button = {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default", "commands", "web_app",
        ):  # fmt: skip
            raise _bad("can't parse menu button JSON object")
        if button["type"] == "web_app" and not (
            isinstance(button.get("text"), str) and isinstance(button.get("web_app"), dict)
        ):
            raise _bad("can't parse menu button JSON object")
        self.menu_buttons[chat_id] = dict(button)
        return True

    async def _m_getChatMenuButton(self, params: JSON) -> JSON:
        chat_id: int | None = None
        if params.get("chat_id") not in (None, ""):
            chat_id = self._chat(params, for_sending=False)["id"]
        button = self.menu_buttons.get(chat_id) or self.menu_buttons.get(None)
        return dict(button) if button else {"type": "default"}


# --------------------------------------------------------------------------------------------
# Module helpers
# --------------------------------------------------------------------------------------------


def _error_response(code: int, description: str, parameters: JSON | None = None) -> web.Response:
    body: JSON = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


def _response_body(response: web.Response) -> Any:
    if response.body is None:
        return None
    raw = response.body if isinstance(response.body, bytes) else b""
    if response.content_type == "application/json":
        with contextlib.suppress(ValueError):
            return json.loads(raw)
    return raw.decode("utf-8", "replace")


async def _read_params(request: web.Request) -> JSON:
    """Decode query string + body (JSON, urlencoded or multipart) into typed params."""
    raw: JSON = dict(request.query)
    from_form = True
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise _bad("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise _bad("can't parse JSON object")
        raw.update(body)
        from_form = False
    elif request.can_read_body:
        form = await request.post()
        for key in form:
            value = form[key]
            if isinstance(value, web.FileField):
                raw[key] = UploadedFile(value.filename, value.content_type, value.file.read())
            else:
                raw[key] = value
    return {key: _decode_value(key, value, from_form) for key, value in raw.items()}


def _decode_value(key: str, value: Any, from_form: bool) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value  # left as a string: the method reports it in Telegram's words
    if key in _INT_PARAMS and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    if key in _FLOAT_PARAMS:
        with contextlib.suppress(ValueError):
            return float(value)
    if key in _BOOL_PARAMS and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    return value


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(f"invalid integer value {value!r}") from None


def _validate_markup(raw: Any, *, inline_only: bool) -> JSON | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise _bad("can't parse reply keyboard markup JSON object") from None
    if not isinstance(raw, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad("can't parse reply keyboard markup JSON object")
        total = 0
        for row in rows:
            for button in row:
                _validate_inline_button(button)
                total += 1
        if total > 100 or any(len(row) > 8 for row in rows):
            raise _bad("REPLY_MARKUP_TOO_LONG")
        return raw
    if inline_only:
        raise _bad("inline keyboard expected")
    if "keyboard" in raw:
        rows = raw["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad("can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str):
                    raise _bad('can\'t parse keyboard button: Field "text" must be of type String')
                if not text:
                    raise _bad("BUTTON_TEXT_INVALID")
        return raw
    if raw.get("remove_keyboard") is True or raw.get("force_reply") is True:
        return raw
    raise _bad("can't parse reply keyboard markup JSON object")


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not text.strip():
        raise _bad("BUTTON_TEXT_INVALID")
    actions = [name for name in _INLINE_BUTTON_ACTIONS if button.get(name) is not None]
    if not actions:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        # Stricter than Telegram, which silently uses the first field it knows.
        raise _bad(
            "can't parse inline keyboard button: exactly one of the optional fields must be used, "
            f"got {', '.join(actions)} (FakeBotApi)"
        )
    if "callback_data" in actions:
        data = button["callback_data"]
        if not isinstance(data, str):
            raise _bad(
                'can\'t parse inline keyboard button: Field "callback_data" must be of type String'
            )
        if not 1 <= len(data.encode("utf-8")) <= 64:
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in actions:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(https?|tg)://\S", url):
            raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _echoed_markup(markup: JSON | None) -> JSON | None:
    """Messages carry only non-empty inline keyboards (reply keyboards live client-side)."""
    if markup and markup.get("inline_keyboard") and any(markup["inline_keyboard"]):
        return _deepcopy(markup)
    return None


def _callback_data_of(message: JSON) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


def _without_reply(message: JSON) -> JSON:
    copy = _deepcopy(message)
    copy.pop("reply_to_message", None)
    return copy


def _set_optional(target: JSON, key: str, value: Any) -> None:
    if value:
        target[key] = value


def _scope_key(scope: JSON | None) -> str:
    scope = scope or {"type": "default"}
    return json.dumps(scope, sort_keys=True)


_T = TypeVar("_T")


def _deepcopy(value: _T) -> _T:
    """Copy JSON-shaped data (dicts handed to tests never alias the server's state)."""
    copied: _T = json.loads(json.dumps(value))
    return copied


def _short(params: JSON, width: int = 160) -> str:
    shown = {
        k: (f"<file {v.filename} {len(v.data)}B>" if isinstance(v, UploadedFile) else v)
        for k, v in params.items()
    }
    text = json.dumps(shown, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"
