"""The Content-Security-Policy blocks nothing the site needs, in a real browser that enforces it.

The other browser tests bypass CSP (axe-core is injected inline); this one does not. It walks
Wagtail's admin (dashboard, a seminar's and a practice model's editor with date pickers,
rich text and StreamField, the translation status view) and public pages (home, a seminar
with inline JSON-LD and the site's branding colours, a practice model whose video the visitor
opts in to), and fails on any ``securitypolicyviolation`` the pages report.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from cities_cms.branding import BrandingSettings

from ..utils import build_site, make_practice_model, make_seminar
from .pages_conftest import ensure_wagtail_baseline

PASSWORD = "csp-Pa55word"

# Recorded in the page itself: init scripts are not subject to the page's policy.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(
        `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
        `(${event.sourceFile}:${event.lineNumber}) on ${document.location.pathname}`
    );
});
"""


@pytest.fixture
def enforcing_page(browser, external_requests):
    context = browser.new_context(service_workers="block", locale="en-GB")

    def guard(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost")):
            route.continue_()
        else:
            external_requests.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def violations(page):
    return page.evaluate("window.__cspViolations || []")


@pytest.mark.django_db(transaction=True)
def test_admin_and_public_pages_run_under_the_policy(enforcing_page, live_server):
    page = enforcing_page
    ensure_wagtail_baseline()
    tree = build_site()
    branding = BrandingSettings.for_site(tree.site)
    branding.primary_colour = "#123456"
    branding.save()
    seminar = make_seminar(tree.seminars, title="Seminar under policy")
    model = make_practice_model(
        tree.practices,
        title="Practice with a video",
        body=[("embed", {"url": "https://vimeo.com/76979871", "title": "Film"})],
    )
    get_user_model().objects.create_superuser("admin", "admin@example.org", PASSWORD)
    base = live_server.url
    seen = []

    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/admin/")
    seen += violations(page)
    for url in [
        f"/admin/pages/{seminar.pk}/edit/",
        f"/admin/pages/{model.pk}/edit/",
        f"/admin/pages/add/cities_cms/seminarpage/{tree.seminars.pk}/",
        "/admin/cities-cms/translations/",
    ]:
        response = page.goto(base + url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        seen += violations(page)
    # Wagtail's own scripts ran: the editor's tabs work.
    page.goto(f"{base}/admin/pages/{model.pk}/edit/")
    page.get_by_role("tab", name="Details").click()
    expect(page.get_by_role("combobox", name="Status")).to_be_visible()
    seen += violations(page)

    page.context.clear_cookies()
    for url in ["/", seminar.url]:
        page.goto(base + url)
        seen += violations(page)
    # The branding colour (an inline style with the nonce) applied.
    primary = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--cc-primary').trim()"
    )
    assert primary == "#123456"
    page.goto(base + model.url)
    page.get_by_role("button", name="Play here").click()
    expect(page.locator("iframe.cc-embed__frame")).to_have_count(1)
    page.wait_for_timeout(300)
    seen += violations(page)
    assert not seen, "\n".join(seen)
