"""The numbers the studio accepts from a request: ids the store can hold, sane page numbers.

A larger value is refused as a 422 naming the field, instead of overflowing in the database
driver as a server error (schemathesis found ``/api/candidates/9223372036854775808/…``).
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

ROW_ID_MAX = 2**63 - 1  # the largest SQLite / PostgreSQL BIGINT

RowId = Annotated[int, Interval(ge=1, le=ROW_ID_MAX)]
PageNumber = Annotated[int, Interval(ge=1, le=1_000_000)]
