"""The Telegram bot's settings, read from the environment once at start-up.

Environment variables (README "Running the Telegram bot"):

    TELEGRAM_BOT_TOKEN   required; the token @BotFather gives ("123456:ABC-...")
    TELEGRAM_BASE_URL    optional; a self-hosted Bot API server in python-telegram-bot's
                         base_url form, e.g. http://127.0.0.1:8081/bot (the token is appended)
    YIBAO_DATABASE_URL   optional; where dialog state lives: sqlite:///FILE (the default is
                         ./yibao-state.sqlite3) or postgresql://… (bot.database_url)
    YIBAO_STATE_DB       optional; the older way to name the SQLite file
    YIBAO_ADMIN_IDS      optional; comma-separated Telegram user ids told about bot errors
    YIBAO_LOG_LEVEL      optional; DEBUG, INFO (default), WARNING or ERROR
    YIBAO_RETENTION_DAYS optional; conversations untouched this many days are deleted (30)
    YIBAO_REPLY_WINDOW   optional; seconds a reply is resent through an outage (60)
    YIBAO_CLAIM_LEASE    optional; seconds a worker's claim on an update or owed message
                         holds while the worker lives (300; longer than YIBAO_REPLY_WINDOW)
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from bot.database_url import DEFAULT_STATE_DB, Database, DatabaseUrlError
from bot.database_url import from_env as database_from_env
from bot.store.base import CLAIM_SECONDS

__all__ = ["DEFAULT_STATE_DB", "Settings", "SettingsError", "retention_days_from_env"]
LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_RETENTION_DAYS: Final = 30.0
DEFAULT_REPLY_WINDOW: Final = 60.0

# The shape @BotFather hands out: the bot's numeric id, a colon, then a secret of URL-safe
# characters. Checked locally so a pasted-wrong token fails before any network call.
_TOKEN_SHAPE: Final = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{20,}")


SettingsProblem = Literal[
    "token_missing", "token_shape", "base_url", "base_url_suffix", "log_level", "admin_ids",
    "positive", "lease", "web_rate", "database_url",
]


class SettingsError(ValueError):
    """A setting is missing or malformed: `problem` says which, `params` what it holds (never
    the token). `message(lang)` says how to fix it, from the catalogs
    (dialogs/templates/cli/settings_error.j2); str() is the English, for logs."""

    def __init__(self, problem: SettingsProblem, **params: str) -> None:
        super().__init__(problem)
        self.problem: SettingsProblem = problem
        self.params = params

    @classmethod
    def of_database_url(cls, err: DatabaseUrlError) -> SettingsError:
        return cls("database_url", url_problem=err.kind, text=err.text)

    def message(self, lang: str) -> str:
        from dialogs.rendering import render_template

        text = render_template("cli/settings_error.j2", lang, "text", problem=self.problem,
                               **self.params)
        return " ".join(text.splitlines())

    def __str__(self) -> str:
        return self.message("en")


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)  # never printed, not even in a repr in a traceback
    base_url: str | None = None
    base_file_url: str | None = None
    state_db: Path = Path(DEFAULT_STATE_DB)
    # YIBAO_DATABASE_URL's database; None: the SQLite file state_db (tests name only that).
    database: Database | None = None
    admin_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    retention_days: float = DEFAULT_RETENTION_DAYS
    reply_window_seconds: float = DEFAULT_REPLY_WINDOW
    claim_lease_seconds: float = CLAIM_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise SettingsError("token_missing")
        if not _TOKEN_SHAPE.fullmatch(token):
            raise SettingsError("token_shape")  # (not echoed: it may be a real one)
        base_url, base_file_url = _base_urls(env.get("TELEGRAM_BASE_URL", "").strip())
        level = env.get("YIBAO_LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if level not in LOG_LEVELS:
            raise SettingsError("log_level", value=level)
        try:
            database = database_from_env(env)
        except DatabaseUrlError as err:
            raise SettingsError.of_database_url(err) from None
        reply_window = _positive(env, "YIBAO_REPLY_WINDOW", DEFAULT_REPLY_WINDOW, "seconds")
        lease = _positive(env, "YIBAO_CLAIM_LEASE", CLAIM_SECONDS, "seconds")
        if lease <= reply_window:
            # A worker still resending a reply through an outage would lose its claim, and a
            # second worker would send the same reply.
            raise SettingsError("lease", lease=f"{lease:g}", window=f"{reply_window:g}")
        return cls(
            token=token,
            base_url=base_url,
            base_file_url=base_file_url,
            state_db=database.path,
            database=database,
            admin_ids=_admin_ids(env.get("YIBAO_ADMIN_IDS", "")),
            log_level=level,
            retention_days=retention_days_from_env(env),
            reply_window_seconds=reply_window,
            claim_lease_seconds=lease,
        )

    @property
    def store_database(self) -> Database:
        """The database the store uses."""
        return self.database or Database(scheme="sqlite", path=self.state_db)

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def _base_urls(raw: str) -> tuple[str | None, str | None]:
    """PTB's base_url (token appended directly) and the matching file URL.

    A self-hosted Bot API server serves files under /file/bot<token>/..., the same layout as
    api.telegram.org, so the file URL is derived by inserting /file before the final /bot.
    """
    if not raw:
        return None, None
    if not re.match(r"https?://[^/\s]+", raw):
        raise SettingsError("base_url", value=raw)
    if not raw.endswith("/bot"):
        raise SettingsError("base_url_suffix", value=raw)
    return raw, raw[: -len("/bot")] + "/file/bot"


def _admin_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in re.split(r"[,\s]+", raw.strip()):
        if not part:
            continue
        if not re.fullmatch(r"-?\d{1,20}", part):
            raise SettingsError("admin_ids", value=part)
        ids.add(int(part))
    return frozenset(ids)


def retention_days_from_env(env: Mapping[str, str]) -> float:
    """YIBAO_RETENTION_DAYS (30 by default): one rule for every adapter that keeps
    conversations (the bot and `yibao web`; bot.retention applies it)."""
    return _positive(env, "YIBAO_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, "days")


def _positive(env: Mapping[str, str], name: str, default: float, unit: str) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < 1e9:
        raise SettingsError("positive", variable=name, value=raw, unit=unit, example=f"{default:g}")
    return value
