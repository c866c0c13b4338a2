"""Clause detection on the five shipped notices: every clause the data files quote is found
under the label the data gives it, with its quote verbatim in that clause's text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from policies.catalog import DATA_DIR, DOCUMENTS_DIR, policy_files
from policies.checks import squash
from policies.notice_text import cn_number, compose, join_lines, read_notice

SHIPPED = policy_files(DATA_DIR)


def _load(path: Path) -> dict[str, object]:
    doc = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(doc, dict)
    return doc


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_cited_clause_is_found_with_its_quote(path: Path) -> None:
    doc = _load(path)
    document = doc["document"]
    assert isinstance(document, dict)
    notice = read_notice((DOCUMENTS_DIR / document["text_file"]).read_text("utf-8"))
    labels = {c.label for c in notice.clauses}
    clauses = doc["clauses"]
    assert isinstance(clauses, list)
    for clause in clauses:
        label, quote = clause["label"], clause["quote"]
        assert label in labels, f"{label} not detected; found {sorted(labels)}"
        scope = "".join(squash(c.text) for c in notice.clauses if c.within(label))
        assert squash(quote) in scope, f"{clause['id']} ({label}): {quote}"


@pytest.mark.parametrize(
    ("text_file", "title", "number", "issuer", "when"),
    [
        (
            "changtu-2025.txt",
            "昌图县人民政府办公室关于做好2025年度城乡居民基本医疗保险个人缴费工作的通知",
            None,
            "昌图县人民政府办公室",
            date(2024, 10, 18),
        ),
        (
            "kezuohouqi-2025.txt",
            "科尔沁左翼后旗人民政府办公室关于做好2025年城乡居民基本医疗保险参保缴费工作的通知",
            "后政办字〔2024〕126号",
            "科尔沁左翼后旗人民政府办公室",
            date(2024, 11, 27),
        ),
        (
            "wulateqianqi-2024.txt",
            "乌拉特前旗人民政府关于印发《乌拉特前旗2024年城乡居民医疗保险缴费工作方案》的通知",
            "乌政办发〔2023〕81号",
            "乌拉特前旗人民政府办公室",
            date(2023, 9, 26),
        ),
        (
            "shuangqing-2025.txt",
            "邵阳市双清区人民政府办公室关于印发《2025年度双清区城乡居民基本医疗保险参保缴费工作方案》的通知",
            "双政办发〔2024〕11号",
            "邵阳市双清区人民政府办公室",
            None,
        ),
        (
            "fengdu-lizi-2025.txt",
            "丰都县栗子乡人民政府关于做好2025年城乡居民基本医疗保障工作的通知",
            "栗子府发〔2024〕62号",
            "丰都县栗子乡人民政府",
            date(2024, 10, 9),
        ),
    ],
)
def test_header_fields(
    text_file: str, title: str, number: str | None, issuer: str, when: date | None
) -> None:
    notice = read_notice((DOCUMENTS_DIR / text_file).read_text("utf-8"))
    assert (notice.title, notice.number, notice.issuer, notice.date) == (
        title,
        number,
        issuer,
        when,
    )


def test_the_preamble_names_the_documents_implemented() -> None:
    notice = read_notice((DOCUMENTS_DIR / "changtu-2025.txt").read_text("utf-8"))
    assert notice.implements == ["铁医保〔2024〕31号"]


def test_nested_labels_are_composed_as_the_data_writes_them() -> None:
    text = "\n".join(
        [
            "一、缴费时间",
            "1. 集中缴费期为9月1日至12月31日。",
            "2. 待遇享受期为1月1日至12月31日。",
            "二、资助",
            "（一）特殊人员",
            "1.特困人员：全额资助。",
            "（1）孤儿：全额资助。",
            "注：由部门代缴。",
            "(二) 其他",
            "三、缴费方式",
            "（一）微信",
            "注：线上缴费。",
        ]
    )
    notice = read_notice(text)
    assert [c.label for c in notice.clauses] == [
        "一",
        "一、1",
        "一、2",
        "二",
        "二(一)",
        "二(一)1",
        "二(一)1(1)",
        "二(一)1注",
        "二(二)",
        "三",
        "三(一)",
        "三 注",
    ]
    assert [c.slug for c in notice.clauses][5:8] == ["c2_1_1", "c2_1_1_1", "c2_1_1_note"]


def test_numbers_out_of_sequence_are_running_text() -> None:
    # "3." cannot follow "1." and "2025年" is no label: both stay in the clause's text.
    notice = read_notice("一、标准\n1. 每人400元，\n3. 另行通知。\n2025年起执行。")
    assert [c.label for c in notice.clauses] == ["一", "一、1"]
    assert notice.clauses[1].text == "每人400元，3. 另行通知。\n2025年起执行。"


def test_lines_broken_mid_sentence_are_joined() -> None:
    joined = join_lines(["退役军人、社区矫", "正对象接续。", "下一句"])
    assert joined == "退役军人、社区矫正对象接续。\n下一句"
    assert join_lines(["蒙速办 APP", "缴费"]) == "蒙速办 APP缴费"
    assert join_lines(["湘税社保 APP", "mobile"]) == "湘税社保 APP mobile"


def test_numerals_and_composition() -> None:
    assert [cn_number(t) for t in ("一", "九", "十", "十二", "二十", "二十三")] == [
        1, 9, 10, 12, 20, 23
    ]
    assert compose(("五", "注"), ("cn", "note")) == "五 注"
    assert compose(("三", "(四)", "3", "(1)"), ("cn", "cn_paren", "num", "num_paren")) == (
        "三(四)3(1)"
    )


@pytest.mark.parametrize("text_file", sorted(p.name for p in DOCUMENTS_DIR.glob("*-20*.txt")))
def test_every_detected_clause_is_verbatim_and_uniquely_labelled(text_file: str) -> None:
    text = (DOCUMENTS_DIR / text_file).read_text("utf-8")
    notice = read_notice(text)
    labels = [c.label for c in notice.clauses]
    assert len(labels) == len(set(labels)), labels
    slugs = [c.slug for c in notice.clauses]
    assert len(slugs) == len(set(slugs)), slugs
    for clause in notice.clauses:
        assert squash(clause.text) in squash(text), clause.label
