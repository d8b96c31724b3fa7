"""Enrichment redoes only what changed: new or edited threads, and the components whose version
moved. Real spaCy and MiniLM; ``EnrichReport.components`` counts what each component ran for."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from corpus import models as m
from corpus.errors import InputError
from corpus.ingest import ensure_venue, save_thread
from corpus.records import ThreadRecord
from corpus.settings import Settings
from corpus.store import Store
from corpus.taxonomy import load_taxonomy
from nlp import components as c
from nlp.enrich import EnrichReport, enrich
from nlp.resolution import RESOLVED_VERSION
from nlp.signals import REGISTRY
from nlp.timing import TIMING_VERSION

GRATITUDE = "candor.gratitude.v5"


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def run(store: Store, settings: Settings) -> Callable[[], EnrichReport]:
    taxonomy = load_taxonomy(settings.taxonomy)
    return lambda: enrich(store, settings, taxonomy)


@pytest.fixture
def save(store: Store, settings: Settings) -> Callable[[ThreadRecord], None]:
    def apply(record: ThreadRecord) -> None:
        with store.session() as session:
            save_thread(session, ensure_venue(session, settings.venues[0]), record)

    return apply


@pytest.fixture
def corpus(
    save: Callable[[ThreadRecord], None],
    thread_record: Callable[..., ThreadRecord],
    run: Callable[[], EnrichReport],
) -> Iterator[EnrichReport]:
    """Three threads of three posts each (staff admission, thanks), enriched once."""
    for source_id in ("1", "2", "3"):
        save(thread_record(source_id))
    yield run()


def notes(store: Store) -> dict[tuple[int, str], tuple[int, str]]:
    """(subject id, kind) → (annotation id, component) of every annotation."""
    with store.session() as s:
        rows = s.execute(
            select(
                m.Annotation.subject_id, m.Annotation.kind, m.Annotation.id, m.Annotation.component
            )
        )
        return {(sid, kind): (aid, comp) for sid, kind, aid, comp in rows}


def test_enrich_first_run_judges_every_thread(corpus: EnrichReport) -> None:
    assert (corpus.threads_enriched, corpus.posts_enriched) == (3, 9)
    assert corpus.components[c.TEXT] == 9
    assert corpus.components[c.EMBEDDING] == 3


def test_enrich_nothing_new_does_nothing(
    corpus: EnrichReport, run: Callable[[], EnrichReport]
) -> None:
    again = run()
    assert (again.threads_total, again.annotations, again.components) == (0, 0, {})


def test_enrich_an_edited_reply_redoes_its_thread_reusing_the_other_texts_and_the_vector(
    corpus: EnrichReport,
    store: Store,
    save: Callable[[ThreadRecord], None],
    thread_record: Callable[..., ThreadRecord],
    run: Callable[[], EnrichReport],
) -> None:
    edited = thread_record(
        "2",
        posts=[
            ("alice", "<p>My linked device stopped syncing after 7.1.</p>"),
            ("bob-signal", "<p>You're right, that's a bug on our side. Fixed in 7.2.</p>"),
            ("alice", "<p>Still broken for me, sadly.</p>"),
        ],
    )
    save(edited)
    report = run()
    assert report.threads_enriched == 1
    assert report.components[c.TEXT] == 1  # the edited post only
    assert c.EMBEDDING not in report.components  # title and opening post are unchanged
    with store.session() as s:
        thread = s.scalar(select(m.Thread).where(m.Thread.source_id == "2"))
        assert thread is not None
        kinds = set(
            s.scalars(
                select(m.Annotation.kind).where(
                    m.Annotation.thread_id == thread.id, m.Annotation.subject == "post"
                )
            )
        )
    assert "gratitude" not in kinds and "admission" in kinds
    assert run().threads_total == 0


def test_enrich_a_new_signal_version_reruns_only_that_signal_and_its_dependents(
    corpus: EnrichReport,
    store: Store,
    run: Callable[[], EnrichReport],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = notes(store)
    bumped = GRATITUDE + ".next"
    signal = REGISTRY[GRATITUDE]  # a KeyError here: the test names an old version
    monkeypatch.delitem(REGISTRY, GRATITUDE)
    monkeypatch.setitem(REGISTRY, bumped, signal)

    report = run()

    assert report.threads_enriched == 3
    # the new version judged the 6 opener posts and what reads its findings ran per thread; no
    # text, vector, head or staff judgement was re-made
    assert report.components == {
        bumped: 6,
        RESOLVED_VERSION: 3,
        TIMING_VERSION: 3,
    }
    after = notes(store)
    gratitude = {k: v for k, v in after.items() if k[1] == "gratitude"}
    assert gratitude and {comp for _, comp in gratitude.values()} == {bumped}
    for key in after:
        kept = ("role", "admission", "staff_post_kind", "category", "products", "helpers")
        if key[1] in kept:
            assert after[key] == before[key], key  # kept: same row, same component
    assert run().threads_total == 0


def test_enrich_refuses_a_category_hint_the_taxonomy_lacks_before_loading_models(
    store: Store, make_settings: Callable[..., Settings]
) -> None:
    venue = {"name": "forum", "url": "https://forum.example", "category_hints": {"Ideas": "wish"}}
    settings = make_settings(venues=[venue])
    with pytest.raises(InputError, match=r"venue forum: category_hints\['Ideas'\] is 'wish'"):
        enrich(store, settings, load_taxonomy(settings.taxonomy))
