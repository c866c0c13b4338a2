"""`yibao link REGION --web-base URL`: the web chat's deep link and its QR code."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.cli import main
from tests.web.pages import Page


def test_web_link_and_qr(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                         client: TestClient) -> None:
    out = tmp_path / "poster.png"
    assert main(["link", "昌图", "--web-base", "https://yibao.example.cn/", "--out", str(out)]) == 0
    link = capsys.readouterr().out.strip()
    assert link == "https://yibao.example.cn/r/changtu"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the path it names opens the chat on the region
    page = Page(client.get(link.removeprefix("https://yibao.example.cn")).text)
    assert "i:dibao_edge" in page.buttons.values()


@pytest.mark.parametrize("base", ["ftp://x", "yibao.example.cn", "https://a b"])
def test_a_bad_web_base_is_refused(
    base: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["link", "changtu", "--web-base", base, "--out", str(tmp_path / "x.png")]
    assert main([*argv, "--lang", "en"]) == 2
    assert "--web-base must be an http(s) URL" in capsys.readouterr().err
    assert main(argv) == 2  # in zh_Hans by default
    assert "--web-base 必须是 http(s) 网址" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
