"""Helpers for the browser tests of the public site (not a conftest: imported explicitly).

* ``audit_page(page, url, ...)`` loads a URL and checks what every public page must satisfy:
  the HTTP status, ``<html lang>``, exactly one ``<h1>``, no axe-core violations (WCAG 2.1 A/AA),
  no third-party requests and no failed requests for the page's own assets. It returns an
  ``Audit`` with every problem found, so that a test can visit many pages and report all of
  them at once.
* ``serve_media(page)`` answers ``/media/`` requests from ``settings.MEDIA_ROOT``: the live
  server (DEBUG=False) does not serve user uploads, so images would otherwise be broken.
* ``guarded_context(browser, ...)`` a browser context (e.g. without JavaScript) with the same
  guard against third-party traffic as the ``context`` fixture.
* ``format_table(rows)`` the per-page results as a small text table.
* ``ensure_wagtail_baseline()`` recreates what Wagtail's data migrations create (default
  locale, root page, welcome page, default site, root collection) when an earlier
  transactional test flushed the database.
"""

from __future__ import annotations

import contextlib
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

from .axe import format_violations, run_axe
from .conftest import DEFAULT_TIMEOUT_MS, is_local

WELCOME_TITLE = "Welcome to your new Wagtail site!"


def ensure_wagtail_baseline() -> None:
    """Recreate the rows of Wagtail's data migrations that the browser tests rely on.

    ``live_server`` tests run with ``transaction=True``: pytest-django flushes every table after
    each such test. Django's post_migrate handlers then recreate content types and model
    permissions, but not what data migrations created: the default locale, the root page and
    default site, the root collection and wagtail-localize's "submit_translation" permission.
    (``serialized_rollback=True`` should restore them, but in this suite the serialized
    contents are missing whenever non-browser tests run first, see the report.) This creates
    them the way the migrations do, and changes nothing when they exist.
    """
    from django.conf import settings as django_settings
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Collection, Locale, Page, Site

    locale, _ = Locale.objects.get_or_create(language_code=django_settings.LANGUAGE_CODE)
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    if not Site.objects.filter(is_default_site=True).exists():
        home = root.add_child(instance=Page(title=WELCOME_TITLE, slug="home", locale=locale))
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    # wagtail_localize/migrations/0006_create_submit_translation_permission.py
    translation_type, _ = ContentType.objects.get_or_create(
        app_label="wagtail_localize", model="translation"
    )
    Permission.objects.get_or_create(
        content_type=translation_type,
        codename="submit_translation",
        defaults={"name": "Can submit translations"},
    )


@dataclass
class Audit:
    label: str
    url: str
    status: int | None = None
    lang: str | None = None
    h1_count: int | None = None
    violations: list[dict] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def row(self) -> list[str]:
        return [
            self.label,
            str(self.status),
            str(self.lang),
            str(self.h1_count),
            str(len(self.violations)),
            ", ".join(sorted({v["id"] for v in self.violations})) or "-",
            "ok" if self.ok else f"{len(self.problems)} problem(s)",
        ]


TABLE_HEADER = ["page type", "HTTP", "lang", "h1", "axe", "axe rules", "result"]


def format_table(audits: list[Audit]) -> str:
    rows = [TABLE_HEADER] + [a.row() for a in audits]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_HEADER))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def format_problems(audits: list[Audit]) -> str:
    parts = []
    for audit in audits:
        if audit.problems:
            parts.append(f"== {audit.label} ({audit.url})")
            parts.extend(f"  - {problem}" for problem in audit.problems)
    return "\n".join(parts)


def serve_media(page) -> None:
    """Fulfil the page's /media/ requests from MEDIA_ROOT (read when each request is made)."""

    def handler(route):
        path = unquote(urlsplit(route.request.url).path)
        relative = path[len(settings.MEDIA_URL) :]
        root = Path(settings.MEDIA_ROOT).resolve()
        file = (root / relative).resolve()
        if root in file.parents and file.is_file():
            content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            route.fulfill(path=str(file), content_type=content_type)
        else:
            route.fulfill(status=404, body="not found")

    local_media = r"^https?://(localhost|127\.0\.0\.1)(:\d+)?" + re.escape(settings.MEDIA_URL)
    page.route(re.compile(local_media), handler)


@contextlib.contextmanager
def track_broken(page):
    """Requests of the page for its own assets that failed or got a 4xx/5xx answer."""
    broken: list[str] = []

    def on_response(response):
        is_asset = response.request.resource_type != "document"
        if response.status >= 400 and is_asset and is_local(response.url):
            broken.append(f"{response.status} {response.url}")

    def on_failed(request):
        if is_local(request.url):
            broken.append(f"failed ({request.failure}) {request.url}")

    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    try:
        yield broken
    finally:
        page.remove_listener("response", on_response)
        page.remove_listener("requestfailed", on_failed)


def audit_page(page, base_url, path, *, label, status=200, lang="en", axe=True) -> Audit:
    """Load ``base_url + path`` in ``page`` and check it; all problems end up in the result."""
    audit = Audit(label=label, url=path)
    page.external_requests.clear()
    with track_broken(page) as broken:
        _check(page, audit, base_url + path, status=status, lang=lang, axe=axe)
        audit.broken = list(broken)
    if audit.broken:
        audit.problems.append(f"failed requests for the page's own assets: {audit.broken}")
    return audit


def _check(page, audit, url, *, status, lang, axe):
    try:
        response = page.goto(url, wait_until="load")
    except Exception as exc:
        audit.problems.append(f"could not load: {exc}")
        return
    audit.status = response.status if response else None
    if audit.status != status:
        audit.problems.append(f"HTTP status {audit.status}, expected {status}")
    audit.lang = page.evaluate("() => document.documentElement.getAttribute('lang')")
    if audit.lang != lang:
        audit.problems.append(f'<html lang="{audit.lang}">, expected "{lang}"')
    audit.h1_count = page.locator("h1").count()
    if audit.h1_count != 1:
        headings = page.locator("h1").all_inner_texts()
        audit.problems.append(f"{audit.h1_count} <h1> elements, expected exactly one: {headings}")
    if axe:
        audit.violations = run_axe(page)
        if audit.violations:
            audit.problems.append(format_violations(audit.violations))
    audit.external = list(page.external_requests)
    if audit.external:
        audit.problems.append(f"third-party requests (blocked): {audit.external}")


@contextlib.contextmanager
def guarded_context(browser, external_requests: list[str], **options):
    """A new browser context with the harness's guard: third-party requests blocked, recorded."""
    options.setdefault("bypass_csp", True)
    options.setdefault("service_workers", "block")
    options.setdefault("locale", "en-GB")
    options.setdefault("timezone_id", "Europe/Warsaw")
    context = browser.new_context(**options)

    def guard(route):
        if is_local(route.request.url):
            route.continue_()
        else:
            external_requests.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()
