"""Promoting a scenario into ``taxonomy.yaml``: a new category, appended, the rest kept as it is.

The new category's ``name`` is the scenario's label (or its rename), its ``examples`` the titles
of the threads nearest the scenario's centre, its ``keywords`` the key phrases. Examples in the
taxonomy are meant to be invented sentences in the forum's voice: the titles are a starting point
for a person to rewrite. The category is inserted as the last item of ``categories:`` as text,
so comments and layout of the file stay; the result is validated with
:func:`corpus.taxonomy.load_taxonomy` before it replaces the file. The next ``candor enrich``
re-classifies every thread (the taxonomy's fingerprint changed).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import yaml

from corpus.errors import TaxonomyError
from corpus.settings import slugify
from corpus.taxonomy import Category, load_taxonomy
from nlp.scenarios import Scenario


def category_for(
    scenario: Scenario,
    titles: Sequence[str],
    category_id: str | None = None,
    description: str | None = None,
) -> Category:
    """The category a scenario becomes (validated like any taxonomy category)."""
    phrases = [p for p, _ in scenario.phrases]
    return Category(
        id=category_id or slugify(scenario.label),
        name=scenario.label[:1].upper() + scenario.label[1:],
        description=description
        or (
            f"Threads about {scenario.label} ({scenario.product}): a scenario found by "
            f"`candor plan` in {len(scenario.thread_ids)} threads; key phrases: "
            f"{', '.join(phrases) or 'none'}. Edit this description and the examples."
        ),
        examples=tuple(titles) or (scenario.label,),
        keywords=tuple(phrases),
    )


def append_category(path: Path, category: Category) -> None:
    """Insert ``category`` as the last item of ``categories:`` in ``path`` and validate.

    Raises :class:`TaxonomyError` when the id is taken or the file would not validate; the file
    is then unchanged.
    """
    taxonomy = load_taxonomy(path)
    if any(c.id == category.id for c in taxonomy.categories):
        raise TaxonomyError(
            f"{path}: a category {category.id!r} exists already; choose another id (--id)"
        )
    text = path.read_text(encoding="utf-8")
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    items = next(v for k, v in root.value if k.value == "categories")  # validated above
    last = items.value[-1]
    dash = " " * max(last.start_mark.column - 2, 0)  # where the items' "- " starts
    dumped = yaml.safe_dump(
        [category.model_dump(mode="json")], sort_keys=False, allow_unicode=True, width=96
    )
    block = "".join(f"{dash}{line}\n" if line else "\n" for line in dumped.splitlines())
    # A block mapping ends where the next token starts: the next key's line, or the file's end.
    at = last.end_mark.index
    before = text[:at] if text[:at].endswith("\n") else text[:at] + "\n"
    updated = before + "\n" + block + text[at:]
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(updated, encoding="utf-8")
    try:
        load_taxonomy(temporary)
    except TaxonomyError:
        temporary.unlink()
        raise
    os.replace(temporary, path)
