"""``candor demo``: the whole pipeline on the sample forum, in a folder of its own.

The sample data is replayed by a local Discourse server (:mod:`candor.sample_forum`) so the real
crawler runs; links in the published pages point at the real forum (``public_url``). Approval is
the one human step of the pipeline: the demo approves the best candidates of each product as the
curator ``demo`` and says so, and that review is in the audit log like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from candor import stages
from candor.sample_forum import SampleForum, load_topics
from corpus.settings import CONFIG_FILE, ProductConfig, Settings, VenueConfig, load_settings

EXAMPLE_CONFIG = Path(__file__).parent / "data" / "candor.example.yaml"
EXAMPLE_TAXONOMY = Path(__file__).resolve().parents[1] / "taxonomy.yaml"
"""The repository's taxonomy for the sample forum: an example to edit (in a source checkout)."""
DEMO_REVIEWER = "demo"


@dataclass
class DemoResult:
    settings: Settings
    steps: list[tuple[str, str]] = field(default_factory=list)
    site: Path | None = None


def _example() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))


def example_venue() -> VenueConfig:
    """The sample forum's venue as the example configuration describes it."""
    return VenueConfig.model_validate(_example()["venues"][0])


def example_products() -> list[ProductConfig]:
    """The sample forum's products as the example configuration lists them."""
    return [ProductConfig.model_validate(p) for p in _example()["products"]]


def write_demo_config(folder: Path, taxonomy: Path, sample_data: Path) -> Path:
    """Write the demo's candor.yaml (once: a user's edits are kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_FILE
    if not path.exists():
        config = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
        config["taxonomy"] = str(taxonomy.resolve())
        config["sample_data"] = str(sample_data.resolve())
        config["venues"][0]["allow_private_address"] = True
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def run_demo(
    folder: Path,
    taxonomy: Path,
    sample_data: Path,
    threads: int | None,
    approve_top: int = 3,
    progress: Any = None,
) -> DemoResult:
    """Replay the sample forum, then crawl, enrich, select, approve and publish."""
    config = write_demo_config(folder, taxonomy, sample_data)
    settings = load_settings(config)
    topics = load_topics(settings.sample_data, limit=threads)
    result = DemoResult(settings)
    with SampleForum(topics) as forum:
        venue = settings.venues[0].model_copy(update={"url": forum.base_url})
        settings = settings.model_copy(update={"venues": [venue, *settings.venues[1:]]})
        result.settings = settings
        stages.init(settings)
        result.steps.append(("init", f"store {settings.store}"))
        (crawl,) = stages.crawl(settings, progress=progress and progress("crawl"))
        s = crawl.stats
        result.steps.append(
            (
                "crawl",
                f"{s.get('pages', 0)} pages; threads new {s.get('new', 0)}, changed "
                f"{s.get('changed', 0)}, skipped unchanged {s.get('skipped_unchanged', 0)}, "
                f"failed {s.get('failed', 0)} ({crawl.seconds:.1f} s)",
            )
        )
    enrich = stages.enrich(settings, progress=progress and progress("enrich"))
    result.steps.append(
        (
            "enrich",
            f"{enrich.threads_enriched} threads, {enrich.posts_enriched} posts, "
            f"{enrich.annotations} annotations ({enrich.seconds:.1f} s)",
        )
    )
    indexed = stages.index(settings)
    result.steps.append(
        ("index", f"{indexed.threads_indexed} threads, {indexed.posts_indexed} posts searchable")
    )
    select = stages.select_threads(settings)
    result.steps.append(
        ("select", f"{select.candidates} candidates for {select.products} products")
    )
    approved = sum(
        len(
            stages.approve(
                settings,
                p.slug,
                DEMO_REVIEWER,
                top=approve_top,
                reason="approved by `candor demo` standing in for a curator",
                within_top=True,  # run again, approve nothing new
            )
        )
        for p in settings.products
    )
    result.steps.append(("approve", f"{approved} threads approved as curator '{DEMO_REVIEWER}'"))
    report = stages.publish(settings)
    state = f"release {report.release}" if report.changed else "unchanged, current release kept"
    result.steps.append(
        ("publish", f"{report.pages} product pages, {report.threads} threads: {state}")
    )
    result.site = report.path
    return result
