"""The API's documentation page, ``/api/docs``: Swagger UI served by the studio itself.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script. Offline the
first fails, and the studio's Content-Security-Policy (``script-src 'self'``) refuses the second
anywhere, so the page was blank. Here the script and stylesheet come from the ``fastapi-offline``
package, and the page's policy admits its one inline script by hash, nothing else inline.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/api/docs/assets"


def mount_api_docs(app: FastAPI, url: str = "/api/docs") -> None:
    """Serve Swagger UI for ``app``'s OpenAPI schema at ``url`` (create the app with
    ``docs_url=None``)."""
    assert app.openapi_url, "the app must publish its OpenAPI schema"
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
    ).body
    headers = {"Content-Security-Policy": policy(bytes(page).decode())}
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="api-docs-assets")

    @app.get(url, include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)


def policy(html: str) -> str:
    """The page's Content-Security-Policy: scripts from the studio and the page's own inline
    scripts, each by its SHA-256 (Swagger UI sets styles inline, so those are allowed)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )
