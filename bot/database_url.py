"""Where dialog state lives: the one setting `YIBAO_DATABASE_URL`, shared by every adapter.

    YIBAO_DATABASE_URL=sqlite:///var/lib/yibao/state.sqlite3   (absolute path: four slashes
                                                               in all, as SQLAlchemy writes it)
    YIBAO_DATABASE_URL=sqlite:///yibao-state.sqlite3           (relative to the working dir)

Without it the older `YIBAO_STATE_DB` (a plain file path) still applies, then the default
file. Only SQLite is served today; any other scheme is refused with a message saying what
is accepted, rather than silently falling back to a file nobody else reads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

from bot.settings import DEFAULT_STATE_DB

URL_VARIABLE: Final = "YIBAO_DATABASE_URL"
PATH_VARIABLE: Final = "YIBAO_STATE_DB"
SCHEMES: Final = ("sqlite",)


class DatabaseUrlError(ValueError):
    """The URL cannot be used; the message says why and what is accepted."""


@dataclass(frozen=True)
class Database:
    scheme: str
    path: Path


def parse(url: str) -> Database:
    """`sqlite:///relative/file` or `sqlite:////absolute/file` → the SQLite file."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in SCHEMES:
        raise DatabaseUrlError(
            f"{URL_VARIABLE}={text!r}: the scheme must be one of {', '.join(SCHEMES)} "
            "(e.g. sqlite:///yibao-state.sqlite3 or sqlite:////var/lib/yibao/state.sqlite3)"
        )
    if parts.netloc or not text.startswith("sqlite:///"):
        raise DatabaseUrlError(
            f"{URL_VARIABLE}={text!r}: a SQLite URL has no host; write sqlite:///FILE "
            "(three slashes, then the path; an absolute path starts with a fourth)"
        )
    if parts.query or parts.fragment:
        raise DatabaseUrlError(f"{URL_VARIABLE}={text!r}: options (?…, #…) are not supported")
    path = unquote(parts.path[1:])  # drop the slash that ends "sqlite://"
    if not path or path.endswith("/"):
        raise DatabaseUrlError(f"{URL_VARIABLE}={text!r}: the URL names no file")
    return Database(scheme=parts.scheme, path=Path(path))


def from_env(env: Mapping[str, str] | None = None) -> Database:
    """The database the environment chooses: the URL, else the plain path, else the default."""
    env = os.environ if env is None else env
    url = env.get(URL_VARIABLE, "").strip()
    if url:
        return parse(url)
    return Database(
        scheme="sqlite", path=Path(env.get(PATH_VARIABLE, "").strip() or DEFAULT_STATE_DB)
    )
