"""The example deployment (compose.yaml, deploy/Caddyfile, Dockerfile) checked without
docker: the YAML parses, the services are the ones docs/deploy.md describes, every worker's
command is one the `yibao` command line accepts, and the proxy routes the one public URL to
every worker on the port it listens on."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from packaging.requirements import Requirement

from bot import database_url
from bot.cli import build_parser
from bot.telegram.command import _webhook_problems

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM = ("telegram-1", "telegram-2")
WEB = ("web-1", "web-2")
_VARIABLE = re.compile(r"\$\{(\w+)(?::[?-]([^}]*))?\}")


def _example_env() -> dict[str, str]:
    env = {}
    for line in (ROOT / "deploy" / "env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    return env


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?message}; a required variable
    missing from deploy/env.example fails the test."""
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in env:
            return env[name]
        assert ":-" in match.group(0), f"{name} is required but not in deploy/env.example"
        return match.group(2) or ""

    return _VARIABLE.sub(one, value)


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _service(name: str) -> dict[str, Any]:
    service = _compose()["services"][name]
    assert isinstance(service, dict)
    return service


def _command(name: str) -> list[str]:
    env = _example_env()
    return [_interpolate(str(part), env) for part in _service(name)["command"]]


def test_the_services_are_postgres_two_webhook_workers_two_web_workers_and_a_proxy() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "proxy", *TELEGRAM, *WEB}
    # only the proxy is reachable from outside; workers and the database are not
    assert [name for name, s in services.items() if s.get("ports")] == ["proxy"]
    for name in (*TELEGRAM, *WEB):
        assert services[name]["restart"] == "unless-stopped"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in services["postgres"]


def test_every_worker_runs_on_the_one_postgresql_database() -> None:
    env = _example_env()
    urls = {_interpolate(_service(n)["environment"]["YIBAO_DATABASE_URL"], env)
            for n in (*TELEGRAM, *WEB)}
    assert len(urls) == 1
    text = urls.pop()
    assert database_url.parse(text).scheme == "postgresql"  # one the store accepts
    url = urlsplit(text)
    postgres = _service("postgres")["environment"]
    assert url.scheme == "postgresql" and url.hostname == "postgres" and url.port == 5432
    assert url.username == postgres["POSTGRES_USER"] and url.path == f"/{postgres['POSTGRES_DB']}"
    assert url.password == env["POSTGRES_PASSWORD"]


def test_every_worker_command_is_one_yibao_accepts() -> None:
    parser = build_parser()
    for name in TELEGRAM:
        args = parser.parse_args(_command(name))
        assert args.command == "telegram" and args.webhook
        secret = _interpolate(_service(name)["environment"]["YIBAO_WEBHOOK_SECRET"],
                              _example_env())
        assert _webhook_problems(args, secret) == []
        assert "TELEGRAM_BOT_TOKEN" in _service(name)["environment"]
    for name in WEB:
        args = parser.parse_args(_command(name))
        assert args.command == "web" and args.host == "0.0.0.0"


def _caddy_routes() -> dict[str, list[str]]:
    """Caddyfile `handle [path] { reverse_proxy up1 up2 … }` → {path or "*": upstreams}."""
    text = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    text = re.sub(r"#.*", "", text)
    routes = {}
    for path, upstreams in re.findall(r"handle\s*(\S*)\s*\{\s*reverse_proxy\s+([^{\n]+)\{",
                                      text):
        routes[path or "*"] = upstreams.split()
    return routes


def test_the_proxy_routes_one_url_to_every_worker_on_its_port() -> None:
    routes = _caddy_routes()
    webhook_url = urlsplit(_command("telegram-1")[_command("telegram-1").index("--webhook-url")
                                                  + 1])
    assert set(routes) == {webhook_url.path, "*"}
    telegram_port = _command("telegram-1")[_command("telegram-1").index("--port") + 1]
    web_port = _command("web-1")[_command("web-1").index("--port") + 1]
    assert routes[webhook_url.path] == [f"{n}:{telegram_port}" for n in TELEGRAM]
    assert routes["*"] == [f"{n}:{web_port}" for n in WEB]
    # the proxy's site is the host Telegram is told to post to
    assert webhook_url.hostname == _example_env()["YIBAO_HOST"]
    assert "{$YIBAO_HOST}" in (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in _service("proxy")["volumes"]


def test_the_image_holds_every_package_the_project_installs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert re.search(rf"^COPY {package} {package}$", dockerfile, re.M), package
    # the same pins (and hashes) as a fresh clone, runtime only
    assert "--require-hashes --no-deps -r requirements-runtime.txt" in dockerfile


def test_the_image_builds_the_project_with_locked_tools_only() -> None:
    """With build isolation pip would fetch the newest setuptools for the build: the one
    unpinned package an image would contain. The runtime lock carries the build tools."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --no-cache-dir --no-deps --no-build-isolation ." in dockerfile
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    locked = dict(
        re.findall(r"^([A-Za-z0-9._-]+)==(\S+) \\$", (ROOT / "requirements-runtime.txt").read_text(
            encoding="utf-8"), re.M)
    )
    for requirement in map(Requirement, pyproject["build-system"]["requires"]):
        assert requirement.name in locked, f"{requirement.name} builds the image but is not locked"
        assert requirement.specifier.contains(locked[requirement.name]), requirement
        for dependency in map(Requirement, metadata.requires(requirement.name) or []):
            if dependency.marker is None or dependency.marker.evaluate({"extra": ""}):
                assert dependency.name in locked, f"{requirement.name} needs {dependency.name}"
