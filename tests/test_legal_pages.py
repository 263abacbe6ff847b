"""The accessibility statement and the privacy notice (issue 13, item 6).

Page types that write the EU model accessibility statement (Implementing Decision (EU)
2018/1523) and a GDPR privacy notice from structured facts, one of each under the network
home, created by the setup as drafts, translated like any page and linked from every footer in
the visitor's language. The Nu HTML Checker checks both; axe-core runs in
tests/browser/test_legal_pages_browser.py.
"""

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings
from wagtail.models import Locale, Page

from cities_cms.dates import format_date
from cities_cms.pages import (
    AccessibilityStatementPage,
    CityIndexPage,
    NetworkHomePage,
    PrivacyNoticePage,
)
from cities_cms.setup import run_setup

from .utils import fresh, translate

VNU = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist"

STATEMENT = {
    "organisation": "Daugavpils City Council",
    "conformance_status": "partial",
    "prepared_on": dt.date(2026, 3, 2),
    "reviewed_on": dt.date(2026, 11, 20),
    "assessment_method": "self",
    "assessment_details": "Automated checks with axe-core and manual keyboard tests.",
    "feedback_email": "access@daugavpils.example.org",
    "feedback_phone": "+371 654 00000",
    "response_days": 14,
    "enforcement_body": "the Ministry of Smart Administration",
    "enforcement_url": "https://enforcement.example.org/complaints",
    "non_accessible_content": [
        {
            "type": "item",
            "value": {
                "reason": "non-compliance",
                "content": "Seminar slides in PDF",
                "details": "Some slides have no text alternative for charts.",
                "alternative": "Ask for an accessible version by email.",
            },
        },
        {
            "type": "item",
            "value": {
                "reason": "burden",
                "content": "Scanned council minutes before 2010",
                "details": "",
                "alternative": "",
            },
        },
    ],
}
NOTICE = {
    "controller": "Daugavpils City Council",
    "controller_address": "Krišjāņa Valdemāra iela 1, Daugavpils",
    "controller_email": "council@daugavpils.example.org",
    "dpo_name": "Data protection officer of the council",
    "dpo_email": "dpo@daugavpils.example.org",
    "supervisory_authority": "the State Data Inspectorate",
    "supervisory_authority_url": "https://dpa.example.org/",
    "log_retention_days": 7,
}


def legal_page(home, model):
    return model.objects.child_of(home).get()


def publish(page, **values):
    for name, value in values.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return fresh(page)


@pytest.fixture(scope="class")
def _published(network_site):
    """Both legal pages as the setup left them, completed and published in English.

    Built once for the tests of a class (once for each test outside one), in a savepoint
    rolled back after them: the module's other tests see the drafts. Each test gets fresh
    instances (published).
    """
    home = fresh(network_site.home)
    with transaction.atomic():
        statement = publish(legal_page(home, AccessibilityStatementPage), **STATEMENT)
        notice = publish(legal_page(home, PrivacyNoticePage), **NOTICE)
        yield statement, notice
        transaction.set_rollback(True)


@pytest.fixture
def published(_published, db):
    return fresh(_published)


# --- setup and models ----------------------------------------------------------------------


def test_setup_creates_both_as_drafts_under_the_home_once(site_tree):
    home = site_tree.home
    for model in (AccessibilityStatementPage, PrivacyNoticePage):
        page = legal_page(home, model)
        assert not page.live  # facts to complete before it is published
        assert page.get_latest_revision() is not None
        assert page.full_clean() is None  # the placeholders are valid values
    statement = legal_page(home, AccessibilityStatementPage)
    assert statement.title == "Accessibility statement"
    assert statement.organisation == home.title
    assert legal_page(home, PrivacyNoticePage).title == "Privacy notice"

    before = Page.objects.count()
    report = run_setup(home.pk)
    assert Page.objects.count() == before
    assert not [line for line in report.created if "statement" in line or "privacy" in line]


def test_one_of_each_per_language_tree_and_only_under_the_network_home(site_tree):
    home = site_tree.home
    for model in (AccessibilityStatementPage, PrivacyNoticePage):
        assert not model.can_create_at(home)  # the setup made one already
        assert not model.can_create_at(site_tree.cities)
        assert model in NetworkHomePage.allowed_subpage_models()
        assert model not in CityIndexPage.allowed_subpage_models()


def test_a_statement_cannot_be_reviewed_before_it_was_prepared(site_tree):
    page = legal_page(site_tree.home, AccessibilityStatementPage)
    page.prepared_on, page.reviewed_on = dt.date(2026, 5, 1), dt.date(2026, 4, 1)
    with pytest.raises(ValidationError) as raised:
        page.full_clean()
    assert "reviewed_on" in raised.value.message_dict


def test_facts_are_synchronised_and_texts_translated(site_tree):
    from wagtail_localize.fields import SynchronizedField, get_translatable_fields

    def kinds(model):
        return {
            field.field_name: isinstance(field, SynchronizedField)
            for field in get_translatable_fields(model)
        }

    statement = kinds(AccessibilityStatementPage)
    for name in ("conformance_status", "prepared_on", "reviewed_on", "feedback_email"):
        assert statement[name] is True, name
    for name in ("organisation", "enforcement_body", "non_accessible_content", "title"):
        assert statement[name] is False, name
    notice = kinds(PrivacyNoticePage)
    assert notice["log_retention_days"] is True
    assert notice["controller"] is False and notice["supervisory_authority"] is False


# --- rendering -----------------------------------------------------------------------------


class TestRendering:
    """Both pages completed and published, rendered in their languages."""

    def test_the_statement_follows_the_eu_model(self, client, published):
        statement, _notice = published
        html = client.get(statement.url).content.decode()
        assert "Daugavpils City Council is committed to making its website accessible" in html
        assert "Directive (EU) 2016/2102" in html
        assert "partially compliant with EN 301 549 V3.2.1 (WCAG 2.1 AA)" in html
        # Non-accessible content grouped by its reason, with the alternative offered.
        assert html.index("Non-compliance with the accessibility requirements") < html.index(
            "Seminar slides in PDF"
        )
        assert html.index("Disproportionate burden") < html.index("Scanned council minutes")
        assert "Ask for an accessible version by email." in html
        assert "Not within the scope" not in html  # no item for that reason
        prepared, reviewed = format_date(dt.date(2026, 3, 2)), format_date(dt.date(2026, 11, 20))
        assert f'prepared on <time datetime="2026-03-02">{prepared}</time>.' in html
        assert "Self-assessment" in html
        assert f'last reviewed on <time datetime="2026-11-20">{reviewed}</time>.' in html
        assert 'href="mailto:access@daugavpils.example.org"' in html
        assert 'href="tel:+37165400000"' in html
        assert "We answer within 14 days." in html
        assert 'href="https://enforcement.example.org/complaints"' in html
        assert "the Ministry of Smart Administration" in html

    @pytest.mark.parametrize("status", ["full", "not"])
    def test_the_statement_states_each_compliance_status(self, client, published, status):
        statement = publish(published[0], conformance_status=status, non_accessible_content=[])
        html = client.get(statement.url).content.decode()
        expected = {"full": "This website is fully compliant with", "not": "is not compliant with"}
        assert expected[status] in html
        assert "Non-accessible content" not in html

    @override_settings(CITIES_CMS_REGISTRATION_RETENTION_DAYS=30)
    def test_the_privacy_notice_lists_what_the_site_processes(self, client, published):
        _statement, notice = published
        html = client.get(notice.url).content.decode()
        assert "Daugavpils City Council" in html and "Krišjāņa Valdemāra iela 1" in html
        assert 'href="mailto:dpo@daugavpils.example.org"' in html
        assert "is deleted after 7 days" in html  # server logs, the page's figure
        assert "Registrations are erased 30 days after the seminar ends." in html  # the setting
        assert "csrftoken" in html and "sessionid" in html
        assert "uses no analytics" in html
        assert "(Art. 15)" in html and "(Art. 77)" in html
        assert 'href="https://dpa.example.org/"' in html

    def test_without_the_registration_app_the_notice_does_not_mention_registrations(
        self, client, published
    ):
        from django.apps import apps

        real = apps.is_installed
        apps.is_installed = lambda name: name != "cities_cms.registration" and real(name)
        try:
            html = client.get(published[1].url).content.decode()
        finally:
            apps.is_installed = real
        assert "Registering for a seminar" not in html
        assert "csrftoken" in html

    def test_both_render_in_latvian_and_polish(self, client, published):
        statement, notice = published
        lv = translate(
            statement,
            "lv",
            title="Piekļūstamības paziņojums",
            slug="piekluestamibas-pazinojums",
            organisation="Daugavpils pilsētas dome",
            enforcement_body="Viedās administrācijas ministrija",
        )
        pl = translate(notice, "pl", title="Informacja o prywatności", slug="prywatnosc")
        response = client.get(lv.url)
        assert response.status_code == 200
        html = response.content.decode()
        assert '<html lang="lv"' in html
        assert "Daugavpils pilsētas dome" in html and "Viedās administrācijas ministrija" in html
        assert "20" in html and "access@daugavpils.example.org" in html  # synchronised facts
        response = client.get(pl.url)
        assert response.status_code == 200
        assert '<html lang="pl"' in response.content.decode()
        assert "Informacja o prywatności" in response.content.decode()


# --- footer --------------------------------------------------------------------------------


def footer(html):
    return html[html.index('<footer class="cc-footer">') :]


def test_drafts_are_not_linked_from_the_footer(client, site_tree):
    html = footer(client.get(site_tree.home.url).content.decode())
    assert "Accessibility statement" not in html and "Privacy notice" not in html


def test_every_footer_links_both_pages_in_the_visitors_language(client, published):
    statement, notice = published
    home = fresh(statement.get_parent())
    lv_statement = translate(
        statement, "lv", title="Piekļūstamības paziņojums", slug="piekluestamiba"
    )
    lv_home = home.get_translation(Locale.objects.get(language_code="lv"))
    # English pages: English links.
    html = footer(client.get(home.url).content.decode())
    assert f'href="{statement.url}">Accessibility statement</a>' in html
    assert f'href="{notice.url}">Privacy notice</a>' in html
    assert 'aria-label="About this website"' in html
    # Latvian: the translation, and the alias of the untranslated notice, marked as English.
    html = footer(client.get(lv_home.url).content.decode())
    assert f'href="{lv_statement.url}">Piekļūstamības paziņojums</a>' in html
    lv_notice = notice.get_translation(Locale.objects.get(language_code="lv"))
    assert f'href="{lv_notice.url}" lang="en">Privacy notice</a>' in html
    # Every page's footer, e.g. a listing's.
    cities = home.get_children().type(CityIndexPage).first()
    html = footer(client.get(cities.url).content.decode())
    assert "Accessibility statement" in html


def test_the_footer_link_appears_on_the_next_request_after_publishing(client, site_tree):
    home = site_tree.home
    assert "Privacy notice" not in footer(client.get(home.url).content.decode())
    publish(legal_page(home, PrivacyNoticePage), **NOTICE)
    assert "Privacy notice" in footer(client.get(home.url).content.decode())


# --- valid HTML ----------------------------------------------------------------------------


@pytest.fixture
def vnu():
    java = shutil.which("java")
    if java and (VNU / "vnu.jar").exists():
        return [java, "-jar", str(VNU / "vnu.jar")]
    reason = "the Nu HTML Checker needs java and node_modules/vnu-jar (make test installs it)"
    if os.environ.get("CITIES_CMS_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def test_both_pages_are_valid_html(client, published, vnu, tmp_path):
    from .demo.validity import html_errors

    files = {}
    for page in published:
        path = tmp_path / f"{page.slug}.html"
        path.write_bytes(client.get(page.url).content)
        files[str(path)] = page.title
    assert html_errors(vnu, files) == []
