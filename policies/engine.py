"""The policy calculator: one function, `quote`, over the cited policy data.

The rules live in `policies.quote` (one module per rule: window, price, deadline, coverage,
lists); this module is the calculator's stable entry point.
"""

from __future__ import annotations

from policies.quote.answer import quote
from policies.quote.context import ORDINARY, QuoteInputError, money
from policies.quote.person import expand_identities

__all__ = ["ORDINARY", "QuoteInputError", "expand_identities", "money", "quote"]
