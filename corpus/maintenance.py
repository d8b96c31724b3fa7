"""Housekeeping of the store, run by the maintenance DAG (``dags/candor_maintenance.py``).

:func:`vacuum` gives free pages back and refreshes the query planner's statistics: ``VACUUM`` and
``PRAGMA optimize`` on SQLite (after a WAL checkpoint), ``VACUUM ANALYZE`` on PostgreSQL. Both run
outside a transaction, as the databases require; neither changes a row.
"""

from __future__ import annotations

from corpus.errors import StoreError
from corpus.store import Store

STATEMENTS = {
    "sqlite": ["PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA optimize"],
    "postgresql": ["VACUUM ANALYZE"],
}


def vacuum(store: Store) -> list[str]:
    """Vacuum and analyse ``store``; returns the statements run.

    Raises :class:`StoreError` for a database other than SQLite or PostgreSQL.
    """
    dialect = store.engine.dialect.name
    statements = STATEMENTS.get(dialect)
    if statements is None:
        raise StoreError(f"no vacuum for a {dialect} store (Candor supports sqlite, postgresql)")
    with store.engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        for statement in statements:
            autocommit.exec_driver_sql(statement)
    return statements
