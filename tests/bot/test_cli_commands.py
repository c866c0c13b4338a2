"""`yibao link` and `yibao telegram` as a user runs them (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


def test_link_prints_the_deep_link_and_writes_a_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "changtu.png"
    assert main(["link", "昌图", "--bot-username", "@yibao_helpdesk_bot", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == "https://t.me/yibao_helpdesk_bot?start=changtu"
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_link_default_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "yibao_helpdesk_bot")
    assert main(["link", "fengdu"]) == 0
    assert capsys.readouterr().out.strip().endswith("?start=fengdu-lizi")
    assert (tmp_path / "yibao-fengdu-lizi.png").is_file()


def test_link_unknown_region_lists_the_accepted_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["link", "北京", "--bot-username", "yibao_helpdesk_bot",
                 "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "北京" in err and "昌图县" in err and "changtu" in err
    assert not (tmp_path / "x.png").exists()


def test_link_without_a_bot_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["link", "昌图", "--out", str(tmp_path / "x.png")]) == 2
    assert "--bot-username" in capsys.readouterr().err


def test_telegram_without_a_token_says_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["telegram"]) == 2
    assert "@BotFather" in capsys.readouterr().err


def test_telegram_webhook_needs_https_url_and_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAHfakefakefakefakefakefakefakefake")
    monkeypatch.delenv("YIBAO_WEBHOOK_SECRET", raising=False)
    assert main(["telegram", "--webhook", "--webhook-url", "http://example.org/hook"]) == 2
    err = capsys.readouterr().err
    assert "https://" in err and "--secret-token" in err


def test_telegram_webhook_on_a_port_in_use_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import socket

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAHfakefakefakefakefakefakefakefake")
    monkeypatch.delenv("YIBAO_DATABASE_URL", raising=False)
    monkeypatch.setenv("YIBAO_STATE_DB", str(tmp_path / "state.sqlite3"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        args = ["telegram", "--webhook", "--webhook-url", "https://example.org/hook",
                "--secret-token", "s3cret", "--listen", "127.0.0.1", "--port", port, "--lang", "en"]
        assert main(args) == 2  # before Telegram is contacted
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err
