"""An editor's journey through the real Wagtail admin, in a real browser.

Users get nothing but their group, as created by ``manage.py cities_cms_setup``:

1. a member of "City editors" logs in, adds a practice model under the practice model index,
   writes the rich text fields in Draftail, adds two StreamField blocks (Heading, Quote) with
   the block picker, chooses city (page chooser), theme and status on the Details tab, and
   submits the page to its workflow ("Submit to Network approval": editors cannot publish);
   the page is not public yet;
2. a member of "City reviewers" opens it from "Awaiting your review" on the dashboard and
   approves it; the practice model is not shared, so the "Network approval" step passes on
   its own and the page goes live;
3. an anonymous visitor sees the title, the rich text and both blocks on the public page,
   which passes axe-core and makes no third-party requests.

Locators are role- and label-based, taken from Wagtail 8's admin markup. Set
CITIES_CMS_SHOTS=/some/dir to save a screenshot of every step there when debugging.
"""

from __future__ import annotations

import io
import os
import re
import time
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect
from wagtail.models import Page, Site

from cities_cms.conf import settings as cities_settings
from cities_cms.pages import (
    CityIndexPage,
    CityPage,
    NetworkHomePage,
    PracticeModelIndexPage,
    PracticeModelPage,
)

from .axe import format_violations, run_axe
from .pages_conftest import ensure_wagtail_baseline

SHOTS_DIR = os.environ.get("CITIES_CMS_SHOTS")
PASSWORD = "journey-Pa55word"

TITLE = "Shared bicycles for students"
SUMMARY = "Students borrow bicycles from the city for a whole term."
CHALLENGE = "Students could not afford to commute to the campus."
APPROACH = "The city lent them repaired bicycles from its depot."
HEADING = "How the loans worked"
QUOTE = "Now I cycle to every lecture."
QUOTE_BY = "A first-year student"


def shot(page, name):
    if SHOTS_DIR:
        page.screenshot(path=os.path.join(SHOTS_DIR, f"journey-{name}.png"), full_page=True)


# True once the editor form has had no unsaved changes and autosave has reported "saved" for
# longer than w-unsaved's check interval plus w-autosave's debounce (500 ms each by default),
# i.e. no autosave request is in flight or about to start.
_AUTOSAVE_SETTLED = """
(stableFor) => {
    const form = document.querySelector("form[data-controller~='w-unsaved']");
    const indicator = document.getElementById("w-autosave-indicator");
    if (!form || !indicator) {
        return true;  // autosave is switched off (WAGTAIL_AUTOSAVE_INTERVAL = 0)
    }
    const settled = form.dataset.wUnsavedHasEditsValue === "false"
        && indicator.dataset.wAutosaveStateValue === "saved";
    if (!settled) {
        window.__journeySettledSince = null;
        return false;
    }
    window.__journeySettledSince ??= performance.now();
    return performance.now() - window.__journeySettledSince >= stableFor;
}
"""


def wait_for_autosave(page, stable_for_ms=1500):
    """Wait until Wagtail's autosave has saved every change and is idle.

    Wagtail 8 autosaves the editor form in the background (the first autosave creates the page
    as a draft and turns the create view into the edit view). Publishing while an autosave
    request is in flight would send two concurrent requests, which the test server's shared
    in-memory SQLite connection cannot take ("database table is locked").
    """
    page.wait_for_function(_AUTOSAVE_SETTLED, arg=stable_for_ms, polling=100, timeout=15_000)


def log_in(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/admin/")


def build_network():
    """A network home as the default site's root, then the setup command, then one city."""
    ensure_wagtail_baseline()
    root = Page.get_first_root_node()
    home = NetworkHomePage(title="Cities of change", slug="network")
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    call_command("cities_cms_setup", stdout=io.StringIO())
    home.refresh_from_db()
    cities = home.get_children().type(CityIndexPage).get().specific
    city = CityPage(
        title="Poznań",
        slug="poznan",
        country="PL",
        latitude=Decimal("52.40692"),
        longitude=Decimal("16.92993"),
    )
    cities.add_child(instance=city)
    city.save_revision().publish()
    practices = home.get_children().type(PracticeModelIndexPage).get().specific
    return practices, city


def make_user(username, group_name):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name=group_name))
    assert not user.is_superuser and not user.is_staff
    return user


@pytest.mark.django_db(transaction=True)
def test_editor_submits_and_reviewer_publishes_a_practice_model(
    page, live_server, external_requests
):
    started = time.monotonic()
    practices, city = build_network()
    editor = make_user("editor", cities_settings.CITIES_CMS_EDITOR_GROUP)
    make_user("reviewer", cities_settings.CITIES_CMS_REVIEWER_GROUP)
    base = live_server.url
    page.set_viewport_size({"width": 1400, "height": 1000})

    log_in(page, base, "editor")

    # The practice model index in the explorer; "Add child page" goes straight to the form
    # because a practice model is the only page type allowed there.
    page.goto(f"{base}/admin/pages/{practices.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Practice models")
    page.get_by_role("link", name="Add child page").click()
    page.wait_for_url("**/admin/pages/add/cities_cms/practicemodelpage/**")
    shot(page, "01-new")

    # Content tab: plain fields, Draftail rich text, StreamField blocks.
    page.get_by_placeholder("Page title*").fill(TITLE)
    page.get_by_role("textbox", name="Summary").fill(SUMMARY)
    page.get_by_role("region", name="Challenge").get_by_role("textbox").click()
    page.keyboard.type(CHALLENGE)
    page.get_by_role("region", name="Approach").get_by_role("textbox").click()
    page.keyboard.type(APPROACH)

    body = page.get_by_role("region", name="More content")
    body.get_by_role("button", name="Insert a block").click()
    page.get_by_role("option", name="Heading", exact=True).click()
    body.get_by_role("textbox", name="Text").fill(HEADING)
    # After the heading there are two insertion points; the last one appends.
    body.get_by_role("button", name="Insert a block").last.click()
    page.get_by_role("option", name="Quote", exact=True).click()
    body.get_by_role("textbox", name="Quote").fill(QUOTE)
    body.get_by_role("textbox", name="Who said it").fill(QUOTE_BY)
    shot(page, "02-content")

    # Details tab: city (page chooser modal), themes, status.
    page.get_by_role("tab", name="Details").click()
    page.get_by_role("button", name="Choose a page (City)").click()
    page.get_by_role("dialog").get_by_role("link", name="Poznań").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.locator("#id_city-title")).to_have_text("Poznań")
    page.get_by_role("listbox", name="Themes").select_option(label="Mobility")
    page.get_by_role("combobox", name="Status").select_option(label="Pilot")
    shot(page, "03-details")

    # City editors cannot publish: they submit the page to its workflow (City review, then
    # Network approval for practice models) from the footer's action menu, once autosave has
    # caught up.
    wait_for_autosave(page)
    footer = page.get_by_role("navigation", name="Actions (footer)")
    footer.get_by_role("button", name="More actions").click()
    expect(page.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Submit to Network approval").click()
    page.wait_for_url(f"{base}/admin/pages/{practices.pk}/")
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(rf"Page '{re.escape(TITLE)}' .*submitted for moderation")
    )
    shot(page, "04-submitted")
    submitted = PracticeModelPage.objects.get(title=TITLE, alias_of=None)
    assert not submitted.live
    assert submitted.current_workflow_task.name == "City review"
    live_path = urlsplit(submitted.get_url()).path
    assert live_path == "/practice-models/shared-bicycles-for-students/"
    page.context.clear_cookies()
    assert page.goto(base + live_path).status == 404, "a submitted page must not be public yet"

    # A city reviewer approves it from the dashboard; the page is not shared with the network,
    # so the network approval step passes at once and the page is published.
    log_in(page, base, "reviewer")
    review = page.get_by_role("region", name="Awaiting your review")
    review.get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"{base}/admin/pages/{submitted.pk}/edit/")
    footer = page.get_by_role("navigation", name="Actions (footer)")
    footer.get_by_role("button", name="More actions").click()
    shot(page, "05-review")
    page.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_url(f"{base}/admin/pages/{practices.pk}/")
    shot(page, "06-approved")
    expect(page.get_by_role("status")).to_contain_text(f"Page '{TITLE}' has been updated.")

    # What the form saved.
    created = PracticeModelPage.objects.get(title=TITLE, alias_of=None)
    assert created.live and created.get_parent().pk == practices.pk
    # Synchronised trees: the page stands in Latvian and Polish too, not translated yet.
    aliases = PracticeModelPage.objects.filter(alias_of=created, live=True)
    assert sorted(alias.locale.language_code for alias in aliases) == ["lv", "pl"]
    workflow_state = created.workflow_states.get()
    assert workflow_state.status == "approved"
    assert [
        (t.task.name, t.status, getattr(t.finished_by, "username", None))
        for t in workflow_state.task_states.order_by("pk")
    ] == [("City review", "approved", "reviewer"), ("Network approval", "approved", None)]
    assert created.owner_id == editor.pk
    assert created.summary == SUMMARY
    assert CHALLENGE in created.challenge and APPROACH in created.approach
    assert created.city_id == city.pk
    assert created.status == "pilot"
    assert [t.key for t in created.themes.all()] == ["mobility"]
    assert [(b.block_type, dict(b.value)) for b in created.body] == [
        ("heading", {"text": HEADING, "level": "h2", "anchor": ""}),
        ("quote", {"quote": QUOTE, "attribution": QUOTE_BY, "source": ""}),
    ]
    # (the reference site sets WAGTAIL_GRAVATAR_PROVIDER_URL = None: no avatars from outside)
    assert external_requests == [], f"the admin loaded third-party resources: {external_requests}"

    # The public page, as an anonymous visitor.
    page.context.clear_cookies()
    external_requests.clear()
    response = page.goto(base + live_path)
    shot(page, "07-public")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name=HEADING, level=2)).to_be_visible()
    expect(main.get_by_text(QUOTE)).to_be_visible()
    expect(main.get_by_text(QUOTE_BY)).to_be_visible()
    expect(main.get_by_text(CHALLENGE)).to_be_visible()
    expect(main.get_by_text(APPROACH)).to_be_visible()
    violations = run_axe(page)
    assert violations == [], format_violations(violations)
    assert external_requests == []

    elapsed = time.monotonic() - started
    # Printed, not asserted: speed is measured by benchmarks (make bench), not timed tests.
    print(f"\neditor journey: {elapsed:.1f} s")
