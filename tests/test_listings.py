"""Listings of cities, seminars and practice models: filters, errors, pagination, privacy."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from cities_cms.pages import CityIndexPage, PracticeModelIndexPage, SeminarIndexPage

from .utils import fresh, make_city, make_practice_model, make_private, make_seminar

pytestmark = pytest.mark.django_db

CONTEXT_NAMES = {"cities": "cities", "seminars": "seminars", "practices": "practice_models"}


@pytest.fixture(scope="module")
def listing_data(network_site):
    tree = network_site
    themes = tree.themes
    now = timezone.now()
    tree.daugavpils = make_city(
        tree.cities, title="Daugavpils", slug="daugavpils", country="LV", role="lead"
    )
    tree.poznan = make_city(
        tree.cities,
        title="Poznań",
        slug="poznan",
        country="PL",
        latitude=52.40692,
        longitude=16.92993,
    )
    tree.lisbon = make_city(
        tree.cities, title="Lisbon", slug="lisbon", country="PT", latitude=38.7, longitude=-9.1
    )
    draft_city = make_city(tree.cities, title="Draft city", country="LT", live=False)
    private_city = make_city(tree.cities, title="Private city", country="EE")
    make_private(private_city)

    upcoming_start = now + timedelta(days=30)
    past_start = now - timedelta(days=400)
    tree.years = {"upcoming": upcoming_start.year, "past": past_start.year}
    make_seminar(
        tree.seminars,
        title="Housing workshop",
        kind="workshop",
        start=upcoming_start,
        host_city=tree.daugavpils,
        themes=[themes["housing"]],
    )
    make_seminar(
        tree.seminars,
        title="Climate webinar",
        kind="webinar",
        start=now + timedelta(days=60),
        host_city=tree.poznan,
        themes=[themes["climate"], themes["housing"]],
    )
    make_seminar(
        tree.seminars,
        title="Mobility conference",
        kind="conference",
        start=past_start,
        host_city=tree.lisbon,
        themes=[themes["mobility"]],
    )
    make_seminar(
        tree.seminars,
        title="Governance seminar",
        start=now - timedelta(days=30),
        host_city=tree.daugavpils,
        themes=[themes["good-governance"]],
    )
    make_seminar(tree.seminars, title="Draft seminar", host_city=tree.daugavpils, live=False)
    make_private(make_seminar(tree.seminars, title="Private seminar", host_city=tree.daugavpils))

    make_practice_model(
        tree.practices,
        title="Neighbourhood plans",
        city=tree.daugavpils,
        status="pilot",
        start_year=2015,
        themes=[themes["housing"]],
    )
    make_practice_model(
        tree.practices,
        title="Green roofs",
        city=tree.poznan,
        status="implemented",
        start_year=2018,
        themes=[themes["climate"], themes["housing"]],
    )
    make_practice_model(
        tree.practices,
        title="Bike lanes",
        city=tree.lisbon,
        status="evaluated",
        start_year=2012,
        themes=[themes["mobility"]],
    )
    make_practice_model(tree.practices, title="Draft model", city=tree.daugavpils, live=False)
    make_private(make_practice_model(tree.practices, title="Private model", city=tree.daugavpils))
    assert draft_city.pk
    return tree


@pytest.fixture
def listing(listing_data, db):
    return fresh(listing_data)


def get(client, listing, index, query=""):
    page = getattr(listing, index)
    return client.get(page.url + (f"?{query}" if query else ""))


def titles(response, index):
    return sorted(item.title for item in response.context[CONTEXT_NAMES[index]])


def listed(client, listing, index, query=""):
    response = get(client, listing, index, query)
    assert response.status_code == 200, (index, query, response.content[:2000])
    return titles(response, index)


# Filters narrow the results ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Daugavpils", "Lisbon", "Poznań"]),
        ("country=LV", ["Daugavpils"]),
        ("country=PT", ["Lisbon"]),
        ("role=lead", ["Daugavpils"]),
        ("role=partner", ["Lisbon", "Poznań"]),
        ("country=PL&role=partner", ["Poznań"]),
    ],
)
def test_city_filters(client, listing, query, expected):
    assert listed(client, listing, "cities", query) == expected


@pytest.mark.parametrize(
    ("index", "query", "target"),
    [
        ("cities", "country=&role=", ""),
        ("cities", "country=LV&role=", "?country=LV"),
        ("practices", "theme=&city=&country=&status=pilot&year=", "?status=pilot"),
        ("seminars", "when=&kind=&theme=housing", "?when=&theme=housing"),
    ],
)
def test_empty_filter_values_redirect_to_the_short_address(client, listing, index, query, target):
    # A form sent without JavaScript carries every field; the address to share has only the
    # filters in use ("when=" on seminars means "all dates", so it stays).
    response = get(client, listing, index, query)
    assert response.status_code == 302
    assert response["Location"] == getattr(listing, index).url + target


def test_lead_city_comes_first(client, listing):
    response = get(client, listing, "cities")
    assert [c.title for c in response.context["cities"]][0] == "Daugavpils"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Climate webinar", "Housing workshop"]),  # upcoming by default
        ("when=upcoming", ["Climate webinar", "Housing workshop"]),
        ("when=past", ["Governance seminar", "Mobility conference"]),
        (
            "when=",
            ["Climate webinar", "Governance seminar", "Housing workshop", "Mobility conference"],
        ),
        ("when=&theme=housing", ["Climate webinar", "Housing workshop"]),
        ("when=&theme=mobility", ["Mobility conference"]),
        ("theme=climate", ["Climate webinar"]),
        ("when=&city=daugavpils", ["Governance seminar", "Housing workshop"]),
        ("when=past&city=daugavpils", ["Governance seminar"]),
        ("when=&country=PL", ["Climate webinar"]),
        ("when=&country=PT", ["Mobility conference"]),
        ("when=&kind=webinar", ["Climate webinar"]),
        ("when=&kind=conference", ["Mobility conference"]),
        ("when=&kind=training", []),
    ],
)
def test_seminar_filters(client, listing, query, expected):
    assert listed(client, listing, "seminars", query) == expected


def test_seminar_year_filter(client, listing):
    past_year = listing.years["past"]
    found = listed(client, listing, "seminars", f"when=&year={past_year}")
    assert "Mobility conference" in found
    assert "Housing workshop" not in found or listing.years["upcoming"] == past_year


def test_upcoming_seminars_soonest_first_and_past_latest_first(client, listing):
    upcoming = get(client, listing, "seminars")
    assert [s.title for s in upcoming.context["seminars"]] == [
        "Housing workshop",
        "Climate webinar",
    ]
    past = get(client, listing, "seminars", "when=past")
    assert [s.title for s in past.context["seminars"]] == [
        "Governance seminar",
        "Mobility conference",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Bike lanes", "Green roofs", "Neighbourhood plans"]),
        ("theme=housing", ["Green roofs", "Neighbourhood plans"]),
        ("theme=mobility", ["Bike lanes"]),
        ("theme=regeneration", []),
        ("city=poznan", ["Green roofs"]),
        ("country=LV", ["Neighbourhood plans"]),
        ("status=pilot", ["Neighbourhood plans"]),
        ("status=evaluated", ["Bike lanes"]),
        ("status=idea", []),
        ("year=2018", ["Green roofs"]),
        ("theme=housing&status=implemented", ["Green roofs"]),
        ("theme=housing&country=PT", []),
    ],
)
def test_practice_model_filters(client, listing, query, expected):
    assert listed(client, listing, "practices", query) == expected


def test_theme_filter_lists_an_item_once(client, listing):
    # Green roofs has two themes; filtering by one must not list it twice.
    response = get(client, listing, "practices", "theme=housing")
    assert response.context["paginator"].count == 2


# Bad input is a 400 with a message, never a 500 ----------------------------------------------


BAD_QUERIES = [
    ("cities", "country=XX"),
    ("cities", "role=boss"),
    ("cities", "country=<script>alert(1)</script>"),
    ("seminars", "theme=<script>alert(1)</script>"),
    ("seminars", "country=XX"),
    ("seminars", "year=abc"),
    ("seminars", "year=1900"),
    ("seminars", "city=no-such-city"),
    ("seminars", "kind=party"),
    ("seminars", "when=tomorrow"),
    ("seminars", "when=&status=' OR 1=1"),
    ("practices", "theme=<script>alert(1)</script>"),
    ("practices", "country=XX"),
    ("practices", "year=abc"),
    ("practices", "status=' OR 1=1"),
    ("practices", "status=%27%20OR%201%3D1--"),
    ("practices", "city=../../etc/passwd"),
    ("practices", "theme=housing&year=abc"),
]


@pytest.mark.parametrize(("index", "query"), BAD_QUERIES)
def test_bad_filter_values_give_400(client, listing, index, query):
    response = get(client, listing, index, query)
    if "status=" in query and index == "seminars":
        # Seminars have no status filter: unknown parameters are ignored.
        assert response.status_code == 200
        return
    assert response.status_code == 400, (index, query)
    html = response.content.decode()
    assert "Some filters could not be used" in html
    assert titles(response, index) == []
    assert response.context["paginator"].count == 0
    assert "<script>alert(1)" not in html


@pytest.mark.parametrize("index", ["cities", "seminars", "practices"])
@pytest.mark.parametrize("number", ["999", "-1", "0", "abc", "1.5"])
def test_pages_out_of_range_give_404(client, listing, index, number):
    response = get(client, listing, index, f"page={number}")
    assert response.status_code == 404


@pytest.mark.parametrize("index", ["cities", "seminars", "practices"])
def test_page_one_is_fine(client, listing, index):
    assert get(client, listing, index, "page=1").status_code == 200


# Pagination -------------------------------------------------------------------------------


@override_settings(CITIES_CMS_LISTING_PAGE_SIZE=2)
@pytest.mark.parametrize(
    ("index", "query", "total"),
    [("cities", "", 3), ("seminars", "when=", 4), ("practices", "", 3)],
)
def test_pagination(client, listing, index, query, total, monkeypatch):
    from cities_cms.pages import CityIndexPage

    # The city index shows up to 60 partner cities on one page whatever the setting says.
    monkeypatch.setattr(CityIndexPage, "listing_page_size", 2)
    first = get(client, listing, index, query)
    assert first.status_code == 200
    assert first.context["paginator"].num_pages == 2
    assert first.context["paginator"].count == total
    assert len(titles(first, index)) == 2
    html = first.content.decode()
    assert "page=2" in html
    separator = "&" if query else ""
    second = get(client, listing, index, f"{query}{separator}page=2")
    assert second.status_code == 200
    assert len(titles(second, index)) == total - 2
    assert not set(titles(first, index)) & set(titles(second, index))
    assert get(client, listing, index, f"{query}{separator}page=3").status_code == 404


@override_settings(CITIES_CMS_LISTING_PAGE_SIZE=2)
def test_pagination_keeps_the_filters(client, listing):
    response = get(client, listing, "seminars", "when=&theme=housing")
    assert response.context["paginator"].num_pages == 1
    response = get(client, listing, "seminars", "when=")
    assert "when=&amp;page=2" in response.content.decode() or "when=&page=2" in (
        response.content.decode()
    )


# Empty states -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "text"),
    [
        (CityIndexPage, "No partner cities have been published yet."),
        (SeminarIndexPage, "No seminars"),
        (PracticeModelIndexPage, "No practice models have been published yet."),
    ],
)
def test_empty_index_says_so(client, listing, model, text):
    index = model(title="Empty listing", slug=f"empty-{model._meta.model_name}")
    listing.home.add_child(instance=index)
    index.save_revision().publish()
    response = client.get(index.url)
    assert response.status_code == 200
    assert text in response.content.decode()
    assert response.context["paginator"].count == 0


@pytest.mark.parametrize(
    ("index", "query", "text"),
    [
        ("cities", "country=PT&role=lead", "No cities match these filters."),
        ("seminars", "when=&kind=training", "No seminars match these filters."),
        ("practices", "status=idea", "No practice models match these filters."),
    ],
)
def test_no_match_says_so(client, listing, index, query, text):
    response = get(client, listing, index, query)
    assert response.status_code == 200
    assert text in response.content.decode()


# Drafts and private pages never appear ------------------------------------------------------


HIDDEN = [
    "Draft city",
    "Private city",
    "Draft seminar",
    "Private seminar",
    "Draft model",
    "Private model",
]


@pytest.mark.parametrize(
    ("index", "query"),
    [
        ("cities", ""),
        ("cities", "country=LV"),
        ("seminars", "when="),
        ("seminars", "when=upcoming&city=daugavpils"),
        ("practices", ""),
        ("practices", "city=daugavpils"),
    ],
)
def test_drafts_and_private_pages_are_never_listed(client, listing, index, query):
    response = get(client, listing, index, query)
    assert response.status_code == 200
    html = response.content.decode()
    for title in HIDDEN:
        assert title not in html
    assert not set(HIDDEN) & set(titles(response, index))


def test_draft_and_private_cities_are_not_filter_choices(client, listing):
    html = get(client, listing, "cities").content.decode()
    assert 'value="LT"' not in html  # only the draft city is in Lithuania
    assert 'value="EE"' not in html  # only the private city is in Estonia
    assert get(client, listing, "cities", "country=LT").status_code == 400
