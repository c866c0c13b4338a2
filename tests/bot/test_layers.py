"""The import layers, read from the source: `bot` → `dialogs` → `policies`, and inside `bot`
one package per adapter that imports only what the adapters share, never another adapter.

Every import counts, including those inside functions (the CLI keeps heavy imports there).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parents[2]
ADAPTERS: Final = ("bot.telegram", "bot.web", "bot.terminal", "bot.cli")

# The crossings allowed: `python -m bot` is the `yibao` command; and the JSON API *is*
# `yibao quote --format json` over HTTP, so the web serves the command's own parser and answer
# (README "JSON API"), not a copy of them. An adapter's `command` module is a `yibao`
# subcommand: its value checks speak the command line's language (bot.cli.language).
ALLOWED: Final = {
    ("bot.__main__", "bot.cli"),
    ("bot.web.api", "bot.cli.quote"),
    ("bot.terminal.command", "bot.cli.language"),
    ("bot.web.command", "bot.cli.language"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    """Every module `path` imports: `from a import b` is a.b when b is a module, else a."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                names.add(submodule if _is_module(submodule) else node.module)
    return names


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _modules(package: str) -> dict[str, set[str]]:
    return {
        _module_name(path): _imports(path)
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _adapter_of(module: str) -> str | None:
    return next((a for a in ADAPTERS if _within(module, a)), None)


def _violations(modules: dict[str, set[str]]) -> list[str]:
    found = []
    for module, imported in modules.items():
        own = _adapter_of(module)
        for name in sorted(imported):
            other = _adapter_of(name)
            if other is None or other == own or (module, name) in ALLOWED:
                continue
            found.append(f"{module} imports {name}")
    return found


def test_adapters_import_only_shared_modules_never_another_adapter() -> None:
    violations = _violations(_modules("bot"))
    assert violations == []


def test_the_adapter_rule_would_catch_a_crossing() -> None:
    # The check itself: a Telegram module importing the web, and a shared module importing
    # an adapter, are both reported.
    modules = {
        "bot.telegram.handlers": {"bot.web.rendering", "bot.store", "dialogs.engine"},
        "bot.retention": {"bot.telegram.app"},
        "bot.web.chat": {"bot.web.session", "bot.clock"},
    }
    assert _violations(modules) == [
        "bot.telegram.handlers imports bot.web.rendering",
        "bot.retention imports bot.telegram.app",
    ]


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("dialogs", ("bot",)), ("policies", ("bot", "dialogs"))],
)
def test_layers_point_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    violations = [
        f"{module} imports {name}"
        for module, imported in _modules(package).items()
        for name in sorted(imported)
        if any(_within(name, f) for f in forbidden)
    ]
    assert violations == []
