"""Fill the English catalog from its msgids (`python -m locales.fill_english`).

English is the source language of the templates, so an empty or fuzzy English entry means
"say the msgid". `make i18n` runs this after `pybabel update`; an English msgstr someone
wrote by hand (a better wording than the msgid) is kept.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parent / "en" / "LC_MESSAGES" / "messages.po"


def fill(path: Path = CATALOG) -> int:
    """Copy msgid into every empty or fuzzy msgstr; return how many entries changed."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    changed = 0
    for message in catalog:
        if not message.id:
            continue  # the header
        filled = message.id
        if isinstance(message.id, (tuple, list)):
            strings = message.string if isinstance(message.string, tuple) else ()
            empty = len(strings) < len(message.id) or not all(strings)
        else:
            empty = not message.string
        if empty or message.fuzzy:
            message.string = filled
            message.flags.discard("fuzzy")
            changed += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, width=76, omit_header=False)
    return changed


if __name__ == "__main__":
    print(f"{CATALOG}: {fill()} English entries filled from their msgids")
