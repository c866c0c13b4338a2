"""What a draft data file still lacks: the "missing" part of `yibao policies check`.

A draft (a data file with a `draft:` block, started by `yibao policies new`) is never loaded
by the catalog. For each one the check names, as "file: field: what to do":

- every placeholder left (a value starting with TODO, which says what belongs there);
- every entry of `draft.review` (what the program filled in or copied from last year);
- the parts every notice needs and the draft has none of (standard, windows, …);
- clauses never cited, cited clauses that do not exist, quotes not verbatim in the notice;
- once nothing of that kind is left: the strict schema's and the semantic checks' problems,
  exactly as for a complete file;
- and when nothing at all is left, that the `draft:` block is the last thing to delete.

A draft therefore always has at least one message, so `make test` stays red while it exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import ValidationError

from policies.catalog import (
    NATIONAL_PREFIX,
    Catalog,
    LoadedPolicy,
    display_path,
    is_draft,
    policy_files,
)
from policies.checks import check_policy, squash
from policies.problems import Problem, field_path, from_validation, from_yaml, problem
from policies.scaffold import PLACEHOLDER
from policies.schema import PolicyFile

Loc = tuple[str | int, ...]

# The parts every notice needs; what to add is said per key where the problem is rendered
# (dialogs/templates/cli/policy_problem.j2, code draft_missing).
_REQUIRED: Final = (
    "document",
    "coverage_start",
    "coverage_end",
    "clauses",
    "standards",
    "windows",
    "combination",
    "waiting",
)


def walk(value: Any, path: Loc = ()) -> Iterator[tuple[Loc, Any]]:
    """Every value of a loaded YAML document with its path (keys and list indexes)."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*path, index))


def _is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith(PLACEHOLDER)


def _is_clause_key(key: str | int) -> bool:
    return isinstance(key, str) and (
        key in ("clause", "clauses", "refunds") or key.endswith("_clause")
    )


def _refs(body: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (field, clause id) the draft cites, found by key name so it works on a draft the
    schema does not accept yet."""
    refs: list[tuple[str, str]] = []
    for path, value in walk(body):
        if not path or not _is_clause_key(path[-1]) or path[0] == "clauses":
            continue
        values = value if isinstance(value, list) else [value]
        refs += [(field_path(path), v) for v in values if isinstance(v, str) and v]
    return refs


def _clause_problems(
    where: str, body: dict[str, Any], documents_dir: Path, catalog: Catalog | None
) -> list[Problem]:
    problems: list[Problem] = []
    clauses = [c for c in body.get("clauses") or [] if isinstance(c, dict)]
    ids = {str(c.get("id")): str(c.get("label", "")) for c in clauses}
    text_file = (body.get("document") or {}).get("text_file")
    text = ""
    if isinstance(text_file, str) and not _is_placeholder(text_file):
        text_path = documents_dir / text_file
        if text_path.is_file():
            text = squash(text_path.read_text("utf-8"))
        else:
            problems.append(
                problem(where, "document.text_file", "text_file_missing", text_file=text_path.name)
            )
    for clause in clauses:
        quote = clause.get("quote")
        verbatim = not isinstance(quote, str) or _is_placeholder(quote) or squash(quote) in text
        if text and not verbatim:
            problems.append(
                problem(
                    where,
                    f"clauses[{clause.get('id')}].quote",
                    "quote_not_verbatim",
                    text_file=text_file,
                )
            )
    cited: set[str] = set()
    for field, ref in _refs(body):
        if _is_placeholder(ref):
            continue
        cited.add(ref)
        if ref.startswith(NATIONAL_PREFIX):
            national = ref.removeprefix(NATIONAL_PREFIX)
            if catalog is not None and national not in catalog.national_clauses:
                problems.append(problem(where, field, "unknown_national_clause", ref=ref))
        elif ref not in ids:
            problems.append(problem(where, field, "unknown_clause", ref=ref))
    for ident, label in ids.items():
        if ident not in cited:
            problems.append(problem(where, f"clauses[{ident}]", "clause_never_cited", label=label))
    return problems


def draft_problems(path: Path, documents_dir: Path, catalog: Catalog | None) -> list[Problem]:
    """What the draft at `path` still lacks; never empty (see the module docstring)."""
    where = display_path(path)
    try:
        doc = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as err:
        return [from_yaml(where, err)]
    if not isinstance(doc, dict):
        return [problem(where, "", "top_not_mapping")]
    draft = doc.get("draft")
    body = {k: v for k, v in doc.items() if k != "draft"}
    problems: list[Problem] = []
    holes: list[Loc] = []
    for place, value in walk(body):
        if _is_placeholder(value):
            holes.append(place)
            hint = str(value).strip().removeprefix(PLACEHOLDER).lstrip(" :")
            problems.append(problem(where, field_path(place), "draft_todo", hint=hint))
    review = draft.get("review") if isinstance(draft, dict) else None
    for item in review or []:
        if isinstance(item, dict):
            problems.append(
                problem(where, str(item.get("field")), "draft_review", why=item.get("why"))
            )
    covered: set[str] = set()
    for key in _REQUIRED:
        if not body.get(key):
            covered.add(key)
            problems.append(problem(where, key, "draft_missing"))
    problems += _clause_problems(where, body, documents_dir, catalog)
    try:
        data = PolicyFile.model_validate(body)
    except ValidationError as err:
        for item, found in zip(err.errors(), from_validation(where, err), strict=True):
            loc = tuple(item["loc"])
            if any(loc[: len(h)] == h for h in holes) or (loc and loc[0] in covered):
                continue  # already named above, in words a volunteer can act on
            problems.append(found)
    else:
        if catalog is not None:
            loaded = LoadedPolicy(path, data, {c.id: c for c in data.clauses})
            problems += [
                p
                for p in check_policy(catalog, loaded, documents_dir)
                if p.code != "unknown_clause"  # named above, found by key name
            ]
    problems = list(dict.fromkeys(problems))
    if not problems:
        problems.append(problem(where, "draft", "draft_complete"))
    return problems


def check_drafts(
    data_dir: Path, documents_dir: Path, catalog: Catalog | None
) -> list[Problem]:
    problems: list[Problem] = []
    for path in policy_files(data_dir):
        if is_draft(path):
            problems += draft_problems(path, documents_dir, catalog)
    return problems
