"""schema.org Event JSON-LD on seminar pages."""

import datetime
import json
import re

import pytest

from cities_cms.jsonld import dumps

from .utils import make_city, make_seminar

UTC = datetime.UTC
START = datetime.datetime(2026, 5, 4, 7, 0, tzinfo=UTC)  # 10:00 in Riga (EEST)

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def json_ld(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    scripts = SCRIPT.findall(response.content.decode())
    assert len(scripts) == 1, scripts
    return json.loads(scripts[0])


@pytest.fixture
def city(site_tree):
    return make_city(site_tree.cities, title="Daugavpils", slug="daugavpils")


@pytest.mark.parametrize(
    ("venue", "online_url", "mode"),
    [
        ("Daugavpils city hall", "", "Offline"),
        ("", "https://meet.example.org/room", "Online"),
        ("Daugavpils city hall", "https://meet.example.org/room", "Mixed"),
    ],
)
def test_seminar_event(client, site_tree, city, venue, online_url, mode):
    seminar = make_seminar(
        site_tree.seminars,
        title="Monitoring change",
        start=START,
        end=START + datetime.timedelta(hours=8),
        timezone="Europe/Riga",
        venue_name=venue,
        venue_address="Krišjāņa Valdemāra iela 1" if venue else "",
        online_url=online_url,
        host_city=city,
        languages=["en", "lv"],
        summary="Indicators of change in partner cities.",
    )
    data = json_ld(client, seminar)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == "Monitoring change"
    assert data["eventAttendanceMode"] == f"https://schema.org/{mode}EventAttendanceMode"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["startDate"] == "2026-05-04T10:00:00+03:00"
    assert data["endDate"] == "2026-05-04T18:00:00+03:00"
    assert data["inLanguage"] == ["en", "lv"]
    assert data["description"] == "Indicators of change in partner cities."
    assert data["url"] == seminar.get_full_url()
    assert data["organizer"]["name"] == "Daugavpils"
    locations = data["location"] if isinstance(data["location"], list) else [data["location"]]
    types = sorted(location["@type"] for location in locations)
    expected = {"Offline": ["Place"], "Online": ["VirtualLocation"]}.get(
        mode, ["Place", "VirtualLocation"]
    )
    assert types == expected
    for location in locations:
        if location["@type"] == "Place":
            assert location["name"] == "Daugavpils city hall"
            assert location["address"] == "Krišjāņa Valdemāra iela 1"
        else:
            assert location["url"] == "https://meet.example.org/room"


def test_winter_offset_and_another_zone(client, site_tree):
    start = datetime.datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
    seminar = make_seminar(site_tree.seminars, start=start, timezone="Europe/Lisbon")
    assert json_ld(client, seminar)["startDate"] == "2026-01-20T09:00:00+00:00"
    seminar = make_seminar(site_tree.seminars, start=start, timezone="Europe/Warsaw")
    assert json_ld(client, seminar)["startDate"] == "2026-01-20T10:00:00+01:00"


def test_cancelled_seminar(client, site_tree):
    seminar = make_seminar(site_tree.seminars, status="cancelled")
    assert json_ld(client, seminar)["eventStatus"] == "https://schema.org/EventCancelled"


def test_title_cannot_close_the_script(client, site_tree):
    title = 'Evil </script><script>alert("x")</script> & more'
    seminar = make_seminar(site_tree.seminars, title=title, slug="evil")
    response = client.get(seminar.url)
    html = response.content.decode()
    assert '<script>alert("x")' not in html
    data = json_ld(client, seminar)  # exactly one JSON-LD script, and it parses
    assert data["name"] == title


def test_dumps_escapes_html_characters():
    text = dumps({"name": "</script><!-- & -->"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><!-- & -->"}
