"""The chat over plain HTTP (no browser): sessions in the bot's store, CSRF, escaping,
limits, headers, languages, deletion, and the access log."""

from __future__ import annotations

import logging
import sqlite3
from html import escape as html_escape
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.web.app import WebSettings, create_app
from bot.web.security import CONTENT_SECURITY_POLICY
from bot.web.session import COOKIE
from dialogs.rendering import render_template
from tests.web.conftest import TODAY
from tests.web.pages import Page


def label(template: str, lang: str = "zh_Hans", **params: object) -> str:
    """A button's label as the dialog renders it."""
    return render_template(f"dialog/option/{template}.j2", lang, "text", **params).strip()


def press(client: TestClient, page: Page, button: str) -> Page:
    option = page.buttons[button]
    response = client.post("/chat", data={"csrf": page.csrf, "seq": page.seq, "option": option})
    assert response.status_code == 200, response.text
    return Page(response.text)


def say(client: TestClient, page: Page, text: str) -> Page:
    response = client.post("/chat", data={"csrf": page.csrf, "text": text})
    assert response.status_code == 200, response.text
    return Page(response.text)


def rows(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as db:
        return list(db.execute("SELECT key, state FROM conversations"))


def test_a_new_visitor_gets_a_session_cookie_and_the_region_question(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    page = Page(response.text)
    assert label("region", region_name="昌图县") in page.buttons


def test_taps_to_an_answer_kept_in_the_store(client: TestClient, database: Path) -> None:
    page = Page(client.get("/").text)
    page = press(client, page, label("region", region_name="昌图县"))
    page = press(client, page, label("identity", code="dibao_edge", selected=False))
    page = press(client, page, label("identities_done", count=1))
    if label("history_yes") in page.buttons:  # where the dialog asks rather than assumes
        page = press(client, page, label("history_yes"))
    page = press(client, page, label("today", day=TODAY))
    assert "复制答案" in page.source and 'href="/answer"' in page.source
    [(key, state)] = rows(database)
    assert key.startswith("web:") and '"dibao_edge"' in state
    full = client.get("/answer")
    assert full.status_code == 200 and "textarea" in full.text


def test_a_stale_button_is_told_the_question_moved_on(client: TestClient) -> None:
    first = Page(client.get("/").text)
    page = press(client, first, label("region", region_name="昌图县"))
    # the first page's button again (its seq is old)
    response = client.post("/chat", data={"csrf": first.csrf, "seq": first.seq,
                                          "option": "r:shuangqing"})
    moved_on = render_template("dialog/stale.j2", "zh_Hans", "text").strip()
    assert moved_on in Page(response.text).text
    assert page.buttons  # still on the identity question


def test_csrf_is_required_on_every_form_post(client: TestClient) -> None:
    page = Page(client.get("/").text)
    for path in ("/chat", "/forget"):
        assert client.post(path, data={"option": "r:changtu", "seq": page.seq}).status_code == 403
        assert client.post(path, data={"csrf": "0" * 32, "text": "昌图"}).status_code == 403
    # a valid token from another session does not help either
    mine = dict(client.cookies)
    client.cookies.clear()
    other_page = Page(client.get("/").text)  # another visitor's session
    client.cookies.clear()
    client.cookies.update(mine)
    response = client.post("/chat", data={"csrf": other_page.csrf, "text": "昌图"})
    assert response.status_code == 403
    # without any cookie (a cross-site form: SameSite=Lax withholds it)
    client.cookies.clear()
    assert client.post("/chat", data={"csrf": page.csrf, "text": "昌图"}).status_code == 403


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "<b>bold</b> 3月<i>10</i>号",
        "昌图 <script>document.cookie</script> 2025-13-45",
        "</textarea><script>alert(2)</script>",
        # commands the dialog does not know are named back to the user: the echo path
        "/<script>alert(3)</script>",
        "/<img/src=x/onerror=alert(4)>",
    ],
)
def test_markup_typed_or_forged_is_escaped(client: TestClient, attack: str) -> None:
    page = Page(client.get("/").text)
    after = say(client, page, attack)
    forged = client.post("/chat", data={"csrf": page.csrf, "seq": after.seq, "option": attack})
    for source in (after.source, forged.text):
        assert "<script>alert" not in source and "<script>document" not in source
        assert "<img" not in source and "<b>bold" not in source and "<i>10" not in source
        assert source.count("<script") == 1  # ours, by src
        assert "</textarea><script>" not in source


def test_text_over_the_limit_is_refused_with_a_message(client: TestClient) -> None:
    page = Page(client.get("/").text)
    response = client.post("/chat", data={"csrf": page.csrf, "text": "昌" * 501})
    assert response.status_code == 200
    assert "500" in response.text and 'role="alert"' in response.text
    big = client.post("/chat", content=b"text=" + b"x" * 20_000,
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413


def test_security_headers_on_every_kind_of_response(client: TestClient) -> None:
    for response in (client.get("/"), client.get("/nope"), client.get("/static/web.css"),
                     client.get("/api/v1/regions"), client.post("/chat")):
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY


def test_the_page_loads_nothing_from_elsewhere(client: TestClient) -> None:
    source = client.get("/").text
    assert "http://" not in source and "https://" not in source and "//" not in source.replace(
        "<!doctype html>", "")


def test_language_by_query_and_accept_language(client: TestClient) -> None:
    en = client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in en.text and "Send" in en.text
    mine = dict(client.cookies)
    client.cookies.clear()  # another visitor
    hant = client.get("/", headers={"accept-language": "zh-TW"})
    client.cookies.clear()
    client.cookies.update(mine)
    assert '<html lang="zh-Hant">' in hant.text and "發送" in hant.text
    switched = client.get("/?lang=zh_Hans")
    assert '<html lang="zh-Hans">' in switched.text and "发送" in switched.text
    # the explicit choice wins over the header from now on
    again = client.get("/", headers={"accept-language": "en"})
    assert '<html lang="zh-Hans">' in again.text


def test_deep_link_opens_on_the_region(client: TestClient) -> None:
    page = Page(client.get("/r/changtu").text)
    assert label("identity", code="dibao_edge", selected=False) in page.buttons
    assert client.get("/r/火星").status_code == 404


def test_forget_deletes_the_stored_conversation(client: TestClient, database: Path) -> None:
    page = Page(client.get("/").text)
    page = press(client, page, label("region", region_name="昌图县"))
    press(client, page, label("identity", code="dibao_edge", selected=False))
    assert len(rows(database)) == 1
    response = client.post("/forget", data={"csrf": page.csrf})
    assert response.status_code == 200
    assert render_template("dialog/forgotten.j2", "zh_Hans", "text").strip()[:10] in Page(
        response.text).text
    assert rows(database) == []
    cleared = response.history[0].headers["set-cookie"]  # on the 303 the post is answered by
    assert f'{COOKIE}=""' in cleared or "Max-Age=0" in cleared
    # typing /forget does the same
    page = Page(client.get("/").text)
    say(client, page, "/forget")
    assert rows(database) == []


def test_a_restart_loses_no_conversation(database: Path) -> None:
    settings = WebSettings(database=database)
    with TestClient(create_app(settings, today=lambda: TODAY),
                    base_url="http://127.0.0.1") as first:
        page = press(first, Page(first.get("/").text), label("region", region_name="昌图县"))
        cookies = dict(first.cookies)
    with TestClient(create_app(settings, today=lambda: TODAY), base_url="http://127.0.0.1",
                    cookies=cookies) as second:
        # the page rendered by the first server still works against the second
        after = press(second, page, label("identity", code="dibao_edge", selected=False))
        assert label("identity", code="dibao_edge", selected=True) in after.buttons


def test_the_access_log_holds_no_personal_data(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.web")
    page = Page(client.get("/?lang=zh_Hans").text)
    say(client, page, "我是昌图县的低保边缘户，3月10号交")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST /chat 303" in logged
    for secret in ("低保", "昌图", "3月10号", page.csrf, client.cookies[COOKIE], "testclient",
                   "lang=zh_Hans"):
        assert secret not in logged


def test_rate_limit_per_client(database: Path) -> None:
    app = create_app(WebSettings(database=database, rate_burst=5, rate_per_second=0.01),
                     today=lambda: TODAY)
    with TestClient(app, base_url="http://127.0.0.1") as limited:
        statuses = [limited.get("/api/v1/regions").status_code for _ in range(7)]
        assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
        refused = limited.get("/api/v1/regions")
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["status"] == 429
        assert limited.get("/healthz").status_code == 200  # monitors are never limited
    with TestClient(app, base_url="http://127.0.0.1", client=("10.9.9.9", 5000)) as other:
        assert other.get("/api/v1/regions").status_code == 200  # another client is not slowed


def test_reference_pages(client: TestClient) -> None:
    page = client.get("/ref/changtu")
    assert page.status_code == 200
    assert "昌图县" in page.text and "低保" in page.text
    assert client.get("/ref/changtu?lang=en").text.count("ordinary resident") >= 1
    assert client.get("/ref/火星").status_code == 404
    # the payment periods and waiting rules, as the notice's own clauses
    from policies.catalog import load_catalog

    catalog = load_catalog()
    data = catalog.latest("changtu").data
    fixed = data.waiting.fixed_clause
    assert fixed is not None and fixed.startswith("national:")  # 昌图 defers to the national rule
    national = catalog.national_clauses[fixed.removeprefix("national:")]
    assert html_escape(national.label) in page.text
    if national.quote:
        assert html_escape(national.quote) in page.text
    for clause_id in data.windows[0].clauses:
        quote = next(c.quote for c in data.clauses if c.id == clause_id)
        assert html_escape(quote) in page.text
    for window in data.windows:
        assert html_escape(window.label.zh_Hans) in page.text
    index = client.get("/ref")
    assert all(f'href="/ref/{slug}"' in index.text for slug in ("changtu", "shuangqing"))
    compare = client.get("/compare?identity=dibao")
    assert compare.status_code == 200 and "双清区" in compare.text
    assert client.get("/compare?identity=nobody").status_code == 404
    css = client.get("/static/web.css").text
    assert "@media print" in css


def test_a_period_for_some_ages_of_a_group_says_which_ages(client: TestClient) -> None:
    # 后政办字〔2024〕126号 三: "特殊困难群体在 2025 年 12 月 31 日前完成参保缴费"; 四(三) counts
    # among them "低保边缘家庭 60 周岁以上老年人和未成年人", not the whole family (二(二)). The
    # sheet listed plain "低保边缘家庭成员" under the period to 31 December, so a 40-year-old
    # member read a deadline the calculator rightly does not give them (2025-02-28).
    page = client.get("/ref/kezuohouqi")
    period = next(line for line in page.text.splitlines() if "特殊困难群体缴费期限" in line)
    assert "低保边缘家庭成员（仅限60周岁以上或不满18周岁）" in period, period
    assert "特困人员、" in period or "特困人员）" in period  # whole groups stay unqualified
    english = client.get("/ref/kezuohouqi?lang=en").text
    line = next(x for x in english.splitlines() if "deadline for special hardship groups" in x)
    assert "aged 60 or over or under 18 only" in line, line

