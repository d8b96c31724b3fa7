"""The ``candor`` command: a thin face over :mod:`candor.stages`.

Every command parses its options, calls one library function and prints what happened. Results go
to stdout, progress and logs to stderr. Exit codes: 0 ok, 1 something the user can fix (the
message says what and where), 2 an internal error (a bug: the hint says how to see the trace).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from candor import logs, stages
from corpus.errors import CandorError, InputError
from corpus.settings import CONFIG_FILE, Settings, VenueConfig, load_settings

app = typer.Typer(
    name="candor",
    help="Turn public forum conversations into honest proof on product pages.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sample_forum_app = typer.Typer(
    help="A local replay of the sample Discourse forum.", no_args_is_help=True
)
app.add_typer(sample_forum_app, name="sample-forum")
venue_app = typer.Typer(help="Inspect a forum before adding it as a venue.", no_args_is_help=True)
app.add_typer(venue_app, name="venue")
search_app = typer.Typer(
    help="Search the corpus (the local index, or Elasticsearch when `search:` is a URL).",
    no_args_is_help=True,
)
app.add_typer(search_app, name="search")
airflow_app = typer.Typer(help="Running Candor under Airflow.", no_args_is_help=True)
app.add_typer(airflow_app, name="airflow")
user_app = typer.Typer(help="Studio users (viewer, curator, admin).", no_args_is_help=True)
app.add_typer(user_app, name="user")
import_app = typer.Typer(
    help="Import outside figures (CSV) as metric snapshots.", no_args_is_help=True
)
app.add_typer(import_app, name="import")
plan_app = typer.Typer(
    help="Plan the pilot: write the planning report, or rename, merge and promote scenarios.",
    invoke_without_command=True,
)
app.add_typer(plan_app, name="plan")

out = Console()
err = Console(stderr=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help=f"Configuration file (default: ./{CONFIG_FILE})."),
]


class _State:
    config: Path | None = None


@app.callback()
def _main(
    config: ConfigOption = None,
    log_json: Annotated[bool, typer.Option(help="Write logs as JSON lines to stderr.")] = False,
) -> None:
    _State.config = config
    logs.configure(json_lines=log_json)


def _settings() -> Settings:
    return load_settings(_State.config)


def _progress_bars() -> Progress:
    """Rich progress bars on stderr; log lines written meanwhile scroll above them."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def _bar(bars: Progress, label: str) -> Callable[[int, int | None], None]:
    """A new bar named ``label``; returns the callback a stage reports its progress into."""
    task = bars.add_task(label, total=None)
    return lambda done, total: bars.update(task, completed=done, total=total)


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int | None], None]]:
    """One progress bar on stderr for one stage; yields the callback the stage reports into."""
    with _progress_bars() as bars:
        yield _bar(bars, label)


@app.command()
def init() -> None:
    """Create candor.yaml if missing, then create or migrate the store."""
    path = _State.config or Path(CONFIG_FILE)
    if not path.exists():
        from candor.demo import EXAMPLE_CONFIG, EXAMPLE_TAXONOMY

        path.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
        out.print(f"wrote {path}: edit venues and products, then run `candor crawl`")
        taxonomy = path.parent / "taxonomy.yaml"  # what the example configuration names
        if not taxonomy.exists() and EXAMPLE_TAXONOMY.exists():
            taxonomy.write_text(EXAMPLE_TAXONOMY.read_text(encoding="utf-8"), encoding="utf-8")
            out.print(f"wrote {taxonomy}: the sample forum's issue categories, edit them for yours")
    taxonomy = stages.init(load_settings(path))
    out.print(f"store ready; {len(taxonomy.categories)} taxonomy categories loaded")


@app.command()
def crawl(
    venue: Annotated[str | None, typer.Option(help="Only this venue.")] = None,
    max_threads: Annotated[int | None, typer.Option(min=1, help="Stop after N threads.")] = None,
    full: Annotated[
        bool | None,
        typer.Option(
            "--full/--incremental",
            help="Walk whole listings and check unlisted threads for deletion, or only what "
            "changed (default: full when a venue's full_crawl_days have passed).",
            show_default=False,
        ),
    ] = None,
    category: Annotated[
        str | None, typer.Option(help="Only this one of the venue's `categories:`.")
    ] = None,
) -> None:
    """Fetch new and changed threads from the configured forums."""
    with _progress("crawl") as progress:
        reports = stages.crawl(_settings(), venue, max_threads, progress, full, category)
    for r in reports:
        out.print(f"{r.venue}: {r.status}, " + ", ".join(f"{k} {v}" for k, v in r.stats.items()))


@app.command()
def enrich() -> None:
    """Clean, redact, embed and judge every thread that changed."""
    with _progress("enrich") as progress:
        r = stages.enrich(_settings(), progress)
    out.print(
        f"enriched {r.threads_enriched} threads, {r.posts_enriched} posts, "
        f"{r.annotations} annotations in {r.seconds:.1f} s"
    )


@app.command("index")
def index_(
    rebuild: Annotated[
        bool, typer.Option(help="Build a fresh index from the corpus and swap it in.")
    ] = False,
) -> None:
    """Bring the search index up to date: only threads whose enrichment changed."""
    r = stages.index(_settings(), rebuild=rebuild)
    out.print(
        f"indexed {r.threads_indexed} threads ({r.posts_indexed} posts), deleted "
        f"{r.threads_deleted} threads ({r.posts_deleted} posts){', rebuilt' if r.rebuilt else ''}"
        f" in {r.seconds:.1f} s"
    )


@search_app.command("init")
def search_init() -> None:
    """Create the index templates, alias or tables if missing (idempotent)."""
    info = stages.search_init(_settings())
    out.print(", ".join(f"{k} {v}" for k, v in info.items()))


@search_app.command("query")
def search_query(
    text: Annotated[str, typer.Argument(help="Words to look for (may be empty with --like).")] = "",
    product: Annotated[
        list[str] | None, typer.Option(help="Only threads about this product slug (repeatable).")
    ] = None,
    like: Annotated[
        int | None, typer.Option(help="Threads like this thread id (with TEXT: hybrid).")
    ] = None,
    size: Annotated[int, typer.Option(min=1, max=100, help="How many hits.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the threads and posts that match, best first."""
    hits = stages.search_query(_settings(), text, product, like, size)
    if as_json:
        out.print_json(json.dumps(hits))
        return
    if not hits:
        err.print("no hits")
    for hit in hits:
        title = escape(f"{hit['title']}  {hit['url']}")
        out.print(f"[bold]{hit['score']:.3f}[/bold]  thread {hit['thread_id']}  {title}")
        for fragment in hit["highlights"]:
            out.print(f"    {fragment}", highlight=False, markup=False)


@app.command("select")
def select_() -> None:
    """Propose candidate threads for every product, with their score parts."""
    r = stages.select_threads(_settings())
    out.print(f"{r.candidates} candidates for {r.products} products ({r.changed} changed)")


@app.command()
def approve(
    product: Annotated[str, typer.Argument(help="Product slug, e.g. signal-desktop.")],
    reviewer: Annotated[str, typer.Option(help="Who approves (recorded in the audit log).")],
    top: Annotated[int, typer.Option(min=0, help="Approve the N best unreviewed candidates.")] = 0,
    candidate: Annotated[
        list[int] | None, typer.Option(help="Approve these candidate ids.")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (recorded).")] = None,
) -> None:
    """Approve candidates for a product page (the studio does this with evidence in view)."""
    if not top and not candidate:
        raise typer.BadParameter("say which: --top N or --candidate ID")
    ids = stages.approve(_settings(), product, reviewer, top, candidate, reason)
    out.print(f"approved {len(ids)} candidates of {product}: {ids}")


@app.command()
def publish(
    rollback: Annotated[bool, typer.Option(help="Switch back to the previous release.")] = False,
) -> None:
    """Publish approved mash-ups as a new atomic release."""
    result = stages.publish(_settings(), rollback=rollback)
    if rollback:
        out.print(f"current release is now {result}")
    elif result.changed:
        out.print(
            f"published release {result.release}: {result.pages} pages, "
            f"{result.threads} threads at {result.path}"
        )
    else:
        out.print(f"nothing changed; release {result.release} stays current at {result.path}")


@app.command()
def withdraw(
    reviewer: Annotated[str, typer.Option(help="Who withdraws (recorded in the audit log).")],
    thread: Annotated[
        int | None, typer.Option(help="Withdraw this thread from every product page.")
    ] = None,
    candidate: Annotated[
        int | None, typer.Option(help="Withdraw only this candidate (one product page).")
    ] = None,
    reason: Annotated[str, typer.Option(help="Why (recorded).")] = "removal requested",
) -> None:
    """Take a thread off the product pages now: record a rejection and publish at once."""
    if (thread is None) == (candidate is None):
        raise typer.BadParameter("say which: --thread ID or --candidate ID")
    result = stages.withdraw(_settings(), reviewer, reason, thread, candidate)
    report = result.publish
    out.print(f"rejected {len(result.rejected)} candidates: {result.rejected}")
    if report.changed:
        out.print(f"published release {report.release}: {report.threads} threads now shown")
    else:
        out.print(f"nothing shown changed; release {report.release} stays current")


@app.command()
def run(
    max_threads: Annotated[int | None, typer.Option(min=1, help="Stop crawling after N.")] = None,
) -> None:
    """Crawl, enrich, select and publish: every stage that needs no person."""
    settings = _settings()
    stages.init(settings)
    with _progress("crawl") as progress:
        stages.crawl(settings, None, max_threads, progress)
    with _progress("enrich") as progress:
        stages.enrich(settings, progress)
    stages.index(settings)
    stages.select_threads(settings)
    stages.publish(settings)
    status()


@app.command()
def demo(
    folder: Annotated[Path, typer.Option("--dir", help="Where the demo keeps its files.")] = Path(
        "demo"
    ),
    threads: Annotated[int, typer.Option(min=1, help="Sample threads to replay.")] = 300,
    all_threads: Annotated[bool, typer.Option("--all", help="Replay all sample threads.")] = False,
    taxonomy: Annotated[Path, typer.Option(help="The taxonomy to use.")] = Path("taxonomy.yaml"),
    sample_data: Annotated[
        Path | None,
        typer.Option(
            help="Sample Discourse topics (default: CANDOR_SAMPLE_DATA or ../shared/data/…)."
        ),
    ] = None,
) -> None:
    """Run the whole pipeline on the sample forum and show where to look."""
    from candor.demo import run_demo

    data = sample_data or Path(
        os.environ.get("CANDOR_SAMPLE_DATA", "../shared/data/discourse-signal-topics.jsonl.gz")
    )

    with _progress_bars() as bars:
        result = run_demo(
            folder,
            taxonomy,
            data,
            None if all_threads else threads,
            progress=lambda label: _bar(bars, label),
        )
    for step, summary in result.steps:
        out.print(f"[bold]{step:>8}[/bold]  {summary}")
    _print_status(stages.status(result.settings))
    out.print(f"\nOpen the published site: [bold]{result.site}/index.html[/bold]")
    out.print(f"Configuration and store: {folder.resolve()}")


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """How far each stage got, and the latest crawl report per venue."""
    result = stages.status(_settings())
    if as_json:
        out.print_json(json.dumps({"counts": asdict(result.counts), "crawls": result.crawls}))
    else:
        _print_status(result)


@app.command("settings")
def show_settings() -> None:
    """Print every setting as Candor reads it (candor.yaml, environment, defaults), as YAML."""
    import yaml

    values = _settings().model_dump(mode="json")
    if values.get("studio", {}).get("secret_key"):
        values["studio"]["secret_key"] = "(set)"
    typer.echo(yaml.safe_dump(values, sort_keys=False, allow_unicode=True), nl=False)


@app.command()
def doctor(
    deep: Annotated[
        bool, typer.Option(help="Load the models too (seconds), not only find their files.")
    ] = False,
) -> None:
    """Check the store, search index, publish target, models and forums; say how to fix each.

    Exits 1 when any check finds a problem. Writes nothing.
    """
    from candor.doctor import diagnose

    checks = diagnose(_settings(), deep=deep)
    for check in checks:
        out.print(check.line(), highlight=False, markup=False, soft_wrap=True)
    problems = sum(not c.ok for c in checks)
    if problems:
        raise CandorError(f"{problems} of {len(checks)} checks found a problem (see above)")


def _print_status(result: stages.Status) -> None:
    table = Table("stage", "count", title="candor status")
    for name, value in asdict(result.counts).items():
        table.add_row(name.replace("_", " "), str(value))
    out.print(table)
    for crawl_ in result.crawls:
        out.print("last crawl: " + ", ".join(f"{k} {v}" for k, v in crawl_.items()))


@app.command()
def devset(
    output: Annotated[Path, typer.Option("--out", help="Where to write the eval file.")],
    sample_data: Annotated[
        Path | None, typer.Option(help="Sample topics (default: settings).")
    ] = None,
) -> None:
    """Join the dev set's labels with the sample forum's text into an eval file."""
    from candor.devset import build

    settings = _settings()
    items = list(build(sample_data or settings.sample_data, _dev_venue(settings)))
    _write(output, "".join(json.dumps(i) + "\n" for i in items))
    out.print(f"wrote {len(items)} items to {output}")


@app.command()
def agreement(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """How far two readers of the dev set agree: the ceiling for Candor's own figures."""
    from candor.devset import agreement as measure

    report = measure()
    if as_json:
        out.print_json(data=report)
        return
    table = Table("key", "items", "kappa", "precision", "recall", "F1", title="second reading")
    for key, m in report.items():
        table.add_row(key, *(str(m[k]) for k in ("items", "kappa", "precision", "recall", "f1")))
    out.print(table)


@app.command()
def forget(
    requested_by: Annotated[str, typer.Option(help="Who handles the request (audit log).")],
    venue: Annotated[str, typer.Option(help="The forum the words are from.")],
    author: Annotated[str | None, typer.Option(help="Remove every post of this username.")] = None,
    post: Annotated[
        str | None, typer.Option(help="Remove this post (the forum's post id).")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (recorded).")] = None,
) -> None:
    """Honour a removal request: the words leave every release, index and export."""
    if (author is None) == (post is None):
        raise typer.BadParameter("say whose words to remove: --author NAME or --post ID")
    r = stages.forget(_settings(), venue, requested_by, author, post, reason)
    out.print(
        f"removed {r.posts} posts from {r.threads} threads; release {r.publish.release} is "
        f"current; purged {len(r.purged)} older releases: {r.purged}"
    )


@app.command("train-head")
def train_head(
    name: Annotated[str, typer.Argument(help="Which head: admission or category.")] = "admission",
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Decision threshold (signal heads).")
    ] = 0.7,
) -> None:
    """Fit a head on the dev set's tune split and save it beside the code."""
    from candor.training import TRAINABLE, train, train_category

    if name not in {*TRAINABLE, "category"}:
        raise typer.BadParameter(
            f"no trainable head {name!r}; choose from {sorted({*TRAINABLE, 'category'})}"
        )
    settings = _settings()
    venue = _dev_venue(settings)
    if name == "category":
        trained, path = train_category(settings, venue)
        out.print(f"trained category on {trained.trained_on} → {path}")
        return
    head, path = train(settings, venue, name, threshold)
    out.print(f"trained {name} on {head.trained_on} → {path}")


def _write(path: Path, text: str) -> None:
    """Write a result file, or say plainly why it cannot be written."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write it ({exc.strerror})") from exc


def _dev_venue(settings: Settings, name: str | None = None) -> VenueConfig:
    """The venue whose rules the dev set is read with: ``name``, the first configured venue,
    else the example configuration's (the sample forum's)."""
    from candor.demo import example_venue

    if name is not None:
        return settings.venue(name)
    return settings.venues[0] if settings.venues else example_venue()


@app.command("eval")
def eval_(
    file: Annotated[Path, typer.Argument(help="Labelled items, JSON Lines (see README).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    predictions: Annotated[Path | None, typer.Option(help="Write predictions here.")] = None,
    venue: Annotated[
        str | None,
        typer.Option(
            help="Whose category_hints read the threads' forum_category (default: the first "
            "configured venue, else the example's). Threads are linked to the configured "
            "products, else the example's."
        ),
    ] = None,
) -> None:
    """Judge a labelled set: precision, recall and F1 per key, beside a keyword baseline."""
    from candor.demo import example_products
    from candor.evaluate import evaluate_file

    settings = _settings()
    products = settings.products or example_products()
    report, preds = evaluate_file(settings, file, _dev_venue(settings, venue), products)
    if predictions:
        _write(predictions, "".join(json.dumps(asdict(p)) + "\n" for p in preds))
    if as_json:
        out.print_json(json.dumps(report["all"]))
        return
    for split, figures in report.items():
        _print_eval(split, figures)


def _print_eval(split: str, report: dict[str, Any]) -> None:
    table = Table("key", "support", "precision", "recall", "F1", "baseline F1", title=split)
    for key, figures in report.items():
        base = figures["keyword_baseline"]
        table.add_row(
            key,
            str(figures["support"]),
            f"{figures['precision']:.3f}",
            f"{figures['recall']:.3f}",
            f"{figures['f1']:.3f}",
            f"{base['f1']:.3f}",
        )
    out.print(table)
    confusion = report.get("staff_post_kind", {}).get("confusion")
    if confusion:
        kinds = sorted({k for row in confusion.values() for k in row} | set(confusion))
        matrix = Table("gold \\ predicted", *kinds, title=f"{split}: staff post kinds")
        for gold in kinds:
            matrix.add_row(gold, *(str(confusion.get(gold, {}).get(k, 0)) for k in kinds))
        out.print(matrix)


@venue_app.command("check")
def venue_check(
    url: Annotated[str, typer.Argument(help="A page of the forum, usually its home page.")],
    allow_private: Annotated[
        bool, typer.Option(help="The forum is on a private or loopback address on purpose.")
    ] = False,
) -> None:
    """Fetch robots.txt and one page, detect the platform, and say how to configure it."""
    from crawlers.venue_check import check_venue

    settings = _settings()
    agent = settings.crawl.user_agent.format(contact=settings.crawl.contact_url)
    try:
        found = check_venue(url, agent, allow_private=allow_private)
    except OSError as exc:
        raise CandorError(f"cannot reach {url}: {exc}") from exc
    robots = "none" if not found.robots_found else ("allows" if found.allowed else "forbids")
    out.print(
        f"robots.txt: {robots}"
        + (f", Crawl-delay {found.crawl_delay:g} s" if found.crawl_delay else "")
    )
    out.print(
        f"platform: {found.platform or 'unknown'}" + (f" ({found.engine})" if found.engine else "")
    )
    for line in found.advice:
        out.print(line, highlight=False)


@sample_forum_app.command("serve")
def sample_forum_serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 8765,
    threads: Annotated[int | None, typer.Option(min=1, help="Serve the N latest threads.")] = None,
    chunk_size: Annotated[int, typer.Option(min=1, help="Posts embedded per topic page.")] = 20,
) -> None:
    """Serve the sample data like a Discourse forum until Ctrl-C."""
    from candor.sample_forum import serve_forever

    serve_forever(_settings().sample_data, port=port, limit=threads, chunk_size=chunk_size)


@airflow_app.command("pools")
def airflow_pools() -> None:
    """Print one Airflow pool per venue (slots: its concurrency) for `airflow pools import`."""
    from candor.pools import pools

    typer.echo(json.dumps(pools(_settings()), indent=2))


@app.command()
def studio(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8700,
) -> None:
    """Serve the curation studio (queue, search, mash-ups, audit log) until Ctrl-C."""
    from candor.studio.serve import serve

    err.print(f"studio on http://{host}:{port}/ (create users with `candor user add`)")
    serve(_settings(), host, port)


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        str, typer.Option(help="viewer (reads), curator (decides, publishes), admin (users too).")
    ] = "curator",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Create a studio user; the password is prompted for (or read from stdin)."""
    from candor.studio.serve import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    create_user(_settings(), username, password, role)
    out.print(f"user {username} added ({role})")


@user_app.command("token")
def user_token(
    name: Annotated[str, typer.Argument(help="What will use the token, e.g. 'CRM sync'.")],
    user: Annotated[str, typer.Option(help="The user the token acts as (with their role).")],
) -> None:
    """Make an API token (Authorization: Bearer …) for a user; it is printed this once."""
    from candor.studio.serve import create_api_token

    token_id, token = create_api_token(_settings(), user, name)
    err.print(f"token {token_id} for {user}: store it now, it is not shown again")
    typer.echo(token)


@user_app.command("tokens")
def user_tokens(
    user: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None,
) -> None:
    """List API tokens: id, name, user, created, last used, revoked (never the token itself)."""
    from candor.studio.serve import api_tokens

    table = Table("id", "name", "user", "created", "last used", "revoked", title="API tokens")
    for row in api_tokens(_settings(), user):
        table.add_row(*(escape(str(v or "–")) for v in row.values()))
    out.print(table)


@user_app.command("revoke-token")
def user_revoke_token(
    token_id: Annotated[int, typer.Argument(help="The token's id (`candor user tokens`).")],
) -> None:
    """Revoke an API token: requests with it are refused from now on."""
    from candor.studio.serve import revoke_api_token

    row = revoke_api_token(_settings(), token_id)
    out.print(f"token {row['id']} ({row['name']}, {row['user']}) revoked")


def _import(kind: str, path: Path) -> None:
    from candor.measure import import_csv

    result = import_csv(_settings(), kind, path)
    out.print(
        f"imported {result.rows} rows into scope {result.scope} ({result.first} to {result.last})"
    )


CsvFile = Annotated[Path, typer.Argument(help="The CSV export (header row first).")]


@import_app.command("gsc")
def import_gsc(path: CsvFile) -> None:
    """Search Console performance: date, query/page, clicks, impressions, CTR, position."""
    _import("gsc", path)


@import_app.command("social")
def import_social(path: CsvFile) -> None:
    """Social-monitoring mentions: source, url, date, rank (optional product)."""
    _import("social", path)


@import_app.command("orders")
def import_orders(path: CsvFile) -> None:
    """Orders or sign-ups: order_id, date, referral (the link code), optional amount, kind."""
    _import("orders", path)


@import_app.command("views")
def import_views(path: CsvFile) -> None:
    """Requests of mash-up fragments per day (experiments): date, path, requests."""
    _import("views", path)


def _day(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command()
def snapshot(
    at: Annotated[
        str | None, typer.Option(help="Date the snapshot describes (default: now).")
    ] = None,
) -> None:
    """Take the metric snapshots (products, categories, venues, contributors) now or --at DATE."""
    from candor.measure import snapshot as take

    rows = take(_settings(), _day(at) if at else None)
    out.print("snapshot: " + ", ".join(f"{n} {scope}" for scope, n in rows.items()))


@app.command()
def report(
    since: Annotated[str, typer.Option(help="Start of the period, YYYY-MM-DD.")],
    fmt: Annotated[str, typer.Option("--format", help="md, html or csv.")] = "md",
    output: Annotated[Path | None, typer.Option("--out", help="Write here, not stdout.")] = None,
) -> None:
    """The weekly pilot report from the snapshots (take them with `candor snapshot`)."""
    from candor.measure import weekly_report
    from candor.measure.report import FORMATS

    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}")
    text = weekly_report(_settings(), _day(since), fmt)
    if output:
        _write(output, text)
        err.print(f"wrote {output}")
    else:
        typer.echo(text, nl=False)


@plan_app.callback()
def plan(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("--out", help="Folder for plan.md, plan.html and charts/.")
    ] = Path("plan"),
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date the plan describes (default: the newest post)."),
    ] = None,
) -> None:
    """Write the pilot-planning report: products, scenarios and venues to serve in, and where to
    observe only, with the figures behind each recommendation (docs/planning.md)."""
    if ctx.invoked_subcommand is not None:
        return
    from candor.plan import write_plan

    for path in write_plan(_settings(), output, _day(as_of) if as_of else None):
        out.print(f"wrote {path}")


ScenarioKey = Annotated[
    str, typer.Argument(help="PRODUCT/SCENARIO as the report lists it, e.g. signal-desktop/qr.")
]


@plan_app.command("rename")
def plan_rename(
    scenario: ScenarioKey,
    name: Annotated[str, typer.Argument(help="The label to show, e.g. 'Linking a desktop'.")],
) -> None:
    """Show a scenario under a name of your own (kept in plan.scenarios_file)."""
    from candor.plan import rename_scenario

    path = rename_scenario(_settings(), scenario, name)
    out.print(f"{scenario} is now shown as {name!r} ({path})")


@plan_app.command("merge")
def plan_merge(
    scenario: ScenarioKey,
    into: Annotated[str, typer.Argument(help="PRODUCT/SCENARIO that absorbs its threads.")],
) -> None:
    """Fold a scenario into another one of the same product (kept in plan.scenarios_file)."""
    from candor.plan import merge_scenarios

    path = merge_scenarios(_settings(), scenario, into)
    out.print(f"{scenario} is merged into {into} ({path})")


@plan_app.command("promote")
def plan_promote(
    scenario: ScenarioKey,
    category_id: Annotated[
        str | None, typer.Option("--id", help="Category id (default: from the label).")
    ] = None,
    description: Annotated[
        str | None, typer.Option(help="Category description (default: from the scenario).")
    ] = None,
) -> None:
    """Append a scenario to the taxonomy file as a new category (the next enrich uses it)."""
    from candor.plan import promote_scenario

    settings = _settings()
    category = promote_scenario(settings, scenario, category_id, description)
    out.print(f"added category {category.id!r} to {settings.taxonomy}; run `candor enrich`")


def main() -> None:
    """Entry point: maps errors to exit codes (see the module docstring)."""
    try:
        app(standalone_mode=False)
    except CandorError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except typer.TyperException as exc:  # usage errors: a wrong option or value
        exc.show()  # type: ignore[attr-defined]
        sys.exit(1)
    except Exception as exc:  # a bug: say so briefly, keep the trace for who asks
        err.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc}", highlight=False)
        if os.environ.get("CANDOR_DEBUG"):
            traceback.print_exc()
        else:
            err.print("run again with CANDOR_DEBUG=1 for the full trace, and report it")
        sys.exit(2)
