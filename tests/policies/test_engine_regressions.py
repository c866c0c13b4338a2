"""Bugs found outside the case files, kept from coming back."""

from __future__ import annotations

from datetime import date

import pytest

from policies.engine import quote
from policies.result import QuoteRequest, Status


@pytest.mark.parametrize("region", ["kezuohouqi", "shuangqing", "fengdu-lizi", "changtu"])
def test_december_newborn_paying_in_january_within_90_days(region: str) -> None:
    """Found by the grid benchmark: a fee for the birth year paid after that year ended
    (still within the newborn time limit) must not crash for want of a payment window."""
    result = quote(
        QuoteRequest(
            region=region,
            identities=frozenset({"newborn"}),
            birth_date=date(2025, 12, 4),
            payment_date=date(2026, 1, 3),
            tier=1 if region == "fengdu-lizi" else None,
        )
    )
    assert result.policy_year == 2025
    assert result.status is Status.OK
    assert result.amount_due == 400
