"""A hand-built mash-up, for tests that render without a corpus."""

from __future__ import annotations

from datetime import UTC, datetime

from publisher.mashups import Byline, Excerpt, MashUpView, ShownThread


def mashup(text: str = "It works now. Thanks!", trimmed: bool = False) -> MashUpView:
    post = Excerpt(
        post_id=7,
        number=2,
        author=Byline(username="bob-acme", display_name="Bob <b>from</b> Acme"),
        staff=True,
        created_at=datetime(2024, 3, 5, 14, 2, tzinfo=UTC),
        paragraphs=(text,),
        trimmed=trimmed,
        url="https://forum.example/t/sync/3/2",
    )
    thread = ShownThread(
        thread_id=3,
        title="Sync <em>stopped</em>",
        url="https://forum.example/t/sync/3?cnd=acme-sync-1a2b3c4d",
        source_host="forum.example",
        solved=True,
        posts=(post,),
        source_url="https://forum.example/t/sync/3",
        created_at=datetime(2024, 3, 4, 9, 30, tzinfo=UTC),
        opener=Byline(username="alice_m", display_name="Alice Martin"),
    )
    return MashUpView(
        product_id=1,
        slug="acme-sync",
        name="Acme Sync",
        page="https://acme.example/sync",
        referral_code="acme-sync-1a2b3c4d",
        threads=(thread,),
    )
