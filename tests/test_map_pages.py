"""The partner map as visitors get it: on the network home and on each city page, in en/lv/pl.

The demo's fourteen cities (fixtures/demo/cities.json) are built once for the module; Daugavpils
is translated into Latvian, the other pages stand in lv and pl as aliases (synchronised trees).
"""

import json
import re
import shutil
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from wagtail.models import Locale, Page

from cities_cms.svgmap import CityMap

from .demo.conftest import VNU
from .demo.validity import html_errors
from .utils import fresh, make_city, translate

DEMO_CITIES = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "cities.json"
LANGUAGES = ["en", "lv", "pl"]


@pytest.fixture(scope="module")
def map_site(network_site, django_db_blocker):
    with django_db_blocker.unblock():
        cities = [
            make_city(
                network_site.cities,
                title=c["title"],
                slug=c["slug"],
                country=c["country"],
                role=c["role"],
                latitude=float(c["latitude"]),
                longitude=float(c["longitude"]),
            )
            for c in json.loads(DEMO_CITIES.read_text(encoding="utf-8"))
        ]
        daugavpils = next(c for c in cities if c.slug == "daugavpils")
        translate(daugavpils, "lv", title="Daugavpils")
    return network_site


def in_language(page, code):
    """The page in a locale: its translation, or the alias that stands in for it."""
    return page.get_translation(Locale.objects.get(language_code=code)).specific


def svg_of(html):
    return html.split('<svg class="cc-map__svg"', 1)[1].split("</svg>", 1)[0]


def links(svg):
    return re.findall(r'<a class="(cc-map__link[^"]*)" href="([^"]+)"([^>]*)>', svg)


@pytest.mark.parametrize("code", LANGUAGES)
def test_network_home_map(client, map_site, db, code):
    home = in_language(fresh(map_site.home), code)
    html = client.get(home.url).content.decode()
    assert f'<html lang="{code}"' in html
    svg = svg_of(html)
    # Country outlines from the shipped data, then two layouts of the same fourteen links.
    land = svg.split('<g class="cc-map__land">', 1)[1].split("</g>", 1)[0]
    assert land.count("<path d=") >= 25
    found = links(svg)
    assert len(found) == 28
    # Links to the cities' pages in the page's language (translations or their aliases).
    cities = fresh(map_site.cities).get_children().live()
    expected = {in_language(city, code).url for city in cities}
    assert {href for _cls, href, _rest in found} == expected and len(expected) == 14
    assert all(href.startswith(f"/{code}/") for href in expected) or code == "en"
    assert sum("cc-map__link--lead" in cls for cls, _href, _rest in found) == 2
    assert svg.count('<line class="cc-map__leader"') <= 4
    assert "aria-current" not in svg
    assert svg.count('class="cc-map__layout cc-map__layout--narrow" display="none"') == 1
    # Every link has a name (its title element), the lead partner's says so.
    titles = re.findall(r"<a [^>]*><title>([^<]+)</title>", svg)
    assert len(titles) == 28 and sorted(set(titles))[0] == "Arcavento"
    if code == "en":
        assert "Poznań, lead partner" in titles
    # The list for screen readers stays below the map, every city in it.
    listing = html.split('<ul class="cc-map__list"', 1)[1].split("</ul>", 1)[0]
    assert listing.count("<li>") == 14
    assert "not shown on the map" not in listing


@pytest.mark.parametrize("code", LANGUAGES)
def test_city_page_highlights_its_city(client, map_site, db, code):
    en = Page.objects.get(slug="daugavpils", locale__language_code="en")
    city = in_language(en, code)
    html = client.get(city.url).content.decode()
    assert f'<html lang="{code}"' in html
    svg = svg_of(html)
    current = [(cls, href) for cls, href, rest in links(svg) if 'aria-current="page"' in rest]
    assert current == [("cc-map__link cc-map__link--current", city.url)] * 2
    assert len(links(svg)) == 28
    listing = html.split('<ul class="cc-map__list"', 1)[1].split("</ul>", 1)[0]
    assert f'<a href="{city.url}" aria-current="page">' in listing
    other = Page.objects.get(slug="brugmeer", locale__language_code=code)
    html = client.get(other.url).content.decode()
    current = [href for _c, href, rest in links(svg_of(html)) if "aria-current" in rest]
    assert current == [other.url] * 2


def test_city_without_coordinates_is_listed_not_drawn(map_site, db):
    cities = list(fresh(map_site.cities).get_children().live().specific().order_by("title"))
    lost = cities[0]
    lost.latitude = None  # not possible through the editor; a theme page may pass any city
    html = render_to_string(
        "cities_cms/includes/city_map.html",
        {"city_map": CityMap(cities), "request": RequestFactory().get("/")},
    )
    svg = svg_of(html)
    assert len(links(svg)) == 2 * 13
    assert lost.title not in svg
    item = re.search(rf"<li><a href=[^>]+>{lost.title}</a>.*?</li>", html, re.S).group(0)
    assert "not shown on the map" in item
    # As a theme page includes it: its own caption, a map id of its own.
    html = render_to_string(
        "cities_cms/includes/city_map.html",
        {
            "city_map": CityMap(cities[:3]),
            "map_id": "theme-map",
            "map_caption": "Cities with practice models on housing",
            "request": RequestFactory().get("/"),
        },
    )
    assert 'aria-labelledby="theme-map-title"' in html
    caption = html.split("<figcaption", 1)[1].split("</figcaption>", 1)[0]
    assert "Cities with practice models on housing" in caption and "network" not in caption


def test_map_markup_is_valid_html(client, map_site, db, tmp_path):
    java = shutil.which("java")
    if not (java and VNU.exists()):
        pytest.skip("the Nu HTML Checker needs java and node_modules/vnu-jar")
    en = Page.objects.get(slug="daugavpils", locale__language_code="en")
    urls = [in_language(fresh(map_site.home), code).url for code in ("en", "lv")]
    urls += [en.url, in_language(en, "lv").url, in_language(en, "pl").url]
    files = {}
    for number, url in enumerate(urls):
        path = tmp_path / f"page{number}.html"
        path.write_bytes(client.get(url).content)
        files[str(path)] = url
    problems = html_errors([java, "-jar", str(VNU)], files)
    assert problems == [], "\n".join(problems)
