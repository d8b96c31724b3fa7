"""Candor's benchmarks: ``python -m benchmarks`` (``make bench``) runs them all into one report.

Each module exposes ``run(quick: bool) -> dict`` (its measurements, JSON-ready) and
``markdown(results) -> str`` (its section of ``benchmarks/report.md``); :mod:`benchmarks.common`
holds what they share. They measure; nothing here asserts a time.
"""
