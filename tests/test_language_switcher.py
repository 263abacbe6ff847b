"""Public pages in several languages: switcher, hreflang, lang attributes, aliases, navigation.

The test settings' site has three locales (en, lv, pl) with synchronised trees: every page
has an alias in the other two languages until it is translated.
"""

import re

import pytest
from wagtail.models import Locale, Page

from cities_cms.branding import BrandingText

from .utils import make_city, make_seminar, translate

pytestmark = pytest.mark.django_db


def switcher(html):
    """``(main, untranslated)``: ``{code: (href, attributes)}`` of the switcher's two lists."""
    nav = html.split('class="cc-languages"', 1)[1].split("</nav>", 1)[0]
    main, _sep, more = nav.partition("cc-languages__more")

    def links(part):
        found = {}
        for attributes in re.findall(r"<a ([^>]*)>", part):
            code = re.search(r'lang="([\w-]+)"', attributes).group(1)
            found[code] = (re.search(r'href="([^"]*)"', attributes).group(1), attributes)
        return found

    return links(main), links(more)


def alias_in(page, code):
    return Page.objects.get(alias_of=page, locale__language_code=code).specific


def test_switcher_hreflang_and_aliases(client, site_tree):
    city = make_city(site_tree.cities, title="Daugavpils", slug="daugavpils")
    latvian = translate(city, "lv", title="Daugavpils", intro="<p>Pilsēta pie Daugavas.</p>")
    polish_alias = alias_in(city, "pl")

    html = client.get(city.url).content.decode()
    assert '<html lang="en"' in html
    hreflangs = dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)"', html))
    assert set(hreflangs) == {"en", "lv", "x-default"}
    assert hreflangs["x-default"] == hreflangs["en"] == city.get_full_url()
    main, more = switcher(html)
    assert set(main) == {"en", "lv"} and set(more) == {"pl"}
    assert main["lv"][0] == latvian.url and 'hreflang="lv"' in main["lv"][1]
    assert 'aria-current="page"' in main["en"][1]
    # Polish: the alias, under "Not translated yet", not offered as a translation.
    assert more["pl"][0] == polish_alias.url and "hreflang" not in more["pl"][1]
    assert "Not translated yet" in html

    html = client.get(latvian.url).content.decode()
    assert '<html lang="lv"' in html
    assert "Pilsēta pie Daugavas." in html

    # The Polish alias shows the English text: marked as such, and not offered to search
    # engines as a Polish translation.
    html = client.get(polish_alias.url).content.decode()
    assert '<html lang="pl"' in html
    assert re.search(r'<main [^>]*lang="en"', html)
    assert "cc-untranslated" in html
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html).group(1)
    assert canonical == city.get_full_url()
    hreflangs = re.findall(r'hreflang="([\w-]+)" href', html)
    assert "pl" not in hreflangs
    main, more = switcher(html)
    assert set(main) == {"en", "lv", "pl"} and 'aria-current="page"' in main["pl"][1]


def test_untranslated_page_keeps_the_switcher(client, site_tree):
    """A seminar nobody translated: a Latvian visitor who switches to English can get back."""
    seminar = make_seminar(site_tree.seminars, title="Study visit", slug="study-visit")
    latvian = alias_in(seminar, "lv")
    html = client.get(latvian.url).content.decode()
    main, more = switcher(html)
    assert main["en"][0] == seminar.url
    html = client.get(seminar.url).content.decode()
    main, more = switcher(html)
    assert set(main) == {"en"} and set(more) == {"lv", "pl"}
    assert more["lv"][0] == latvian.url
    assert 'hreflang="' not in html.split("<body", 1)[0]  # no translations: no alternates


def test_page_without_a_version_links_to_that_languages_home(client, site_tree):
    """A page written in Latvian only (trees synchronise from the default language only)."""
    latvian_index = site_tree.cities.get_translation(Locale.objects.get(language_code="lv"))
    city = make_city(latvian_index.specific, title="Rēzekne", slug="rezekne")
    main, more = switcher(client.get(city.url).content.decode())
    assert set(main) == {"lv"}
    assert more["en"][0] == site_tree.home.url
    polish_home = site_tree.home.get_translation(Locale.objects.get(language_code="pl"))
    assert more["pl"][0] == polish_home.url


def navigation(html):
    menu = html.split('class="cc-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a class="cc-nav__link" href="([^"]+)"([^>]*)>([^<]+)</a>', menu)


def test_search_page_menu_and_switcher_in_the_address_language(client, site_tree):
    html = client.get("/lv/search/", {"q": "mājokļi"}).content.decode()
    assert '<html lang="lv"' in html
    links = navigation(html)
    assert links and all(href.startswith("/lv/") for href, _attrs, _title in links)
    latvian = {
        p.url
        for p in Page.objects.filter(locale__language_code="lv", depth=site_tree.home.depth + 1)
    }
    assert {href for href, _attrs, _title in links} <= latvian
    main, _more = switcher(html)
    assert main["en"][0] == "/search/?q=m%C4%81jok%C4%BCi"
    assert main["pl"][0] == "/pl/search/?q=m%C4%81jok%C4%BCi"
    assert 'aria-current="page"' in main["lv"][1]


def test_alias_menu_items_and_breadcrumbs_say_their_language(client, site_tree):
    """Items not translated yet keep their source's title, with a lang attribute."""
    about = make_seminar(site_tree.seminars, title="Opening conference", slug="opening")
    latvian = alias_in(about, "lv")
    html = client.get(latvian.url).content.decode()
    crumbs = html.split('class="cc-breadcrumbs', 1)[1].split("</nav>", 1)[0]
    home = alias_in(site_tree.home, "lv")
    assert f'href="{home.url}" lang="en">' in crumbs  # the home page is an alias too
    seminars = site_tree.seminars.get_translation(latvian.locale)
    assert re.search(rf'href="{seminars.url}">[^<]+</a>', crumbs)  # translated by the setup
    assert 'aria-current="page" lang="en">Opening conference' in crumbs
    for _href, attributes, _title in navigation(html):
        assert "lang=" not in attributes  # the index pages are translated


def test_site_texts_in_the_page_language(client, site_tree):
    english = BrandingText.objects.create(
        site=site_tree.site,
        locale=site_tree.home.locale,
        site_name="Cities of change",
        footer_text="A network of European cities.",
    )
    latvian = english.copy_for_translation(Locale.objects.get(language_code="lv"))
    latvian.site_name, latvian.footer_text = "Pārmaiņu pilsētas", "Eiropas pilsētu tīkls."
    latvian.save()
    lv_cities = site_tree.cities.get_translation(latvian.locale)
    html = client.get(lv_cities.url).content.decode()
    assert '<span class="cc-brand__name">Pārmaiņu pilsētas</span>' in html
    assert '<p class="cc-footer__text">Eiropas pilsētu tīkls.</p>' in html
    assert "– Pārmaiņu pilsētas</title>" in html
    # Polish is not written yet: the English texts, marked as English.
    pl_cities = site_tree.cities.get_translation(Locale.objects.get(language_code="pl"))
    html = client.get(pl_cities.url).content.decode()
    assert '<span class="cc-brand__name" lang="en">Cities of change</span>' in html
    assert '<p class="cc-footer__text" lang="en">A network of European cities.</p>' in html
    # The feeds are titled with the site's name in their language.
    feed = client.get("/lv/feeds/practice-models/rss/").content.decode()
    assert "Pārmaiņu pilsētas</title>" in feed


def test_not_found_page_in_the_address_language(client, site_tree):
    response = client.get("/lv/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="lv"' in html
    english = client.get("/no-such-page/").content.decode()
    title = re.search(r"<h1[^>]*>([^<]+)</h1>", html).group(1)
    assert title != re.search(r"<h1[^>]*>([^<]+)</h1>", english).group(1)
    main, _more = switcher(html)
    # Each language's home page (the same address would be missing there too).
    assert main["en"][0] == site_tree.home.url
    assert (
        main["pl"][0] == site_tree.home.get_translation(Locale.objects.get(language_code="pl")).url
    )
    lv_home = site_tree.home.get_translation(Locale.objects.get(language_code="lv"))
    assert f'href="{lv_home.url}">' in html.split('class="cc-main"', 1)[1]


@pytest.mark.parametrize("path", ["/fr/", "/fr/cities/", "/xx/", "/de/search/?q=city"])
def test_language_prefix_that_is_not_configured(client, site_tree, path):
    """French and German are languages of the network but not of this site (no locale)."""
    response = client.get(path)
    assert response.status_code == 404
    assert b"Page not found" in response.content or b"<html" in response.content


def test_private_page_offers_its_translations_to_whoever_may_see_it(client, site_tree):
    from django.contrib.auth import get_user_model
    from wagtail.models import PageViewRestriction

    city = make_city(site_tree.cities, title="Daugavpils", slug="daugavpils")
    latvian = translate(city, "lv", title="Daugavpils (lv)")
    PageViewRestriction.objects.create(page=city, restriction_type=PageViewRestriction.LOGIN)
    assert client.get(latvian.url).status_code == 302  # the restriction holds in Latvian too
    client.force_login(get_user_model().objects.create_user("resident", password="x" * 12))
    main, more = switcher(client.get(city.url).content.decode())
    assert main["lv"][0] == latvian.url and set(more) == {"pl"}
    # The public pages around it do not link to it.
    client.logout()
    html = client.get(site_tree.cities.url).content.decode()
    assert latvian.url not in html and city.url not in html
