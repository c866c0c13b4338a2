"""The JSON API: `yibao quote --format json` over HTTP, one contract and one model.

`POST /api/v1/quote` takes the command's options as JSON keys and answers with exactly what
the command prints: the body is turned into the command's own arguments, parsed by the
command's own parser (so the same names, ranges and choices are accepted, with the same
messages) and answered by `bot.cli.quote.answer`. Nothing of the quote is computed or
shaped here. Bad input is a JSON error with a 4xx status: 415 for another content type,
400 for a body that is not a JSON object, 422 for keys or values the contract refuses (for
the command's own checks, its message verbatim). Every refusal is in the body's `lang`
(zh_Hans when it has none or none can be read), from the catalogs
(dialogs/templates/cli/api_error.j2).
"""

from __future__ import annotations

import argparse
import json
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Final, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.cli import quote as quote_command
from dialogs.rendering import DEFAULT_LANG, Lang, render_template
from dialogs.rendering.languages import is_lang
from policies.catalog import load_catalog

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

MAX_TEXT: Final = 100  # a region or identity name, a date
MAX_IDENTITIES: Final = 20

Name = Annotated[str, Field(max_length=MAX_TEXT)]


class QuoteBody(BaseModel):
    """The request body: `yibao quote`'s options, `identities` as a list of `--identity`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    region: str = Field(max_length=MAX_TEXT, description="name, short form or pinyin slug")
    identities: list[Name] = Field(
        default_factory=list,
        max_length=MAX_IDENTITIES,
        description="identity codes, labels or aliases; empty: an ordinary resident",
    )
    date: str = Field(max_length=MAX_TEXT, description="the payment date, YYYY-MM-DD")
    birth_date: str | None = Field(default=None, max_length=MAX_TEXT)
    lapsed_years: int | None = Field(default=None, description="0..80; default 0")
    repaid_years: int | None = Field(default=None, description="0..80; default 0")
    tier: int | None = Field(default=None, description="1 or 2 where the region has tiers")
    insurance_year: int | None = Field(
        default=None, description="the insurance year asked for, where two are open at once"
    )
    lang: str | None = Field(default=None, max_length=16, description="zh_Hans, zh_Hant, en")


class _Refused(Exception):
    """The command's parser refused the arguments; the message is argparse's."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would print usage and exit 2
        raise _Refused(message)


@cache
def quote_parser() -> argparse.ArgumentParser:
    """`yibao quote`'s own parser, raising instead of exiting."""
    root = _Parser(prog="yibao", add_help=False)
    subparsers = root.add_subparsers(dest="command")
    quote_command.register(cast("Subparsers", subparsers))
    return subparsers.choices["quote"]


def arguments(body: QuoteBody) -> list[str]:
    """The command line that asks the same question: each key as its --option."""
    argv = ["--format", "json"]
    for key, value in body.model_dump(exclude_none=True).items():
        if key == "identities":
            for identity in value:
                argv += ["--identity", identity]
        else:
            argv += ["--" + key.replace("_", "-"), str(value)]
    return argv


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


def refusal(lang: str, problem: str, **context: Any) -> str:
    """An API refusal's sentence in `lang` (cli/api_error.j2)."""
    text = render_template("cli/api_error.j2", lang, "text", problem=problem, **context)
    return " ".join(text.splitlines())


# pydantic's error types, as the sentences of cli/api_error.j2
_EXPECTED: Final = {"string_type": "string", "int_type": "integer", "int_parsing": "integer",
                    "int_from_float": "integer", "list_type": "list"}


def _first_problem(err: ValidationError, lang: str) -> str:
    problem = err.errors()[0]
    kind = problem["type"]
    key = ".".join(str(p) for p in problem["loc"]) or "body"
    limit = problem.get("ctx", {}).get("max_length", "")
    if kind == "extra_forbidden":
        accepted = ", ".join(f"`{name}`" for name in QuoteBody.model_fields)
        return refusal(lang, "extra_key", key=key, accepted=accepted)
    if kind == "missing":
        return refusal(lang, "missing", key=key)
    if kind in _EXPECTED:
        return refusal(lang, "wrong_type", key=key, expected=_EXPECTED[kind])
    if kind == "string_too_long":
        return refusal(lang, "too_long", key=key, limit=limit)
    if kind == "too_long":
        return refusal(lang, "too_many", key=key, limit=limit)
    return refusal(lang, "invalid", key=key, detail=problem["msg"])


def _lang_of(data: object) -> Lang:
    """The body's `lang`, if it is one of ours; else zh_Hans."""
    lang = data.get("lang") if isinstance(data, dict) else None
    return lang if isinstance(lang, str) and is_lang(lang) else DEFAULT_LANG


async def quote(request: Request) -> Response:
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        data = None
    lang = _lang_of(data)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return _error(415, refusal(lang, "content_type"))
    if data is None and raw.strip() != b"null":
        return _error(400, refusal(lang, "not_json"))
    if not isinstance(data, dict):
        return _error(400, refusal(lang, "not_object"))
    try:
        body = QuoteBody.model_validate(data)
    except ValidationError as err:
        return _error(422, _first_problem(err, lang))
    try:
        args = quote_parser().parse_args(arguments(body))
    except _Refused as err:
        return _error(422, str(err))
    code, text = quote_command.answer(args)
    if code != 0:
        return _error(422, text)
    # Byte for byte what the command prints (print() adds the newline).
    return Response(text + "\n", media_type="application/json")


async def regions(request: Request) -> Response:
    catalog = load_catalog()
    out = []
    for slug, labels in catalog.region_labels().items():
        years = sorted(p.data.insurance_year for p in catalog.policies if p.slug == slug)
        out.append({"slug": slug, "name": labels[0], "names": labels, "policy_years": years})
    return JSONResponse({"regions": out})


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})
