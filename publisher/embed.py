"""``embed.js``: the one script tag a web team adds to a product page.

The source is ``templates/static/embed.js`` (read it for what the script does). Every release
publishes it as ``embed.js`` at the release root, minified by :func:`minify`: a deliberately
small, safe reduction for code written to allow it (every statement ends in ``;``, no ``/*``
or ``//`` inside strings or regular expressions): comments go, indentation goes, lines stay
lines, so JavaScript's automatic semicolon insertion sees exactly what it saw before. The
release must stay under :data:`MAX_BYTES` (checked by the validator).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).parent / "templates" / "static" / "embed.js"
RELEASE_PATH = "embed.js"
MAX_BYTES = 5 * 1024
EXPERIMENTS_PLACEHOLDER = "/*experiments*/ {}"

_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def minify(source: str) -> str:
    """``source`` without comments, indentation or blank lines (see the module docstring).

    Example: ``minify("/* hi */\\n  var a = 1; // one\\n")`` → ``"var a = 1;\\n"``.
    """
    lines = []
    for line in _BLOCK_COMMENT.sub("", source).splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        lines.append(re.sub(r"\s+//\s.*$", "", stripped))
    return "\n".join(lines) + "\n"


def embed_script(experiments: dict[str, Any] | None = None) -> bytes:
    """The minified ``embed.js`` every release carries, knowing ``experiments`` (slug → split)."""
    source = SOURCE.read_text("utf-8")
    if EXPERIMENTS_PLACEHOLDER not in source:
        raise RuntimeError(f"{SOURCE} lost its {EXPERIMENTS_PLACEHOLDER!r} placeholder")
    # Slugs, names and numbers only (validated settings), and JSON is valid JavaScript.
    data = json.dumps(experiments or {}, sort_keys=True, separators=(",", ":"))
    return minify(source.replace(EXPERIMENTS_PLACEHOLDER, data)).encode("utf-8")
