"""A region with two insurance years on file (test data only, not shipped).

`data/changtu/2026.yaml` and `documents/changtu-2026.txt` are the 昌图 2025 data and notice
with every year shifted by one, as a maintainer adding next year's notice would write them.
The overlap: the 2025 late window (2025-03-01 … 2025-12-31, "未在集中缴费期缴纳…设90天待遇等待期")
and the 2026 collection window (2025-09-23 … 2026-02-28) both take payment 2025-09-23 …
2025-12-31.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from policies.catalog import Catalog, read_catalog

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
DOCUMENTS = HERE / "documents"


@cache
def two_year_catalog() -> Catalog:
    return read_catalog(also=(DATA,))
