"""Calculator micro-benchmark: data load + validation time, and quotes per second over the grid.

Method: the grid is every region × identity set (none, each single identity the registry
knows) × every day from one year before the first collection day to one year after the
coverage end × lapsed years 0–6, the same grid the property tests sample. Loading is timed
cold (fresh parse of every YAML file plus `check_catalog`), best of 5 runs. Quotes are timed
over the whole grid once after a warm-up pass; the figure is total quotes / wall seconds on
one core. Absolute numbers depend on the machine; compare figures from the same run.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from datetime import timedelta
from pathlib import Path

from policies.catalog import Catalog, read_catalog
from policies.checks import check_catalog
from policies.engine import quote
from policies.result import QuoteRequest


def grid(catalog: Catalog) -> list[QuoteRequest]:
    identity_sets: list[frozenset[str]] = [frozenset()]
    identity_sets += [frozenset({code}) for code in catalog.identities]
    requests = []
    for policy in catalog.policies:
        first = policy.first_payment_day - timedelta(days=365)
        last = policy.data.coverage_end + timedelta(days=365)
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        tier = 1 if policy.data.tiers else None
        for identities in identity_sets:
            for lapsed in range(7):
                # Every day for the ordinary resident; every 7th day for the other sets,
                # so the grid stays a few hundred thousand quotes.
                step = 1 if not identities else 7
                for day in days[::step]:
                    requests.append(
                        QuoteRequest(
                            region=policy.slug,
                            identities=identities,
                            payment_date=day,
                            lapsed_years=lapsed,
                            tier=tier,
                            birth_date=day - timedelta(days=30)
                            if "newborn" in identities
                            else None,
                        )
                    )
    return requests


def measure_load(repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        catalog = read_catalog()
        problems = check_catalog(catalog)
        best = min(best, time.perf_counter() - start)
        assert not problems, problems
    return best


def measure_quotes(catalog: Catalog, requests: list[QuoteRequest]) -> float:
    for request in requests[:2000]:  # warm-up
        quote(request, catalog)
    start = time.perf_counter()
    for request in requests:
        quote(request, catalog)
    return len(requests) / (time.perf_counter() - start)


def main() -> dict[str, object]:
    catalog = read_catalog()
    requests = grid(catalog)
    load = measure_load()
    rate = measure_quotes(catalog, requests)
    result: dict[str, object] = {
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
        "policy_files": len(catalog.policies),
        "load_and_check_seconds": round(load, 4),
        "grid_quotes": len(requests),
        "quotes_per_second": round(rate),
    }
    return result


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    figures = main()
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    out = Path(__file__).parent / "results" / "policy_grid.json"
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.exit(0)
