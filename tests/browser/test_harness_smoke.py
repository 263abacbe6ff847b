"""The browser harness itself: Chromium starts, axe-core runs and can fail, traffic stays local."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .axe import format_violations, run_axe

ACCESSIBLE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Accessible page</title></head>
<body>
<header><p>Cities of change</p></header>
<main>
<h1>Accessible page</h1>
<p>A paragraph with a <a href="/other.html">descriptive link</a>.</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="A placeholder image">
</main>
</body>
</html>
"""

IMAGE_WITHOUT_ALT = ACCESSIBLE.replace(' alt="A placeholder image"', "")

THIRD_PARTY = ACCESSIBLE.replace(
    "</main>", '<img src="https://cdn.example.com/tracker.png" alt=""></main>'
)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def static_site(tmp_path):
    for name, html in {
        "accessible.html": ACCESSIBLE,
        "no-alt.html": IMAGE_WITHOUT_ALT,
        "third-party.html": THIRD_PARTY,
    }.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.browser
def test_accessible_page_has_no_violations(page, static_site, external_requests):
    page.goto(f"{static_site}/accessible.html")
    violations = run_axe(page)
    assert violations == [], format_violations(violations)
    assert external_requests == []


@pytest.mark.browser
def test_image_without_alt_is_reported(page, static_site):
    page.goto(f"{static_site}/no-alt.html")
    violations = run_axe(page)
    assert [v["id"] for v in violations] == ["image-alt"], format_violations(violations)
    assert "image-alt" in format_violations(violations)


@pytest.mark.browser
def test_third_party_requests_are_blocked_and_recorded(page, static_site, external_requests):
    page.goto(f"{static_site}/third-party.html", wait_until="load")
    assert external_requests == ["https://cdn.example.com/tracker.png"]
    assert page.external_requests is external_requests
