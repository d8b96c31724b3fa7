"""The public surface of the publisher is what ``__all__`` says."""

from __future__ import annotations

import ast
from pathlib import Path

import publisher


def test_exports_public_api_is_explicit() -> None:
    assert sorted(publisher.__all__) == [
        "LocalFolder",
        "PublishReport",
        "PublishTarget",
        "ReleaseInvalid",
        "ReleaseNotWritten",
        "publish",
        "purge",
        "rollback",
    ]
    for name in publisher.__all__:
        assert getattr(publisher, name).__module__.startswith("publisher.")


def test_exports_publisher_imports_only_the_corpus() -> None:
    ours = {"corpus", "crawlers", "nlp", "candor", "publisher", "dags"}
    for path in Path(publisher.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top not in ours - {"corpus", "publisher"}, f"{path.name} imports {name}"
