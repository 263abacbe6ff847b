"""A page not yet translated (an alias) names and links its city in the visitor's language.

An alias copies its source's fields, so its city is the source language's page: the Latvian
version of an English practice model would say "Daugavpils" in English and lead to the English
city page. ``{% local_city %}`` takes the city's translation in the page's language instead.
"""

import pytest
from wagtail.models import Locale, Page

from .utils import make_city, make_practice_model, make_seminar, translate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]


def alias_in(page, language_code):
    locale = Locale.objects.get(language_code=language_code)
    return Page.objects.get(alias_of=page, locale=locale).specific


def test_an_alias_names_and_links_the_city_in_its_language(client, site_tree):
    city = make_city(site_tree.cities, title="Stejarlunca")
    latvian_city = translate(city, "lv", title="Stežarlunka")
    model = make_practice_model(site_tree.practices, title="Energy renovation", city=city)
    seminar = make_seminar(site_tree.seminars, title="Study visit", host_city=city)

    for page in (alias_in(model, "lv"), alias_in(seminar, "lv")):
        html = client.get(page.url).content.decode()
        assert "Stežarlunka" in html, page
        assert f'href="{latvian_city.url}"' in html
        assert f'href="{city.url}"' not in html
    # The listing's cards too, and the English page keeps the English city.
    latvian_index = site_tree.practices.get_translation(Locale.objects.get(language_code="lv"))
    listing = client.get(latvian_index.url).content.decode()
    assert "Stežarlunka" in listing and "Stejarlunca" not in listing
    assert "Stejarlunca" in client.get(model.url).content.decode()
    # A city not translated yet: the alias keeps the source's name and link.
    other = make_city(site_tree.cities, title="Brugmeer")
    seminar.host_city = other
    seminar.save_revision().publish()
    assert "Brugmeer" in client.get(alias_in(seminar, "lv").url).content.decode()


def test_one_map_of_a_languages_cities_for_the_home_the_search_and_the_cards(client, site_tree):
    """The network home's cities, the search's city facet and ``{% local_city %}`` read one
    map per language, cached with the content: what one of them read, the others do not ask
    the database again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cities_cms import content_cache

    city = make_city(site_tree.cities, title="Stejarlunca")
    translate(city, "lv", title="Stežarlunka")
    model = make_practice_model(site_tree.practices, title="Energy renovation", city=city)
    content_cache.invalidate()  # a new generation: nothing read yet

    assert "Stežarlunka" in client.get("/lv/").content.decode()  # the home reads the map
    for url in ("/lv/search/?q=renovation", alias_in(model, "lv").url):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        assert "Stežarlunka" in html, url  # the facet's value; the page's city
        # A language's city pages, as the map reads them (not a city by its id, nor the
        # search's own statement).
        city_queries = [
            q["sql"]
            for q in queries
            if q["sql"].startswith("SELECT")
            and 'FROM "cities_cms_citypage"' in q["sql"]
            and '"locale_id" =' in q["sql"]
        ]
        assert not city_queries, (url, city_queries)
