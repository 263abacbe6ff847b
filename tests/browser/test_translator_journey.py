"""A translator's journey through the real admin, in a real browser.

Users get nothing but their group, as created by ``run_setup`` (``manage.py cities_cms_setup``):

1. a member of "Translators (lv)" logs in, opens "Translation status" from the admin menu and
   sees the English practice model "Missing" in Latvian (the status view and the
   machine-draft form pass axe-core, WCAG 2.1 A/AA, Wagtail's admin chrome included);
2. follows the row's "Machine-draft translations" link, ticks Latviešu only and submits; the
   task worker drafts it (``run_tasks``) and the LV cell is no longer missing but a "Machine
   draft", and the Latvian page is still the alias the public sees (synchronised trees), with
   the draft as a revision waiting;
3. opens the Latvian draft from the LV cell ("Edit"), which wagtail-localize renders as its
   translation editor, and corrects one segment, the title ("Edit", type, "Save"); the
   StringTranslation holds the new Latvian text;
4. back on the status view, "Submit for review" in the LV cell sends the translation to the
   "Network approval" workflow (City review, then network approval);
5. a member of "City reviewers" approves it from "Awaiting your review" on the dashboard (the
   row's "Actions" menu: wagtail-localize's editor has no workflow actions); the practice
   model is not shared, so network approval passes at once and the Latvian page goes live
   at /lv/... (the alias's own address) with the translator's title.

No request leaves the machine during the admin steps. Accessibility findings and the text that
reaches review and the public page are collected and reported together at the end, so one run
shows every problem. Set CITIES_CMS_SHOTS=/some/dir to save a screenshot of every step there
when debugging.
"""

from __future__ import annotations

import os
import re
import time
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect
from wagtail.models import Locale, Page, WorkflowState
from wagtail_localize.models import StringTranslation

from cities_cms.conf import settings as cities_settings
from cities_cms.setup import run_setup
from cities_cms.translation.current import pending_revision

from ..utils import build_site, make_practice_model, run_tasks, translate
from .axe import format_violations, run_axe
from .pages_conftest import ensure_wagtail_baseline

SHOTS_DIR = os.environ.get("CITIES_CMS_SHOTS")
PASSWORD = "journey-Pa55word"
STATUS_PATH = "/admin/cities-cms/translations/"

SOURCE_TITLE = "School streets"
MACHINE_TITLE = f"[MT lv] {SOURCE_TITLE}"
LATVIAN_TITLE = "Skolu ielas"


def shot(page, name):
    if SHOTS_DIR:
        page.screenshot(path=os.path.join(SHOTS_DIR, f"translator-{name}.png"), full_page=True)


def log_in(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/admin/")


def make_user(username, group_name):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name=group_name))
    assert not user.is_superuser and not user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == [group_name]
    return user


def status_cell(page, title, language_code):
    """The matrix cell of the page titled ``title`` in the column of ``language_code``."""
    matrix = page.locator("table.cc-status-matrix")
    headers = [h.strip() for h in matrix.locator("thead th").all_inner_texts()]
    column = headers.index(language_code.upper())  # 0 is the "Page" column (a <th> per row)
    row = matrix.locator("tbody tr").filter(
        has=page.get_by_role("rowheader").filter(
            has=page.get_by_role("link", name=title, exact=True)
        )
    )
    expect(row).to_have_count(1)
    return row, row.locator("td").nth(column - 1)


def wait_for(predicate, message, timeout=10.0):
    """Poll the database (the live server commits in its own thread) until ``predicate()``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_translator_drafts_edits_submits_and_reviewer_publishes(
    page, live_server, external_requests
):
    started = time.monotonic()
    # Problems that do not stop the journey (accessibility, the text that reaches review and
    # the public page) are collected and reported together at the end.
    problems: list[str] = []
    ensure_wagtail_baseline()
    tree = build_site()
    practice = make_practice_model(tree.practices, title=SOURCE_TITLE)
    translate(tree.practices, "lv", title="Prakses modeļi")  # the Latvian tree
    run_setup(tree.home)  # translators get the Latvian tree, its index gets the workflow
    lv = Locale.objects.get(language_code="lv")
    translator_group = cities_settings.CITIES_CMS_TRANSLATOR_GROUP % {"code": "lv"}
    make_user("tulkotajs", translator_group)
    make_user("reviewer", cities_settings.CITIES_CMS_REVIEWER_GROUP)
    base = live_server.url
    page.set_viewport_size({"width": 1400, "height": 1000})

    # 1. The status view, from the admin menu: the practice model is missing in Latvian.
    log_in(page, base, "tulkotajs")
    page.get_by_role("link", name="Translation status").click()
    page.wait_for_url(base + STATUS_PATH)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Translation status")
    row, lv_cell = status_cell(page, SOURCE_TITLE, "lv")
    expect(lv_cell).to_contain_text("Missing")
    shot(page, "01-status")
    violations = run_axe(page)  # the whole document, Wagtail's admin chrome included
    if violations:
        problems.append(f"status view: {format_violations(violations)}")

    # 2. Machine-draft it into Latvian only.
    row.get_by_role("link", name=re.compile(r"^Machine-draft translations")).click()
    page.wait_for_url(f"{base}/admin/cities-cms/translations/draft/{practice.pk}/")
    languages = page.get_by_role("group", name="Languages")
    for checkbox in languages.get_by_role("checkbox").all():
        expect(checkbox).not_to_be_checked()
    languages.get_by_role("checkbox", name="Latviešu").check()
    shot(page, "02-machine-draft")
    violations = run_axe(page)
    if violations:
        problems.append(f"machine-draft form: {format_violations(violations)}")
    page.get_by_role("button", name="Create draft translations").click()
    page.wait_for_url(base + STATUS_PATH)
    expect(page.get_by_role("status")).to_contain_text("1 machine draft is being prepared.")
    # The task worker calls the machine translator; the status shows the draft once it ran.
    [result] = run_tasks()
    assert result.return_value["drafted"] == 1
    page.reload()
    row, lv_cell = status_cell(page, SOURCE_TITLE, "lv")
    expect(lv_cell).not_to_contain_text("Missing")
    expect(lv_cell).to_contain_text("draft")
    shot(page, "03-drafted")
    # The Latvian alias still shows the English page to the public (same title, same
    # address); the machine draft is a revision of it, waiting for review.
    latvian = Page.objects.get(translation_key=practice.translation_key, locale=lv)
    assert latvian.alias_of_id == practice.pk
    assert latvian.title == SOURCE_TITLE and latvian.slug == practice.slug
    assert pending_revision(latvian).as_object().title == MACHINE_TITLE
    assert Page.objects.filter(translation_key=practice.translation_key).count() == len(
        cities_settings.CITIES_CMS_LANGUAGES
    )

    # 3. The translation editor: correct the title segment.
    lv_cell.get_by_role("link", name=re.compile(r"^Edit")).click()
    page.wait_for_url(f"{base}/admin/pages/{latvian.pk}/edit/")
    # Each field is an <li> with a heading and a list of segments; a segment is an <li> with
    # the source text, the translation and a toolbar (Edit; Cancel and Save while editing).
    field = page.locator("li").filter(has=page.get_by_role("heading", name="Title", exact=True))
    segment = field.locator("li").filter(has=page.get_by_text(SOURCE_TITLE, exact=True))
    expect(segment).to_have_count(1)
    expect(segment).to_contain_text(MACHINE_TITLE)
    shot(page, "04-editor")
    segment.get_by_role("button", name="Edit", exact=True).click()
    segment.get_by_role("textbox").fill(LATVIAN_TITLE)
    segment.get_by_role("button", name="Save", exact=True).click()
    expect(segment.get_by_role("textbox")).to_have_count(0)
    expect(segment).not_to_contain_text("Saving...")
    expect(segment).to_contain_text(LATVIAN_TITLE)
    shot(page, "05-segment-saved")
    title_translation = wait_for(
        lambda: StringTranslation.objects.filter(
            locale=lv,
            context__path="title",
            context__object_id=practice.translation_key,
            data=LATVIAN_TITLE,
        ).first(),
        "the title's StringTranslation was not saved",
    )
    assert title_translation.translation_type == StringTranslation.TRANSLATION_TYPE_MANUAL
    # The translator may not publish, so the editor offers no "Publish in Latviešu".
    expect(page.get_by_role("button", name=re.compile("Publish"))).to_have_count(0)

    # 4. Submit it for review from the status view.
    page.goto(base + STATUS_PATH)
    row, lv_cell = status_cell(page, SOURCE_TITLE, "lv")
    lv_cell.get_by_role("button", name=re.compile(r"^Submit for review")).click()
    page.wait_for_url(base + STATUS_PATH)
    expect(page.get_by_role("status")).to_contain_text(
        "was submitted to the workflow “Network approval”."
    )
    shot(page, "06-submitted")
    state = WorkflowState.objects.get(object_id=str(latvian.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "Network approval"
    assert state.current_task_state.task.name == "City review"
    submitted = state.current_task_state.revision.as_object()
    if submitted.title != LATVIAN_TITLE:
        problems.append(
            f"the revision sent to review has the title {submitted.title!r}, not "
            f"{LATVIAN_TITLE!r}: wagtail-localize's editor keeps segment edits as "
            "StringTranslations and writes them into the page only when publishing, which a "
            "translator may not do; submitting for review must save them into a new draft "
            "revision first (Translation.save_target(publish=False))"
        )
    assert external_requests == [], f"the admin loaded third-party resources: {external_requests}"

    # 5. A city reviewer approves it from the dashboard.
    log_in(page, base, "reviewer")
    review = page.get_by_role("region", name="Awaiting your review")
    review_row = review.get_by_role("row").filter(
        has=page.locator(f'a[href="/admin/pages/{latvian.pk}/edit/"]')
    )
    expect(review_row).to_have_count(1)
    # (wagtail-localize copies a saved title segment into the page's draft_title at once, so
    # the dashboard shows the translator's title whatever the revision under review holds)
    expect(review_row.locator("td.title")).to_have_text(LATVIAN_TITLE)
    review_row.get_by_role("button", name="Actions").click()
    shot(page, "07-review")
    review_row.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_url(f"{base}/admin/")
    shot(page, "08-approved")
    # The panel stays, with its empty state (cities_cms.dashboard).
    expect(page.get_by_role("region", name="Awaiting your review")).to_contain_text(
        "Nothing waits for your review."
    )
    assert external_requests == [], f"the admin loaded third-party resources: {external_requests}"

    latvian = Page.objects.get(pk=latvian.pk)
    assert latvian.live
    assert latvian.live_revision_id == state.current_task_state.revision_id
    # Published, the draft turned the alias into the translation, at the alias's address.
    assert latvian.alias_of_id is None and latvian.slug == practice.slug
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    assert [
        (t.task.name, t.status, getattr(t.finished_by, "username", None))
        for t in state.task_states.order_by("pk")
    ] == [("City review", "approved", "reviewer"), ("Network approval", "approved", None)]

    # The public Latvian page, as an anonymous visitor.
    page.context.clear_cookies()
    live_path = urlsplit(latvian.get_url()).path
    assert live_path.startswith("/lv/")
    response = page.goto(base + live_path)
    assert response.status == 200
    public_title = page.get_by_role("heading", level=1).inner_text().strip()
    if public_title != LATVIAN_TITLE:
        problems.append(f"the public Latvian page's title is {public_title!r}")

    elapsed = time.monotonic() - started
    print(f"\ntranslator journey: {elapsed:.1f} s")
    assert not problems, "\n".join(problems)
    # (printed, not asserted: speed is measured by benchmarks, not timed tests)
