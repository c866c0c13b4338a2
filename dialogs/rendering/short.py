"""The answer in one SMS: at most 200 characters in Chinese (`yibao quote --format short`,
the bot's "plain text" button, the web page's summary).

It must stand alone when pasted: region, insurance year and document, who pays on which day,
amount, deadline, coverage start, and the one office to call — the office the region's data
names as deciding where the notice is silent (the 医保 office), with the national 12393
hotline. Where no notice governs the date it says so, then gives the latest notice's answer
under its reference label. Details, quotes and notes are the full answer's job.
"""

from __future__ import annotations

from typing import Final

from dialogs.rendering.environment import render_template
from dialogs.rendering.languages import Markup
from policies.catalog import load_catalog
from policies.result import QuoteResult

SHORT_TEMPLATE: Final = "quote/short.j2"
SHORT_LIMIT: Final = 200  # characters, in Chinese: one SMS-sized paste


def office_to_call(result: QuoteResult) -> str | None:
    """The office an answer without the contact list sends its reader to, with the phone the
    notice prints for it (the full answer lists that phone under "Ask:" instead)."""
    if result.office is None or result.office_phone is None:
        return result.office
    return f"{result.office} {result.office_phone}"


def render_short(
    result: QuoteResult,
    lang: str,
    markup: Markup = "text",
    reference: QuoteResult | None = None,
) -> str:
    """`result` in one short paragraph; `reference` answers it under the latest notice when
    `result` is no_policy."""
    label = (
        render_template("dialog/reference_label.j2", lang, markup, result=reference)
        if reference is not None
        else ""
    )
    hotline = load_catalog().national.hotline.phone
    return render_template(
        SHORT_TEMPLATE,
        lang,
        markup,
        r=result,
        office=office_to_call(result),
        hotline=hotline,
        reference=reference,
        label=label,
    )
