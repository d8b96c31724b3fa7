"""Validating a release folder before it goes live."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.render import render_site
from publisher.validate import ReleaseInvalid, validate_release
from tests.publisher.sample_views import mashup


def write(folder: Path, files: dict[str, bytes]) -> Path:
    for relative, content in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(content)
    return folder


def test_validate_accepts_a_rendered_release(tmp_path: Path) -> None:
    folder = write(tmp_path / "r", render_site([mashup()], "https://acme.example"))

    validate_release(folder, ["acme-sync"])


def test_validate_refuses_a_missing_product_page(tmp_path: Path) -> None:
    folder = write(tmp_path / "r", render_site([mashup()], "https://acme.example"))
    (folder / "products/acme-sync.html").unlink()

    with pytest.raises(ReleaseInvalid, match=r"products/acme-sync.html: missing"):
        validate_release(folder, ["acme-sync"])


@pytest.mark.parametrize(
    ("replace", "by", "problem"),
    [
        ("<main", "<div", "0 <main> elements"),
        ('lang="en"', 'lang="de"', 'no <html lang="en">'),
        ('name="viewport"', 'name="robots"', "no viewport"),
        ("</article>", "", "unclosed tags|expected"),
        ("https://forum.example/t/sync/3", "javascript:alert(1)", "is not http"),
        ("../static/candor.css", "../static/missing.css", "points to no file"),
        ("<h2", '<h2 onmouseover="x()"', "event handler"),
        ("</main>", "<script>x()</script></main>", "<script> is not allowed"),
    ],
)
def test_validate_refuses_a_broken_page(
    tmp_path: Path, replace: str, by: str, problem: str
) -> None:
    folder = write(tmp_path / "r", render_site([mashup()], "https://acme.example"))
    page = folder / "products/acme-sync.html"
    page.write_text(page.read_text("utf-8").replace(replace, by), "utf-8")

    with pytest.raises(ReleaseInvalid, match=problem):
        validate_release(folder, ["acme-sync"])
