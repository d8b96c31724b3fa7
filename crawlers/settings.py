"""Candor's Scrapy settings: polite defaults in one place, each with its reason.

:data:`CANDOR_SCRAPY_SETTINGS` holds what every Candor crawl uses;
:func:`scrapy_settings` adds the per-run values (who we are, how hard we may
push a venue, where to keep resumable state). Components are wired here by
setting, as Scrapy intends; callers add only ``ITEM_PIPELINES`` and their own
``CANDOR_*`` values.

Not set on purpose: ``REQUEST_FINGERPRINTER_IMPLEMENTATION``. Scrapy 2.7-2.11
asked projects to set it to ``"2.7"``; later releases made that the only
behaviour and Scrapy 2.19 no longer reads the setting, so setting it would be noise.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["CANDOR_SCRAPY_SETTINGS", "DEFAULT_USER_AGENT", "scrapy_settings"]

DEFAULT_USER_AGENT = "Candor/0.1 (forum research crawler; set crawl.user_agent to add a contact)"

CANDOR_SCRAPY_SETTINGS: dict[str, Any] = {
    # Names the project in Scrapy's log lines instead of "scrapybot".
    "BOT_NAME": "candor",
    # Forums publish what they do not want crawled (/admin, /u/ profiles); we honour it,
    # including Crawl-delay, through PolitenessMiddleware (which extends Scrapy's).
    "ROBOTSTXT_OBEY": True,
    # Safety first (every request, robots.txt and redirect targets included), then
    # politeness in place of Scrapy's robots.txt middleware; see crawlers.middlewares.
    "DOWNLOADER_MIDDLEWARES": {
        "crawlers.middlewares.SafetyMiddleware": 40,
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        "crawlers.middlewares.PolitenessMiddleware": 100,
    },
    # The venue's API credentials never travel to another host, even an allowed one.
    "CANDOR_API_HEADERS": ["Api-Key", "Api-Username"],
    # First wait when a forum refuses (429/503) without saying how long; doubled per refusal.
    "CANDOR_BACKOFF_BASE": 1.0,
    # No single wait longer than this, whatever Retry-After asks; the retry budget still applies.
    "CANDOR_BACKOFF_MAX": 120.0,
    # Hosts besides the venue's that redirects may lead to; none unless a venue configures them.
    "CANDOR_ALLOWED_HOSTS": [],
    # Threads (and deletions) CorpusPipeline writes per transaction: fewer commits and author
    # lookups than one per thread; a batch holds whole threads, so kill -9 leaves none half.
    "CANDOR_WRITE_BATCH_THREADS": 20,
    # A batch that is not full is written this often, so little is refetched after a kill.
    "CANDOR_WRITE_BATCH_SECONDS": 2.0,
    # The address a crawl connects to is checked there too, not only by SafetyMiddleware's own
    # lookup: a host may answer a public address first and 127.0.0.1 next (DNS rebinding).
    "TWISTED_DNS_RESOLVER": "crawlers.resolver.PublicAddressResolver",
    # A redirect chain longer than this is a loop or a trap, not a forum page.
    "REDIRECT_MAX_TIMES": 5,
    # A forum's operators should be able to see who is crawling and reach them.
    "USER_AGENT": DEFAULT_USER_AGENT,
    # AutoThrottle adapts the pace to the forum's latency, so a slow forum gets fewer requests.
    "AUTOTHROTTLE_ENABLED": True,
    # Start gently and back off far when the forum struggles; aim for one request in flight.
    "AUTOTHROTTLE_START_DELAY": 1.0,
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    # Few parallel requests per forum: one venue per crawl, and forums are small sites.
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    # Transient server errors pass; retry them rather than lose a thread. 429 and 503 are
    # PolitenessMiddleware's: it honours their Retry-After, which Scrapy's retries ignore.
    "RETRY_ENABLED": True,
    "RETRY_HTTP_CODES": [500, 502, 504, 522, 524, 408],
    # Discourse rate-limits in bursts; a few more tries than Scrapy's 2 ride one out.
    "RETRY_TIMES": 4,
    # Public JSON needs no session; cookies would only make requests look logged-in or tracked.
    "COOKIES_ENABLED": False,
    # An open telnet port is a needless attack surface on a server running crawls.
    "TELNETCONSOLE_ENABLED": False,
    # Scrapy 2.19 also starts, by default, an HTTP server that runs Python code sent to it
    # (token in a file under the user's profile); same risk, and it writes job files.
    "REMOTE_CONTROL_ENABLED": False,
    # INFO shows progress (LOGSTATS) and warnings without one line per request.
    "LOG_LEVEL": "INFO",
    # Rate lines every minute let long runs report progress.
    "LOGSTATS_INTERVAL": 60.0,
    # A topic page is tens of KB; anything past 10 MB is not a forum page and is dropped.
    "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024,
    # Warn well below the cap, so an unusually heavy page is noticed before it is dropped.
    "DOWNLOAD_WARNSIZE": 2 * 1024 * 1024,
    # Scrapy's 180 s holds a slot for minutes on a hung forum; 30 s and a retry is kinder.
    "DOWNLOAD_TIMEOUT": 30,
    # Lets ``scrapy list`` / ``crawl <name>`` find Candor's spiders by name.
    "SPIDER_MODULES": ["crawlers.spiders"],
    "NEWSPIDER_MODULE": "crawlers.spiders",
}


def scrapy_settings(
    user_agent: str,
    concurrency: int,
    autothrottle: bool,
    jobdir: str | None = None,
    *,
    allowed_hosts: list[str] | None = None,
    max_page_bytes: int | None = None,
) -> dict[str, Any]:
    """Candor's defaults plus one run's choices, ready for ``CrawlerProcess``.

    user_agent (str): who is crawling, ideally with a contact URL or address.
    concurrency (int): parallel requests allowed against the forum (at least 1).
    autothrottle (bool): adapt the pace to the forum's latency; turn off only
        for local test servers.
    jobdir (str | None): a directory where Scrapy persists the request queue
        and the seen-requests filter, so an interrupted crawl resumes instead of
        starting over; ``None`` keeps everything in memory. Use one directory per
        crawl run: a reused one would filter out topics fetched by an earlier run.
        Candor's own runs pass ``None``: a crawl resumes from the corpus instead
        (see :mod:`crawlers.run`), which survives ``kill -9``; a JOBDIR does not.
    allowed_hosts (list[str] | None): hosts besides the venue's that requests and
        redirects may reach.
    max_page_bytes (int | None): responses larger than this are dropped and counted
        (``too_large``); ``None`` keeps the default of 10 MB.
    RETURNS (dict): a new dict; changing it does not touch the defaults.

    >>> scrapy_settings("Candor/0.1 (+ops@example.org)", 2, True, None)["ROBOTSTXT_OBEY"]
    True
    """
    if not user_agent.strip():
        raise ValueError("user_agent must name the crawler; forums deserve to know who asks")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    settings = copy.deepcopy(CANDOR_SCRAPY_SETTINGS)
    settings.update(
        {
            "USER_AGENT": user_agent,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            # One venue per crawl: the global cap equals the venue's, so no more than
            # ``concurrency`` requests are past the politeness gate when a 429 closes it.
            "CONCURRENT_REQUESTS": concurrency,
            "AUTOTHROTTLE_ENABLED": autothrottle,
        }
    )
    if jobdir is not None:
        settings["JOBDIR"] = jobdir
    if allowed_hosts:
        settings["CANDOR_ALLOWED_HOSTS"] = sorted({h.lower() for h in allowed_hosts})
    if max_page_bytes is not None:
        settings["DOWNLOAD_MAXSIZE"] = max_page_bytes
        settings["DOWNLOAD_WARNSIZE"] = min(settings["DOWNLOAD_WARNSIZE"], max_page_bytes)
    return settings
