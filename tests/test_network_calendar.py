"""The network calendar (issue 12, item 2), from the visitor's side.

Seminars that partner cities open to the network arrive as ``SeminarPage`` copies under this
site's seminar index with a ``FederatedCopy`` row (the importer's contract,
notes/s14/contract.md). These tests build them the way the importer leaves them and check
what every visitor sees: the seminar index (with its "Calendar" filter), the network home's
upcoming list, the ICS and RSS feeds, and the received seminar's own page, which sends
visitors to the origin to register.
"""

import datetime
import re
import uuid

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from cities_cms import extensions

from .utils import fresh, make_city, make_private, make_seminar, translate

pytestmark = pytest.mark.usefixtures("ten_languages")

FEDERATION = apps.is_installed("cities_cms.federation")
needs_federation = pytest.mark.skipif(not FEDERATION, reason="received seminars need federation")
ORIGIN = "https://havenwaard.example"
NOW = timezone.now()


def receive(index, *, city="Havenwaard", origin=ORIGIN, pages_at=("en", "lv"), **kw):
    """A seminar as the importer leaves it: a page (published after its copy row exists, as
    the importer's transaction does) and its ``FederatedCopy``."""
    from cities_cms.federation.models import FederatedCopy

    live = kw.pop("live", True)
    slug = kw.setdefault("slug", re.sub(r"\W+", "-", kw["title"].lower()))
    page = make_seminar(index, live=False, **kw)
    extra = {"kind": "seminar"} if _has_kind_field(FederatedCopy) else {}
    FederatedCopy.objects.create(
        global_id=page.translation_key,
        origin_url=origin,
        origin_key_fingerprint="ab" * 32,
        origin_city=city,
        canonical_urls={code: f"{origin}/{code}/seminars/{slug}/" for code in pages_at},
        version=1,
        **extra,
    )
    if live:
        page.save_revision().publish()
        page.refresh_from_db()
    return page


def _has_kind_field(model):
    return any(field.name == "kind" for field in model._meta.fields)


@pytest.fixture(scope="module")
def _network(network_site):
    tree = fresh(network_site)
    tree.city = make_city(tree.cities, title="Daugavpils", slug="daugavpils")
    tree.local = make_seminar(
        tree.seminars,
        title="Local monitoring workshop",
        kind="workshop",
        host_city=tree.city,
        start=NOW + datetime.timedelta(days=10),
        languages=["en", "lv"],
    )
    tree.local_past = make_seminar(
        tree.seminars,
        title="Local past seminar",
        start=NOW - datetime.timedelta(days=40),
        host_city=tree.city,
    )
    if FEDERATION:
        tree.visit = receive(
            tree.seminars,
            title="Harbour study visit",
            kind="study_visit",
            start=NOW + datetime.timedelta(days=20),
            timezone="Europe/Amsterdam",
            languages=["en", "nl"],
            venue_name="Harbour house",
            summary="Two days at the harbour.",
        )
        tree.visit_lv = translate(tree.visit, "lv", title="Ostas mācību vizīte")
        tree.webinar = receive(
            tree.seminars,
            title="Cancelled housing webinar",
            kind="webinar",
            status="cancelled",
            start=NOW + datetime.timedelta(days=5),
            languages=["en"],
            venue_name="",
        )
        tree.draft = receive(tree.seminars, title="Draft partner seminar", live=False)
        tree.private = receive(tree.seminars, title="Private partner seminar")
        make_private(tree.private)
    return tree


@pytest.fixture
def network(_network, db):
    return fresh(_network)


def html_of(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def cards(html):
    """The seminar cards of a page: {title: card html}."""
    found = {}
    for card in re.findall(r'<article class="cc-card cc-card--seminar">.*?</article>', html, re.S):
        title = re.search(r'class="cc-card__link" href="[^"]*"[^>]*>([^<]*)</a>', card)
        found[title.group(1)] = card
    return found


def ics_events(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)  # valid per icalendar's parser
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


# The seminar index ------------------------------------------------------------------------


@needs_federation
def test_index_lists_local_and_partner_seminars_with_who_shared_them(client, network):
    html = html_of(client, network.seminars.url)
    found = cards(html)
    assert {"Local monitoring workshop", "Harbour study visit", "Cancelled housing webinar"} <= set(
        found
    )
    visit = found["Harbour study visit"]
    assert "Shared by Havenwaard" in visit
    assert f'href="{network.visit.url}"' in visit  # the copy's page on this site
    assert "Shared by" not in found["Local monitoring workshop"]
    # Cancelled shows as cancelled in the list.
    assert "cc-badge--cancelled" in found["Cancelled housing webinar"]
    # Anonymous visitors see only live, public seminars.
    assert "Draft partner seminar" not in html
    assert "Private partner seminar" not in html


@needs_federation
def test_calendar_filter_this_site_partner_cities_or_all(client, network):
    html = html_of(client, network.seminars.url)
    select = re.search(r'<select name="source".*?</select>', html, re.S).group(0)
    assert list(re.findall(r'value="([^"]*)"', select)) == ["", "local", "partners"]
    assert ">Whole network<" in select and ">Partner cities<" in select
    partners = set(cards(html_of(client, f"{network.seminars.url}?source=partners")))
    assert partners == {"Harbour study visit", "Cancelled housing webinar"}
    local = set(cards(html_of(client, f"{network.seminars.url}?source=local")))
    assert local == {"Local monitoring workshop"}
    html_of(client, f"{network.seminars.url}?source=elsewhere", status=400)


@needs_federation
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=study_visit", {"Harbour study visit"}),
        ("kind=workshop", {"Local monitoring workshop"}),
        ("language=nl", {"Harbour study visit"}),
        ("language=lv&source=partners", set()),
        ("mode=online", {"Cancelled housing webinar"}),
        ("mode=offline&source=partners", {"Harbour study visit"}),
        ("when=past", {"Local past seminar"}),
        (
            f"year={(NOW + datetime.timedelta(days=20)).year}&kind=study_visit",
            {"Harbour study visit"},
        ),
    ],
)
def test_the_other_filters_apply_to_partner_seminars_too(client, network, query, expected):
    assert set(cards(html_of(client, f"{network.seminars.url}?{query}"))) == expected


@needs_federation
def test_partner_seminars_are_paginated_with_the_others(client, network, settings):
    settings.CITIES_CMS_LISTING_PAGE_SIZE = 2
    first = cards(html_of(client, network.seminars.url))
    second = cards(html_of(client, f"{network.seminars.url}?page=2"))
    # Upcoming, by start: the webinar (5 days), the workshop (10), the study visit (20).
    assert list(first) == ["Cancelled housing webinar", "Local monitoring workshop"]
    assert list(second) == ["Harbour study visit"]
    assert "Shared by Havenwaard" in second["Harbour study visit"]


def test_without_partner_seminars_there_is_no_calendar_filter(client, network, monkeypatch):
    """As on a site without cities_cms.federation (CITIES_CMS_PROFILE=no-federation): no
    provider of received copies, so every seminar is this site's own."""
    monkeypatch.setitem(extensions._providers, "received_copies", [])
    html = html_of(client, network.seminars.url)
    assert 'name="source"' not in html
    assert "Local monitoring workshop" in cards(html)
    assert "Shared by" not in html
    assert "Shared by" not in html_of(client, network.home.url)
    events = ics_events(client, network.seminars.url + network.seminars.reverse_subpage("calendar"))
    assert "Local monitoring workshop" in events
    assert all(str(e["UID"]).endswith("@localhost") for e in events.values())
    if FEDERATION:  # a received page without its provider is just a page
        assert "Register on" not in html_of(client, network.visit.url)


# The network home -------------------------------------------------------------------------


@needs_federation
def test_home_upcoming_seminars_include_partner_seminars_marked(client, network):
    html = html_of(client, network.home.url)
    section = html[html.index('id="seminars-heading"') :]
    section = section[: section.index("</section>")]
    found = cards(section)
    assert list(found)[:3] == [
        "Cancelled housing webinar",
        "Local monitoring workshop",
        "Harbour study visit",
    ]
    assert "Shared by Havenwaard" in found["Harbour study visit"]
    assert "cc-badge--cancelled" in found["Cancelled housing webinar"]
    assert "Shared by" not in found["Local monitoring workshop"]


# Calendars and feeds ----------------------------------------------------------------------


def calendar_url(network, language="en"):
    index = network.seminars
    if language != "en":
        from wagtail.models import Locale

        index = index.get_translation(Locale.objects.get(language_code=language))
    return index.url + index.reverse_subpage("calendar")


@needs_federation
def test_network_ics_keeps_the_origins_uid_and_status(client, network):
    events = ics_events(client, calendar_url(network))
    assert {"Local monitoring workshop", "Harbour study visit", "Cancelled housing webinar"} <= set(
        events
    )
    assert "Draft partner seminar" not in events and "Private partner seminar" not in events
    visit = events["Harbour study visit"]
    assert str(visit["UID"]) == f"seminar-{network.visit.translation_key}@havenwaard.example"
    assert str(visit["URL"]) == f"http://localhost{network.visit.url}"  # its page here
    assert str(visit["STATUS"]) == "CONFIRMED"
    assert str(events["Cancelled housing webinar"]["STATUS"]) == "CANCELLED"
    local = events["Local monitoring workshop"]
    assert str(local["UID"]) == f"seminar-{network.local.translation_key}@localhost"
    # In Latvian and Polish: the same UIDs, the page of that language.
    latvian = {str(e["UID"]): e for e in ics_events(client, calendar_url(network, "lv")).values()}
    assert str(latvian[str(visit["UID"])]["URL"]) == f"http://localhost{network.visit_lv.url}"
    assert str(latvian[str(visit["UID"])]["SUMMARY"]) == "Ostas mācību vizīte"
    polish = {str(e["UID"]): e for e in ics_events(client, calendar_url(network, "pl")).values()}
    assert "/pl/" in str(polish[str(visit["UID"])]["URL"])
    assert set(latvian) == set(polish) == {str(e["UID"]) for e in events.values()}
    # One part of the network only.
    partners = ics_events(client, calendar_url(network) + "?source=partners")
    assert set(partners) == {"Harbour study visit", "Cancelled housing webinar"}
    assert "Harbour study visit" not in ics_events(client, calendar_url(network) + "?source=local")
    assert client.get(calendar_url(network) + "?source=nowhere").status_code == 400


@needs_federation
def test_a_seminar_has_one_uid_on_its_origin_and_on_every_partner(client, network, settings):
    """The origin writes ``seminar-<key>@<host of its federation base URL>``; a partner's copy
    (``origin_url`` = that base URL) writes the same, whatever its own address."""
    seminar_ics = network.visit.url + network.visit.reverse_subpage("ics")
    (copy_event,) = ics_events(client, seminar_ics).values()
    settings.CITIES_CMS_FEDERATION_BASE_URL = "https://havenwaard.example/"
    (origin_event,) = ics_events(
        client, network.local.url + network.local.reverse_subpage("ics")
    ).values()
    assert str(origin_event["UID"]) == f"seminar-{network.local.translation_key}@havenwaard.example"
    assert str(copy_event["UID"]) == f"seminar-{network.visit.translation_key}@havenwaard.example"
    # The city's calendar (its seminars) keeps the origin's UID too.
    settings.CITIES_CMS_FEDERATION_BASE_URL = "https://daugavpils.example"
    events = ics_events(client, calendar_url(network))
    assert str(events["Harbour study visit"]["UID"]) == str(copy_event["UID"])
    assert str(events["Local monitoring workshop"]["UID"]).endswith("@daugavpils.example")


@needs_federation
def test_postponed_seminars_are_tentative_in_calendars(client, network):
    network.visit.status = "postponed"
    network.visit.save_revision().publish()
    events = ics_events(client, calendar_url(network))
    assert str(events["Harbour study visit"]["STATUS"]) == "TENTATIVE"


@needs_federation
def test_rss_feed_of_the_seminar_index_names_who_shared(client, network):
    from cities_cms.syndication.feeds import feed_url

    url = feed_url("seminars", "rss", "section", str(network.seminars.pk))
    xml = html_of(client, url)
    item = re.search(r"<item><title>Harbour study visit</title>.*?</item>", xml, re.S).group(0)
    assert "Shared by Havenwaard." in item
    assert "Local monitoring workshop" in xml


# The received seminar's page --------------------------------------------------------------


@needs_federation
def test_received_seminar_page_sends_visitors_to_the_origin_to_register(client, network):
    if apps.is_installed("cities_cms.registration"):
        from cities_cms.registration.models import RegistrationSettings

        # Even with local settings (left from before, or made by mistake): no local form.
        RegistrationSettings.objects.create(seminar=network.visit, is_open=True, capacity=5)
    html = html_of(client, network.visit.url)
    register = network.visit.url + network.visit.reverse_subpage("register")
    assert f'href="{register}"' not in html
    assert "<form" not in html[html.index("</header>") :].split("<footer")[0]
    link = re.search(r'<a class="cc-button" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert link.groups() == (
        f"{ORIGIN}/en/seminars/harbour-study-visit/",
        "Register on Havenwaard’s site",
    )
    assert '<p class="cc-attribution cc-muted">Shared by Havenwaard</p>' in html
    assert f'<link rel="canonical" href="{ORIGIN}/en/seminars/harbour-study-visit/">' in html
    # The local registration route leads there too; cancelling is not ours to do.
    response = client.get(register)
    assert response.status_code == 302
    assert response["Location"] == f"{ORIGIN}/en/seminars/harbour-study-visit/"
    cancel = network.visit.url + network.visit.reverse_subpage(
        "cancel_registration", args=["token"]
    )
    assert client.get(cancel).status_code == 404


@needs_federation
def test_received_seminar_page_in_latvian_links_the_latvian_origin_page(client, network):
    html = html_of(client, network.visit_lv.url)
    assert '<html lang="lv"' in html
    assert f'href="{ORIGIN}/lv/seminars/harbour-study-visit/"' in html
    assert "Kopīgoja pilsēta Havenwaard" in html  # "Shared by", in Latvian
    # Polish has no page on the origin: the alias links to one in another language.
    from wagtail.models import Locale

    alias = network.visit.get_translation(Locale.objects.get(language_code="pl"))
    assert re.search(rf'<a class="cc-button" href="{ORIGIN}/(en|lv)/', html_of(client, alias.url))


@needs_federation
def test_cancelled_received_seminar_shows_cancelled_and_offers_no_registration(client, network):
    html = html_of(client, network.webinar.url)
    assert 'class="cc-alert cc-alert--cancelled"' in html
    assert "This event will not take place." in html
    assert "Register on" not in html
    assert "cc-page--status-cancelled" in html


@needs_federation
def test_the_page_cache_shows_a_new_or_changed_partner_seminar_at_once(client, network):
    assert "Ferry seminar" not in html_of(client, network.seminars.url)
    ferry = receive(
        network.seminars,
        title="Ferry seminar",
        city="Porto Alto",
        start=NOW + datetime.timedelta(days=1),  # first on the home's short list
    )
    found = cards(html_of(client, network.seminars.url))
    assert "Shared by Porto Alto" in found["Ferry seminar"]
    ferry.status = "cancelled"
    ferry.save_revision().publish()
    assert "cc-badge--cancelled" in cards(html_of(client, network.seminars.url))["Ferry seminar"]
    assert "cc-badge--cancelled" in cards(html_of(client, network.home.url))["Ferry seminar"]


# Roles ------------------------------------------------------------------------------------


def signed_in(client, group_name=None, superuser=False):
    if superuser:
        user = User.objects.create_superuser("admin-nc", "admin@example.org", "pw")
    else:
        user = User.objects.create_user(f"user-{uuid.uuid4().hex[:6]}", password="pw")
        if group_name:
            user.groups.add(Group.objects.get(name=group_name))
    client.force_login(user)
    return client


@needs_federation
@pytest.mark.parametrize(
    "role", ["City editors", "Translators (lv)", "Network coordinators", "superuser"]
)
def test_every_role_sees_the_same_network_calendar(client, network, role):
    signed_in(client, None if role == "superuser" else role, superuser=role == "superuser")
    found = cards(html_of(client, network.seminars.url))
    assert "Harbour study visit" in found and "Local monitoring workshop" in found
    assert "Shared by Havenwaard" in found["Harbour study visit"]
    assert "Draft partner seminar" not in found
    page = html_of(client, network.visit.url)
    assert "Register on Havenwaard’s site" in page


# Ten languages ----------------------------------------------------------------------------


@needs_federation
def test_network_calendar_in_ten_languages(client, network):
    from wagtail.models import Locale

    for locale in Locale.objects.all():
        index = network.seminars.get_translation(locale)
        html = html_of(client, index.url)
        assert f'<html lang="{locale.language_code}"' in html
        shared = [c for t, c in cards(html).items() if "cc-card__note" in c]
        assert len(shared) == 2, locale.language_code
        note = re.search(r'cc-card__note">([^<]*)<', shared[0]).group(1)
        assert "Havenwaard" in note
        if locale.language_code != "en":
            assert not note.startswith("Shared by"), (locale.language_code, note)


# Query budgets ----------------------------------------------------------------------------


def _queries(client, url):
    assert client.get(url).status_code == 200  # warm up
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@needs_federation
@pytest.mark.usefixtures("uncached_pages")
def test_partner_seminars_cost_no_query_per_seminar(client, network):
    from .test_query_budgets import BUDGETS

    urls = {"seminar_index": network.seminars.url, "network_home": network.home.url}
    before = {name: _queries(client, url) for name, url in urls.items()}
    for number in range(8):
        receive(
            network.seminars,
            title=f"Partner seminar {number}",
            city=f"City {number}",
            start=NOW + datetime.timedelta(days=number + 1),
        )
    after = {name: _queries(client, url) for name, url in urls.items()}
    assert after == before
    for name, count in after.items():
        assert count <= BUDGETS[name], (name, count)
