"""Broken policy data must fail loudly, naming the file, the field and the reason.

Each test copies the real data (and the notice texts) to a temporary directory, breaks one
thing, and checks that `read_catalog` (schema) raises DataError or `check_catalog` (semantic
checks) reports it, as a coded problem (`policies.problems.Problem`: file, field, code and its
values; tests/bot/test_cli_policy_problems.py checks how each reads in every language).

The copy mirrors the package layout (tmp/policies/data, tmp/policies/documents) and points the
modules' path constants at it, because the problem messages print paths relative to the package
(`path.relative_to(...)`); see `test_read_catalog_outside_the_package` for what happens without.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from policies.catalog import DATA_DIR, DOCUMENTS_DIR, DataError, read_catalog
from policies.checks import check_catalog
from policies.problems import Problem

Doc = dict[str, Any]


class DataCopy:
    """A copy of policies/ at `root` (data without worked cases, documents) to break."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.documents = root / "documents"
        shutil.copytree(DATA_DIR, self.data, ignore=shutil.ignore_patterns("*.cases.yaml"))
        shutil.copytree(DOCUMENTS_DIR, self.documents)

    def edit(self, relative: str, change: Callable[[Doc], None]) -> None:
        path = self.data / relative
        doc = yaml.safe_load(path.read_text("utf-8"))
        change(doc)
        self.write(relative, doc)

    def write(self, relative: str, doc: Any) -> None:
        path = self.data / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")

    def problems(self) -> list[Problem]:
        return check_catalog(read_catalog(self.data), self.documents)

    def schema_problems(self) -> list[Problem]:
        with pytest.raises(DataError) as info:
            read_catalog(self.data)
        return info.value.problems


@pytest.fixture
def copy(tmp_path: Path) -> DataCopy:
    return DataCopy(tmp_path / "policies")


def one_problem(
    problems: list[Problem], file: str, field: str, code: str, **params: str
) -> Problem:
    """The single problem of `file` (a path's end) at `field` of kind `code` with at least
    these parameters; fails listing all problems otherwise."""
    found = [
        p
        for p in problems
        if p.file.endswith(file)
        and (p.field, p.code) == (field, code)
        and params.items() <= p.context.items()
    ]
    shown = "\n".join(str(p) for p in problems)
    assert len(found) == 1, f"expected one {file}: {field}: {code} {params}, got\n{shown}"
    return found[0]


def subsidy_index(doc: Doc, identity: str) -> int:
    return next(i for i, s in enumerate(doc["subsidies"]) if s["identity"] == identity)


def test_pristine_copy_is_clean(copy: DataCopy) -> None:
    assert copy.problems() == []


def test_unknown_top_level_key(copy: DataCopy) -> None:
    copy.edit("changtu/2025.yaml", lambda d: d.update(deadline_note="typo"))
    one_problem(copy.schema_problems(), "changtu/2025.yaml", "deadline_note", "unknown_field")


def test_unknown_nested_key(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        doc["subsidies"][0]["amout"] = 100

    copy.edit("kezuohouqi/2025.yaml", change)
    one_problem(
        copy.schema_problems(), "kezuohouqi/2025.yaml", "subsidies[0].amout", "unknown_field"
    )


def test_wrong_type(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        doc["standards"][0]["amount"] = "four hundred"

    copy.edit("shuangqing/2025.yaml", change)
    one_problem(
        copy.schema_problems(),
        "shuangqing/2025.yaml",
        "standards[0].amount",
        "not_number",
        value="four hundred",
    )


def test_window_ending_before_it_starts(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        doc["windows"][0]["end"] = "2024-01-01"

    copy.edit("changtu/2025.yaml", change)
    one_problem(
        copy.schema_problems(),
        "changtu/2025.yaml",
        "windows[0]",
        "window_reversed",
        id="collection",
        end="2024-01-01",
    )


def test_broken_yaml(copy: DataCopy) -> None:
    path = copy.data / "wulateqianqi" / "2024.yaml"
    path.write_text(path.read_text("utf-8") + "\n  - : [\n", "utf-8")
    one_problem(copy.schema_problems(), "wulateqianqi/2024.yaml", "", "yaml_syntax")


def test_misquoted_clause(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        clause = next(c for c in doc["clauses"] if c["id"] == "c2_standard")
        clause["quote"] = clause["quote"].replace("400", "380")

    copy.edit("changtu/2025.yaml", change)
    one_problem(
        copy.problems(),
        "changtu/2025.yaml",
        "clauses[c2_standard].quote",
        "quote_not_verbatim",
        text_file="changtu-2025.txt",
    )


def test_quote_with_other_whitespace_is_accepted(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        clause = next(c for c in doc["clauses"] if c["id"] == "c2_standard")
        clause["quote"] = clause["quote"].replace(" ", "") + "\n"

    copy.edit("changtu/2025.yaml", change)
    assert copy.problems() == []


def test_overlapping_windows(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        late = next(w for w in doc["windows"] if w["id"] == "mar_jun")
        late["start"] = "2025-02-20"

    copy.edit("fengdu-lizi/2025.yaml", change)
    problems = copy.problems()
    one_problem(
        problems,
        "fengdu-lizi/2025.yaml",
        "windows",
        "windows_overlap",
        before="jan_feb",
        after="mar_jun",
        after_start="2025-02-20",
    )
    # windows that overlap leave no day uncovered between them: one problem, not a gap too
    assert [p.code for p in problems] == ["windows_overlap"], problems


def test_gap_between_windows(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        late = next(w for w in doc["windows"] if w["id"] == "mar_jun")
        late["start"] = "2025-03-05"

    copy.edit("fengdu-lizi/2025.yaml", change)
    one_problem(
        copy.problems(), "fengdu-lizi/2025.yaml", "windows", "windows_gap", after="mar_jun"
    )


def test_subsidy_above_standard(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        doc["subsidies"][subsidy_index(doc, "dibao")]["amount"] = 500

    copy.edit("kezuohouqi/2025.yaml", change)
    problem = one_problem(
        copy.problems(), "kezuohouqi/2025.yaml", "subsidies[3].amount", "subsidy_exceeds"
    )
    assert problem.context == {"amount": "500", "standard": "400"}


def test_percent_subsidy_above_tier_standard(copy: DataCopy) -> None:
    # 丰都: a fixed 800 for tier 2 exceeds the tier-2 standard (775)
    def change(doc: Doc) -> None:
        index = next(
            i
            for i, s in enumerate(doc["subsidies"])
            if s["identity"] == "dibao" and s.get("tiers") == [2]
        )
        doc["subsidies"][index]["amount"] = 800

    copy.edit("fengdu-lizi/2025.yaml", change)
    problems = [p for p in copy.problems() if p.code == "subsidy_exceeds"]
    assert len(problems) == 1, problems
    assert problems[0].file.endswith("fengdu-lizi/2025.yaml")
    assert problems[0].context == {"amount": "800", "tier": "2", "standard": "775"}


def test_unregistered_identity(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        doc["subsidies"][0]["identity"] = "martian"

    copy.edit("changtu/2025.yaml", change)
    one_problem(
        copy.problems(),
        "changtu/2025.yaml",
        "subsidies[0].identity",
        "unknown_identity",
        identity="martian",
    )


def test_unknown_clause_reference(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        doc["subsidies"][0]["clause"] = "c9_9"

    copy.edit("shuangqing/2025.yaml", change)
    one_problem(
        copy.problems(), "shuangqing/2025.yaml", "subsidies[0].clause", "unknown_clause", ref="c9_9"
    )


def test_unknown_national_clause_reference(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        doc["waiting"]["repair_clause"] = "national:no_such_rule"

    copy.edit("changtu/2025.yaml", change)
    one_problem(
        copy.problems(),
        "changtu/2025.yaml",
        "waiting.repair_clause",
        "unknown_national_clause",
        ref="national:no_such_rule",
    )


def test_unknown_note_reference(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        doc["general_notes"] = ["no_such_note"]

    copy.edit("kezuohouqi/2025.yaml", change)
    one_problem(
        copy.problems(), "kezuohouqi/2025.yaml", "general_notes", "unknown_note", ref="no_such_note"
    )


def test_file_named_after_another_year(copy: DataCopy) -> None:
    (copy.data / "changtu" / "2025.yaml").rename(copy.data / "changtu" / "2026.yaml")
    one_problem(
        copy.problems(),
        "changtu/2026.yaml",
        "",
        "misnamed_file",
        expected="data/changtu/2025.yaml",
    )


def test_missing_notice_text(copy: DataCopy) -> None:
    (copy.documents / "shuangqing-2025.txt").unlink()
    one_problem(
        copy.problems(),
        "shuangqing/2025.yaml",
        "document.text_file",
        "text_file_missing",
        text_file="shuangqing-2025.txt",
    )


def test_read_catalog_outside_the_package(tmp_path: Path) -> None:
    shutil.copytree(DATA_DIR, tmp_path / "data")
    path = tmp_path / "data" / "changtu" / "2025.yaml"
    path.write_text(path.read_text("utf-8") + "\nbogus_key: 1\n", "utf-8")
    with pytest.raises(DataError) as info:
        read_catalog(tmp_path / "data")
    one_problem(info.value.problems, "changtu/2025.yaml", "bogus_key", "unknown_field")


def test_shipped_data_is_clean() -> None:
    """The real data, with the *.cases.yaml files beside it, passes every check."""
    assert check_catalog(read_catalog()) == []


# -- contacts: what each office does, as the notice says (issue 10 §4) --------------------


def test_a_contact_without_concerns_is_rejected(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        del doc["contacts"][0]["concerns"]

    copy.edit("changtu/2025.yaml", change)
    one_problem(
        copy.schema_problems(), "changtu/2025.yaml", "contacts[0].concerns", "missing_field"
    )


def test_a_contact_concern_outside_the_enum_is_rejected(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        doc["contacts"][0]["concerns"][0]["topic"] = "everything"

    copy.edit("changtu/2025.yaml", change)
    one_problem(
        copy.schema_problems(),
        "changtu/2025.yaml",
        "contacts[0].concerns[0].topic",
        "not_one_of",
        value="everything",
    )


def test_a_contact_concern_names_registered_identities_and_known_clauses(copy: DataCopy) -> None:
    def change(doc: Doc) -> None:
        civil = next(c for c in doc["contacts"] if "民政局" in c["name"])
        civil["concerns"][0]["identities"] = ["martian"]
        civil["concerns"][0]["clause"] = "c9_9"

    copy.edit("changtu/2025.yaml", change)
    problems = copy.problems()
    one_problem(
        problems,
        "changtu/2025.yaml",
        "contacts[3].concerns[0].identities",
        "unknown_identity",
        identity="martian",
    )
    one_problem(
        problems,
        "changtu/2025.yaml",
        "contacts[3].concerns[0].clause",
        "unknown_clause",
        ref="c9_9",
    )
