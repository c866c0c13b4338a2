"""A problem of the policy data as a value: which file, which field, what kind, with what.

`yibao policies check` renders each one in the language asked (bot/cli/policies.py and the
template cli/policy_problem.j2); the file, the field path, clause ids and identity codes stay
as they are, because they are what the editor searches for in the YAML. `str()` gives the
code form, `file: field: code (name=value, …)`, for tests and tracebacks.

Every kind is one `Code`; the schema's errors (pydantic's error types, and the codes our own
validators raise) map to codes in `from_validation`, anything unmapped to `schema_other` with
pydantic's type, so the words around it are still the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

Code = Literal[
    # reading a file
    "yaml_syntax",
    "top_not_mapping",
    # the schema (pydantic error types, mapped)
    "missing_field",
    "unknown_field",
    "not_text",
    "not_integer",
    "not_number",
    "not_boolean",
    "not_date",
    "not_list",
    "not_mapping",
    "not_one_of",
    "pattern_mismatch",
    "number_bounds",
    "too_few_items",
    "schema_other",
    # the schema's own validators (policies/schema.py)
    "window_reversed",
    "subsidy_amount_missing",
    "subsidy_percent_missing",
    "subsidy_amount_not_taken",
    "fiscal_subsidy_defers",
    "national_quote_or_reading",
    "office_contact_unknown",
    # the semantic checks (policies/checks.py)
    "quote_not_verbatim",
    "unknown_national_clause",
    "duplicate_year",
    "misnamed_file",
    "text_file_missing",
    "duplicate_clause_id",
    "unknown_clause",
    "unknown_note",
    "unknown_identity",
    "windows_overlap",
    "windows_gap",
    "last_window_short",
    "coverage_reversed",
    "no_such_tier",
    "no_general_standard",
    "subsidy_no_standard",
    "subsidy_exceeds",
    # what a draft still lacks (policies/drafts.py)
    "draft_todo",
    "draft_review",
    "draft_missing",
    "clause_never_cited",
    "draft_complete",
]
CODES: Final[tuple[str, ...]] = get_args(Code)

# pydantic's error types -> our codes; the `ctx` names we show come along as parameters
_PYDANTIC: Final[dict[str, Code]] = {
    "missing": "missing_field",
    "extra_forbidden": "unknown_field",
    "string_type": "not_text",
    "int_type": "not_integer",
    "int_parsing": "not_integer",
    "int_from_float": "not_integer",
    "decimal_type": "not_number",
    "decimal_parsing": "not_number",
    "float_type": "not_number",
    "float_parsing": "not_number",
    "bool_type": "not_boolean",
    "bool_parsing": "not_boolean",
    "date_type": "not_date",
    "date_parsing": "not_date",
    "date_from_datetime_parsing": "not_date",
    "date_from_datetime_inexact": "not_date",
    "list_type": "not_list",
    "dict_type": "not_mapping",
    "model_type": "not_mapping",
    "model_attributes_type": "not_mapping",
    "literal_error": "not_one_of",
    "enum": "not_one_of",
    "string_pattern_mismatch": "pattern_mismatch",
    "greater_than_equal": "number_bounds",
    "greater_than": "number_bounds",
    "less_than_equal": "number_bounds",
    "less_than": "number_bounds",
    "too_short": "too_few_items",
}
_BOUNDS: Final = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
_VALUE_CHARS: Final = 60  # an offending value longer than this is cut, with …


@dataclass(frozen=True)
class Problem:
    file: str  # as messages show it (display_path), e.g. policies/data/changtu/2025.yaml
    field: str  # the field path as in the YAML, e.g. windows[0].end; "" for the whole file
    code: Code
    params: tuple[tuple[str, str], ...] = ()

    @property
    def context(self) -> dict[str, str]:
        return dict(self.params)

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        args = ", ".join(f"{k}={v}" for k, v in self.params)
        return f"{where}: {self.code}" + (f" ({args})" if args else "")


def problem(file: str, field: str, code: Code, **params: object) -> Problem:
    """A problem; `None` parameters are left out (a template tests for them)."""
    return Problem(
        file, field, code, tuple((k, str(v)) for k, v in params.items() if v is not None)
    )


def validator_error(code: Code, message: str, **params: object) -> PydanticCustomError:
    """What a schema validator raises: pydantic keeps `code` as the error's type and
    `params` as its context, so `from_validation` turns it back into a Problem."""
    return PydanticCustomError(code, message, {k: str(v) for k, v in params.items()})


def field_path(loc: Iterable[str | int]) -> str:
    """('windows', 0, 'end') -> windows[0].end, as the semantic checks name fields."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _value(value: Any) -> str:
    text = str(value)
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 1] + "…"


def _choices(expected: object) -> str | None:
    """pydantic's "'full', 'fixed' or 'percent'" as "full, fixed, percent": the values as
    written in the YAML, without pydantic's English "or"."""
    if expected is None:
        return None
    text = str(expected)
    quoted = re.findall(r"'([^']*)'", text)
    return ", ".join(quoted) if quoted else ", ".join(re.split(r",\s*| or ", text))


def _from_error(file: str, item: ErrorDetails) -> Problem:
    kind = item["type"]
    field = field_path(item["loc"])
    ctx: Mapping[str, Any] = item.get("ctx") or {}
    if kind in CODES:  # raised by our own validators with validator_error
        return problem(file, field, kind, **ctx)  # type: ignore[arg-type]
    code = _PYDANTIC.get(kind, "schema_other")
    shown = None if kind == "missing" else _value(item["input"])
    if code == "not_one_of":
        return problem(file, field, code, value=shown, expected=_choices(ctx.get("expected")))
    if code == "pattern_mismatch":
        return problem(file, field, code, value=shown, pattern=ctx.get("pattern"))
    if code == "number_bounds":
        op = next(k for k in _BOUNDS if k in ctx)
        return problem(file, field, code, value=shown, bound=f"{_BOUNDS[op]} {ctx[op]}")
    if code == "too_few_items":
        return problem(file, field, code, minimum=ctx.get("min_length"))
    if code == "schema_other":
        return problem(file, field, code, type=kind, value=shown)
    return problem(file, field, code, value=shown)


def from_validation(file: str, err: ValidationError) -> list[Problem]:
    """The schema's errors of one file, one Problem each."""
    return [_from_error(file, item) for item in err.errors()]


def from_yaml(file: str, err: yaml.YAMLError) -> Problem:
    """A file YAML cannot parse: where (1-based line and column), and YAML's own words,
    which only the English rendering shows."""
    mark = getattr(err, "problem_mark", None)
    detail = getattr(err, "problem", None) or str(err)
    if mark is None:
        return problem(file, "", "yaml_syntax", detail=detail)
    return problem(
        file, "", "yaml_syntax", line=mark.line + 1, column=mark.column + 1, detail=detail
    )
