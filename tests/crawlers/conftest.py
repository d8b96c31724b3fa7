"""Fixtures of the crawler tests.

- ``spirit_forum``: a real django-spirit forum, created, seeded and served once per session
  (see :mod:`tests.crawlers.spirit_forum`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.crawlers.spirit_forum import SpiritForum


@pytest.fixture(scope="session")
def spirit_forum(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpiritForum]:
    forum = SpiritForum(tmp_path_factory.mktemp("spirit"))
    forum.create()
    with forum:
        yield forum
