"""Public pages in several languages: switcher, hreflang, lang attributes, aliases."""

import re

from wagtail.models import Locale

from .utils import make_city, translate


def test_switcher_hreflang_and_aliases(client, site_tree):
    city = make_city(site_tree.cities, title="Daugavpils", slug="daugavpils")
    latvian = translate(city, "lv", title="Daugavpils", intro="<p>Pilsēta pie Daugavas.</p>")
    de = Locale.objects.get(language_code="de")
    alias = city.copy_for_translation(de, copy_parents=True, alias=True)

    html = client.get(city.url).content.decode()
    assert '<html lang="en"' in html
    hreflangs = dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)"', html))
    assert set(hreflangs) == {"en", "lv", "x-default"}
    assert hreflangs["x-default"] == hreflangs["en"]
    nav = html.split('class="cc-languages"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{latvian.url}"' in nav and 'hreflang="lv"' in nav
    assert 'aria-current="page"' in nav
    assert "Not translated yet" in nav and "Deutsch" in nav

    html = client.get(latvian.url).content.decode()
    assert '<html lang="lv"' in html
    assert "Pilsēta pie Daugavas." in html

    # The German alias shows the English text: marked as such, and not offered to search
    # engines as a German translation.
    html = client.get(alias.url).content.decode()
    assert '<html lang="de"' in html
    assert re.search(r'<main [^>]*lang="en"', html)
    assert "cc-untranslated" in html
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html).group(1)
    assert canonical.endswith(city.url)
    hreflangs = re.findall(r'hreflang="([\w-]+)" href', html)
    assert "de" not in hreflangs


def test_single_language_page_has_no_switcher(client, site_tree):
    city = make_city(site_tree.cities, title="Poznań", slug="poznan")
    html = client.get(city.url).content.decode()
    assert 'hreflang="' not in html.split("<body", 1)[0]
