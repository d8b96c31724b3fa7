"""Candor's exceptions, one tree the CLI maps to exit codes.

    CandorError                 anything Candor explains to the user (exit 1)
    ├── ConfigError             candor.yaml or the environment is wrong (names file, line, field)
    ├── TaxonomyError           taxonomy.yaml is wrong (names file, line, field)
    ├── InputError              a record, file or response cannot be used (names where)
    ├── SourceUnreachable       a forum or server did not answer
    └── StoreError              the database cannot be opened or migrated

Anything else that escapes a stage is a bug: the CLI exits 2 with a short trace hint.
"""

from __future__ import annotations


class CandorError(Exception):
    """An error the user can act on; the message says what and where."""


class ConfigError(CandorError):
    """The configuration (candor.yaml, CANDOR_* variables) is invalid."""


class TaxonomyError(CandorError):
    """taxonomy.yaml is missing, malformed or inconsistent."""


class InputError(CandorError):
    """Input data (a thread, a file, a response) cannot be used as it is."""


class SourceUnreachable(CandorError):
    """A forum or server could not be reached."""


class StoreError(CandorError):
    """The store cannot be opened, or its schema is not the one this code expects."""
