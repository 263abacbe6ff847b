"""Issue 13 in a real browser: block previews in the page editor's block picker, and the
accessibility statement and privacy notice checked with axe-core in English and Latvian.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from wagtail.models import Locale

from cities_cms.conf import settings as cities_settings
from cities_cms.pages import AccessibilityStatementPage, PrivacyNoticePage

from ..utils import translate
from .pages_conftest import audit_page, format_problems
from .test_editor_journey import build_network, log_in, make_user


@pytest.mark.django_db(transaction=True)
def test_the_block_picker_shows_previews_of_blocks(page, live_server, external_requests):
    practices, _city = build_network()
    make_user("editor", cities_settings.CITIES_CMS_EDITOR_GROUP)
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, "editor")

    page.goto(f"{base}/admin/pages/add/cities_cms/practicemodelpage/{practices.pk}/")
    body = page.get_by_role("region", name="More content")
    body.get_by_role("button", name="Insert a block").click()
    option = page.get_by_role("option", name="Key figures", exact=True)
    expect(option).to_be_visible()
    # Each previewable block has a toggle beside it that shows its preview and description.
    row = page.locator(".w-combobox__option-row", has=option)
    row.locator(".w-combobox__option-preview").click()
    iframe = page.locator(".w-combobox-preview__iframe")
    expect(iframe).to_be_visible()
    expect(page.locator(".w-combobox-preview__description")).to_contain_text(
        "A few large numbers that sum something up"
    )
    preview = page.frame_locator(".w-combobox-preview__iframe")
    expect(preview.get_by_role("heading", name="The network in numbers")).to_be_visible()
    expect(preview.locator(".cc-key-figures, .cc-figures, main")).not_to_have_count(0)
    # The preview is drawn with the public stylesheet, as visitors will see the block.
    stylesheet = preview.locator("link[rel=stylesheet][href*='cities_cms/css/cities_cms.css']")
    expect(stylesheet).to_have_count(1)
    assert external_requests == []


@pytest.mark.django_db(transaction=True)
def test_the_legal_pages_pass_axe_in_english_and_latvian(page, live_server):
    build_network()
    english = Locale.get_default()
    statement = AccessibilityStatementPage.objects.get(locale=english)
    home = statement.get_parent()
    statement.organisation = "Cities of change secretariat"
    statement.prepared_on, statement.reviewed_on = dt.date(2026, 3, 2), dt.date(2026, 11, 20)
    statement.feedback_phone = "+48 61 000 00 00"
    statement.response_days = 14
    statement.non_accessible_content = [
        {
            "type": "item",
            "value": {
                "reason": "non-compliance",
                "content": "Seminar slides in PDF",
                "details": "Charts without text alternatives.",
                "alternative": "Ask for an accessible version by email.",
            },
        }
    ]
    statement.save_revision().publish()
    notice = PrivacyNoticePage.objects.get(locale=english)
    notice.save_revision().publish()
    lv_statement = translate(
        statement, "lv", title="Piekļūstamības paziņojums", slug="pieklustamiba"
    )
    lv_home = home.get_translation(lv_statement.locale)

    audits = [
        audit_page(page, live_server.url, statement.url, label="statement (en)"),
        audit_page(page, live_server.url, notice.url, label="notice (en)"),
        audit_page(page, live_server.url, lv_statement.url, label="statement (lv)", lang="lv"),
        audit_page(page, live_server.url, lv_home.url, label="home (lv)", lang="lv"),
    ]
    assert all(audit.ok for audit in audits), format_problems(audits)
    # The Latvian footer leads to the Latvian statement.
    footer = page.locator("footer")
    expect(footer.get_by_role("link", name="Piekļūstamības paziņojums")).to_have_attribute(
        "href", lv_statement.url
    )
