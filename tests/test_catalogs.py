"""The shipped gettext catalogs: complete, not fuzzy, compiled, and in step with the templates.

A fresh clone must work without a compile step, so the committed .mo files must be exactly
what `pybabel compile` makes of the committed .po files; and every msgid the templates use
must be in messages.pot and translated in every catalog. Fix failures with `make i18n` and
by translating the new entries.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from dialogs.rendering import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"

# Characters that exist only in Simplified Chinese and that our zh_Hans catalog uses; none may
# appear in zh_Hant (its msgstrs were converted with OpenCC s2tw and then reviewed).
SIMPLIFIED_ONLY = (
    "与专业两个为乡于仅从会体儿关内写军农决况准减几删别办务动区医单县参双发变号后员咨国图处"
    "复学对层属并应开当录户拨择换据数断无时机条构标档残没满点热独电疗码确种称类纳线经结给统"
    "继续缘缩缴职联脱获补见规计认记论设识试话询该语说请读财贫费资较输边过这进连适选采里钮门"
    "问间险页项须题额龄"
)

MessageKey = tuple[str | None, str]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _po(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / "messages.po"


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _key(message_id: object, context: str | None) -> MessageKey:
    singular = message_id[0] if isinstance(message_id, (tuple, list)) else message_id
    return (context, str(singular))


def _keys(catalog: Catalog) -> set[MessageKey]:
    return {_key(m.id, m.context) for m in catalog if m.id}


def _template_keys() -> set[MessageKey]:
    """Extract from the templates exactly as `pybabel extract -F babel.cfg` does."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keys: set[MessageKey] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        keys.add(_key(message, context))
    return keys


@pytest.fixture(scope="module")
def template_keys() -> set[MessageKey]:
    keys = _template_keys()
    assert len(keys) > 50, "extraction found almost nothing: is babel.cfg right?"
    return keys


def test_pot_has_every_template_message(template_keys: set[MessageKey]) -> None:
    missing = template_keys - _keys(_read(POT))
    assert not missing, f"run `make i18n`: messages.pot lacks {sorted(missing)[:10]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_has_every_template_message(lang: str, template_keys: set[MessageKey]) -> None:
    missing = template_keys - _keys(_read(_po(lang), lang))
    assert not missing, f"run `make i18n` and translate: {lang} lacks {sorted(missing)[:10]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_fully_translated_and_not_fuzzy(lang: str) -> None:
    catalog = _read(_po(lang), lang)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        if not all(strings) or (len(strings) < catalog.num_plurals and message.pluralizable):
            problems.append(f"untranslated: {message.id!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match(lang: str) -> None:
    """Babel's python-format checker: a msgstr with other %(name)s than its msgid breaks at
    runtime (KeyError) only when that sentence is shown."""
    catalog = _read(_po(lang), lang)
    errors = [f"{m.id!r}: {errs}" for m, errs in catalog.check() if errs]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalog_matches_its_po(lang: str) -> None:
    """The committed .mo holds exactly the .po's translations. Messages are compared, not bytes:
    the .mo header names the Babel version that compiled it, which must not matter."""
    po = _po(lang)
    mo = po.with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing: run `make i18n` and commit it"
    with mo.open("rb") as handle:
        compiled = read_mo(handle)
    source = _read(po, lang)

    def messages(catalog: Catalog) -> dict[MessageKey, object]:
        return {
            _key(m.id, m.context): tuple(m.string)
            if isinstance(m.string, (list, tuple))
            else m.string
            for m in catalog
            if m.id and m.string and not m.fuzzy
        }

    assert messages(compiled) == messages(source), (
        f"{mo} is older than or differs from {po.name}: run `make i18n` and commit the .mo"
    )


def test_traditional_catalog_is_traditional() -> None:
    catalog = _read(_po("zh_Hant"), "zh_Hant")
    offenders = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        for text in strings:
            found = sorted({ch for ch in text if ch in SIMPLIFIED_ONLY})
            if found:
                offenders.append(f"{''.join(found)} in {text!r}")
    assert not offenders, "\n".join(offenders)


def test_chinese_catalogs_differ_from_english() -> None:
    """A catalog filled with English by mistake would pass the completeness checks."""
    for lang in ("zh_Hans", "zh_Hant"):
        catalog = _read(_po(lang), lang)
        untouched = [
            m.id
            for m in catalog
            if m.id
            and isinstance(m.id, str)
            and m.string == m.id
            and re.search(r"[A-Za-z]", PLACEHOLDER.sub("", m.id))
        ]
        assert not untouched, f"{lang}: left in English: {untouched[:5]}"
