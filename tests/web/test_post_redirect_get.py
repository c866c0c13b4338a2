"""Post/Redirect/Get: a form post answers 303 to the chat page, which shows what the step
said, from the stored conversation. A reload (or Back then Forward) with JavaScript off
repeats that GET, never the post, so a tap is never taken twice."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from markupsafe import Markup
from starlette.testclient import TestClient

from bot.store import Change
from bot.store.base import PAGE_LIMIT
from bot.web import step_page
from bot.web.rendering import Button, WebReply, buttons_html
from bot.web.step_page import StepPage, pages_said
from dialogs.quotes import quote_once
from dialogs.render import remembered_texts
from dialogs.rendering import render_template
from dialogs.state import DialogState
from dialogs.step_memo import remembered_steps
from tests.web.pages import Page
from tests.web.test_chat_http import label, say


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
    # What the post's step said is stored with its state: a new process shows it.
    from bot.web.app import WebSettings, create_app
    from tests.web.conftest import TODAY

    settings = WebSettings(database=database)
    with TestClient(create_app(settings, today=lambda: TODAY),
                    base_url="http://127.0.0.1") as client:
        page = Page(client.get("/").text)
        post(client, {"csrf": page.csrf, "seq": page.seq,
                      "option": page.buttons[label("region", region_name="昌图县")]})
        stale = post(client, {"csrf": page.csrf, "seq": page.seq, "option": "r:shuangqing"})
        cookies = dict(client.cookies)
    with TestClient(create_app(settings, today=lambda: TODAY),
                    base_url="http://127.0.0.1") as client:
        client.cookies.update(cookies)
        page = Page(client.get("/").text)
        assert page.text == stale.text
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


def test_the_get_after_a_post_shows_the_step_on_another_worker(database: Path) -> None:
    # Several `yibao web` workers behind an alternating proxy: the post reaches one, the GET
    # its 303 points at reaches the other. What the step said is in the store, so the other
    # worker shows it (a stale button's notice, a typed message's notice, a command's reply),
    # and a reload on either worker shows it again.
    from bot.web.app import WebSettings, create_app
    from tests.web.conftest import TODAY

    settings = WebSettings(database=database)
    with TestClient(create_app(settings, today=lambda: TODAY),
                    base_url="http://127.0.0.1") as one, \
            TestClient(create_app(settings, today=lambda: TODAY),
                       base_url="http://127.0.0.1") as other:

        def post_then_get_elsewhere(data: dict[str, str]) -> Page:
            response = one.post("/chat", data=data, follow_redirects=False)
            assert response.status_code == 303
            other.cookies.update(dict(one.cookies))
            shown = other.get(response.headers["location"])
            assert shown.status_code == 200
            return Page(shown.text)

        first = Page(one.get("/").text)
        page = post_then_get_elsewhere({
            "csrf": first.csrf, "seq": first.seq,
            "option": first.buttons[label("region", region_name="昌图县")]})
        assert label("identity", code="dibao_edge", selected=False) in page.buttons
        stale = post_then_get_elsewhere({"csrf": first.csrf, "seq": first.seq,
                                         "option": "r:shuangqing"})
        moved_on = render_template("dialog/stale.j2", "zh_Hans", "text").strip()
        assert moved_on in stale.text
        assert Page(other.get("/").text).text == stale.text  # a reload there
        assert Page(one.get("/").text).text == stale.text  # and back on the first worker
        long = post_then_get_elsewhere({"csrf": page.csrf, "text": "昌" * 501})
        assert "500" in long.source and 'role="alert"' in long.source
        table = post_then_get_elsewhere({"csrf": page.csrf, "text": "/table"})
        assert "年度）" in table.text and "年度）" not in stale.text  # the table's heading


def two_workers(database: Path) -> tuple[TestClient, TestClient]:
    from bot.web.app import WebSettings, create_app
    from tests.web.conftest import TODAY

    settings = WebSettings(database=database)
    return (TestClient(create_app(settings, today=lambda: TODAY), base_url="http://127.0.0.1"),
            TestClient(create_app(settings, today=lambda: TODAY), base_url="http://127.0.0.1"))


def pages(database: Path) -> list[str | None]:
    with sqlite3.connect(database) as db:
        return [page for (page,) in db.execute("SELECT page FROM conversations")]


def test_an_answer_is_shown_whole_by_another_worker(database: Path) -> None:
    one, other = two_workers(database)
    with one, other:
        first = Page(one.get("/").text)
        response = one.post("/chat", data={"csrf": first.csrf,
                                           "text": "我是昌图县的低保边缘户，3月10号交"},
                            follow_redirects=False)
        assert response.status_code == 303
        [page] = pages(database)
        assert page is not None and len(page) <= PAGE_LIMIT
        other.cookies.update(dict(one.cookies))
        shown = other.get("/").text
        assert 'class="reply reply-answer"' in shown and "<textarea" in shown
        assert shown == one.get("/").text  # the same page on both workers


def test_a_conversation_moved_on_is_shown_where_it_stands(database: Path) -> None:
    # The language link of the answer page (/answer?lang=) writes the state without a page:
    # the chat page then asks the current question, in that language, not the old page.
    one, other = two_workers(database)
    with one, other:
        first = Page(one.get("/").text)
        post(one, {"csrf": first.csrf, "seq": first.seq,
                   "option": first.buttons[label("region", region_name="昌图县")]})
        stale = post(one, {"csrf": first.csrf, "seq": first.seq, "option": "r:shuangqing"})
        moved_on = render_template("dialog/stale.j2", "zh_Hans", "text").strip()
        assert moved_on in stale.text
        one.get("/answer?lang=en")  # no answer yet: back to the chat, now in English
        assert pages(database) == [None]
        other.cookies.update(dict(one.cookies))
        page = Page(other.get("/").text)
        assert moved_on not in page.text
        assert label("identity", "en", code="dibao_edge", selected=False) in page.buttons


def test_an_unreadable_stored_page_asks_the_question_again(
    client: TestClient, database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = Page(client.get("/").text)
    post(client, {"csrf": first.csrf, "seq": first.seq,
                  "option": first.buttons[label("region", region_name="昌图县")]})
    with sqlite3.connect(database) as db:
        db.execute("""UPDATE conversations SET page = '{"v": 1, "replies": [["低保"'""")
    page = Page(client.get("/").text)
    assert label("identity", code="dibao_edge", selected=False) in page.buttons
    assert "unreadable" in caplog.text and "低保" not in caplog.text


def test_a_page_over_the_bound_is_not_kept() -> None:
    reply = WebReply(kind="info", html=Markup("<p>" + "字" * PAGE_LIMIT + "</p>"), rows=[],
                     buttons_html=Markup(""), columns=1, seq=1, plain=None, full_plain=None)
    assert step_page.dump(StepPage(lang="zh_Hans", notice=None, replies=[reply])) is None
    small = StepPage(lang="en", notice="too_long", replies=[
        WebReply(kind="question", html=Markup("<p>a &amp; b</p>"),
                 rows=[[Button("r:changtu", "昌图 <县>")]],
                 buttons_html=buttons_html(((("r:changtu", "昌图 <县>"),),)),
                 columns=2, seq=3, plain=None, full_plain=None)])
    assert step_page.load(step_page.dump(small)) == small
    with pytest.raises(ValueError):
        Change(DialogState(), page="x" * (PAGE_LIMIT + 1))


def test_a_remembered_page_is_the_visitors_own_but_for_nothing(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page a post's redirect shows is rendered once per stored step and shared; each
    visitor's copy carries their own CSRF token and is byte for byte the page rendered for
    them alone."""
    from bot.web import chat
    from bot.web.app import WebSettings, create_app
    from tests.web.conftest import TODAY

    def taps(client: TestClient) -> Page:
        page = Page(client.get("/").text)
        page = post(client, {"csrf": page.csrf, "seq": page.seq,
                             "option": page.buttons[label("region", region_name="昌图县")]})
        return post(client, {"csrf": page.csrf, "seq": page.seq,
                             "option": page.buttons[label("identity", code="dibao",
                                                          selected=False)]})

    app = create_app(WebSettings(database=database), today=lambda: TODAY)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        first = taps(client)
        client.cookies.clear()  # another visitor: a session of their own
        second = taps(client)  # the same step: from the remembered page
        theirs = dict(client.cookies)
    assert first.csrf != second.csrf and first.csrf not in second.source
    assert second.source == first.source.replace(first.csrf, second.csrf)
    # the second visitor's page from a server that remembers none: the same bytes
    monkeypatch.setattr(chat, "PAGES_REMEMBERED", 0)
    fresh = create_app(WebSettings(database=database), today=lambda: TODAY)
    with TestClient(fresh, base_url="http://127.0.0.1", cookies=theirs) as again:
        assert again.get("/").text == second.source


def test_forget_takes_the_remembered_page_out_of_memory_too(database: Path) -> None:
    """"删除我的信息" deletes the row and its page; the renderings of the person's steps the
    server remembered (shared by whoever stands at the same step) go with them."""
    from bot.web.app import WebSettings, create_app
    from tests.web.conftest import TODAY

    app = create_app(WebSettings(database=database), today=lambda: TODAY)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        page = Page(client.get("/").text)
        page = post(client, {"csrf": page.csrf, "seq": page.seq,
                             "option": page.buttons[label("region", region_name="昌图县")]})
        page = post(client, {"csrf": page.csrf, "seq": page.seq,
                             "option": page.buttons[label("identity", code="tekun",
                                                          selected=False)]})
        # the first page, and the GET after each post, shown from memory
        assert len(app.state.chat.pages) == 3
        assert pages_said() > 0 and remembered_steps() > 0
        say(client, page, "昌图县特困人员，今天交")  # an answer: its result is remembered too
        assert remembered_texts() > 0 and quote_once.cache_info().currsize > 0
        response = client.post("/forget", data={"csrf": page.csrf}, follow_redirects=False)
        assert response.status_code == 303
    assert stored(database) == []
    assert len(app.state.chat.pages) == 0
    # the texts rendered from their steps (the "✓ 特困人员" button, the answer naming 特困人员
    # and the date) and the calculator's result for their question, shared by all, go too
    assert remembered_texts() == 0
    assert quote_once.cache_info().currsize == 0
    # and so do the steps taken by their taps and the pages those steps said
    assert remembered_steps() == 0 and pages_said() == 0


def test_a_deep_link_page_is_shared_and_the_visitors_own_but_for_nothing(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A volunteer's link (/r/昌图) opens the same welcome for everyone: laid out once and
    shared like the page after a post, each copy with the visitor's own CSRF token, byte for
    byte the page rendered for that visitor alone."""
    from bot.web import chat
    from bot.web.app import WebSettings, create_app
    from tests.web.conftest import TODAY

    app = create_app(WebSettings(database=database), today=lambda: TODAY)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        first = Page(client.get("/r/changtu").text)
        client.cookies.clear()  # another visitor
        second = Page(client.get("/r/changtu").text)
        theirs = dict(client.cookies)
    assert "昌图" in second.source and first.csrf != second.csrf
    assert second.source == first.source.replace(first.csrf, second.csrf)
    monkeypatch.setattr(chat, "said", lambda *args: None)  # rendered for them alone
    fresh = create_app(WebSettings(database=database), today=lambda: TODAY)
    with TestClient(fresh, base_url="http://127.0.0.1", cookies=theirs) as again:
        assert again.get("/r/changtu").text == second.source
