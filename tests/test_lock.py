"""The lock files: what a fresh clone and the image install is exactly what CI tested.

`make` installs requirements.txt with --require-hashes --no-deps, so a package missing from
it, or pinned without a hash, would break a fresh clone (or slip in unpinned); the image uses
requirements-runtime.txt, which must be the same resolution. These tests read the files and
this venv, which `make` built from the lock.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
FULL = ROOT / "requirements.txt"
RUNTIME = ROOT / "requirements-runtime.txt"


@dataclass(frozen=True)
class Pin:
    version: str
    hashes: frozenset[str]


def _pins(path: Path) -> dict[str, Pin]:
    """name -> pin; every requirement of a hashed pip requirements file (a line `name==v \\`
    followed by `--hash=sha256:…` lines)."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    pins: dict[str, Pin] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})*)", line)
        assert match, f"{path.name}: not an exact pin with hashes: {line[:80]}"
        name = canonicalize_name(match[1])
        assert name not in pins, f"{path.name}: {name} pinned twice"
        pins[name] = Pin(match[2], frozenset(re.findall(r"sha256:([0-9a-f]{64})", match[3])))
    return pins


def _declared() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = [Requirement(r) for r in project["dependencies"]]
    test = [Requirement(r) for r in project["optional-dependencies"]["test"]]
    return runtime, test


def test_every_pin_is_exact_and_hashed() -> None:
    for path in (FULL, RUNTIME):
        pins = _pins(path)
        assert pins, path.name
        for name, pin in pins.items():
            assert pin.hashes, f"{path.name}: {name} has no hash"


def test_the_runtime_lock_is_the_same_resolution_as_the_full_lock() -> None:
    full, runtime = _pins(FULL), _pins(RUNTIME)
    for name, pin in runtime.items():
        assert name in full, f"{name} is in the runtime lock only"
        assert pin == full[name], f"{name}: runtime lock {pin.version} vs full {full[name].version}"


def test_every_declared_dependency_is_locked_within_its_range() -> None:
    full, runtime_pins = _pins(FULL), _pins(RUNTIME)
    runtime, test = _declared()
    for requirement, pins in [(r, runtime_pins) for r in runtime] + [(r, full) for r in test]:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is declared in pyproject.toml but not locked"
        assert requirement.specifier.contains(pins[name].version), (name, pins[name].version)
        for extra in requirement.extras:  # the extra's packages must be locked too
            for dependency in metadata.requires(requirement.name) or []:
                extra_requirement = Requirement(dependency)
                marker = extra_requirement.marker
                if marker is not None and marker.evaluate({"extra": extra}):
                    assert canonicalize_name(extra_requirement.name) in pins, (
                        f"{name}[{extra}] needs {extra_requirement.name}, which is not locked"
                    )
    for tool in ("pip", "setuptools", "wheel"):  # make installs these from the lock too
        assert tool in full, tool


def test_this_venv_holds_exactly_the_locked_versions() -> None:
    full = _pins(FULL)
    for name, pin in full.items():
        assert metadata.version(name) == pin.version, f"{name}: installed {metadata.version(name)}"
