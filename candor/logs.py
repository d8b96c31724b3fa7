"""Structured logs on stderr: key-value lines for people, JSON lines for machines (``--log-json``).

Stdout is for results; everything a stage says about its progress goes here.
"""

from __future__ import annotations

import logging
import sys

import structlog


def _stderr_logger(*_names: object) -> structlog.PrintLogger:
    """A logger on the stderr of the moment: a caller that swaps sys.stderr (a test runner, a
    CLI invoked in-process) must not leave later logs writing to its closed stream."""
    return structlog.PrintLogger(sys.stderr)


def configure(json_lines: bool = False, level: int = logging.INFO) -> None:
    renderer = (
        structlog.processors.JSONRenderer()
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )


if not structlog.is_configured():
    # Library use (a benchmark, an Airflow task) logs to stderr too: structlog's own default
    # prints to stdout, where a caller's results go.
    configure()

log = structlog.get_logger("candor")
