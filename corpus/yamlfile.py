"""Read YAML with line numbers, so validation errors can point into the file.

Pydantic reports a location as a path of keys (``categories.3.examples``);
:func:`locate` turns that path into the line where the value starts, using the
node marks PyYAML keeps while composing the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


def load(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse ``path``; return the data and the node tree (``None`` for an empty file).

    Raises ``ValueError`` naming the file and line for YAML syntax errors and
    ``FileNotFoundError`` if the file is missing.
    """
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ValueError(f"{where}: invalid YAML: {exc.problem}") from exc
    return data, node


def locate(node: yaml.Node | None, loc: Sequence[str | int]) -> int | None:
    """Return the 1-based line of the value at ``loc`` in ``node``, or its nearest parent."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = [value for k, value in node.value if k.value == key]
            node = match[0] if match else None
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            node = node.value[key] if key < len(node.value) else None
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def describe_errors(path: Path, node: yaml.Node | None, error: ValidationError) -> str:
    """One line per problem: ``file:line: field.path: message``."""
    lines = []
    for problem in error.errors():
        loc = [part for part in problem["loc"] if isinstance(part, str | int)]
        line = locate(node, loc)
        where = f"{path}:{line}" if line else str(path)
        field = ".".join(str(part) for part in loc) or "(top level)"
        lines.append(f"{where}: {field}: {problem['msg']}")
    return "\n".join(lines)
