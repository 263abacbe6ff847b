"""Admin screens that fit: the translation status matrix (public addresses, one language at a
time), dates and times in the editor's locale format, exports in ISO 8601, the peers table.

The layout itself (nothing cut at 1280 px, the page column sticky on a tablet) is measured in
Chromium: tests/browser/test_admin_layout.py.
"""

import csv
import datetime
import io
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from wagtail.models import Locale

from cities_cms.federation.models import Peer, PeerStatus
from cities_cms.registration.models import Registration, RegistrationSettings

from .utils import make_practice_model, make_seminar

STATUS_URL = "/admin/cities-cms/translations/"
# 12 March 2026, 14:42 in the site's time zone (Europe/Warsaw, UTC+1 in March).
WHEN = datetime.datetime(2026, 3, 12, 13, 42, 5, tzinfo=datetime.UTC)


def short_datetime(value, language):
    with translation.override(language), timezone.override("Europe/Warsaw"):
        return Template('{{ value|date:"SHORT_DATETIME_FORMAT" }}').render(
            Context({"value": value})
        )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        # Day before month and a 24-hour clock in English too (cities_cms/formats/en), not
        # Django's US "03/12/2026 2:42 p.m.".
        ("en", "12/03/2026 14:42"),
        ("lv", "12.03.2026 14:42"),
        ("pl", "12-03-2026  14:42"),
        ("de", "12.03.2026 14:42"),
    ],
)
def test_short_datetimes_in_the_editors_locale_format(language, expected):
    assert short_datetime(WHEN, language) == expected


def test_english_long_dates_keep_the_month_name_and_a_24_hour_clock():
    with translation.override("en"), timezone.override("Europe/Warsaw"):
        rendered = Template('{{ value|date:"DATETIME_FORMAT" }}|{{ value|time:"TIME_FORMAT" }}')
        assert rendered.render(Context({"value": WHEN})) == "March 12, 2026, 14:42|14:42"


def test_matrix_shows_public_addresses_not_tree_paths(admin_client, site_tree):
    page = make_practice_model(site_tree.practices, title="Open budget", slug="open-budget")
    html = admin_client.get(STATUS_URL).content.decode()
    matrix = html[html.index('class="listing cc-status-matrix"') :]
    assert 'href="/practice-models/open-budget/"' in matrix or (
        f'href="{page.relative_url(site_tree.site)}"' in matrix
    )
    assert page.url_path not in matrix  # "/network/practice-models/open-budget/"
    assert 'class="cc-status-page"' in matrix  # the sticky page column


def test_matrix_cell_is_one_link_named_by_its_next_step(admin_client, site_tree):
    page = make_practice_model(site_tree.practices, title="Tram lanes")
    html = admin_client.get(STATUS_URL).content.decode()
    translate_url = reverse("wagtail_localize:submit_page_translation", args=[page.pk])
    pattern = rf'<a class="cc-cell" href="{re.escape(translate_url)}[^"]*"[^>]*>(.*?)</a>'
    link = re.search(pattern, html, re.S)
    assert link, "the missing cell links to the translation"
    text = re.sub(r"<[^>]+>", "", link.group(1))
    # A screen reader hears the step first, then the state and which page in which language.
    assert text.startswith("Translate: Missing")
    assert "Tram lanes" in text


def test_one_language_chosen_shows_its_column_only(admin_client, site_tree):
    make_practice_model(site_tree.practices, title="River park")
    lv = Locale.objects.get(language_code="lv")
    html = admin_client.get(STATUS_URL, {"locale": lv.pk}).content.decode()
    head = html[html.index('class="listing cc-status-matrix"') :].split("</thead>")[0]
    assert re.findall(r'lang="(\w+)"', head) == ["en", "lv"]
    html = admin_client.get(STATUS_URL).content.decode()
    head = html[html.index('class="listing cc-status-matrix"') :].split("</thead>")[0]
    assert re.findall(r'lang="(\w+)"', head) == ["en", "lv", "pl"]


@pytest.fixture
def registrations(site_tree):
    seminar = make_seminar(site_tree.seminars, title="Monitoring change")
    settings_obj = RegistrationSettings.objects.create(seminar=seminar, is_open=True)
    Registration.objects.create(
        settings=settings_obj,
        status=Registration.Status.CONFIRMED,
        name="Anna Kalniņa",
        email="anna@example.org",
        language="lv",
        consent_at=WHEN,
        created_at=WHEN,
    )
    return seminar


def test_registration_list_dates_in_the_editors_language(admin_client, admin_user, registrations):
    from wagtail.users.models import UserProfile

    url = reverse("cities_cms_registration:seminar", args=[registrations.pk])
    for language, expected in (("en", "12/03/2026 14:42"), ("lv", "12.03.2026 14:42")):
        profile = UserProfile.get_for_user(admin_user)
        profile.preferred_language = language
        profile.current_time_zone = "Europe/Warsaw"
        profile.save()
        html = admin_client.get(url).content.decode()
        assert expected in html, language
        assert "p.m." not in html


def test_exports_write_iso_8601_with_the_offset(admin_client, registrations):
    iso = "2026-03-12T14:42:05+01:00"
    csv_url = reverse("cities_cms_registration:export", args=[registrations.pk, "csv"])
    rows = list(csv.reader(io.StringIO(admin_client.get(csv_url).content.decode("utf-8-sig"))))
    column = rows[0].index("Registered")
    assert rows[1][column] == iso
    xlsx_url = reverse("cities_cms_registration:export", args=[registrations.pk, "xlsx"])
    sheet = load_workbook(io.BytesIO(admin_client.get(xlsx_url).content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][column] == iso


def test_peers_table_fits_in_five_columns_with_local_dates(admin_client, admin_user, db):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(admin_user)
    profile.current_time_zone = "Europe/Warsaw"
    profile.save()
    Peer.objects.create(
        base_url="https://brugmeer.example.org",
        name="Brugmeer",
        status=PeerStatus.APPROVED,
        public_key="A" * 43,
        last_success_at=WHEN,
        last_error="The peer did not answer.",
        last_error_at=WHEN,
        push_pending=True,
        push_failures=2,
    )
    html = admin_client.get(reverse("cities_cms_federation:peers")).content.decode()
    table = html[html.index('class="listing cc-fed-peers"') :].split("</table>")[0]
    assert table.split("</thead>")[0].count('<th scope="col">') == 5
    assert "Notifications" in table and "pending, 2 failed attempts" in table
    assert "12/03/2026 14:42" in table and "p.m." not in table
