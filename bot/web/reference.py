"""Reference pages for volunteers: a region's table and notes, and one group across regions.

A region's page adds, per notice on file, its payment periods with their first and last days
and the waiting-period rules, as the notice's own clauses (bot/web/notice_sheet.py).

Each page is made of the dialog's own views (`dialogs.views`: the identity table, the short
answers from the notice, the notices on file, the comparison) rendered by the dialog's own
templates, the same blocks /table, /compare and /sources show in the chat, so a printed page
never disagrees with an answer. Pages are the same for everyone: no session, no state, and
they are cached by the browser for a few minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.web.chat import accept_language
from dialogs import views
from dialogs.flow import identities_of
from dialogs.rendering import LANGUAGES, normalise_lang
from dialogs.replies import Block
from policies.catalog import load_catalog

from .notice_sheet import notice_sheets
from .rendering import render_blocks, render_page

# The pages change only with the data files; they differ by language.
HEADERS = {"cache-control": "public, max-age=300", "vary": "Accept-Language"}


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    return normalise_lang(accept_language(request.headers.get("accept-language")))


def _regions() -> list[tuple[str, str]]:
    catalog = load_catalog()
    return [(slug, catalog.latest(slug).data.region.name) for slug in catalog.regions()]


class Reference:
    def __init__(self, today: Callable[[], date]) -> None:
        self.today = today

    async def index(self, request: Request) -> Response:
        lang = _lang(request)
        catalog = load_catalog()
        codes = sorted(
            {code for slug in catalog.regions() for code in identities_of(catalog, slug)}
        )
        identities = [(code, catalog.identities[code].zh) for code in codes
                      if code in catalog.identities]
        sources = render_blocks(
            [Block(template="sources",
                   params={"entries": views.sources_on_file(catalog), "today": self.today()})],
            lang,
        )
        html = render_page("reference_index.j2", lang, regions=_regions(),
                           identities=identities, sources=sources)
        return HTMLResponse(html, headers=HEADERS)

    async def region(self, request: Request) -> Response:
        lang = _lang(request)
        catalog = load_catalog()
        slug = catalog.resolve_region(str(request.path_params["region"])[:64])
        if slug is None:
            html = render_page("not_found.j2", lang, regions=_regions())
            return HTMLResponse(html, status_code=404)
        blocks = [Block(template="identity_table",
                        params={"table": views.identity_table(catalog, slug)})]
        blocks += [
            Block(template="faq", params={"answer": views.faq(catalog, slug, topic)})
            for topic in views.FAQ_TOPICS
        ]
        sections = [render_blocks([block], lang) for block in blocks]
        html = render_page(
            "reference_region.j2", lang, slug=slug,
            region_name=catalog.latest(slug).data.region.name, sections=sections,
            sheets=notice_sheets(catalog, slug, lang),
        )
        return HTMLResponse(html, headers=HEADERS)

    async def compare(self, request: Request) -> Response:
        lang = _lang(request)
        catalog = load_catalog()
        code = request.query_params.get("identity", "")[:64]
        identity = catalog.resolve_identity(code) if code else None
        codes = sorted(
            {c for slug in catalog.regions() for c in identities_of(catalog, slug)}
        )
        identities = [(c, catalog.identities[c].zh) for c in codes if c in catalog.identities]
        comparison = None
        if identity is not None:
            rows = views.compare_identity(catalog, identity)
            comparison = render_blocks(
                [Block(template="comparison", params={"identity": identity, "rows": rows})], lang
            )
        html = render_page("compare.j2", lang, identities=identities, identity=identity,
                           comparison=comparison)
        status = 404 if code and identity is None else 200
        return HTMLResponse(html, status_code=status, headers=HEADERS)
