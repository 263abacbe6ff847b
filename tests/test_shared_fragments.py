"""Work that public pages share, cached with the content, follows every change at once.

The network home's highlights and cities, each page's languages, the header's brand and menu
and the footer are computed or rendered once per content generation (cities_cms.content_cache,
``{% shared_fragment %}``). Each test changes content as an editor does and checks, from the
visitor's side, that the very next request shows it; and that what is shared is the same for
every visitor.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction

from .utils import add_page, make_city, make_practice_model, make_private, make_seminar, translate

# Requests that miss the full-page cache: what they render is the subject here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]


def section(html, heading_id):
    start = html.find(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)] if start >= 0 else ""


def part(html, tag, css_class):
    start = html.index(f'<{tag} class="{css_class}"')
    return html[start : html.index(f"</{tag}>", start)]


def switcher(html):
    """``(translated, untranslated)``: the language codes in the switcher's two lists."""
    nav = html.split('class="cc-languages"', 1)[1].split("</nav>", 1)[0]
    main, _sep, more = nav.partition("cc-languages__more")
    return set(re.findall(r' lang="([\w-]+)"', main)), set(re.findall(r' lang="([\w-]+)"', more))


def test_home_highlights_follow_publishing(client, site_tree):
    make_practice_model(site_tree.practices, title="Older model")
    assert "Older model" in section(client.get("/").content.decode(), "practice-heading")
    newest = make_practice_model(site_tree.practices, title="Participatory budget")
    assert "Participatory budget" in section(client.get("/").content.decode(), "practice-heading")
    newest.unpublish()
    html = section(client.get("/").content.decode(), "practice-heading")
    assert "Participatory budget" not in html and "Older model" in html
    make_private(Page.objects.get(pk=site_tree.practices.pk))
    assert section(client.get("/").content.decode(), "practice-heading") == ""


def test_home_cities_follow_publishing(client, site_tree):
    city = make_city(site_tree.cities, title="Valmiera")
    assert "Valmiera" in client.get("/").content.decode()
    city.title = "Valmiera city"
    city.save_revision().publish()
    assert "Valmiera city" in client.get("/").content.decode()
    city.unpublish()
    assert "Valmiera" not in client.get("/").content.decode()


def test_upcoming_seminars_drop_out_as_they_end(client, site_tree, settings, monkeypatch):
    settings.CITIES_CMS_HOME_HIGHLIGHTS = 2
    now = timezone.now()
    # Ends at +1h, +3h, +5h ...; starts an hour before.
    for i in range(5):
        end = now + timedelta(hours=1 + 2 * i)
        make_seminar(
            site_tree.seminars, title=f"Seminar {i}", start=end - timedelta(hours=1), end=end
        )

    def shown(at):
        monkeypatch.setattr(timezone, "now", lambda: at)
        html = section(client.get("/").content.decode(), "seminars-heading")
        return [i for i in range(5) if f"Seminar {i}<" in html]

    assert shown(now) == [0, 1]
    assert shown(now + timedelta(minutes=70)) == [1, 2]
    assert shown(now + timedelta(hours=6)) == [3, 4]  # past the first list's end: read again
    assert shown(now + timedelta(hours=8, minutes=30)) == [4]
    assert shown(now + timedelta(hours=10)) == []


def test_translating_a_page_changes_its_switcher_at_once(client, site_tree):
    city = make_city(site_tree.cities, title="Daugavpils", slug="daugavpils")
    assert switcher(client.get(city.url).content.decode()) == ({"en"}, {"lv", "pl"})
    translate(city, "lv", title="Daugavpils (lv)")
    html = client.get(city.url).content.decode()
    assert switcher(html) == ({"en", "lv"}, {"pl"})
    assert 'hreflang="lv"' in html


def test_a_translated_title_changes_the_menu_at_once(client, site_tree):
    about = add_page(site_tree.home, Page(title="About us", slug="about", show_in_menus=True))
    lv_url = Page.objects.get(
        translation_key=site_tree.home.translation_key, locale__language_code="lv"
    ).url
    menu = part(client.get(lv_url).content.decode(), "nav", "cc-nav")
    assert re.search(r'lang="en">About us<', menu)  # an alias: the English title, marked
    translate(about, "lv", title="Par mums")
    menu = part(client.get(lv_url).content.decode(), "nav", "cc-nav")
    assert ">Par mums<" in menu and "About us" not in menu


def test_the_menu_marks_the_current_item_on_each_page(client, site_tree):
    site_tree.cities.show_in_menus = True
    site_tree.cities.save_revision().publish()
    city = make_city(site_tree.cities, title="Rēzekne")
    index_url = site_tree.cities.url

    def current(url):
        menu = part(client.get(url).content.decode(), "nav", "cc-nav")
        return re.findall(r'href="([^"]+)" aria-current="(\w+)"', menu)

    assert current("/") == []
    assert current(index_url) == [(index_url, "page")]
    assert current(city.url) == [(index_url, "true")]
    assert current("/") == []  # the home page's menu again, from the cache


def test_shared_parts_are_the_same_for_every_visitor(client, site_tree):
    """The header, menu and footer carry nothing of the visitor: logged in or not, first or
    second, everyone gets the same (so sharing them leaks nothing)."""
    city = make_city(site_tree.cities, title="Jelgava")
    user = get_user_model().objects.create_superuser("editor", password="x" * 12)

    def parts(url):
        html = client.get(url).content.decode()
        return part(html, "header", "cc-header"), part(html, "footer", "cc-footer")

    client.force_login(user)
    logged_in = parts(city.url)
    client.logout()
    anonymous = parts(city.url)
    assert anonymous == logged_in
    assert "editor" not in anonymous[0]


def test_a_part_with_a_nonce_is_rendered_for_each_request(site_tree):
    request = RequestFactory().get("/")
    source = (
        "{% load cities_cms_tags %}{% shared_fragment 'test' %}{{ value }}{% endshared_fragment %}"
        "|{% shared_fragment 'test-script' %}<script nonce=\"{{ value }}\"></script>"
        "{% endshared_fragment %}"
    )
    render = engines["django"].from_string(source).render
    assert render({"request": request, "value": "one"}) == 'one|<script nonce="one"></script>'
    # The first part is shared (the same for every visitor, by contract): still "one".
    assert render({"request": request, "value": "two"}) == 'one|<script nonce="two"></script>'


def test_view_restrictions_as_wagtail_finds_them(client, site_tree):
    """Pages skip Wagtail's restriction queries outside private sections: they must find
    exactly what Wagtail finds, on translations and aliases too."""
    city = make_city(site_tree.cities, title="Liepāja")
    translate(city, "lv", title="Liepāja (lv)")
    make_private(Page.objects.get(pk=site_tree.cities.pk))
    pages = Page.objects.specific()
    assert any(page.alias_of_id for page in pages)
    for page in pages:
        ours = list(page.get_view_restrictions())
        assert ours == list(Page.get_view_restrictions(page)), page
    # From the visitor's side, in each language: the password form, then the page.
    for version in Page.objects.filter(translation_key=city.translation_key):
        assert 'name="password"' in client.get(version.url).content.decode()
    PageViewRestriction.objects.all().delete()
    for version in Page.objects.filter(translation_key=city.translation_key):
        assert 'name="password"' not in client.get(version.url).content.decode()


def test_listing_without_filters_follows_publishing(client, site_tree, settings):
    settings.CITIES_CMS_LISTING_PAGE_SIZE = 2
    first = make_practice_model(site_tree.practices, title="Model one", status="pilot")
    make_practice_model(site_tree.practices, title="Model two")
    url = site_tree.practices.url
    assert "Model two" in client.get(url).content.decode()
    assert "Model one" in client.get(url + "?page=1").content.decode()
    third = make_practice_model(site_tree.practices, title="Model three")
    html = client.get(url).content.decode()
    assert "Model three" in html and "Model one" not in html
    assert "Model one" in client.get(url + "?page=2").content.decode()
    third.unpublish()
    assert "Model one" in client.get(url).content.decode()
    assert client.get(url + "?page=2").status_code == 404
    first.title = "Model one, renamed"
    first.save_revision().publish()
    assert "Model one, renamed" in client.get(url).content.decode()
    filtered = client.get(url + "?status=pilot").content.decode()
    assert "Model one, renamed" in filtered and "Model two" not in filtered


def test_breadcrumbs_follow_a_renamed_parent(client, site_tree):
    city = make_city(site_tree.cities, title="Tukums")
    trail = part(client.get(city.url).content.decode(), "nav", "cc-breadcrumbs cc-container")
    assert f">{site_tree.cities.title}<" in trail
    site_tree.cities.title = "Partner cities of the network"
    site_tree.cities.save_revision().publish()
    trail = part(client.get(city.url).content.decode(), "nav", "cc-breadcrumbs cc-container")
    assert ">Partner cities of the network<" in trail


def test_the_map_is_drawn_once_per_generation_and_follows_changes(client, site_tree, monkeypatch):
    """The partner map (33 KB of SVG, its labels placed around each other) is drawn once per
    content generation for each view: the home's and each city page's (highlighted) apart."""
    from cities_cms.svgmap import CityMap

    city = make_city(site_tree.cities, title="Jelgava", latitude=56.65, longitude=23.72)
    drawn = []
    points = CityMap.points.fget
    monkeypatch.setattr(CityMap, "points", property(lambda self: drawn.append(1) or points(self)))

    def map_html(url):
        html = client.get(url).content.decode()
        return html[html.index('<figure class="cc-map"') : html.index("</figure>")]

    home = map_html("/")
    calls = len(drawn)
    assert "Jelgava" in home and 'aria-current="page"' not in home
    assert map_html("/") == home and len(drawn) == calls  # from the cache
    own = map_html(city.url)
    assert 'aria-current="page"' in own  # the city page's own map, not the home's
    city.title = "Jelgava pilsēta"
    city.save_revision().publish()
    assert "Jelgava pilsēta" in map_html("/")  # the next request after publishing
