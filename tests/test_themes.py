"""Theme landing pages (``/themes/``, ``/themes/<key>/``) in English, Latvian and Polish.

The module's site: housing is translated into Latvian, not into Polish (the Polish page shows
the English text, marked as English); mobility has no content at all.
"""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Locale

from cities_cms.snippets import Theme

from .utils import fresh, make_city, make_practice_model, make_private, make_seminar, translate

pytestmark = pytest.mark.django_db

LV_NAME = "Mājokļi"
LV_DESCRIPTION = "Pieejami un silti mājokļi visiem iedzīvotājiem."
EN_DESCRIPTION = "Affordable, warm homes for every resident."


@pytest.fixture(scope="module")
def theme_data(network_site):
    tree = network_site
    housing = tree.themes["housing"]
    housing.description = EN_DESCRIPTION
    housing.save()
    latvian = housing.copy_for_translation(Locale.objects.get(language_code="lv"))
    latvian.name, latvian.description = LV_NAME, LV_DESCRIPTION
    latvian.save()
    now = timezone.now()
    tree.riga = make_city(tree.cities, title="Daugavpils", slug="daugavpils", role="lead")
    tree.poznan = make_city(
        tree.cities, title="Poznań", slug="poznan", country="PL", latitude=52.4, longitude=16.9
    )
    tree.lisbon = make_city(
        tree.cities, title="Lisbon", slug="lisbon", country="PT", latitude=38.7, longitude=-9.1
    )
    tree.courtyards = make_practice_model(
        tree.practices,
        title="Green courtyards",
        city=tree.riga,
        status="pilot",
        start_year=2021,
        themes=[housing],
    )
    tree.cooperative = make_practice_model(
        tree.practices,
        title="Housing cooperative",
        city=tree.poznan,
        status="implemented",
        start_year=2019,
        themes=[housing, tree.themes["climate"]],
    )
    tree.elsewhere = make_practice_model(
        tree.practices, title="Bus lanes", city=tree.lisbon, themes=[tree.themes["climate"]]
    )
    secret = make_practice_model(
        tree.practices, title="Secret housing plan", city=tree.lisbon, themes=[housing]
    )
    make_private(secret)
    make_seminar(
        tree.seminars,
        title="Housing workshop",
        start=now + timedelta(days=20),
        host_city=tree.riga,
        themes=[housing],
    )
    make_seminar(
        tree.seminars,
        title="Housing study visit",
        kind="study_visit",
        start=now - timedelta(days=200),
        themes=[housing],
    )
    make_seminar(tree.seminars, title="Climate webinar", kind="webinar", themes=[])
    private_seminar = make_seminar(tree.seminars, title="Closed housing meeting", themes=[housing])
    make_private(private_seminar)
    return tree


@pytest.fixture
def data(theme_data, db):
    return fresh(theme_data)


def test_index_lists_every_theme_with_its_counts_and_links(client, data):
    response = client.get("/themes/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert '<h1 class="cc-page-title">Themes</h1>' in html
    assert '<a href="/themes/" aria-current="page">Themes</a>' in html  # the breadcrumb
    for theme in Theme.objects.filter(locale=data.home.locale):
        assert f'href="/themes/{theme.key}/"' in html
    housing = html[html.index('href="/themes/housing/"') :]
    # Two practice models and two seminars: the private ones are not counted.
    assert re.search(r"2 practice models.*?2 seminars", housing[:600], re.S), housing[:600]


def test_theme_page_in_english(client, data):
    response = client.get("/themes/housing/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Housing" in html
    assert EN_DESCRIPTION in html
    assert "Green courtyards" in html and "Housing cooperative" in html
    assert "Bus lanes" not in html  # another theme
    assert "Secret housing plan" not in html  # private
    assert "Closed housing meeting" not in html
    upcoming, past = html.index("Housing workshop"), html.index("Housing study visit")
    assert upcoming < past  # upcoming first
    # The map of the theme's cities: the two with practice models on housing.
    map_part = html[html.index('id="theme-map-heading"') :]
    assert "Daugavpils" in map_part and "Poznań" in map_part
    assert "Lisbon" not in map_part.split("</section>")[0]
    assert 'rel="canonical" href="http://localhost/themes/housing/"' in html
    assert 'type="application/rss+xml"' in html and "/feeds/practice-models/theme/housing/" in html
    assert 'type="text/calendar"' in html and 'href="/themes/housing/ics/"' in html


def test_theme_page_in_latvian_uses_the_translation(client, data):
    html = client.get("/lv/themes/housing/").content.decode()
    assert '<html lang="lv"' in html
    assert f"<title>{LV_NAME}" in html
    assert LV_DESCRIPTION in html and EN_DESCRIPTION not in html
    assert f'<h1 class="cc-page-title">{LV_NAME}</h1>' in html  # no lang: it is Latvian


def test_theme_page_in_polish_falls_back_to_english_marked_as_such(client, data):
    html = client.get("/pl/themes/housing/").content.decode()
    assert '<html lang="pl"' in html
    assert '<h1 class="cc-page-title" lang="en">Housing</h1>' in html
    assert f'<p class="cc-lead" lang="en">{EN_DESCRIPTION}</p>' in html
    assert "Green courtyards" in html  # the Polish tree's practice models (aliases)


def test_language_switcher_and_hreflang_point_at_the_same_theme(client, data):
    html = client.get("/lv/themes/housing/").content.decode()
    switcher = html[html.index('class="cc-languages"') :].split("</nav>")[0]
    assert 'href="/themes/housing/"' in switcher and 'href="/pl/themes/housing/"' in switcher
    assert 'href="/lv/themes/housing/" aria-current="page"' in switcher
    assert '<link rel="canonical" href="http://localhost/lv/themes/housing/">' in html
    for code, prefix in (("en", ""), ("lv", "/lv"), ("pl", "/pl")):
        assert (
            f'<link rel="alternate" hreflang="{code}" href="http://localhost{prefix}/themes/housing/">'
            in html
        )
    assert 'hreflang="x-default" href="http://localhost/themes/housing/"' in html


def test_breadcrumbs_and_json_ld(client, data):
    html = client.get("/themes/housing/").content.decode()
    trail = html[html.index('class="cc-breadcrumbs') :].split("</nav>")[0]
    assert 'href="/themes/"' in trail and 'aria-current="page"' in trail
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data_ld = json.loads(blocks[-1])
    assert data_ld["@type"] == "CollectionPage"
    assert data_ld["about"]["termCode"] == "housing"
    assert data_ld["about"]["description"] == EN_DESCRIPTION
    names = {part["name"] for part in data_ld["hasPart"]}
    assert {"Green courtyards", "Housing cooperative", "Housing workshop"} <= names
    index = json.loads(
        re.findall(
            r'<script type="application/ld\+json">(.*?)</script>',
            client.get("/lv/themes/").content.decode(),
            re.S,
        )[-1]
    )
    terms = {t["termCode"]: t for t in index["mainEntity"]["hasDefinedTerm"]}
    assert terms["housing"]["name"] == LV_NAME
    assert terms["housing"]["url"] == "http://localhost/lv/themes/housing/"


def test_unknown_theme_is_a_404_in_the_visitors_language(client, data):
    for path, lang in (("/themes/no-such-theme/", "en"), ("/lv/themes/nav-tadas/", "lv")):
        response = client.get(path)
        assert response.status_code == 404
        assert f'<html lang="{lang}"' in response.content.decode()
    assert client.get("/themes/no-such-theme/ics/").status_code == 404
    assert client.get("/themes/Not a key!/").status_code == 404


def test_a_theme_without_content_shows_an_empty_state(client, data):
    response = client.get("/lv/themes/mobility/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="cc-empty"' in html
    assert 'id="theme-map-heading"' not in html
    assert 'class="cc-filters"' not in html  # nothing to filter


def test_filters_and_pagination(client, data, settings):
    html = client.get("/themes/housing/?status=pilot").content.decode()
    assert "Green courtyards" in html and "Housing cooperative" not in html
    html = client.get("/themes/housing/?city=poznan").content.decode()
    assert "Housing cooperative" in html and "Green courtyards" not in html
    assert 'name="theme"' not in html  # the page is about one theme
    assert 'action="/themes/housing/"' in html
    nothing = client.get("/themes/housing/?status=idea").content.decode()
    assert 'class="cc-empty"' in nothing and 'href="/themes/housing/"' in nothing
    assert client.get("/themes/housing/?status=bogus").status_code == 400
    short = client.get("/themes/housing/?status=pilot&city=&year=")
    assert short.status_code == 302 and short["Location"] == "/themes/housing/?status=pilot"
    settings.CITIES_CMS_LISTING_PAGE_SIZE = 1
    assert client.get("/themes/housing/?page=2").status_code == 200
    assert client.get("/themes/housing/?page=3").status_code == 404
    assert client.get("/themes/housing/?page=x").status_code == 404


def test_received_copies_show_with_the_city_that_shared_them(client, data):
    from cities_cms.federation.models import FederatedCopy

    received = make_practice_model(
        data.practices, title="Shared housing fund", themes=[data.themes["housing"]]
    )
    FederatedCopy.objects.create(
        global_id=received.translation_key,
        origin_url="https://brugmeer.example/",
        origin_key_fingerprint="SHA256:test",
        origin_city="Brugmeer",
        version=1,
    )
    html = client.get("/themes/housing/").content.decode()
    card = html[html.index("Shared housing fund") :].split("</article>")[0]
    assert "Shared by Brugmeer" in card  # inside its card


def test_calendar_and_feeds_of_the_theme_leave_private_pages_out(client, data):
    ics = client.get("/themes/housing/ics/")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert "Housing workshop" in body and "Housing study visit" in body
    assert "Climate webinar" not in body and "Closed housing meeting" not in body
    rss = client.get("/feeds/practice-models/theme/housing/rss/").content.decode()
    assert "Green courtyards" in rss and "Secret housing plan" not in rss


def test_theme_chips_link_to_their_pages(client, data):
    data.home.themes.set([data.themes["housing"]])
    data.home.save_revision().publish()
    home = client.get("/").content.decode()
    assert '<a href="/themes/housing/">Housing</a>' in home
    assert 'href="/themes/"' in home
    card_page = client.get(data.practices.url).content.decode()
    assert '<a href="/themes/housing/">Housing</a>' in card_page
    page = client.get(data.courtyards.url).content.decode()
    assert '<a href="/themes/housing/">Housing</a>' in page
    for code in ("lv", "pl"):
        version = data.courtyards.get_translation(Locale.objects.get(language_code=code))
        response = client.get(version.url)
        assert response.status_code == 200
        if code == "lv":
            latvian = response.content.decode()
        else:
            polish = response.content.decode()
    # Both versions are not translated yet: their text is English (<main lang="en">), so the
    # Latvian name says it is Latvian and the English one needs no mark.
    assert f'<a href="/lv/themes/housing/" lang="lv">{LV_NAME}</a>' in latvian
    assert '<a href="/pl/themes/housing/">Housing</a>' in polish


def test_sitemap_lists_the_theme_pages_in_each_language(client, data):
    assert (
        "<loc>http://localhost/sitemap-themes.xml</loc>"
        in client.get("/sitemap.xml").content.decode()
    )
    xml = client.get("/sitemap-themes.xml").content.decode()
    for prefix in ("", "/lv", "/pl"):
        assert f"<loc>http://localhost{prefix}/themes/</loc>" in xml
        assert f"<loc>http://localhost{prefix}/themes/housing/</loc>" in xml
    assert xml.count("<loc>http://localhost/themes/housing/</loc>") == 1
    assert 'hreflang="lv" href="http://localhost/lv/themes/housing/"' in xml


def test_an_edited_description_shows_on_the_next_request(client, data):
    assert EN_DESCRIPTION in client.get("/themes/housing/").content.decode()
    second = client.get("/themes/housing/")
    assert second["X-Cities-Cache"] == "HIT"
    theme = Theme.objects.get(pk=data.themes["housing"].pk)
    theme.description = "Homes people can afford."
    theme.save()
    response = client.get("/themes/housing/")
    assert response["X-Cities-Cache"] == "MISS"
    assert "Homes people can afford." in response.content.decode()
    assert "Homes people can afford." in client.get("/themes/").content.decode()


def _queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.usefixtures("uncached_pages")
def test_theme_page_queries_do_not_grow_with_content(client, data):
    paths = ("/themes/housing/", "/lv/themes/housing/", "/themes/")
    for path in paths:
        _queries(client, path)  # warm the content cache (as any first visitor does)
    before = [_queries(client, path) for path in paths]
    housing = data.themes["housing"]
    for number in range(6):
        city = make_city(data.cities, title=f"Town {number}", latitude=50 + number)
        make_practice_model(data.practices, title=f"Model {number}", city=city, themes=[housing])
        make_seminar(data.seminars, title=f"Meeting {number}", themes=[housing])
    for path in paths:
        _queries(client, path)
    after = [_queries(client, path) for path in paths]
    assert after == before
    assert max(after) <= 30


def test_search_theme_facets_link_to_the_theme_pages(client, data):
    html = client.get("/search/?q=courtyards").content.decode()
    assert 'name="theme" value="housing"' in html
    assert 'class="cc-search__theme-link" href="/themes/housing/"' in html
    latvian = client.get("/lv/search/?q=courtyards").content.decode()
    assert 'class="cc-search__theme-link" href="/lv/themes/housing/"' in latvian


@pytest.mark.usefixtures("uncached_pages")
def test_theme_sitemap_queries_do_not_grow_with_content(client, data):
    client.get("/sitemap-themes.xml")
    before = _queries(client, "/sitemap-themes.xml")
    for number in range(5):
        make_practice_model(data.practices, title=f"Sitemap model {number}", fast=True)
    client.get("/sitemap-themes.xml")
    assert _queries(client, "/sitemap-themes.xml") == before <= 4


def test_names_in_a_page_not_translated_yet_say_their_language(client, data):
    """A Latvian page not translated yet shows its English text (``<main lang="en">``), with
    the city and themes named in Latvian: each such name says it is Latvian (WCAG 3.1.2)."""
    latvian = Locale.objects.get(language_code="lv")
    translate(data.poznan, "lv", title="Poznaņa")
    alias = data.cooperative.get_translation(latvian)
    assert alias.alias_of_id == data.cooperative.pk
    html = client.get(alias.url).content.decode()
    assert '<main id="main" class="cc-main" tabindex="-1" lang="en">' in html
    assert re.search(r'<a href="/lv/[^"]*poznan/" lang="lv">Poznaņa</a>', html), html
    assert re.search(rf'<a href="/lv/[^"]*housing/" lang="lv">{LV_NAME}</a>', html)
    # The climate theme is not translated: an English name in English text needs no mark.
    assert re.search(r'<a href="/lv/[^"]*climate/">Climate', html)

    # The same names on the English page and on the Latvian translation: no marks.
    english = client.get(data.cooperative.url).content.decode()
    assert re.search(r'<a href="/[^"]*poznan/">Poznań</a>', english)
    translated = translate(data.cooperative, "lv", title="Mājokļu kooperatīvs")
    html = client.get(translated.url).content.decode()
    assert re.search(r'<a href="/lv/[^"]*poznan/">Poznaņa</a>', html)
    assert re.search(rf'<a href="/lv/[^"]*housing/">{LV_NAME}</a>', html)
    assert re.search(r'<a href="/lv/[^"]*climate/" lang="en">Climate', html)
