"""Imports of outside figures as snapshots: Search Console, social monitoring, orders.

Each reader takes a CSV file with a header row (column names are matched case-insensitively,
with the aliases below) and stores one :class:`~corpus.models.MetricSnapshot` per row, dated by
the row's ``date`` (midnight UTC):

- ``gsc`` → scope ``search``, key ``page query`` (either may be empty), metrics ``page``,
  ``query``, ``clicks``, ``impressions``, ``ctr`` (a fraction; ``3.2%`` is read as 0.032;
  computed when absent) and ``position``. Columns: ``date``, ``query`` (or ``top queries``)
  and/or ``page`` (or ``top pages``), ``clicks``, ``impressions``, ``position``, optional ``ctr``.
- ``social`` → scope ``social``, key the mention's ``url``, metrics ``source``, ``url``,
  ``rank`` and, when given, ``product``. Columns: ``source``, ``url``, ``date``, ``rank``.
- ``orders`` → scope ``orders``, key the ``order_id``, metrics ``referral`` (empty when the order
  came without one), ``amount`` (0 when absent) and ``kind`` (``order`` or ``signup``). Columns:
  ``order_id`` (or ``id``), ``date``, ``referral`` (or ``publish.referral_param``, e.g. ``cnd``),
  optional ``amount`` and ``kind``.
- ``views`` → scope ``views``, key ``{slug}.{variant}`` (or ``{slug}`` for the normal mash-up),
  metrics ``product``, ``variant``, ``requests``: how often the static host served a mash-up
  fragment, the page requests of an experiment's variants. Columns: ``date``, ``path`` (or
  ``url``, ``page``: ``…/fragments/{slug}.{variant}.html``), ``requests`` (or ``hits``,
  ``views``, ``count``). Rows for the same fragment and day are added up (a log summary split
  by status code).

A bad file is rejected whole with an :class:`~corpus.errors.InputError` naming the file, the row
(the header is row 1, as a spreadsheet counts) and the column; nothing of it is stored.
Importing the same rows again replaces them (same scope, key and date), so re-imports are safe.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete

from corpus import models as m
from corpus.errors import InputError
from corpus.store import Store

KINDS = ("gsc", "social", "orders", "views")
SCOPES = {"gsc": "search", "social": "social", "orders": "orders", "views": "views"}
# A mash-up fragment of a release: fragments/{slug}.html or fragments/{slug}.{variant}.html.
FRAGMENT = re.compile(r"(?:^|/)fragments/([a-z0-9][a-z0-9-]*)(?:\.([a-z0-9][a-z0-9-]*))?\.html$")


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True


COLUMNS: dict[str, tuple[Column, ...]] = {
    "gsc": (
        Column("date"),
        Column("query", ("top queries", "queries"), required=False),
        Column("page", ("top pages", "pages", "url"), required=False),
        Column("clicks"),
        Column("impressions"),
        Column("ctr", required=False),
        Column("position", ("average position",)),
    ),
    "social": (
        Column("source"),
        Column("url"),
        Column("date"),
        Column("rank"),
        Column("product", required=False),
    ),
    "orders": (
        Column("order_id", ("id", "order")),
        Column("date"),
        Column("referral", ("ref", "referral_code")),
        Column("amount", ("value", "revenue"), required=False),
        Column("kind", ("type",), required=False),
    ),
    "views": (
        Column("date"),
        Column("path", ("url", "page")),
        Column("requests", ("hits", "views", "count")),
    ),
}


@dataclass(frozen=True)
class ImportReport:
    kind: str
    scope: str
    rows: int
    first: date | None
    last: date | None


class _Row:
    """One data row, whose accessors raise errors naming the file, row and column."""

    def __init__(self, source: str, number: int, values: dict[str, str]) -> None:
        self.source, self.line, self.values = source, number, values

    def error(self, column: str, problem: str) -> InputError:
        return InputError(f"{self.source}: row {self.line}, column '{column}': {problem}")

    def text(self, column: str, required: bool = True) -> str:
        value = (self.values.get(column) or "").strip()
        if required and not value:
            raise self.error(column, "is empty")
        return value

    def number(self, column: str, integer: bool = False, percent: bool = False) -> float:
        raw = self.text(column)
        cleaned = raw.replace(",", "")
        scale = 1.0
        if percent and cleaned.endswith("%"):
            cleaned, scale = cleaned[:-1], 0.01
        try:
            value = float(cleaned) * scale
        except ValueError:
            raise self.error(column, f"{raw!r} is not a number") from None
        if value < 0:
            raise self.error(column, f"{raw!r} is negative")
        if integer and value != int(value):
            raise self.error(column, f"{raw!r} is not a whole number")
        return int(value) if integer else value

    def day(self, column: str = "date") -> datetime:
        raw = self.text(column)
        try:
            parsed = date.fromisoformat(raw[:10])
        except ValueError:
            raise self.error(column, f"{raw!r} is not a date (YYYY-MM-DD)") from None
        return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)


def _rows(path: Path, kind: str, referral_param: str) -> Iterator[_Row]:
    columns = COLUMNS[kind]
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(f"{path}: row 1: empty file, expected a header row") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: row 1: not a CSV file ({exc})") from None
        found = [h.strip().lower() for h in header]
        position: dict[str, int] = {}
        for column in columns:
            aliases = (column.name, *column.aliases)
            if column.name == "referral":
                aliases = (*aliases, referral_param.lower())
            index = next((found.index(a) for a in aliases if a in found), None)
            if index is not None:
                position[column.name] = index
            elif column.required:
                raise InputError(
                    f"{path}: row 1 (header): missing column '{column.name}'"
                    + (
                        f" (or {', '.join(repr(a) for a in column.aliases)})"
                        if column.aliases
                        else ""
                    )
                    + f"; found {', '.join(repr(h) for h in header) or 'nothing'}"
                )
        if kind == "gsc" and "query" not in position and "page" not in position:
            raise InputError(f"{path}: row 1 (header): needs a 'query' or a 'page' column")
        try:
            for number, values in enumerate(reader, start=2):
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    raise InputError(
                        f"{path}: row {number}: {len(values)} values for {len(header)} columns"
                    )
                yield _Row(str(path), number, {name: values[i] for name, i in position.items()})
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(
                f"{path}: row {reader.line_num}: not readable as CSV ({exc})"
            ) from None


def _gsc(row: _Row) -> tuple[str, dict[str, Any]]:
    query, page = row.text("query", required=False), row.text("page", required=False)
    if not query and not page:
        raise row.error("query", "both query and page are empty")
    clicks = row.number("clicks", integer=True)
    impressions = row.number("impressions", integer=True)
    if clicks > impressions:
        raise row.error("clicks", f"{clicks} clicks exceed {impressions} impressions")
    ctr = row.number("ctr", percent=True) if row.values.get("ctr", "").strip() else None
    if ctr is None:
        ctr = round(clicks / impressions, 4) if impressions else 0.0
    position = row.number("position")
    if position < 1:
        raise row.error("position", f"{position} is not a search position (1 or more)")
    metrics = {
        "page": page,
        "query": query,
        "clicks": clicks,
        "impressions": impressions,
        "ctr": ctr,
        "position": position,
    }
    return f"{page} {query}".strip(), metrics


def _social(row: _Row) -> tuple[str, dict[str, Any]]:
    url = row.text("url")
    if not url.startswith(("http://", "https://")):
        raise row.error("url", f"{url!r} is not an http(s) URL")
    rank = row.number("rank")
    return url, {
        "source": row.text("source"),
        "url": url,
        "rank": rank,
        "product": row.text("product", required=False) or None,
    }


def _orders(row: _Row) -> tuple[str, dict[str, Any]]:
    amount = row.number("amount") if row.values.get("amount", "").strip() else 0.0
    kind = (row.text("kind", required=False) or "order").lower()
    if kind not in ("order", "signup"):
        raise row.error("kind", f"{kind!r} is not 'order' or 'signup'")
    return row.text("order_id"), {
        "referral": row.text("referral", required=False),
        "amount": amount,
        "kind": kind,
    }


def _views(row: _Row) -> tuple[str, dict[str, Any]]:
    path = urlsplit(row.text("path")).path
    found = FRAGMENT.search(path)
    if not found:
        raise row.error("path", f"{path!r} is not a mash-up fragment (fragments/SLUG.VARIANT.html)")
    slug, variant = found.group(1), found.group(2) or ""
    key = f"{slug}.{variant}" if variant else slug
    return key, {"product": slug, "variant": variant, "requests": row.number("requests", True)}


PARSERS: dict[str, Callable[[_Row], tuple[str, dict[str, Any]]]] = {
    "gsc": _gsc,
    "social": _social,
    "orders": _orders,
    "views": _views,
}


def read_file(
    path: Path, kind: str, referral_param: str = "cnd"
) -> list[tuple[datetime, str, dict[str, Any]]]:
    """The rows of ``path`` as ``(date, key, metrics)``; the first bad one raises InputError."""
    if kind not in PARSERS:
        raise InputError(f"unknown import {kind!r}; choose one of {', '.join(KINDS)}")
    rows = []
    for row in _rows(path, kind, referral_param):
        key, metrics = PARSERS[kind](row)
        rows.append((row.day(), key[:300], metrics))
    return _add_up_views(rows) if kind == "views" else rows


def _add_up_views(
    rows: list[tuple[datetime, str, dict[str, Any]]],
) -> list[tuple[datetime, str, dict[str, Any]]]:
    """One row per fragment and day, its requests the sum of the file's rows for them."""
    merged: dict[tuple[datetime, str], dict[str, Any]] = {}
    for taken_at, key, metrics in rows:
        if (taken_at, key) in merged:
            merged[(taken_at, key)]["requests"] += metrics["requests"]
        else:
            merged[(taken_at, key)] = dict(metrics)
    return [(taken_at, key, metrics) for (taken_at, key), metrics in merged.items()]


def import_file(store: Store, path: Path, kind: str, referral_param: str = "cnd") -> ImportReport:
    """Check the whole file, then store its rows as snapshots (scope per :data:`SCOPES`).

    Example: ``import_file(store, Path("gsc.csv"), "gsc")`` → ``ImportReport(rows=120, …)``.
    """
    rows = read_file(path, kind, referral_param)
    scope = SCOPES[kind]
    with store.session() as session:
        for taken_at, key, metrics in rows:
            session.execute(
                delete(m.MetricSnapshot).where(
                    m.MetricSnapshot.scope == scope,
                    m.MetricSnapshot.key == key,
                    m.MetricSnapshot.taken_at == taken_at,
                )
            )
            session.add(m.MetricSnapshot(taken_at=taken_at, scope=scope, key=key, metrics=metrics))
            session.flush()
    days = sorted(t.date() for t, _, _ in rows)
    return ImportReport(
        kind, scope, len(rows), days[0] if days else None, days[-1] if days else None
    )
