"""Fixtures of the publisher tests (``store`` comes from ``tests/conftest.py``).

- ``settings``: settings publishing into ``tmp_path/site``, referral parameter ``cnd``.
- ``forum``: an empty :class:`~tests.publisher.acme_forum.Forum` on the store.
- ``acme``: the Acme corpus of :mod:`tests.publisher.acme_forum`, reviewed; returns the Forum.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from corpus.settings import Settings
from corpus.store import Store
from tests.publisher.acme_forum import Forum, build_acme


@pytest.fixture
def settings(tmp_path: Path, store: Store, make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(
        store=store.url,
        publish={
            "out": tmp_path / "site",
            "base_url": "https://acme.example/proof",
            "referral_param": "cnd",
        },
    )


@pytest.fixture
def forum(store: Store) -> Forum:
    return Forum(store)


@pytest.fixture
def acme(forum: Forum) -> Forum:
    return build_acme(forum)
