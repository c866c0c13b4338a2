"""Counters of what the bot set aside, dropped or repaired: the operators' view of trouble.

Kept in memory and logged at shutdown; tests read them to count exactly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Counters:
    unreadable_updates: int = 0  # updates the library could not parse: set aside
    failed_updates: int = 0  # updates whose handler raised: apologised for, set aside
    replayed_updates: int = 0  # an update_id seen before (a webhook retry, a refetch)
    dropped_messages: int = 0  # a flooding chat's oldest waiting messages
    flood_notices: int = 0  # "slow down" notices sent
    expired_conversations: int = 0  # deleted by the retention rule

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
