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

# Distinct questions remembered. A result is ~22 KB (notes and cited sources as pydantic
# models), so 256 cost ~6 MB; at a deadline most people ask one of a few dozen questions
# (their county, one or two identities, today).
REMEMBERED: Final = 256


@lru_cache(maxsize=REMEMBERED)
def quote_once(catalog: Catalog, request: QuoteRequest) -> QuoteResult:
    """`quote(request, catalog)`, computed once per distinct request (errors are not kept:
    QuoteInputError is raised again on every call)."""
    return quote(request, catalog)
