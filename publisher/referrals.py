"""Attribution: the referral code on every link back to the source forum.

A code names the product page and the set of threads it showed, ``{slug}-{hash}``: the same
threads give the same code in every release, so analytics can follow one mash-up over time, and
a changed selection gets a new code. Each variant of an experiment has its own code. The
parameter name is ``settings.publish.referral_param``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

CODE_HASH_CHARS = 8


def referral_code(
    slug: str, thread_ids: Iterable[int], variant: str = "", experiment: str = ""
) -> str:
    """``referral_code("signal-desktop", [12, 3])`` → ``"signal-desktop-<8 hex>"``.

    The ids are sorted first: a new ranking of the same threads is still the same mash-up. An
    experiment's variant gets ``{slug}-{variant}-<8 hex>``, the hash covering the experiment and
    variant too: two variants showing the same threads still carry different codes, and a new
    experiment never reuses an old one's codes.
    """
    joined = ",".join(str(i) for i in sorted(set(thread_ids)))
    if variant:
        joined = f"{experiment}:{variant}:{joined}"
    digest = hashlib.sha256(joined.encode("utf-8")).hexdigest()[:CODE_HASH_CHARS]
    return f"{slug}-{variant}-{digest}" if variant else f"{slug}-{digest}"


def with_referral(url: str, param: str, code: str) -> str:
    """``url`` with ``param=code`` in its query (replacing an earlier value, keeping the rest)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != param]
    query.append((param, code))
    return urlunsplit(parts._replace(query=urlencode(query)))


def is_web_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host: the only links a visitor may follow."""
    if not url:
        return False
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)
