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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Final

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
    "notes",
    "general_notes",
)
_MONEY_KEYS: Final = ("amount", "percent")
_MIN_MATCH: Final = 0.6  # share of last year's quote found again in the new notice
_YEAR: Final = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_TOKEN: Final = re.compile(r"\d+(?:\.\d+)?|.", re.DOTALL)


def todo(hint: str) -> str:
    return f"{PLACEHOLDER}: {hint}"


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
    body: dict[str, Any]
    review: list[dict[str, str]] = field(default_factory=list)

    def yaml_text(self) -> str:
        draft = {
            "started": f"yibao policies new, {date.today().isoformat()}",
            "from": (
                f"{self.started_from.parent.name}/{self.started_from.name}"
                if self.started_from
                else None
            ),
            "review": self.review,
        }
        head = (
            "# A DRAFT started by `yibao policies new` (see docs/adding-a-notice.md).\n"
            "# Fill in every TODO from the notice, check every entry under draft.review and\n"
            "# delete it when done, run `yibao policies check` until it names nothing for this\n"
            "# file, then delete the whole `draft:` block: only then is the notice answered from.\n"
        )
        return head + _dump({"draft": draft, **self.body})


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
    citation = notice.number or todo(
        "how answers name the document: its number, or e.g. 昌图县政府办通知（2024年10月18日）"
        + (f"; last year: {old['citation']}" if old.get("citation") else "")
    )
    doc: dict[str, Any] = {
        "issuer": notice.issuer or todo("the issuing office as printed at the end or the top"),
        "number": notice.number,
        "citation": citation,
        "title": notice.title or todo("the notice's title as printed (关于……的通知)"),
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


def _changes(old: str, new: str) -> str:
    """What changed between two wordings, e.g. "2024 → 2025; 400 → 420" (at most four)."""
    # Compared as tokens, numbers whole, so a year reads "2025 → 2026", not "5 → 6".
    a = _TOKEN.findall(_squash_map(old)[0])
    b = _TOKEN.findall(_squash_map(new)[0])
    out = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            out.append(f"{''.join(a[i1:i2]) or '∅'} → {''.join(b[j1:j2]) or '∅'}")
    more = f" (+{len(out) - 4} more)" if len(out) > 4 else ""
    return "; ".join(out[:4]) + more


def _rematch_clauses(
    old_clauses: list[dict[str, Any]], notice: NoticeText, review: list[dict[str, str]]
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
                review.append(
                    {
                        "field": f"clauses[{old['id']}]",
                        "why": f"found outside {label}: check the label the new notice gives it",
                    }
                )
        if found is None:
            out.append(
                {
                    **old,
                    "quote": todo(
                        f"not found in the new notice; last year ({label}): {quote} — quote the "
                        "new wording, or delete this clause and the rules that cite it"
                    ),
                }
            )
            continue
        passage, _ = found
        out.append({**old, "quote": passage})
        if _squash_map(passage)[0] != _squash_map(quote)[0]:
            review.append(
                {
                    "field": f"clauses[{index}] ({old['id']}, {label})",
                    "why": f"wording changed: {_changes(quote, passage)} — check every rule "
                    f"citing {old['id']}",
                }
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


def _placeholders(value: Any, key: str, hint_clauses: str, labels: dict[str, str]) -> Any:
    """Dates and amounts of last year's rules as placeholders showing last year's value and
    the clauses (id and label) the rule cites."""
    if isinstance(value, dict):
        refs = value.get("clauses") or ([value["clause"]] if value.get("clause") else [])
        named = [f"{r} {labels[r]}" if r in labels else str(r) for r in refs]
        here = ", ".join(named) or hint_clauses
        return {k: _placeholders(v, k, here, labels) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v, key, hint_clauses, labels) for v in value]
    where = f" (clause {hint_clauses})" if hint_clauses else ""
    if isinstance(value, date):
        return todo(f"last year {value.isoformat()}; the date the new notice gives{where}")
    if key in _MONEY_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return todo(f"last year {value}; the figure the new notice gives{where}")
    return value


def _new_region_body(slug: str, year: int, notice: NoticeText) -> dict[str, Any]:
    name = (notice.issuer or "").split("人民政府")[0]
    return {
        "schema_version": 1,
        "region": {
            "slug": slug,
            "name": name or todo("the region's name as printed, e.g. 昌图县"),
            "short_names": [],
            "pinyin": [slug],
            "province": todo("the province as printed, e.g. 辽宁省"),
            "city": todo("the city as printed, e.g. 铁岭市"),
            "admin_code": todo("the six-digit administrative code (行政区划代码), in quotes"),
            "office": todo(
                "who decides where the notice is silent, as printed (its phone goes in"
                " contacts; name that contact's clause in office_contact)"
            ),
        },
        "insurance_year": year,
        "coverage_start": date(year, 1, 1),
        "coverage_end": date(year, 12, 31),
        "standards": [
            {
                "amount": todo("the personal contribution (个人缴费标准) in yuan"),
                "clause": todo("the id of the clause that states it"),
            }
        ],
        "subsidies": [],
        "combination": {
            "rule": todo("highest (按最高标准, 不重复资助) or not_stated"),
            "clause": todo("the id of the clause, or null for not_stated"),
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
                "start": todo("the first day of the collection period (集中缴费期)"),
                "end": todo("its last day"),
                "price": "personal_standard",
                "coverage": "year_start",
                "clauses": [todo("the id of the clause giving these dates")],
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
    review: list[dict[str, str]] = [
        {
            "field": "document",
            "why": "read off the notice by the program: compare title, number, issuer, date "
            "and implements with the notice; add valid_until where it states one (有效期)",
        }
    ]
    if previous is None:
        body = _new_region_body(slug, year, notice)
        body["document"] = _document(notice, text_file, None)
        body["clauses"] = _clause_entries(notice, set())
        review += [
            {"field": "region", "why": "a new region: fill in and check every field"},
            {
                "field": "coverage_start, coverage_end",
                "why": "the usual 1 January – 31 December: check the notice's 待遇享受期",
            },
            {
                "field": "waiting",
                "why": "the national rules (国办发〔2024〕38号) as the other regions use them: "
                "change them where the notice sets its own",
            },
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
            "coverage_start": _placeholders(old["coverage_start"], "coverage_start", "", {}),
            "coverage_end": _placeholders(old["coverage_end"], "coverage_end", "", {}),
            "clauses": clauses,
        }
        labels = {str(c["id"]): str(c["label"]) for c in old.get("clauses", [])}
        for key, value in old.items():
            if key not in body and key not in ("draft", "valid_until"):
                body[key] = _placeholders(value, key, "", labels)
        source = f"{previous.parent.name}/{previous.name}"
        review += [
            {
                "field": key,
                "why": f"copied from {source} (insurance year {old_year}): check it against "
                "the new notice",
            }
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


def write(draft: Draft) -> None:
    """Create the data file and the notice text; never overwrites a data file."""
    draft.data_path.parent.mkdir(parents=True, exist_ok=True)
    draft.text_path.parent.mkdir(parents=True, exist_ok=True)
    with draft.data_path.open("x", encoding="utf-8") as handle:
        handle.write(draft.yaml_text())
    if not draft.text_path.exists():
        draft.text_path.write_text(draft.notice_text, "utf-8")
