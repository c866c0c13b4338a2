"""The built wheel carries every file the program reads at run time.

An editable install reads data straight from the source tree, so a file left out of the
package data (once: `policies/documents/national-context.md`) only shows on a real install.
This builds the wheel from the committed files, installs it into a throwaway venv whose only
other packages are the test venv's dependencies (no network), and runs the CLI from a
directory outside the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    # Only what git tracks: a stray local file must not make the wheel look complete.
    listed = _run(["git", "ls-files", "-z"], ROOT).split("\0")
    for name in filter(None, listed):
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    dist = work / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(dist), str(source)],
        work,
    )
    (wheel,) = dist.glob("yibao_helpdesk-*.whl")

    env_dir = work / "venv"
    venv.create(env_dir, with_pip=False)
    purelib = Path(
        sysconfig.get_path("purelib", vars={"base": str(env_dir), "platbase": str(env_dir)})
    )
    # The dependencies come from the test venv; a .pth line adds its site-packages without
    # processing the .pth files there, so the editable install of this repo stays invisible.
    (purelib / "test-venv-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(
        [sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install",
         "--quiet", "--no-deps", "--no-index", str(wheel)],
        work,
    )
    return env_dir


def _yibao(env_dir: Path, *args: str) -> str:
    outside = env_dir.parent  # not the repository: nothing may be read from the source tree
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return _run([str(env_dir / "bin" / "yibao"), *args], outside, env)


def test_the_installed_package_is_the_wheel_not_the_source(installed: Path) -> None:
    where = _run(
        [str(installed / "bin" / "python"), "-c", "import policies; print(policies.__file__)"],
        installed.parent,
    )
    assert str(installed) in where and str(ROOT) not in where


def test_policies_check_runs_from_the_wheel(installed: Path) -> None:
    _yibao(installed, "policies", "check")


def test_a_quote_runs_from_the_wheel(installed: Path) -> None:
    out = _yibao(
        installed, "quote", "--region", "昌图", "--identity", "低保边缘", "--date", "2025-03-10",
        "--format", "json",
    )
    answer = json.loads(out)
    assert answer["status"] == "ok"
    assert answer["region"]
    assert answer["amount_due_cny"] is not None
