"""The latest notice's answer under a no-notice answer, compact and labelled on every line.

No notice on file governs the date (status no_policy): the answer says so plainly, and then
this gives the same question under the latest notice (`dialogs.views.reference_for`) — the
document, amount, deadline and coverage start with their clauses, and the one office to
call — each line led by "【2025年度规定，仅供参考】", so it can never pass for this date's
rules. Not the full answer again: its channels, notes and phones are the notice's, and the
chat's reference views (/table, /sources) and `--format json` give them.
"""

from __future__ import annotations

from dialogs.rendering.environment import render_template
from dialogs.rendering.languages import Markup
from dialogs.rendering.short import office_to_call
from policies.catalog import load_catalog
from policies.result import QuoteResult

PARAGRAPH_BREAK = "\n\n"


def render_reference(
    reference: QuoteResult, asked: QuoteResult | None, lang: str, markup: Markup
) -> str:
    """The intro (which notice, which day, "not this year's rules") and the compact lines.

    `asked` is the no-policy answer it stands under (its dates, for the intro's birth-date
    line); every figure is `reference`'s, that is quote()'s under the latest notice."""
    label = render_template("dialog/reference_label.j2", lang, markup, result=reference)
    intro = render_template(
        "dialog/reference_answer.j2", lang, markup, result=reference, asked=asked
    )
    facts = render_template(
        "quote/reference.j2",
        lang,
        markup,
        r=reference,
        label=label,
        office=office_to_call(reference),
        hotline=load_catalog().national.hotline.phone,
    )
    return intro + PARAGRAPH_BREAK + facts
