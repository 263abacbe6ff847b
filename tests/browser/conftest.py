"""Browser fixtures: headless system Chromium driven by Playwright's sync API.

    @pytest.mark.browser
    def test_home(page, live_server, external_requests):
        page.goto(live_server.url + "/en/")
        assert not run_axe(page)
        assert external_requests == []

* ``browser`` (session): ``/usr/bin/chromium`` (or ``chromium`` on PATH, or
  ``$CITIES_CMS_CHROMIUM``). Playwright's own browser downloads are never used.
* ``page`` (per test, in a fresh browser context closed afterwards).
* ``external_requests`` (per test): every request the page tried to make to a host other than
  127.0.0.1/localhost/::1. Those requests are aborted, never sent. Also ``page.external_requests``.

Without Chromium or axe-core (``npm ci``) the tests skip; with CITIES_CMS_REQUIRE_BROWSER=1
they fail instead. Every test under tests/browser/ gets the ``browser`` marker.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

from .axe import AXE_JS

# Playwright's sync API runs an asyncio event loop on the test's own thread (in a greenlet), so
# Django's async-safety guard sees a "running event loop" and raises SynchronousOnlyOperation
# for ORM calls made by test code or fixtures after Playwright has started. The test code is
# still strictly sequential (nothing else uses that connection concurrently), so the guard is a
# false positive here. setdefault keeps an explicit value from the environment.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_ENV = "CITIES_CMS_REQUIRE_BROWSER"
CHROMIUM_ENV = "CITIES_CMS_CHROMIUM"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
NETWORK_SCHEMES = frozenset({"http", "https", "ws", "wss"})
DEFAULT_TIMEOUT_MS = 15_000
BROWSER_DIR = Path(__file__).resolve().parent


def _required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _unavailable(reason: str) -> None:
    if _required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(f"{reason} (set {REQUIRE_ENV}=1 to fail instead)")


def chromium_path() -> str | None:
    if os.environ.get(CHROMIUM_ENV):
        return os.environ[CHROMIUM_ENV]
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def is_local(url: str) -> bool:
    """True for requests that stay on this machine (and for data:, blob:, about: URLs)."""
    parts = urlsplit(url)
    if parts.scheme not in NETWORK_SCHEMES:
        return parts.scheme in {"data", "blob", "about"}
    return parts.hostname in LOCAL_HOSTS


def pytest_collection_modifyitems(items):
    # So that `-m "not browser"` always leaves these out, even if a test forgets the marker.
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if not executable or not os.access(executable, os.X_OK):
        _unavailable(
            "Chromium not found at /usr/bin/chromium or on PATH (apt-get install chromium)"
        )
    if not AXE_JS.is_file():
        _unavailable(f"axe-core not installed: {AXE_JS} is missing (npm ci)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def external_requests() -> list[str]:
    """URLs the page tried to load from anywhere but this machine (all were blocked)."""
    return []


@pytest.fixture
def context(browser, external_requests):
    context = browser.new_context(
        # axe-core is injected as an inline <script>, which a strict Content-Security-Policy
        # would block. Check CSP through response headers, not through this browser.
        bypass_csp=True,
        # Requests made by a service worker would bypass the route below.
        service_workers="block",
        locale="en-GB",
        timezone_id="Europe/Warsaw",
    )

    def guard(route):
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            external_requests.append(url)
            route.abort("blockedbyclient")

    def guard_websocket(websocket):
        if is_local(websocket.url):
            websocket.connect_to_server()
        else:
            external_requests.append(websocket.url)
            websocket.close()

    context.route("**/*", guard)
    context.route_web_socket(re.compile(".*"), guard_websocket)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context, external_requests):
    page = context.new_page()
    page.external_requests = external_requests
    return page
