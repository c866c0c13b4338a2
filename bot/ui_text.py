"""The few Telegram-only words: the "plain text" button and the command menu descriptions.

They come from dialog templates like every other sentence (`dialog/option/plain_text.j2`,
`dialog/command/<name>.j2`, rendered as plain text). Until those templates ship, the wording
below is used so the bot still works; a warning says which template is missing.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Final

import jinja2

from dialogs.rendering import normalise_lang, render_template

log = logging.getLogger("bot.ui_text")

PLAIN_TEXT_TEMPLATE: Final = "dialog/option/plain_text.j2"
COMMAND_TEMPLATE: Final = "dialog/command/{name}.j2"

# Stand-ins for the templates above (zh_Hans, zh_Hant, en); see the module docstring.
_FALLBACK: Final[dict[str, tuple[str, str, str]]] = {
    "plain_text": ("纯文本（便于复制）", "純文字（便於複製）", "Plain text (to paste)"),
    "start": (
        "开始查询：交多少、何时截止、何时能报销",
        "開始查詢：繳多少、何時截止、何時能報銷",
        "Start: amount due, deadline, when cover starts",
    ),
    "help": ("使用说明", "使用說明", "How to use this bot"),
    "cancel": ("重新开始", "重新開始", "Start over"),
    "lang": ("切换语言", "切換語言", "Change language"),
    "table": ("某地区各类人员缴费表", "某地區各類人員繳費表", "A region's identity table"),
    "compare": ("各地区比较同一类人员", "各地區比較同一類人員", "One identity across regions"),
    "sources": ("已收录的政策文件", "已收錄的政策文件", "Notices and policy years on file"),
    "forget": ("删除保存的本人信息", "刪除保存的本人資訊", "Delete what is stored about you"),
}
_COLUMN: Final = {"zh_Hans": 0, "zh_Hant": 1, "en": 2}


@cache
def _render(template: str, key: str, lang: str) -> str:
    try:
        return render_template(template, lang, "text").strip()
    except jinja2.TemplateNotFound:
        log.warning("template %s is missing; using the built-in wording", template)
        return _FALLBACK[key][_COLUMN[normalise_lang(lang)]]


def plain_text_label(lang: str) -> str:
    return _render(PLAIN_TEXT_TEMPLATE, "plain_text", normalise_lang(lang))


def command_description(name: str, lang: str) -> str:
    return _render(COMMAND_TEMPLATE.format(name=name), name, normalise_lang(lang))
