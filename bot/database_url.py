"""Where dialog state lives: the one setting `YIBAO_DATABASE_URL`, shared by every adapter.

    YIBAO_DATABASE_URL=sqlite:///var/lib/yibao/state.sqlite3   (absolute path: four slashes
                                                               in all, as SQLAlchemy writes it)
    YIBAO_DATABASE_URL=sqlite:///yibao-state.sqlite3           (relative to the working dir)
    YIBAO_DATABASE_URL=postgresql://yibao:secret@db.internal:5432/yibao   (several workers)

Without it the older `YIBAO_STATE_DB` (a plain file path) still applies, then the default
file. A PostgreSQL URL is handed to libpq as it is (its query options, e.g. ?sslmode=require,
included); `postgres://` is accepted as libpq does. Any other scheme is refused with a
message saying what is accepted, rather than silently falling back to a file nobody else
reads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit, urlunsplit

URL_VARIABLE: Final = "YIBAO_DATABASE_URL"
PATH_VARIABLE: Final = "YIBAO_STATE_DB"
DEFAULT_STATE_DB: Final = "yibao-state.sqlite3"
SCHEMES: Final = ("sqlite", "postgresql")
_POSTGRES_SCHEMES: Final = ("postgresql", "postgres")


class DatabaseUrlError(ValueError):
    """The URL cannot be used; the message says why and what is accepted (English, for logs
    and settings errors); `kind` and `text` let a command say the same in the user's language
    (dialogs/templates/cli/store.j2)."""

    def __init__(self, message: str, kind: str, text: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.text = text


@dataclass(frozen=True)
class Database:
    """A SQLite file (`path`) or a PostgreSQL server (`url`, with any password)."""

    scheme: str
    path: Path = Path(DEFAULT_STATE_DB)
    url: str = field(default="", repr=False)

    @property
    def display(self) -> str:
        """For messages and logs: the file, or the URL with its password left out."""
        if self.scheme == "sqlite":
            return str(self.path)
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        host = parts.netloc.rpartition("@")[2]
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def parse(url: str) -> Database:
    """`sqlite:///relative/file` or `sqlite:////absolute/file` → the SQLite file;
    `postgresql://user:password@host:port/database` → that server."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme in _POSTGRES_SCHEMES:
        return _postgres(text)
    if parts.scheme not in SCHEMES:
        raise DatabaseUrlError(
            f"{URL_VARIABLE}={text!r}: the scheme must be one of {', '.join(SCHEMES)} "
            "(e.g. sqlite:///yibao-state.sqlite3, sqlite:////var/lib/yibao/state.sqlite3 or "
            "postgresql://yibao@127.0.0.1:5432/yibao)",
            "scheme",
            text,
        )
    if parts.netloc or not text.startswith("sqlite:///"):
        raise DatabaseUrlError(
            f"{URL_VARIABLE}={text!r}: a SQLite URL has no host; write sqlite:///FILE "
            "(three slashes, then the path; an absolute path starts with a fourth)",
            "sqlite_host",
            text,
        )
    if parts.query or parts.fragment:
        raise DatabaseUrlError(
            f"{URL_VARIABLE}={text!r}: options (?…, #…) are not supported", "options", text
        )
    path = unquote(parts.path[1:])  # drop the slash that ends "sqlite://"
    if not path or path.endswith("/"):
        raise DatabaseUrlError(f"{URL_VARIABLE}={text!r}: the URL names no file", "no_file", text)
    return Database(scheme=parts.scheme, path=Path(path))


def _postgres(text: str) -> Database:
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise DatabaseUrlError(
            f"{URL_VARIABLE}: the port in the PostgreSQL URL is not a number "
            "(postgresql://USER:PASSWORD@HOST:PORT/DATABASE)",
            "postgres_port",
        ) from None
    if not parts.netloc and not parts.path.strip("/") and not parts.query:
        raise DatabaseUrlError(
            f"{URL_VARIABLE}: the PostgreSQL URL names no server and no database "
            "(postgresql://USER:PASSWORD@HOST:PORT/DATABASE)",
            "postgres_empty",
        )
    return Database(scheme="postgresql", url=text)


def from_env(env: Mapping[str, str] | None = None) -> Database:
    """The database the environment chooses: the URL, else the plain path, else the default."""
    env = os.environ if env is None else env
    url = env.get(URL_VARIABLE, "").strip()
    if url:
        return parse(url)
    return Database(
        scheme="sqlite", path=Path(env.get(PATH_VARIABLE, "").strip() or DEFAULT_STATE_DB)
    )
