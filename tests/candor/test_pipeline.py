"""The whole pipeline on a local replay of the sample forum, checked the way a user would.

Crawl (the real Scrapy spider over HTTP) → enrich (real spaCy and MiniLM) → select → approve →
publish, then everything again to prove a second run changes nothing; then bad input: a
malformed topic and an unreachable forum, each with a clear outcome and nothing lost.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from candor import stages
from candor.sample_forum import Faults, SampleForum, load_topics
from corpus import models as m
from corpus.errors import SourceUnreachable
from corpus.settings import Settings
from corpus.store import Store

THREADS = 24
PUBLIC = "https://community.signalusers.org"


def staff_usernames(topics: list[dict[str, Any]]) -> set[str]:
    return {
        p["username"]
        for t in topics
        for p in t["post_stream"]["posts"]
        if p.get("primary_group_name") == "signal_staff" or p["username"].endswith("-signal")
    }


@pytest.fixture(scope="module")
def topics(sample_data: Path) -> list[dict[str, Any]]:
    return load_topics(sample_data, limit=THREADS)


@pytest.fixture
def forum(topics: list[dict[str, Any]]) -> Iterator[SampleForum]:
    # chunk_size 5: long topics need posts.json requests, as on a real forum.
    with SampleForum(topics, chunk_size=5) as forum:
        yield forum


def forum_settings(make_settings: Callable[..., Settings], url: str) -> Settings:
    return make_settings(
        venues=[
            {
                "name": "signal-community",
                "url": url,
                "public_url": PUBLIC,
                "allow_private_address": True,
                "staff": {"groups": ["signal_staff"], "username_suffix": "-signal"},
            }
        ],
        products=[
            {"name": "Signal Android", "aliases": ["android"]},
            {"name": "Signal iOS", "aliases": ["ios", "iphone"]},
            {"name": "Signal Desktop", "aliases": ["desktop", "linked device", "windows"]},
        ],
    )


def run_pipeline(settings: Settings, approve_top: int = 0) -> dict[str, Any]:
    """Every stage; approval (a person's step) only when ``approve_top`` is given."""
    stages.init(settings)
    (crawl,) = stages.crawl(settings)
    enrich = stages.enrich(settings)
    select_report = stages.select_threads(settings)
    approved = {
        p.slug: stages.approve(settings, p.slug, "curator@example.com", top=approve_top)
        for p in settings.products
        if approve_top
    }
    return {
        "crawl": crawl,
        "enrich": enrich,
        "select": select_report,
        "approved": approved,
        "publish": stages.publish(settings),
    }


def test_pipeline_end_to_end_on_the_sample_forum(
    forum: SampleForum, topics: list[dict[str, Any]], make_settings: Callable[..., Settings]
) -> None:
    settings = forum_settings(make_settings, forum.base_url)
    first = run_pipeline(settings, approve_top=2)
    store = Store(settings.store)

    # Crawled: every thread with every known post, authors and their groups.
    # Posts deleted at the source, withdrawn by their author or hidden after flags are
    # stored as tombstones, not counted as live.
    known_posts = sum(
        1
        for t in topics
        for p in t["post_stream"]["posts"]
        if not (p.get("deleted_at") or p.get("user_deleted") or p.get("hidden"))
    )
    assert first["crawl"].stats["new"] == THREADS
    assert forum.requests_by_path_kind["posts"] > 0
    counts = store.counts()
    assert counts.approved == sum(len(ids) for ids in first["approved"].values()) > 0
    assert (counts.threads, counts.posts) == (THREADS, known_posts)

    with store.session() as session:
        # Every post annotated with a role; staff recognised by group or username suffix.
        roles = dict(
            session.execute(
                select(m.Author.username, m.Annotation.value)
                .join(m.Post, m.Post.author_id == m.Author.id)
                .join(m.Annotation, (m.Annotation.subject_id == m.Post.id))
                .where(m.Annotation.subject == "post", m.Annotation.kind == "role")
            ).all()
        )
        role_count = session.scalar(
            select(func.count()).where(m.Annotation.kind == "role", m.Annotation.subject == "post")
        )
        assert role_count == known_posts
        assert counts.posts_enriched == known_posts
        staff = staff_usernames(topics)
        assert staff, "the sample slice should contain staff posts"
        assert {u for u, r in roles.items() if r == "staff"} == staff & set(roles)
        # Every judgement carries evidence pointing into the post's redacted text.
        for annotation in session.scalars(
            select(m.Annotation).where(m.Annotation.kind.in_(["gratitude", "admission"]))
        ):
            text = session.get(m.PostText, annotation.subject_id)
            for item in annotation.evidence:
                assert text.text[item["start"] : item["end"]] == item["text"]

    # Published: one page per product with approved threads, real excerpts, links that work.
    site = first["publish"].path
    assert first["publish"].changed and (site / "index.html").exists()
    for slug, approved in first["approved"].items():
        page = site / "products" / f"{slug}.html"
        if not approved:
            continue
        html = unescape(page.read_text(encoding="utf-8"))
        with store.session() as session:
            for candidate_id in approved:
                candidate = session.get(m.Candidate, candidate_id)
                opener = session.get(m.PostText, candidate.excerpt_post_ids[0])
                first_words = opener.text.split("\n")[0][:30]
                assert first_words in html, f"{slug}: excerpt missing"
                assert candidate.thread.title in html
        links = re.findall(r'href="(https://community\.signalusers\.org/t/[^"?]+)', html)
        assert links, f"{slug}: no link back to the forum"
        for link in set(links):
            mirror = link.replace(PUBLIC, forum.base_url)
            with urllib.request.urlopen(mirror.rstrip("/") + ".json") as response:
                assert response.status == 200

    # Idempotent: the same pipeline again changes nothing.
    second = run_pipeline(settings)
    assert second["crawl"].stats["new"] == second["crawl"].stats["changed"] == 0
    assert second["crawl"].stats["skipped_unchanged"] == THREADS
    assert second["enrich"].threads_enriched == 0
    assert second["select"].changed == 0
    assert all(ids == [] or len(ids) <= 2 for ids in second["approved"].values())
    assert store.counts() == counts.__class__(
        **{**counts.__dict__, "approved": store.counts().approved}
    )

    # Deleted at the source: the next full crawl confirms it (404) and tombstones the thread,
    # and the next publish withdraws it from the product page.
    slug, approved = next((slug, ids) for slug, ids in first["approved"].items() if ids)
    with store.session() as session:
        thread = session.get(m.Candidate, approved[0]).thread
        title, source_id = thread.title, int(thread.source_id)
    page = site / "products" / f"{slug}.html"
    assert title in unescape(page.read_text(encoding="utf-8"))
    forum.delete_topic(source_id)
    (recrawl,) = stages.crawl(settings, full=True)
    assert recrawl.stats["deleted"] == 1 and recrawl.stats["mode"] == "full"
    republished = stages.publish(settings)
    assert republished.changed
    html = unescape((republished.path / "products" / f"{slug}.html").read_text(encoding="utf-8"))
    assert title not in html


def test_pipeline_malformed_topic_is_counted_and_the_rest_arrives(
    topics: list[dict[str, Any]], make_settings: Callable[..., Settings]
) -> None:
    broken = topics[3]["id"]
    with SampleForum(topics[:8], faults=Faults(malformed_topics=frozenset({broken}))) as forum:
        settings = forum_settings(make_settings, forum.base_url)
        stages.init(settings)
        (report,) = stages.crawl(settings)
    assert report.stats["failed"] == 1 and report.stats["new"] == 7
    assert str(broken) in report.log_file.read_text()
    with Store(settings.store).session() as session:
        stored = set(session.scalars(select(m.Thread.source_id)))
    assert str(broken) not in stored and len(stored) == 7


def test_pipeline_unreachable_forum_is_a_clear_error_and_keeps_the_corpus(
    topics: list[dict[str, Any]], make_settings: Callable[..., Settings]
) -> None:
    with SampleForum(topics[:5]) as forum:
        settings = forum_settings(make_settings, forum.base_url)
        stages.init(settings)
        stages.crawl(settings)
    before = Store(settings.store).counts()
    # The forum is gone now: its port is closed.
    with pytest.raises(SourceUnreachable, match=re.escape(forum_url := settings.venues[0].url)):
        stages.crawl(settings)
    assert forum_url.startswith("http://127.0.0.1:")
    assert Store(settings.store).counts() == before
