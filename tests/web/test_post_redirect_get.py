"""Post/Redirect/Get: a form post answers 303 to the chat page, which shows what the step
said, from the stored conversation. A reload (or Back then Forward) with JavaScript off
repeats that GET, never the post, so a tap is never taken twice."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from starlette.testclient import TestClient

from dialogs.rendering import render_template
from tests.web.pages import Page
from tests.web.test_chat_http import label


def stored(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as db:
        return list(db.execute("SELECT key, state FROM conversations"))


def post(client: TestClient, data: dict[str, str]) -> Page:
    """A form post as a browser without JavaScript makes it: the 303, then the GET."""
    response = client.post("/chat", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"
    assert response.headers["cache-control"] == "no-store"
    page = client.get(response.headers["location"], follow_redirects=False)
    assert page.status_code == 200
    return Page(page.text)


def test_a_post_answers_303_and_a_reload_does_not_take_the_tap_again(
    client: TestClient, database: Path
) -> None:
    page = Page(client.get("/").text)
    page = post(client, {"csrf": page.csrf, "seq": page.seq,
                         "option": page.buttons[label("region", region_name="昌图县")]})
    option = page.buttons[label("identity", code="dibao_edge", selected=False)]
    page = post(client, {"csrf": page.csrf, "seq": page.seq, "option": option})
    selected = label("identity", code="dibao_edge", selected=True)
    assert selected in page.buttons  # the tap took effect once
    before = stored(database)
    for _ in range(3):  # reloads: the GET again
        reloaded = Page(client.get("/").text)
        assert reloaded.text == page.text and reloaded.buttons == page.buttons
        assert stored(database) == before  # nothing stepped, nothing toggled back


def test_what_the_step_said_survives_the_redirect(client: TestClient) -> None:
    first = Page(client.get("/").text)
    page = post(client, {"csrf": first.csrf, "seq": first.seq,
                         "option": first.buttons[label("region", region_name="昌图县")]})
    # a stale button: the notice is on the page the redirect leads to, and on its reload
    stale = post(client, {"csrf": first.csrf, "seq": first.seq, "option": "r:shuangqing"})
    moved_on = render_template("dialog/stale.j2", "zh_Hans", "text").strip()
    assert moved_on in stale.text
    assert moved_on in Page(client.get("/").text).text
    assert label("identity", code="dibao_edge", selected=False) in stale.buttons
    # a message over the limit: its notice too
    long = post(client, {"csrf": page.csrf, "text": "昌" * 501})
    assert "500" in long.source and 'role="alert"' in long.source
    # a command's reply (/table: the region's identity table)
    table = post(client, {"csrf": page.csrf, "text": "/table"})
    assert "低保" in table.text


def test_after_a_restart_the_page_is_rendered_from_the_store(database: Path) -> None:
    # The page a post leads to is kept in memory only; a new process asks the current
    # question again from the stored conversation.
    from bot.web.app import WebSettings, create_app
    from tests.web.conftest import TODAY

    settings = WebSettings(database=database)
    with TestClient(create_app(settings, today=lambda: TODAY),
                    base_url="http://127.0.0.1") as client:
        page = Page(client.get("/").text)
        post(client, {"csrf": page.csrf, "seq": page.seq,
                      "option": page.buttons[label("region", region_name="昌图县")]})
        cookies = dict(client.cookies)
    with TestClient(create_app(settings, today=lambda: TODAY),
                    base_url="http://127.0.0.1") as client:
        client.cookies.update(cookies)
        page = Page(client.get("/").text)
        assert label("identity", code="dibao_edge", selected=False) in page.buttons


def test_forget_answers_303_and_a_reload_shows_the_confirmation_again(
    client: TestClient, database: Path
) -> None:
    page = Page(client.get("/").text)
    post(client, {"csrf": page.csrf, "seq": page.seq,
                  "option": page.buttons[label("region", region_name="昌图县")]})
    response = client.post("/forget", data={"csrf": page.csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert stored(database) == []
    assert "max-age=0" in response.headers["set-cookie"].lower()
    forgotten = render_template("dialog/forgotten.j2", "zh_Hans", "text").strip()
    for _ in range(2):  # the confirmation, and a reload of it: no new session, no row
        shown = client.get(response.headers["location"], follow_redirects=False)
        assert shown.status_code == 200
        assert forgotten.splitlines()[0][:12] in Page(shown.text).text
        assert "set-cookie" not in shown.headers
    assert stored(database) == []
