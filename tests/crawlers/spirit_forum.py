"""A real django-spirit forum for the HTML spider's tests: created, seeded and served locally.

:class:`SpiritForum` runs ``spirit startproject`` in a folder, migrates its SQLite database,
seeds it through Django's ORM (users with a moderator and an admin, two categories, topics
enough for two list pages, one topic long enough for three pages of comments, one removed
comment) and serves it with ``manage.py runserver 127.0.0.1:PORT --noreload``. Spirit's own
configuration is set small (5 topics, 10 comments per page) so pagination is exercised with
little data. :meth:`SpiritForum.django` runs ORM code in the project, to change the forum
between two crawls.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self

PROJECT = "acmeforum"
TOPICS_PER_PAGE = 5
COMMENTS_PER_PAGE = 10
LONG_TOPIC_COMMENTS = 23
TOPICS = 7
USERS = {"alice": None, "bob": None, "carol-acme": "moderator", "dave-acme": "admin"}
ROTATION = ["alice", "bob", "carol-acme", "dave-acme"]

SETTINGS = """\
from .dev import *  # noqa: F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ST_SITE_URL = "http://127.0.0.1/"
LOGGING = {"version": 1, "disable_existing_loggers": False}
"""

SEED = f"""
from datetime import datetime, timedelta, timezone
from django.contrib.auth import get_user_model
from spirit.admin.forms import BasicConfigForm
from spirit.category.models import Category
from spirit.comment.models import Comment
from spirit.topic.models import Topic

form = BasicConfigForm(data={{
    "site_name": "Acme Community", "site_description": "", "template_footer": "",
    "comments_per_page": {COMMENTS_PER_PAGE}, "topics_per_page": {TOPICS_PER_PAGE},
}})
assert form.is_valid(), form.errors
form.save()

User = get_user_model()
users = {{}}
for name, role in {USERS!r}.items():
    user = User.objects.create_user(name, name + "@example.com", "pw")
    user.st.is_moderator = role in ("moderator", "admin")
    user.st.is_administrator = role == "admin"
    user.st.is_verified = True
    user.st.save()
    users[name] = user
help_, billing = (Category.objects.create(title=t) for t in ("Desktop help", "Billing"))
t0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
rotation = {ROTATION!r}
for i in range({TOPICS}):
    topic = Topic.objects.create(
        user=users["alice"], category=help_ if i % 2 == 0 else billing,
        title=f"Linked device stops syncing #{{i}}", date=t0 + timedelta(days=i),
    )
    count = {LONG_TOPIC_COMMENTS} if i == 0 else 3
    for j in range(count):
        when = t0 + timedelta(days=i, minutes=7 * j)
        Comment.objects.create(
            user=users[rotation[j % 4] if j else "alice"], topic=topic, date=when,
            comment=f"c{{j}}", comment_html=f"<p>Reply {{j}} in topic {{i}}</p>",
            is_removed=(i == 1 and j == 1),
        )
    Topic.objects.filter(pk=topic.pk).update(comment_count=count, last_active=when)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SpiritForum:
    """A seeded Spirit project in ``folder``; a context manager serving it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.root = folder / PROJECT
        self.port = free_port()
        self._server: subprocess.Popen[bytes] | None = None
        bin_dir = str(Path(sys.executable).parent)
        self.env = {
            **os.environ,
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": f"{PROJECT}.settings.candor_test",
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def create(self) -> None:
        """Start a project, migrate it and seed it (about 10 s)."""
        self._run(
            [str(Path(sys.executable).parent / "spirit"), "startproject", PROJECT], self.folder
        )
        (self.root / PROJECT / "settings" / "candor_test.py").write_text(SETTINGS, encoding="utf-8")
        self._run([sys.executable, "manage.py", "migrate", "--no-input"], self.root)
        self.django(SEED)

    def django(self, code: str) -> None:
        """Run Python ``code`` with the project's Django set up (ORM available)."""
        self._run([sys.executable, "manage.py", "shell", "-c", code], self.root)

    def __enter__(self) -> Self:
        self._server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "server.log").open("wb"),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base_url + "/", timeout=2):
                    return self
            except (urllib.error.URLError, OSError):
                if self._server.poll() is not None or time.monotonic() > deadline:
                    log = (self.folder / "server.log").read_text(errors="replace")
                    raise RuntimeError(f"Spirit did not start:\n{log[-2000:]}") from None
                time.sleep(0.2)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.terminate()
            self._server.wait(timeout=15)
            self._server = None

    def _run(self, command: list[str], cwd: Path) -> None:
        done = subprocess.run(
            command, cwd=cwd, env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:3])} failed:\n{done.stderr[-3000:]}")
