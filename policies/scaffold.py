"""`yibao policies new`: start a draft data file from a notice's text.

A draft carries a `draft:` block, which the catalog skips (it never reaches an answer) and
`yibao policies check` reports together with everything the draft still lacks
(`policies/drafts.py`). What the scaffold fills in:

- the document's header fields it can read (title, number, issuer, date, documents
  implemented), listed under `draft.review` because a program read them;
- every clause of the notice, quoted verbatim under its label as printed;
- for a region already on file, the rules of the nearest year's file, listed under
  `draft.review`, with every date and every amount replaced by a placeholder that shows last
  year's value: those are what changes from year to year, and a wrong one is the worst bug,
  so each is typed again from the new notice. Last year's clauses keep their ids (the rules
  cite them) with the new notice's wording; a changed wording is listed for review with the
  change, a clause the new notice no longer has becomes a placeholder.

The words the draft says to its editor (each placeholder's hint, each review reason, the
header comment) are coded values here (`DraftText`: a code and its parameters, the dates,
amounts, clause ids, labels and quotes as the data has them); `Draft.yaml_text` takes the
function that words them, and `yibao policies new` passes one that renders them in the
language of `--lang` (bot/cli/policies.py, dialogs/templates/cli/draft_text.j2). Whatever the
language, a placeholder starts with `TODO:`, the marker `yibao policies check` looks for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Final, Literal, get_args

import yaml

from policies.notice_text import NoticeClause, NoticeText, read_notice

PLACEHOLDER: Final = "TODO"
RULE_SECTIONS: Final = (
    "tiers",
    "tier_placements",
    "standards",
    "fiscal_subsidy",
    "subsidies",
    "combination",
    "windows",
    "closure",
    "waiting",
    "newborn",
    "special_cases",
    "registration",
    "channels",
    "contacts",
    "scope_identities",
    "coverage_overrides",
    "refunds",
    "identity_notes",
    "unnamed_identity_notes",
    "notes",
    "general_notes",
)
_MONEY_KEYS: Final = ("amount", "percent")
_MIN_MATCH: Final = 0.6  # share of last year's quote found again in the new notice
_YEAR: Final = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_TOKEN: Final = re.compile(r"\d+(?:\.\d+)?|.", re.DOTALL)


DraftCode = Literal[
    # placeholders' hints: a document field the notice did not show
    "citation",
    "issuer",
    "title",
    # a rule's date or amount, and a clause of last year's not found again
    "date",
    "figure",
    "clause_not_found",
    # a new region's skeleton
    "region_name",
    "province",
    "city",
    "admin_code",
    "office",
    "standard_amount",
    "standard_clause",
    "combination_rule",
    "combination_clause",
    "collection_start",
    "collection_end",
    "collection_clauses",
    # draft.review reasons
    "document_read",
    "found_outside",
    "wording_changed",
    "copied",
    "new_region",
    "usual_coverage",
    "national_waiting",
    # the file's header comment and draft.started
    "header",
    "started",
]
DRAFT_CODES: Final[tuple[str, ...]] = get_args(DraftCode)
Param = str | tuple[str, ...]


@dataclass(frozen=True)
class DraftText:
    """Words for the draft's editor, as a code and its values (text, or a tuple of texts)."""

    code: DraftCode
    params: tuple[tuple[str, Param], ...] = ()

    @property
    def context(self) -> dict[str, Param]:
        return dict(self.params)

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.params)
        return self.code + (f" ({args})" if args else "")


def says(code: DraftCode, **params: Param | None) -> DraftText:
    """A DraftText; `None` parameters are left out (the template tests for them)."""
    return DraftText(code, tuple((k, v) for k, v in params.items() if v is not None))


Words = Callable[[DraftText], str]  # a DraftText worded in one language


@dataclass(frozen=True)
class Placeholder:
    """A value to type from the notice: the YAML gets `TODO: <the hint, worded>`."""

    hint: DraftText


def todo(code: DraftCode, **params: Param | None) -> Placeholder:
    return Placeholder(says(code, **params))


@dataclass(frozen=True)
class Review:
    """An entry of `draft.review`: the field to check, and why."""

    field: str
    why: DraftText


class ScaffoldError(Exception):
    """Input the scaffold cannot take; `kind` names the message template, `context` its values."""

    def __init__(self, kind: str, **context: Any) -> None:
        super().__init__(f"{kind}: {context}")
        self.kind = kind
        self.context = context


@dataclass
class Draft:
    data_path: Path
    text_path: Path
    notice_text: str
    document: dict[str, Any]
    started_from: Path | None
    body: dict[str, Any]  # the data, with a Placeholder for each value to type
    review: list[Review] = field(default_factory=list)

    def yaml_text(self, words: Words) -> str:
        """The file's text, every placeholder, review reason and comment worded by `words`;
        the header comment's lines are as `words` breaks them."""
        draft = {
            "started": words(says("started", date=date.today().isoformat())),
            "from": (
                f"{self.started_from.parent.name}/{self.started_from.name}"
                if self.started_from
                else None
            ),
            "review": [{"field": r.field, "why": words(r.why)} for r in self.review],
        }
        head = "".join(f"# {line}".rstrip() + "\n" for line in words(says("header")).splitlines())
        return head + _dump({"draft": draft, **_worded(self.body, words)})


def _worded(value: Any, words: Words) -> Any:
    if isinstance(value, Placeholder):
        return f"{PLACEHOLDER}: {words(value.hint)}"
    if isinstance(value, dict):
        return {k: _worded(v, words) for k, v in value.items()}
    if isinstance(value, list):
        return [_worded(v, words) for v in value]
    return value


class _Literal(str):
    """Multi-line quotes dump as YAML literal blocks, readable next to the notice."""


def _represent_literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _represent_literal)


def _dump(doc: dict[str, Any]) -> str:
    def literal(value: Any) -> Any:
        if isinstance(value, str) and "\n" in value:
            return _Literal(value)
        if isinstance(value, dict):
            return {k: literal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [literal(v) for v in value]
        return value

    text: str = yaml.dump(
        literal(doc), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )
    return text


def _squash_map(text: str) -> tuple[str, list[int]]:
    """`text` without whitespace, and for each kept character its index in `text`."""
    kept = [(i, ch) for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(ch for _, ch in kept), [i for i, _ in kept]


def _quoted(clause: NoticeClause) -> bool:
    """Clauses worth quoting: those with text of their own (a bare title is not a rule)."""
    return bool(clause.text.strip())


def _clause_entries(notice: NoticeText, taken: set[str]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for clause in notice.clauses:
        if not _quoted(clause):
            continue
        ident = clause.slug
        while ident in taken:
            ident += "_new"
        taken.add(ident)
        entries.append({"id": ident, "label": clause.label, "quote": clause.text})
    return entries


def _document(notice: NoticeText, text_file: str, old: dict[str, Any] | None) -> dict[str, Any]:
    old = old or {}
    last = old.get("citation")
    citation = notice.number or todo("citation", last_year=str(last) if last else None)
    doc: dict[str, Any] = {
        "issuer": notice.issuer or todo("issuer"),
        "number": notice.number,
        "citation": citation,
        "title": notice.title or todo("title"),
        "date": notice.date,
        "implements": notice.implements,
        "text_file": text_file,
    }
    return doc


def find_again(old_quote: str, scope: str) -> tuple[str, float] | None:
    """The passage of `scope` that best matches last year's `old_quote`, whitespace
    collapsed, and the share of the old quote it contains; None when nothing matches."""
    squashed, where = _squash_map(scope)
    target, _ = _squash_map(old_quote)
    if not squashed or not target:
        return None
    matcher = SequenceMatcher(None, squashed, target, autojunk=False)
    anchor = matcher.find_longest_match(0, len(squashed), 0, len(target))
    if anchor.size == 0:
        return None
    lo = max(0, anchor.a - anchor.b - 8)
    hi = min(len(squashed), anchor.a + (len(target) - anchor.b) + 8)
    local = SequenceMatcher(None, squashed[lo:hi], target, autojunk=False)
    blocks = [b for b in local.get_matching_blocks() if b.size >= 2]
    if not blocks:
        return None
    start, end = lo + blocks[0].a, lo + blocks[-1].a + blocks[-1].size
    # A number that changed at either end (400 → 420) is taken whole.
    while start > 0 and squashed[start - 1].isdigit() and target[0].isdigit():
        start -= 1
    while end < len(squashed) and squashed[end].isdigit() and target[-1].isdigit():
        end += 1
    share = sum(b.size for b in blocks) / len(target)
    if share < _MIN_MATCH:
        return None
    passage = scope[where[start] : where[end - 1] + 1]
    return re.sub(r"\s*\n\s*", "", passage), share


def _changes(old: str, new: str) -> tuple[tuple[str, ...], int]:
    """What changed between two wordings, e.g. ("2024 → 2025", "400 → 420"): at most four,
    and how many more."""
    # Compared as tokens, numbers whole, so a year reads "2025 → 2026", not "5 → 6".
    a = _TOKEN.findall(_squash_map(old)[0])
    b = _TOKEN.findall(_squash_map(new)[0])
    out = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            out.append(f"{''.join(a[i1:i2]) or '∅'} → {''.join(b[j1:j2]) or '∅'}")
    return tuple(out[:4]), max(0, len(out) - 4)


def _rematch_clauses(
    old_clauses: list[dict[str, Any]], notice: NoticeText, review: list[Review]
) -> list[dict[str, Any]]:
    whole = "\n".join(c.text for c in notice.clauses)
    out: list[dict[str, Any]] = []
    for index, old in enumerate(old_clauses):
        label, quote = str(old["label"]), str(old["quote"])
        scope = "\n".join(c.text for c in notice.clauses if c.within(label))
        found = find_again(quote, scope) if scope else None
        if found is None:
            found = find_again(quote, whole)
            if found is not None:
                review.append(Review(f"clauses[{old['id']}]", says("found_outside", label=label)))
        if found is None:
            # one line: a hint's quote is shown in “…”, which ends at a line's end
            shown = re.sub(r"\s*\n\s*", "", quote)
            out.append({**old, "quote": todo("clause_not_found", label=label, quote=shown)})
            continue
        passage, _ = found
        out.append({**old, "quote": passage})
        if _squash_map(passage)[0] != _squash_map(quote)[0]:
            changes, more = _changes(quote, passage)
            review.append(
                Review(
                    f"clauses[{index}] ({old['id']}, {label})",
                    says(
                        "wording_changed",
                        changes=changes,
                        more=str(more) if more else None,
                        id=str(old["id"]),
                    ),
                )
            )
    return out


def _year_free(text: str) -> str:
    return _YEAR.sub("Y", _squash_map(text)[0])


def _new_clauses(
    notice: NoticeText, kept: list[dict[str, Any]], old_text: str, taken: set[str]
) -> list[dict[str, Any]]:
    """Clauses of the new notice that last year's file does not quote and whose wording is
    new (years aside): last year's file left out the rest on purpose (工作要求 and the like)."""
    old_norm = _year_free(old_text)
    kept_labels = {str(c["label"]) for c in kept}
    fresh = NoticeText(
        notice.title,
        notice.number,
        notice.issuer,
        notice.date,
        notice.implements,
        [
            c
            for c in notice.clauses
            if _quoted(c)
            and not any(c.within(label) for label in kept_labels)
            and _year_free(c.text) not in old_norm
        ],
    )
    return _clause_entries(fresh, taken)


def _placeholders(
    value: Any, key: str, hint_clauses: tuple[str, ...], labels: dict[str, str]
) -> Any:
    """Dates and amounts of last year's rules as placeholders showing last year's value and
    the clauses (id and label) the rule cites."""
    if isinstance(value, dict):
        refs = value.get("clauses") or ([value["clause"]] if value.get("clause") else [])
        named = tuple(f"{r} {labels[r]}" if r in labels else str(r) for r in refs)
        here = named or hint_clauses
        return {k: _placeholders(v, k, here, labels) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v, key, hint_clauses, labels) for v in value]
    where = hint_clauses or None
    if isinstance(value, date):
        return todo("date", last_year=value.isoformat(), clauses=where)
    if key in _MONEY_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
        # str(): the figure exactly as last year's file has it (400, 0.5), never reformatted
        return todo("figure", last_year=str(value), clauses=where)
    return value


def _new_region_body(slug: str, year: int, notice: NoticeText) -> dict[str, Any]:
    name = (notice.issuer or "").split("人民政府")[0]
    return {
        "schema_version": 1,
        "region": {
            "slug": slug,
            "name": name or todo("region_name"),
            "short_names": [],
            "pinyin": [slug],
            "province": todo("province"),
            "city": todo("city"),
            "admin_code": todo("admin_code"),
            "office": todo("office"),
        },
        "insurance_year": year,
        "coverage_start": date(year, 1, 1),
        "coverage_end": date(year, 12, 31),
        "standards": [
            {
                "amount": todo("standard_amount"),
                "clause": todo("standard_clause"),
            }
        ],
        "subsidies": [],
        "combination": {
            "rule": todo("combination_rule"),
            "clause": todo("combination_clause"),
        },
        "windows": [
            {
                "id": "collection",
                "kind": "collection",
                "label": {
                    "zh_Hans": "集中缴费期",
                    "zh_Hant": "集中繳費期",
                    "en": "collection period",
                },
                "start": todo("collection_start"),
                "end": todo("collection_end"),
                "price": "personal_standard",
                "coverage": "year_start",
                "clauses": [todo("collection_clauses")],
            }
        ],
        "waiting": {
            "fixed": {"months": 3},
            "fixed_clause": "national:fixed_waiting",
            "variable_months_per_extra_lapsed_year": 1,
            "variable_clause": "national:variable_waiting",
            "repair_months_per_year_paid": 1,
            "repair_clause": "national:repair",
            "repair_price_clause": "national:repair_price",
            "floor_min_lapsed_years": 4,
            "floor_total_months": 6,
            "floor_clause": "national:long_lapse_floor",
            "exemption_clause": "national:newborn_exemption",
        },
        "channels": [],
        "contacts": [],
    }


def build(
    slug: str,
    year: int,
    notice_path: Path,
    data_dir: Path,
    documents_dir: Path,
    previous: Path | None,
) -> Draft:
    """The draft for `slug`'s insurance `year`, from the notice at `notice_path` and, where
    the region is on file, the file `previous` (the nearest year's)."""
    data_path = data_dir / slug / f"{year}.yaml"
    text_file = f"{slug}-{year}.txt"
    text_path = documents_dir / text_file
    if data_path.exists():
        raise ScaffoldError("data_exists", path=str(data_path))
    try:
        notice_text = notice_path.read_text("utf-8")
    except FileNotFoundError:
        raise ScaffoldError("notice_missing", path=str(notice_path)) from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as err:
        raise ScaffoldError("notice_unreadable", path=str(notice_path), reason=str(err)) from None
    if text_path.exists() and text_path.read_text("utf-8", errors="replace") != notice_text:
        raise ScaffoldError("text_exists", path=str(text_path))
    notice = read_notice(notice_text)
    if not any(_quoted(c) for c in notice.clauses):
        raise ScaffoldError("no_clauses", path=str(notice_path))
    review = [Review("document", says("document_read"))]
    if previous is None:
        body = _new_region_body(slug, year, notice)
        body["document"] = _document(notice, text_file, None)
        body["clauses"] = _clause_entries(notice, set())
        review += [
            Review("region", says("new_region")),
            Review("coverage_start, coverage_end", says("usual_coverage")),
            Review("waiting", says("national_waiting")),
        ]
    else:
        old: dict[str, Any] = yaml.safe_load(previous.read_text("utf-8"))
        old_year = int(old["insurance_year"])
        old_doc = old.get("document", {})
        old_text_path = documents_dir / str(old_doc.get("text_file", ""))
        old_text = old_text_path.read_text("utf-8") if old_text_path.is_file() else ""
        clauses = _rematch_clauses(list(old.get("clauses", [])), notice, review)
        taken = {str(c["id"]) for c in clauses}
        clauses += _new_clauses(notice, clauses, old_text, taken)
        body = {
            "schema_version": old.get("schema_version", 1),
            "region": old["region"],
            "insurance_year": year,
            "document": _document(notice, text_file, old_doc),
            "coverage_start": _placeholders(old["coverage_start"], "coverage_start", (), {}),
            "coverage_end": _placeholders(old["coverage_end"], "coverage_end", (), {}),
            "clauses": clauses,
        }
        labels = {str(c["id"]): str(c["label"]) for c in old.get("clauses", [])}
        for key, value in old.items():
            if key not in body and key not in ("draft", "valid_until"):
                body[key] = _placeholders(value, key, (), labels)
        source = f"{previous.parent.name}/{previous.name}"
        review += [
            Review(key, says("copied", source=source, year=str(old_year)))
            for key in RULE_SECTIONS
            if key in old
        ]
    return Draft(
        data_path,
        text_path,
        notice_text,
        body["document"],
        previous,
        body,
        review,
    )


def write(draft: Draft, words: Words) -> None:
    """Create the data file, its hints and notes worded by `words`, and the notice text;
    never overwrites a data file."""
    draft.data_path.parent.mkdir(parents=True, exist_ok=True)
    draft.text_path.parent.mkdir(parents=True, exist_ok=True)
    with draft.data_path.open("x", encoding="utf-8") as handle:
        handle.write(draft.yaml_text(words))
    if not draft.text_path.exists():
        draft.text_path.write_text(draft.notice_text, "utf-8")
