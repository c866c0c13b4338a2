"""Reading a county notice's text: its numbered clauses and its header fields.

The notices are OCR'd or converted from Word, so the detector works line by line and trusts
only what a person would: a label at the start of a line (一、 (二) （二） 3. 3． (1) （1） 注：
附件：), numbered in sequence under its parent. Nesting comes from the order in which label
kinds appear, not from a fixed hierarchy (昌图 nests "1." under "一、"; 双清区 nests "1." under
"(四)" and "(1)" under "1."), and a label is composed the way the shipped data writes it:
"一、1", "三(二)", "三(四)3(1)", "二(二)注", "五 注".

Lines broken mid-sentence are joined again; a clause's text is a substring of the notice once
whitespace is removed, which is how `yibao policies check` compares quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from policies.chinese_numerals import parse_chinese_int

_CN: Final = "[一二三四五六七八九十]{1,3}"

# (kind, pattern): the first group is the number. Order matters: "(一)" before "(1)".
_LABELS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("cn", re.compile(rf"^({_CN})、")),
    ("cn_paren", re.compile(rf"^[（(]\s*({_CN})\s*[)）]")),
    ("num_paren", re.compile(r"^[（(]\s*(\d{1,2})\s*[)）]")),
    ("num", re.compile(r"^(\d{1,2})\s*[.．、](?![\d.．])")),
)
_NOTE: Final = re.compile(r"^注\s*[:：]")
_ANNEX: Final = re.compile(r"^附件\s*\d*\s*[:：]")
# Word/pandoc leftovers in front of a line ("[bookmark: _GoBack]（四）…") and Markdown headings.
_LINE_JUNK: Final = re.compile(r"^(?:\[bookmark:[^\]]*\]|#+\s*)+")
_DATE_LINE: Final = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_NUMBER: Final = re.compile(r"[^\s（()）《》〈〉、，,]{1,16}〔\d{4}〕\d{1,4}号")
_SENTENCE_END: Final = "。；;：:！!？?"
_SIGNATURE_ENDS: Final = ("政府", "办公室", "局", "委员会", "中心", "院", "公司")
_TITLE_MAX: Final = 40  # a heading ("缴费标准") is short and has no sentence punctuation
_PUNCTUATION: Final = set("，。；：,.;:！？")


def cn_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23 (what clause labels use); 0 for no number."""
    return parse_chinese_int(text) or 0


@dataclass
class NoticeClause:
    """One numbered clause as printed: its label path and its own text (children excluded)."""

    label: str  # composed as the data files write it, e.g. "三(四)3(1)"
    parts: tuple[str, ...]  # ("三", "(四)", "3", "(1)")
    kinds: tuple[str, ...]  # ("cn", "cn_paren", "num", "num_paren")
    heading: str = ""  # a short title on the label's line ("缴费标准"), not part of the text
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return join_lines(self.lines)

    @property
    def slug(self) -> str:
        """An id for the data file: 三(四)3(1) → c3_4_3_1, 二(二)注 → c2_2_note, 附件 → annex."""
        pieces: list[str] = []
        for part, kind in zip(self.parts, self.kinds, strict=True):
            if kind == "note":
                pieces.append("note")
            elif kind == "annex":
                pieces.append("annex")
            else:
                digits = part.strip("()")
                pieces.append(str(cn_number(digits)) if kind.startswith("cn") else digits)
        name = "_".join(pieces)
        return name if name.startswith("annex") else "c" + name

    def within(self, label: str) -> bool:
        """True for the clause `label` itself and every clause nested in it."""
        return self.label == label or any(
            compose(self.parts[:n], self.kinds[:n]) == label for n in range(1, len(self.parts))
        )


@dataclass
class NoticeText:
    """What the scaffold can read off a notice: header fields and clauses, in order."""

    title: str | None
    number: str | None  # the document number on a line of its own, e.g. 后政办字〔2024〕126号
    issuer: str | None
    date: date | None
    implements: list[str]  # document numbers the preamble names in brackets
    clauses: list[NoticeClause]


def compose(parts: tuple[str, ...], kinds: tuple[str, ...]) -> str:
    """The label as the data files write it: "一、1" (a bare numeral and a digit need the 、),
    "五 注", "三(四)3(1)"."""
    out = ""
    for i, (part, kind) in enumerate(zip(parts, kinds, strict=True)):
        if i and kinds[i - 1] == "cn":
            out += "、" if kind == "num" else " " if kind == "note" else ""
        out += part
    return out


def join_lines(lines: list[str]) -> str:
    """Lines joined back into paragraphs: a line that does not end a sentence was broken by the
    OCR (or the page) and continues on the next one."""
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not current:
            current = line
        elif current[-1].isascii() and current[-1].isalnum() and line[0].isascii():
            current += " " + line
        else:
            current += line
        if current[-1] in _SENTENCE_END:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n".join(paragraphs)


def _clean(line: str) -> str:
    return _LINE_JUNK.sub("", line.strip()).strip()


def _match_label(line: str) -> tuple[str, int, str, str] | None:
    """(kind, number, label part, rest of line) for a line that starts with a label."""
    for kind, pattern in _LABELS:
        found = pattern.match(line)
        if found:
            digits = found.group(1)
            number = cn_number(digits) if kind.startswith("cn") else int(digits)
            part = {
                "cn": digits,
                "cn_paren": f"({digits})",
                "num_paren": f"({digits})",
                "num": digits,
            }[kind]
            return kind, number, part, line[found.end() :].strip()
    return None


def _is_heading(text: str) -> bool:
    return 0 < len(text) <= _TITLE_MAX and not any(ch in _PUNCTUATION for ch in text)


def _is_signature(line: str) -> bool:
    return _is_heading(line) and line.endswith(_SIGNATURE_ENDS) and not line.startswith("附件")


def parse_date_line(line: str) -> date | None:
    found = _DATE_LINE.match(line)
    if not found:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


class _Reader:
    def __init__(self) -> None:
        self.clauses: list[NoticeClause] = []
        # The open clauses, outermost first, each with its number (for the sequence check).
        self.stack: list[tuple[NoticeClause, int]] = []
        self.closed = False  # after the signature's date: nothing more belongs to a clause
        self.header: list[str] = []  # lines before the first clause
        self.signature: str | None = None
        self.date: date | None = None

    def open(self, kind: str, number: int, part: str, rest: str) -> bool:
        kinds = [c.kinds[-1] for c, _ in self.stack]
        if kind == "annex":
            depth = 0
        elif kind == "note":
            if not self.stack:
                return False
            depth = len(self.stack) - 1 if len(self.stack) > 1 else 1
        elif kind in kinds:
            depth = kinds.index(kind)
            if number != self.stack[depth][1] + 1:
                return False  # out of sequence: a number in running text, not a label
        elif number == 1 or (not self.stack and kind == "cn"):
            depth = len(self.stack)
        else:
            return False
        parent = self.stack[:depth]
        parts = (*tuple(c.parts[-1] for c, _ in parent), part)
        path_kinds = (*tuple(c.kinds[-1] for c, _ in parent), kind)
        clause = NoticeClause(compose(parts, path_kinds), parts, path_kinds)
        # Only 一、 and (一) carry titles ("缴费标准"); a short line after "3." is a sentence
        # the page broke, and after 附件： comes the annex's name, quoted with its label.
        if kind in ("cn", "cn_paren") and _is_heading(rest):
            clause.heading = rest
        elif kind == "annex":
            clause.lines.append(f"{part}：{rest}")
        elif rest:
            clause.lines.append(rest)
        self.stack = [*parent, (clause, number)]
        self.clauses.append(clause)
        self.closed = False
        return True

    def feed(self, raw: str) -> None:
        line = _clean(raw)
        if not line:
            return
        when = parse_date_line(line)
        if when is not None:
            self.close_with_date(when)
            return
        found = _match_label(line)
        if found and self.open(*found):
            return
        if _NOTE.match(line) and self.stack:
            self.open("note", 0, "注", _NOTE.sub("", line).strip())
            return
        if _ANNEX.match(line):
            self.open("annex", 0, "附件", _ANNEX.sub("", line).strip())
            return
        if self.stack and not self.closed:
            self.stack[-1][0].lines.append(line)
        elif not self.clauses:
            self.header.append(line)

    def close_with_date(self, when: date) -> None:
        """A date on a line of its own ends the body: it is the signature's (the line before
        it, when it names an office, is the issuer, not part of the last clause)."""
        if self.stack and not self.closed:
            last = self.stack[-1][0]
            if last.lines and _is_signature(last.lines[-1]):
                self.signature = self.signature or last.lines.pop()
        elif self.header and _is_signature(self.header[-1]):
            self.signature = self.signature or self.header[-1]
        self.date = self.date or when
        self.closed = True


def _title(header: list[str]) -> str | None:
    """The line with 关于 … 通知 (joined across breaks; with the office before it when the
    line starts with 关于), whitespace removed as the data files write titles."""
    for i, line in enumerate(header):
        if "关于" not in line or line.startswith(("根据", "按照", "为")):
            continue
        title = line
        for following in header[i + 1 : i + 4]:
            if title.endswith(("通知", "方案", "意见", "决定")):
                break
            title += following
        if line.startswith("关于") and i > 0:
            title = header[i - 1] + title
        return re.sub(r"\s+", "", title)
    return None


def read_notice(text: str) -> NoticeText:
    reader = _Reader()
    for raw in text.splitlines():
        reader.feed(raw)
    header = reader.header
    number = next((line for line in header if _NUMBER.fullmatch(line.replace(" ", ""))), None)
    if number:
        number = number.replace(" ", "")
    title = _title(header)
    issuer = reader.signature
    if issuer is None and title and "关于" in title:
        issuer = title.split("关于", 1)[0] or None
    implements: list[str] = []
    for line in header:
        for found in _NUMBER.finditer(line.replace(" ", "")):
            if found.group(0) != number and found.group(0) not in implements:
                implements.append(found.group(0))
    # Headings of a clause that has children and no text of its own are not clauses to quote.
    return NoticeText(title, number, issuer, reader.date, implements, reader.clauses)
