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


# Expanded by a JSON-LD processor (pyld), offline ------------------------------------------

SCHEMA = "https://schema.org/"
# A minimal stand-in for the schema.org context: terms expand against the vocabulary, and the
# properties whose values are addresses are IRIs (as in schema.org's own context).
SCHEMA_CONTEXT = {
    "@context": {
        "@vocab": SCHEMA,
        "url": {"@type": "@id"},
        "sameAs": {"@type": "@id"},
        "license": {"@type": "@id"},
        "eventStatus": {"@type": "@id"},
        "eventAttendanceMode": {"@type": "@id"},
    }
}


def offline_loader(url, options=None):
    """Serves only the schema.org context; anything else fails (no test goes online)."""
    from pyld.jsonld import JsonLdError

    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contextUrl": None, "documentUrl": url, "document": SCHEMA_CONTEXT}
    raise JsonLdError("offline", "jsonld.LoadDocumentError", {"url": url})


def triples(data):
    """The N-Quads of a JSON-LD document as (subject, predicate, object) with blank nodes."""
    from pyld import jsonld

    expanded = jsonld.expand(data, {"documentLoader": offline_loader})
    assert expanded, "nothing left after expansion"
    nquads = jsonld.to_rdf(
        data, {"format": "application/n-quads", "documentLoader": offline_loader}
    )
    result = set()
    for line in nquads.splitlines():
        subject, predicate, rest = line.split(" ", 2)
        result.add((subject, predicate.strip("<>"), rest.rsplit(" .", 1)[0]))
    return result


def objects(graph, predicate, subject=None):
    return {o for s, p, o in graph if p == SCHEMA + predicate and (subject is None or s == subject)}


def node_of_type(graph, type_name):
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    return next(s for s, p, o in graph if p == rdf_type and o == f"<{SCHEMA}{type_name}>")


def test_offline_loader_refuses_other_contexts():
    from pyld import jsonld

    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand(
            {"@context": "https://example.org/ctx", "name": "x"},
            {"documentLoader": offline_loader},
        )


@pytest.fixture
def practice(site_tree, city):
    from .utils import make_practice_model

    city.website = "https://www.daugavpils.lv/"
    city.save_revision().publish()
    return make_practice_model(
        site_tree.practices,
        title="Housing cooperative",
        summary="Residents run their own blocks.",
        city=city,
        themes=[site_tree.themes["housing"], site_tree.themes["climate"]],
        start_year=2019,
        licence="CC-BY-SA-4.0",
    )


def test_practice_model_article(client, practice):
    data = json_ld(client, practice)
    assert data["@type"] == "Article"
    graph = triples(data)
    article = node_of_type(graph, "Article")
    assert objects(graph, "headline", article) == {'"Housing cooperative"'}
    assert objects(graph, "url", article) == {f"<{practice.get_full_url()}>"}
    assert objects(graph, "license", article) == {
        "<https://creativecommons.org/licenses/by-sa/4.0/>"
    }
    assert objects(graph, "inLanguage", article) == {'"en"'}
    assert objects(graph, "description", article) == {'"Residents run their own blocks."'}
    assert objects(graph, "dateModified", article)
    assert objects(graph, "temporalCoverage", article) == {'"2019/.."'}
    # about: the themes, as defined terms with their stable key.
    about = objects(graph, "about", article)
    assert len(about) == 2
    assert {o for s in about for o in objects(graph, "termCode", s)} == {
        '"housing"',
        '"climate"',
    }
    # spatialCoverage: the city as a Place with coordinates and country.
    (place,) = objects(graph, "spatialCoverage", article)
    assert objects(graph, "name", place) == {'"Daugavpils"'}
    (geo,) = objects(graph, "geo", place)
    (latitude,) = objects(graph, "latitude", geo)
    value, datatype = latitude.split("^^")
    assert float(value.strip('"')) == pytest.approx(55.87466)
    assert datatype == "<http://www.w3.org/2001/XMLSchema#double>"
    (country,) = objects(graph, "containedInPlace", place)
    assert objects(graph, "identifier", country) == {'"LV"'}
    # author and publisher: the municipality.
    (author,) = objects(graph, "author", article)
    assert objects(graph, "sameAs", author) == {"<https://www.daugavpils.lv/>"}
    assert objects(graph, "publisher", article)


def test_practice_model_without_city_or_open_licence(client, site_tree):
    from .utils import make_practice_model

    page = make_practice_model(site_tree.practices, licence="all-rights-reserved")
    data = json_ld(client, page)
    assert "license" not in data and "author" not in data and "spatialCoverage" not in data
    assert triples(data)


def test_city_page_place(client, site_tree):
    page = make_city(
        site_tree.cities,
        title="Poznań",
        slug="poznan",
        country="PL",
        latitude=52.40692,
        longitude=16.92993,
        website="https://www.poznan.pl/",
    )
    data = json_ld(client, page)
    assert data["@type"] == "City"
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 52.40692, "longitude": 16.92993}
    graph = triples(data)
    city = node_of_type(graph, "City")
    assert objects(graph, "name", city) == {'"Poznań"'}
    assert objects(graph, "url", city) == {f"<{page.get_full_url()}>"}
    assert objects(graph, "sameAs", city) == {"<https://www.poznan.pl/>"}
    (country,) = objects(graph, "containedInPlace", city)
    assert objects(graph, "identifier", country) == {'"PL"'}
    assert objects(graph, "name", country) == {'"Poland"'}
    (geo,) = objects(graph, "geo", city)
    assert len(objects(graph, "latitude", geo)) == 1


def test_translated_city_speaks_its_language(client, site_tree):
    from .utils import translate

    page = make_city(site_tree.cities, title="Daugavpils", slug="daugavpils")
    lv = translate(page, "lv")
    data = json_ld(client, lv)
    assert data["inLanguage"] == "lv"
    assert data["url"] == lv.get_full_url() and "/lv/" in data["url"]
    assert data["containedInPlace"]["name"] == "Latvija"


def test_seminar_event_expands(client, site_tree, city):
    seminar = make_seminar(
        site_tree.seminars,
        start=START,
        host_city=city,
        venue_name="City hall",
        online_url="https://meet.example.org/room",
    )
    graph = triples(json_ld(client, seminar))
    event = node_of_type(graph, "Event")
    assert objects(graph, "eventStatus", event) == {"<https://schema.org/EventScheduled>"}
    assert objects(graph, "eventAttendanceMode", event) == {
        "<https://schema.org/MixedEventAttendanceMode>"
    }
    assert len(objects(graph, "location", event)) == 2
    (organizer,) = objects(graph, "organizer", event)
    assert objects(graph, "name", organizer) == {'"Daugavpils"'}


def test_practice_model_page_keeps_one_json_ld_and_escapes(client, site_tree):
    from .utils import make_practice_model

    page = make_practice_model(site_tree.practices, title="</script><b>x</b>", slug="evil-pm")
    data = json_ld(client, page)
    assert data["headline"] == "</script><b>x</b>"
