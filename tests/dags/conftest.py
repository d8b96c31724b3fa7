"""Fixtures for the Airflow tests, built once per session.

- ``forum``: the sample forum (``THREADS`` topics) replayed on 127.0.0.1.
- ``alerts``: a local HTTP server recording the JSON bodies POSTed to it (the alert webhook).
- ``candor_config``: a ``candor.yaml`` with two venues, the sample forum and ``gone-forum`` (a
  closed port: its crawls always fail; two categories, so two crawl tasks), three products, no
  retries and ``alerts`` as webhook.
- ``airflow_home``: a temporary ``AIRFLOW_HOME`` migrated with ``airflow db migrate`` (SQLite),
  ``dags/`` as the DAG folder, for the whole session: Airflow reads its configuration once, when
  first imported.
- ``dagbag``: the DAG folder parsed as the scheduler parses it, with ``candor_config``.
- ``candor_env(config)``: ``CANDOR_CONFIG`` set for a block (parsing and running the DAGs).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from candor.sample_forum import SampleForum, load_topics

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
THREADS = 15
PUBLIC = "https://community.signalusers.org"


@pytest.fixture(scope="session")
def topics(sample_data: Path) -> list[dict[str, Any]]:
    return load_topics(sample_data, limit=THREADS)


@pytest.fixture(scope="session")
def forum(topics: list[dict[str, Any]]) -> Iterator[SampleForum]:
    with SampleForum(topics, chunk_size=5) as forum:
        yield forum


class _Alerts(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(json.loads(body))  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


@pytest.fixture(scope="session")
def alerts() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Alerts)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def candor_config(
    tmp_path_factory: pytest.TempPathFactory, forum: SampleForum, alerts: ThreadingHTTPServer
) -> Path:
    home = tmp_path_factory.mktemp("candor")
    config = {
        "taxonomy": str(REPO / "taxonomy.yaml"),
        "venues": [
            {
                "name": "signal-community",
                "url": forum.base_url,
                "public_url": PUBLIC,
                "allow_private_address": True,
                "concurrency": 2,
                "staff": {"groups": ["signal_staff"], "username_suffix": "-signal"},
            },
            {
                "name": "gone-forum",
                "url": f"http://127.0.0.1:{closed_port()}",
                "allow_private_address": True,
                "concurrency": 1,
                "categories": ["help", "Ideas & wishes"],  # one crawl task each
            },
        ],
        "products": [
            {"name": "Signal Android", "aliases": ["android"]},
            {"name": "Signal iOS", "aliases": ["ios", "iphone"]},
            {"name": "Signal Desktop", "aliases": ["desktop", "linked device", "windows"]},
        ],
        "airflow": {
            "retries": 0,
            "alert_webhook": f"http://127.0.0.1:{alerts.server_address[1]}/alerts",
            "schedules": {"approvals": "@hourly"},
        },
    }
    path = home / "candor.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory, candor_config: Path) -> Iterator[Path]:
    # Airflow reads AIRFLOW_HOME once, when first imported: import it earlier and it would
    # use (and write to) ~/airflow. Tests import airflow and candor.scheduling inside functions.
    assert "airflow" not in sys.modules, "airflow was imported before the airflow_home fixture"
    home = tmp_path_factory.mktemp("airflow")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AIRFLOW_HOME", str(home))
        env.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS))
        env.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        env.setenv("HF_HUB_OFFLINE", "1")
        migrate = subprocess.run(
            [str(Path(sys.executable).with_name("airflow")), "db", "migrate"],
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
        yield home


@pytest.fixture(scope="session")
def dagbag(airflow_home: Path, candor_config: Path) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    with candor_env(candor_config):
        return DagBag(dag_folder=str(DAGS))


@contextmanager
def candor_env(config: Path) -> Iterator[None]:
    """``CANDOR_CONFIG`` set while the DAGs are parsed and run, and only then: other tests build
    their settings from arguments and must not pick this file up."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CANDOR_CONFIG", str(config))
        yield
