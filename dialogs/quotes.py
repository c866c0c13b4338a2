"""The calculator, remembered: one QuoteResult per distinct question, shared by everyone who
asks it.

`policies.engine.quote` is a pure function of the catalog and the request, and at a deadline
most people ask the same few questions (the same region, "ordinary resident", today). A
remembered result is returned as the same object, so `dialogs.render` can also reuse the
answer text rendered from it. The memo holds requests (region, identity codes, dates), never
who asked; it lives in memory only and is bounded. Callers must treat results as read-only
(they are frozen models).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from policies.catalog import Catalog
from policies.engine import quote
from policies.result import QuoteRequest, QuoteResult

# Distinct questions remembered (about 2 KB each): more than a county's identities × tiers ×
# payment dates asked about in a day.
REMEMBERED: Final = 4096


@lru_cache(maxsize=REMEMBERED)
def quote_once(catalog: Catalog, request: QuoteRequest) -> QuoteResult:
    """`quote(request, catalog)`, computed once per distinct request (errors are not kept:
    QuoteInputError is raised again on every call)."""
    return quote(request, catalog)
