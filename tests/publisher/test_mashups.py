"""Reading each product's mash-up from the corpus."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from corpus import models as m
from corpus.settings import PublishConfig
from corpus.store import Store
from publisher.mashups import MashUpView, collect_mashups
from publisher.referrals import referral_code
from tests.publisher.acme_forum import CAROL, SYNC_POSTS, Forum


def collect(store: Store, **config: object) -> dict[str, MashUpView]:
    with store.session() as s:
        views = collect_mashups(s, PublishConfig.model_validate(config))
    return {view.slug: view for view in views}


def titles(view: MashUpView) -> list[str]:
    return [t.title for t in view.threads]


def test_mashups_show_approved_threads_in_rank_order(acme: Forum, store: Store) -> None:
    views = collect(store)

    assert list(views) == ["acme-lab", "acme-notes", "acme-sync"]
    assert titles(views["acme-sync"]) == [
        "Sync stopped after the 4.2 update",
        "Pasting a script tag into a note",
        "Export cuts off long notes",
    ]
    assert titles(views["acme-notes"]) == ["Reminders fire an hour late"]  # dark mode: pending
    assert views["acme-lab"].threads == ()


def test_mashups_excerpts_follow_thread_order_with_roles_and_resolution(
    acme: Forum, store: Store
) -> None:
    sync = collect(store)["acme-sync"].threads[0]

    assert [p.number for p in sync.posts] == [1, 2, 4]
    assert [p.staff for p in sync.posts] == [False, True, False]
    assert [p.author.name for p in sync.posts] == ["Alice Martin", "Bob from Acme", "Alice Martin"]
    assert sync.solved
    assert not collect(store)["acme-sync"].threads[1].solved


def test_mashups_respect_per_page(acme: Forum, store: Store) -> None:
    sync = collect(store, per_page=2)["acme-sync"]

    assert titles(sync) == ["Sync stopped after the 4.2 update", "Pasting a script tag into a note"]
    assert sync.referral_code == referral_code("acme-sync", sync.thread_ids)


def test_mashups_links_carry_the_referral_parameter(acme: Forum, store: Store) -> None:
    sync = collect(store, referral_param="ref")["acme-sync"]

    assert all(t.url.endswith(f"?ref={sync.referral_code}") for t in sync.threads)
    assert sync.threads[0].url.startswith("https://community.acme.example/t/sync-stopped/")


def test_mashups_skip_a_thread_left_without_live_posts(acme: Forum, store: Store) -> None:
    acme.thread(
        "sync-stopped",
        "Sync stopped after the 4.2 update",
        SYNC_POSTS,
        resolved=True,
        deleted_posts=(1, 2, 4),
    )

    sync = collect(store, per_page=2)["acme-sync"]

    assert titles(sync) == ["Pasting a script tag into a note", "Export cuts off long notes"]


def test_mashups_never_show_a_post_without_its_cleaned_text(acme: Forum, store: Store) -> None:
    with store.session() as s:
        s.execute(delete(m.PostText).where(m.PostText.post_id == acme.posts[("script-tag", 1)]))

    thread = collect(store)["acme-sync"].threads[1]

    assert [p.number for p in thread.posts] == [2]


def test_mashups_skip_a_thread_without_a_web_link(acme: Forum, store: Store) -> None:
    with store.session() as s:
        s.execute(
            update(m.Thread)
            .where(m.Thread.id == acme.threads["reminders-late"])
            .values(url="javascript:alert(1)")
        )

    assert collect(store)["acme-notes"].threads == ()


def test_mashups_show_the_username_alone_when_the_name_repeats_it(
    forum: Forum, store: Store
) -> None:
    forum.product("acme-sync", "Acme Sync")
    forum.thread("t", "A thread", [(CAROL, "<p>Hello there.</p>", "Hello there.")])
    forum.propose("acme-sync", "t", rank=1, excerpt=[1])
    forum.review("acme-sync", "t", "approved")

    [post] = collect(store)["acme-sync"].threads[0].posts

    assert (post.author.username, post.author.name) == ("carol", None)
    with store.session() as s:
        assert (
            s.scalar(select(m.Author.display_name).where(m.Author.username == "carol")) == "carol"
        )
