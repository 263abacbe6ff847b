"""ICS calendars: one per seminar, per seminar index and per city."""

import datetime

import pytest
from icalendar import Calendar
from wagtail.models import Page

from .utils import fresh, make_city, make_private, make_seminar, translate

UTC = datetime.UTC
RIGA_10AM = datetime.datetime(2026, 5, 4, 7, 0, tzinfo=UTC)  # 10:00 EEST
LISBON_9AM = datetime.datetime(2026, 1, 20, 9, 0, tzinfo=UTC)  # 09:00 WET


@pytest.fixture(scope="module")
def _calendar_site(network_site):
    """Built once for the module; each test gets fresh instances (calendar_site)."""
    tree = fresh(network_site)
    tree.daugavpils = make_city(tree.cities, title="Daugavpils", slug="daugavpils")
    tree.lisbon = make_city(
        tree.cities, title="Lisbon", slug="lisbon", country="PT", latitude=38.7, longitude=-9.1
    )
    tree.riga_seminar = make_seminar(
        tree.seminars,
        title="Monitoring change",
        slug="monitoring-change",
        start=RIGA_10AM,
        end=RIGA_10AM + datetime.timedelta(hours=7),
        timezone="Europe/Riga",
        host_city=tree.daugavpils,
        venue_name="Daugavpils city hall",
        venue_address="Krišjāņa Valdemāra iela 1",
        summary="Two days on indicators of change.",
    )
    tree.lisbon_webinar = make_seminar(
        tree.seminars,
        title="Housing webinar",
        slug="housing-webinar",
        kind="webinar",
        start=LISBON_9AM,
        end=LISBON_9AM + datetime.timedelta(hours=2),
        timezone="Europe/Lisbon",
        host_city=tree.lisbon,
        participating_cities=[tree.daugavpils],
    )
    tree.draft = make_seminar(
        tree.seminars, title="Draft seminar", host_city=tree.daugavpils, live=False
    )
    tree.private = make_seminar(tree.seminars, title="Private seminar", host_city=tree.daugavpils)
    make_private(tree.private)
    return tree


@pytest.fixture
def calendar_site(_calendar_site, db):
    return fresh(_calendar_site)


def feed_url(page):
    """A page's calendar address: the page's URL and its routable "ics"/"calendar" route."""
    name = "ics" if "ics" in {u.name for u in page.get_subpage_urls()} else "calendar"
    return page.url + page.reverse_subpage(name)


def get_calendar(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].endswith('.ics"')
    return Calendar.from_ical(response.content)


def events_by_summary(calendar):
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_seminar_ics(client, calendar_site):
    seminar = calendar_site.riga_seminar
    assert seminar.url.endswith("/monitoring-change/")
    calendar = get_calendar(client, seminar.url + "ics/")
    assert calendar["VERSION"] == "2.0"
    assert "cities_cms" in str(calendar["PRODID"])
    [event] = calendar.walk("VEVENT")
    assert event["SUMMARY"] == "Monitoring change"
    assert event["DTSTART"].params["TZID"] == "Europe/Riga"
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute) == (10, 0)
    assert start.utcoffset() == datetime.timedelta(hours=3)
    assert start == RIGA_10AM
    assert event.decoded("DTEND") == RIGA_10AM + datetime.timedelta(hours=7)
    assert event["DTEND"].params["TZID"] == "Europe/Riga"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Riga"]
    assert str(event["LOCATION"]) == "Daugavpils city hall, Krišjāņa Valdemāra iela 1"
    assert str(event["URL"]) == seminar.get_full_url()
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "indicators of change" in str(event["DESCRIPTION"])


def test_webinar_ics_uses_its_own_zone_and_link(client, calendar_site):
    webinar = calendar_site.lisbon_webinar
    [event] = get_calendar(client, webinar.url + "ics/").walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Europe/Lisbon"
    assert event.decoded("DTSTART").hour == 9
    assert str(event["LOCATION"]) == "https://meet.example.org/webinar"
    assert "https://meet.example.org/webinar" in str(event["DESCRIPTION"])


def test_cancelled_seminar_is_cancelled_in_the_calendar(client, calendar_site):
    seminar = calendar_site.riga_seminar
    seminar.status = "cancelled"
    seminar.save_revision().publish()
    [event] = get_calendar(client, seminar.url + "ics/").walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"


def test_index_calendar(client, calendar_site):
    calendar = get_calendar(client, calendar_site.seminars.url + "ics/")
    events = events_by_summary(calendar)
    assert sorted(events) == ["Housing webinar", "Monitoring change"]
    assert str(calendar["X-WR-CALNAME"]) == "Seminars"
    zones = sorted(str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE"))
    assert zones == ["Europe/Lisbon", "Europe/Riga"]
    assert events["Housing webinar"]["DTSTART"].params["TZID"] == "Europe/Lisbon"
    assert events["Monitoring change"]["DTSTART"].params["TZID"] == "Europe/Riga"
    uids = [str(event["UID"]) for event in calendar.walk("VEVENT")]
    assert len(set(uids)) == 2


def test_city_calendar_has_hosted_and_participating_seminars(client, calendar_site):
    url = calendar_site.daugavpils.url + "ics/"
    calendar = get_calendar(client, url)
    # Hosts "Monitoring change", takes part in the Lisbon webinar; draft and private left out.
    assert sorted(events_by_summary(calendar)) == ["Housing webinar", "Monitoring change"]
    assert "Daugavpils" in str(calendar["X-WR-CALNAME"])

    lisbon = get_calendar(client, calendar_site.lisbon.url + "ics/")
    assert sorted(events_by_summary(lisbon)) == ["Housing webinar"]


def test_city_without_seminars_has_an_empty_calendar(client, calendar_site):
    city = make_city(calendar_site.cities, title="Quiet town", slug="quiet-town")
    calendar = get_calendar(client, city.url + "ics/")
    assert calendar.walk("VEVENT") == []


def test_unpublished_seminar_has_no_calendar(client, calendar_site):
    draft = calendar_site.draft
    assert client.get(draft.url + "ics/").status_code == 404

    seminar = calendar_site.riga_seminar
    url = seminar.url + "ics/"
    assert client.get(url).status_code == 200
    seminar.unpublish()
    assert client.get(url).status_code == 404
    index = get_calendar(client, calendar_site.seminars.url + "ics/")
    assert "Monitoring change" not in events_by_summary(index)


def test_private_seminar_calendar_needs_the_password(client, calendar_site):
    response = client.get(calendar_site.private.url + "ics/")
    assert not response["Content-Type"].startswith("text/calendar")
    assert b"Private seminar" not in response.content


def test_uid_is_the_same_in_every_language(client, calendar_site):
    seminar = calendar_site.riga_seminar
    translated = translate(seminar, "lv", title="Pārmaiņu uzraudzība")
    assert translated.url.startswith("/lv/")
    [english] = get_calendar(client, seminar.url + "ics/").walk("VEVENT")
    [latvian] = get_calendar(client, translated.url + "ics/").walk("VEVENT")
    assert str(latvian["SUMMARY"]) == "Pārmaiņu uzraudzība"
    assert str(latvian["UID"]) == str(english["UID"])
    # Named by the site's host name (cities_cms.absolute_urls), not the request's.
    assert str(english["UID"]) == f"seminar-{seminar.translation_key}@localhost"
    assert latvian.decoded("DTSTART") == english.decoded("DTSTART")


def aliases(page):
    """The page's aliases in the synchronised trees of the other languages, by language."""
    return {
        alias.locale.language_code: alias.specific
        for alias in Page.objects.filter(alias_of=page).select_related("locale")
    }


def test_calendars_of_aliases_in_every_language(client, calendar_site):
    """Until a seminar, city or index is translated, its alias serves its calendar."""
    tree = calendar_site
    translated = translate(tree.riga_seminar, "pl", title="Monitorowanie zmian")
    webinar = aliases(tree.lisbon_webinar)
    assert set(webinar) == {"lv", "pl"}
    uids = {}
    for code in ("lv", "pl"):
        [event] = get_calendar(client, feed_url(webinar[code])).walk("VEVENT")
        assert str(event["SUMMARY"]) == "Housing webinar"
        assert event["SUMMARY"].params["LANGUAGE"] == "en"  # the alias shows English text
        published = tree.lisbon_webinar.last_published_at.replace(microsecond=0)
        assert event.decoded("DTSTAMP") == published
        assert str(event["URL"]) == webinar[code].get_full_url()
        uids[code] = str(event["UID"])
        index = tree.seminars.get_translation(webinar[code].locale)
        events = events_by_summary(get_calendar(client, feed_url(index)))
        expected = {"lv": "Monitoring change", "pl": "Monitorowanie zmian"}[code]
        assert sorted(events) == sorted(["Housing webinar", expected])
        assert str(events["Housing webinar"]["UID"]) == uids[code]
        city = aliases(tree.daugavpils)[code]
        events = events_by_summary(get_calendar(client, feed_url(city)))
        assert sorted(events) == sorted(["Housing webinar", expected])
    [english] = get_calendar(client, feed_url(tree.lisbon_webinar)).walk("VEVENT")
    assert uids["lv"] == uids["pl"] == str(english["UID"])
    [polish] = get_calendar(client, feed_url(translated)).walk("VEVENT")
    assert polish["SUMMARY"].params["LANGUAGE"] == "pl"


def test_alias_without_publication_dates(client, calendar_site):
    """An alias made from a page instance that was never re-read after publishing (a script,
    an import: ``add_child`` of a page whose ``live`` defaults to True) is live without
    publication dates, and Wagtail's ``update_aliases`` keeps them empty: the demo's aliases
    were all like this, and every calendar that listed one answered 500. The dates are the
    source's."""
    seminar = calendar_site.riga_seminar
    alias = aliases(seminar)["lv"]
    Page.objects.filter(pk=alias.pk).update(first_published_at=None, last_published_at=None)
    [event] = get_calendar(client, feed_url(alias)).walk("VEVENT")
    published = seminar.last_published_at.replace(microsecond=0)
    assert event.decoded("DTSTAMP") == event.decoded("LAST-MODIFIED") == published
    index = calendar_site.seminars.get_translation(alias.locale).specific
    assert "Monitoring change" in events_by_summary(get_calendar(client, feed_url(index)))


def test_alias_of_an_unpublished_seminar_has_no_calendar(client, calendar_site):
    seminar = calendar_site.riga_seminar
    alias = aliases(seminar)["lv"]
    assert client.get(feed_url(alias)).status_code == 200
    seminar.unpublish()
    assert client.get(feed_url(alias)).status_code == 404
    index = seminar.get_parent().get_translation(alias.locale).specific
    assert "Monitoring change" not in events_by_summary(get_calendar(client, feed_url(index)))


def test_calendars_follow_an_edit_on_the_very_next_request(client, calendar_site):
    """The index's and a city's files are built once per content generation: an editor's
    change shows in both at once, as it does on the pages."""
    index_url = calendar_site.seminars.url + "ics/"
    city_url = calendar_site.daugavpils.url + "ics/"
    for url in (index_url, city_url):
        assert str(events_by_summary(get_calendar(client, url))["Monitoring change"]["STATUS"]) == (
            "CONFIRMED"
        )

    seminar = calendar_site.riga_seminar
    seminar.status = "cancelled"
    seminar.save_revision().publish()
    for url in (index_url, city_url):
        events = events_by_summary(get_calendar(client, url))
        assert str(events["Monitoring change"]["STATUS"]) == "CANCELLED"

    calendar_site.lisbon_webinar.unpublish()
    for url in (index_url, city_url):
        assert sorted(events_by_summary(get_calendar(client, url))) == ["Monitoring change"]


def test_index_calendar_parts_are_kept_apart(client, calendar_site):
    """The partners' part, asked first, is not what the whole calendar answers after it."""
    url = calendar_site.seminars.url + "ics/"
    assert events_by_summary(get_calendar(client, url + "?source=partners")) == {}
    assert sorted(events_by_summary(get_calendar(client, url))) == [
        "Housing webinar",
        "Monitoring change",
    ]
    assert sorted(events_by_summary(get_calendar(client, url + "?source=local"))) == [
        "Housing webinar",
        "Monitoring change",
    ]
