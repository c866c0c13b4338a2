"""Loading the policy data and finding things in it by name.

`load_catalog()` reads every file once per process (cached); `yibao policies check` and the
tests call `check_catalog()` (in `policies.checks`) for the semantic checks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from policies.problems import Problem, from_validation, from_yaml
from policies.schema import (
    Clause,
    Identity,
    IdentityRegistry,
    NationalClause,
    NationalFile,
    PolicyFile,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
DOCUMENTS_DIR = PACKAGE_DIR / "documents"
NATIONAL_PREFIX = "national:"

M = TypeVar("M", bound=BaseModel)


class DataError(Exception):
    """A policy data file is broken: names the file, the field and the reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@cache
def _simplifier() -> Any:
    import opencc  # OpenCC's own conversion tables: Traditional input meets Simplified data

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters to Simplified (昌圖縣 → 昌图县, 號 → 号); others unchanged."""
    converted: str = _simplifier().convert(text)
    return converted


def normalise_name(text: str) -> str:
    """Fold script, width and case and drop spaces: '昌圖縣 ', '科左后旗', 'KeZuoHouQi' match."""
    folded = unicodedata.normalize("NFKC", to_simplified(text)).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "-_·.")


@dataclass(frozen=True)
class LoadedPolicy:
    path: Path
    data: PolicyFile
    clauses: dict[str, Clause]

    @property
    def slug(self) -> str:
        return self.data.region.slug

    @property
    def first_payment_day(self) -> date:
        return min(w.start for w in self.data.windows)

    @property
    def last_payment_day(self) -> date:
        """The last day the notice takes payment (newborns within their limit aside)."""
        closure = self.data.closure
        if closure is not None:
            return closure.from_date - timedelta(days=1)
        return max(w.end for w in self.data.windows)

    @property
    def year(self) -> int:
        return self.data.insurance_year


@dataclass(eq=False)  # identity-hashable, so per-catalog caches can key on it
class Catalog:
    identities: dict[str, Identity]
    national: NationalFile
    national_clauses: dict[str, NationalClause]
    policies: list[LoadedPolicy]
    region_names: dict[str, str] = field(default_factory=dict)  # normalised name -> slug
    identity_names: dict[str, str] = field(default_factory=dict)  # normalised label -> code
    # Per-catalog memo of derived, immutable things (cited sources, named identities), so a
    # quote does not rebuild them; keyed by (kind, region, year, ...).
    memo: dict[tuple[object, ...], Any] = field(default_factory=dict)

    def regions(self) -> list[str]:
        seen: dict[str, None] = {}
        for policy in self.policies:
            seen.setdefault(policy.slug, None)
        return list(seen)

    def policies_for(self, slug: str) -> list[LoadedPolicy]:
        """The region's notices, oldest insurance year first."""
        key = ("policies_for", slug)
        found: list[LoadedPolicy] | None = self.memo.get(key)
        if found is None:
            found = self.memo[key] = sorted(
                (p for p in self.policies if p.slug == slug), key=lambda p: p.data.insurance_year
            )
        return list(found)

    def latest(self, slug: str) -> LoadedPolicy:
        return self.policies_for(slug)[-1]

    def resolve_region(self, text: str) -> str | None:
        return self.region_names.get(normalise_name(text))

    def resolve_identity(self, text: str) -> str | None:
        key = normalise_name(text)
        if key in self.identity_names:
            return self.identity_names[key]
        return None

    def region_labels(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for policy in self.policies:
            region = policy.data.region
            names = [region.name, *region.short_names, *region.pinyin]
            out.setdefault(policy.slug, names)
        return out


def display_path(path: Path) -> str:
    """A data file's path as messages show it: relative to the project where it lives there."""
    try:
        return str(path.resolve().relative_to(PACKAGE_DIR.parent))
    except ValueError:
        return str(path)


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _parse(model: type[M], path: Path, problems: list[Problem]) -> M | None:
    try:
        return model.model_validate(_read_yaml(path))
    except ValidationError as err:
        problems.extend(from_validation(display_path(path), err))
    except yaml.YAMLError as err:
        problems.append(from_yaml(display_path(path), err))
    return None


def policy_files(data_dir: Path = DATA_DIR) -> list[Path]:
    return sorted(p for p in data_dir.glob("*/*.yaml") if not p.name.endswith(".cases.yaml"))


_DRAFT_KEY = re.compile(r"^draft\s*:", re.MULTILINE)


def is_draft(path: Path) -> bool:
    """A file started by `yibao policies new` and not finished (it has a top-level `draft:`
    block): the catalog never loads it, so it cannot reach an answer; `yibao policies check`
    reports what it still lacks. A key at column 0 is a top-level key, so a text search is
    enough and spares parsing every file twice."""
    return bool(_DRAFT_KEY.search(path.read_text("utf-8")))


def read_catalog(data_dir: Path = DATA_DIR, also: tuple[Path, ...] = ()) -> Catalog:
    """Parse every data file against the schema; raise DataError listing every problem.

    `also` names further data trees whose policy files join the catalog (the tests' second
    insurance year of a region, which is not shipped).
    """
    problems: list[Problem] = []
    registry = _parse(IdentityRegistry, data_dir / "identities.yaml", problems)
    national = _parse(NationalFile, data_dir / "national.yaml", problems)
    loaded: list[LoadedPolicy] = []
    paths = policy_files(data_dir) + [p for extra in also for p in policy_files(extra)]
    for path in paths:
        if is_draft(path):
            continue
        data = _parse(PolicyFile, path, problems)
        if data is not None:
            loaded.append(LoadedPolicy(path, data, {c.id: c for c in data.clauses}))
    if problems:
        raise DataError(problems)
    # _parse names a problem whenever it returns None
    assert registry is not None and national is not None
    catalog = Catalog(
        identities={i.code: i for i in registry.identities},
        national=national,
        national_clauses={c.id: c for c in national.clauses},
        policies=loaded,
    )
    for policy in loaded:
        region = policy.data.region
        for name in (region.name, region.slug, *region.short_names, *region.pinyin):
            catalog.region_names[normalise_name(name)] = region.slug
    for ident in registry.identities:
        for label in (ident.code, ident.zh, ident.en, *ident.aliases):
            catalog.identity_names.setdefault(normalise_name(label), ident.code)
    for policy in loaded:
        for subsidy in policy.data.subsidies:
            catalog.identity_names.setdefault(normalise_name(subsidy.label), subsidy.identity)
    return catalog


@cache
def load_catalog() -> Catalog:
    return read_catalog()
