"""What a chat step said, as stored beside the conversation for the GET its redirect leads to.

A form post is answered 303 (Post/Redirect/Get), and the GET that follows may reach another
worker (several `yibao web` behind one proxy) or come after a restart. So the post's step
renders its replies and the store writes them with the new state, in the same transaction
and the same row (`Change.page`, bot.store): any worker's GET shows them while the stored
conversation is still where that step left it, and they go with the conversation (retention,
"删除我的信息"). The rendered form is kept, not the dialog's Reply objects, because the
replies' parameters are the dialog's own Python values and the page needs only the HTML: the
GET then renders nothing but the page around them.

The page is the person's answers as much as the state is (it names their 低保/特困 status), so
it lives only in that row; it is bounded (bot.store.PAGE_LIMIT) and a longer one is not kept
(the GET then asks the current question again, from the state). A stored page that does not
parse is treated as none, logged without its content.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Final

from markupsafe import Markup

from bot.store.base import PAGE_LIMIT
from bot.web.rendering import Button, WebReply, render_web
from dialogs.lru import ByIdentity
from dialogs.replies import Reply

log = logging.getLogger("bot.web.chat")

_VERSION = 2  # of the payload's layout; another is treated as none (1: buttons rebuilt)
# Stored pages by the very replies they show (README "Privacy": the groups they name, never
# whose): a step remembered by the dialog (dialogs/step_memo.py) gives everyone at that state
# the same Reply objects, and rendering and laying them out was a quarter of a post's CPU.
PAGES_SAID: Final = 256
_SAID: Final = ByIdentity[tuple[str | None]](PAGES_SAID)


@dataclass(frozen=True)
class StepPage:
    lang: str
    notice: str | None
    replies: list[WebReply]


def dump(page: StepPage) -> str | None:
    """The stored form of a step's page; None when it is over PAGE_LIMIT."""
    raw = json.dumps(
        {
            "v": _VERSION,
            "lang": page.lang,
            "notice": page.notice,
            "replies": [
                [r.kind, str(r.html), [[[b.option, b.label] for b in row] for row in r.rows],
                 str(r.buttons_html), r.columns, r.seq, r.plain]
                for r in page.replies
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return raw if len(raw) <= PAGE_LIMIT else None


def said(replies: list[Reply], lang: str, notice: str | None) -> str | None:
    """The stored form of a step's page (`dump`), rendered once for the same replies."""
    objects = tuple(replies)
    found = _SAID.get((lang, notice), objects)
    if found is None:
        found = (dump(StepPage(lang=lang, notice=notice,
                               replies=[render_web(r) for r in replies])),)
        _SAID.put((lang, notice), objects, found)
    return found[0]


def pages_said() -> int:
    """How many pages are remembered by their replies (tests, the Privacy table's claim)."""
    return len(_SAID)


def forget_said() -> None:
    """Drop every remembered page (a deletion: which were whose is not recorded)."""
    _SAID.clear()


def load(raw: str | None) -> StepPage | None:
    """A stored page, or None (none stored, or one that does not parse)."""
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        if data["v"] != _VERSION:
            return None
        replies = []
        for kind, html, rows, buttons, columns, seq, plain in data["replies"]:
            if not (isinstance(kind, str) and isinstance(html, str) and isinstance(buttons, str)
                    and isinstance(rows, list) and (plain is None or isinstance(plain, str))):
                raise TypeError("a reply's fields")
            replies.append(WebReply(
                kind=kind,
                # rendered and escaped by this adapter (rendering.render_web), then stored
                html=Markup(html),
                rows=[[Button(option, label) for option, label in row] for row in rows],
                buttons_html=Markup(buttons),
                columns=int(columns),
                seq=int(seq),
                plain=plain,
                full_plain=None,
            ))
        lang, notice = data["lang"], data["notice"]
        if not isinstance(lang, str) or not (notice is None or isinstance(notice, str)):
            raise TypeError("the page's fields")
        return StepPage(lang=lang, notice=notice, replies=replies)
    except (ValueError, TypeError, KeyError) as err:
        log.warning("a stored chat page is unreadable (%s); asking the question again",
                    type(err).__name__)
        return None
