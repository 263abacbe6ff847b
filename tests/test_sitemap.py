"""sitemap.xml with hreflang alternates, its pagination and sites; robots.txt."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone
from wagtail.models import Page, Site

from cities_cms.pages import NetworkHomePage, PracticeModelIndexPage

from .utils import fresh, make_city, make_practice_model, make_private, translate

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}


def get_xml(client, url, status=200, **extra):
    response = client.get(url, **extra)
    assert response.status_code == status, (url, response.content[:300])
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)  # noqa: S314 (our own output)


def section_urls(client, **extra):
    """The files listed by the sitemap index (as paths with query)."""
    index = get_xml(client, "/sitemap.xml", **extra)
    assert index.tag == f"{{{NS['sm']}}}sitemapindex"
    return [
        loc.text.split("//", 1)[1].split("/", 1)[1]
        for loc in index.iterfind("sm:sitemap/sm:loc", NS)
    ]


def all_urls(client, **extra):
    """{loc: {hreflang: href}} over every file of the sitemap."""
    found = {}
    for path in section_urls(client, **extra):
        root = get_xml(client, "/" + path, **extra)
        for url in root.iterfind("sm:url", NS):
            loc = url.findtext("sm:loc", namespaces=NS)
            assert loc not in found, f"{loc} listed twice"
            found[loc] = {
                link.get("hreflang"): link.get("href")
                for link in url.iterfind("xhtml:link", NS)
                if link.get("rel") == "alternate"
            }
    return found


@pytest.fixture(scope="module")
def _sitemap_site(network_site):
    """Built once for the module; each test gets fresh instances (sitemap_site)."""
    tree = fresh(network_site)
    tree.city = make_city(tree.cities, title="Daugavpils", slug="daugavpils")
    tree.model = make_practice_model(tree.practices, title="Housing cooperative", city=tree.city)
    tree.model_lv = translate(tree.model, "lv", title="Mājokļu kooperatīvs")
    tree.model_pl = translate(tree.model, "pl", title="Spółdzielnia")
    return tree


@pytest.fixture
def sitemap_site(_sitemap_site, db):
    return fresh(_sitemap_site)


def test_sitemap_lists_pages_of_every_language_with_alternates(client, sitemap_site):
    tree = sitemap_site
    urls = all_urls(client)
    en, lv, pl = (p.get_full_url() for p in (tree.model, tree.model_lv, tree.model_pl))
    assert {en, lv, pl} <= set(urls)
    assert tree.home.get_full_url() in urls
    assert tree.city.get_full_url() in urls
    expected = {"en": en, "lv": lv, "pl": pl, "x-default": en}
    assert urls[en] == expected
    assert urls[lv] == expected  # every version lists all versions, itself included
    assert urls[pl] == expected
    # A page without translations has no alternates.
    assert urls[tree.city.get_full_url()] == {}
    # The index pages are translated in every language (by the setup command) and listed; the
    # home page is an alias in Latvian and Polish (not translated yet): only its source is.
    lv_index = tree.practices.get_translation(tree.model_lv.locale)
    assert urls[lv_index.get_full_url()]["lv"] == lv_index.get_full_url()
    lv_home = tree.home.get_translation(tree.model_lv.locale)
    assert lv_home.alias_of_id == tree.home.pk and lv_home.get_full_url() not in urls


def test_lastmod_is_the_publication_date(client, sitemap_site):
    root = get_xml(client, "/sitemap-pages.xml")
    loc = sitemap_site.model.get_full_url()
    url = next(u for u in root.iterfind("sm:url", NS) if u.findtext("sm:loc", namespaces=NS) == loc)
    assert url.findtext("sm:lastmod", namespaces=NS) == timezone.localdate(
        sitemap_site.model.last_published_at
    ).isoformat() or url.findtext("sm:lastmod", namespaces=NS) == (
        sitemap_site.model.last_published_at.date().isoformat()
    )


def test_unpublished_translation_is_not_an_alternate(client, sitemap_site):
    tree = sitemap_site
    tree.model_pl.unpublish()
    urls = all_urls(client)
    en = tree.model.get_full_url()
    assert tree.model_pl.get_full_url() not in urls
    assert set(urls[en]) == {"en", "lv", "x-default"}


def test_private_translation_is_not_an_alternate(client, sitemap_site):
    tree = sitemap_site
    make_private(tree.model_lv)
    urls = all_urls(client)
    # Privacy on one version holds for every version (cities_cms.privacy): none is listed,
    # none is anyone's alternate.
    versions = {page.get_full_url() for page in tree.model.get_translations(inclusive=True)}
    assert not versions & set(urls)
    assert not versions & {href for links in urls.values() for href in links.values()}


def test_no_x_default_without_a_default_language_version(client, sitemap_site):
    tree = sitemap_site
    tree.model.unpublish()
    urls = all_urls(client)
    assert set(urls[tree.model_lv.get_full_url()]) == {"lv", "pl"}


def test_aliases_are_left_out(client, sitemap_site):
    """An alias repeats its source: its canonical address is the source's."""
    tree = sitemap_site
    alias = tree.city.get_translation(tree.model_lv.locale)  # the synchronised tree's
    assert alias.alias_of_id == tree.city.pk
    urls = all_urls(client)
    assert alias.get_full_url() not in urls
    assert tree.city.get_full_url() in urls


def test_drafts_private_unpublished_expired_are_not_in_the_sitemap(client, sitemap_site):
    tree = sitemap_site
    hidden = [
        make_practice_model(tree.practices, title="Draft", live=False),
        make_practice_model(tree.practices, title="Private"),
        make_practice_model(tree.practices, title="Unpublished"),
        make_practice_model(tree.practices, title="Expired"),
    ]
    make_private(hidden[1])
    hidden[2].unpublish()
    Page.objects.filter(pk=hidden[3].pk).update(
        expire_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    internal = PracticeModelIndexPage(title="Internal", slug="internal")
    tree.home.add_child(instance=internal)
    internal.save_revision().publish()
    hidden.append(make_practice_model(internal, title="Under a private parent"))
    make_private(internal)
    hidden.append(internal)
    urls = all_urls(client)
    for page in hidden:
        path = Page.objects.get(pk=page.pk).get_url_parts()[2]
        assert not any(loc.endswith(path) for loc in urls), path
    assert tree.model.get_full_url() in urls


def test_pagination_of_large_sitemaps(client, settings, sitemap_site):
    settings.CITIES_CMS_SITEMAP_LIMIT = 3
    for i in range(5):
        make_practice_model(sitemap_site.practices, title=f"Model {i}", fast=True)
    # Aliases are not listed: their address is their source's (canonical).
    total = Page.objects.filter(depth__gt=1, alias_of=None).live().count()
    # (The theme pages have a file of their own: tests/test_themes.py.)
    files = [path for path in section_urls(client) if path.startswith("sitemap-pages.xml")]
    assert len(files) == -(-total // 3) and len(files) >= 3
    assert files[1].endswith("sitemap-pages.xml?p=2")
    urls = {loc: links for loc, links in all_urls(client).items() if "/themes/" not in loc}
    assert len(urls) == total
    # Alternates are complete on every file, whichever file the translation is in.
    en = sitemap_site.model.get_full_url()
    assert set(urls[en]) == {"en", "lv", "pl", "x-default"}
    assert client.get("/sitemap-pages.xml?p=99").status_code == 404
    assert client.get("/sitemap-pages.xml?p=x").status_code == 404
    assert client.get("/sitemap-pages.xml?p=" + "9" * 400).status_code == 404
    assert client.get("/sitemap-other.xml").status_code == 404


@pytest.mark.usefixtures("uncached_pages")  # the work of a request that misses the page cache
def test_sitemap_query_count_is_flat(client, settings, sitemap_site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/sitemap-pages.xml").status_code == 200
        return len(ctx.captured_queries)

    count()
    few = count()
    for i in range(20):
        model = make_practice_model(sitemap_site.practices, title=f"Bulk {i}", fast=True)
        if i % 4 == 0:
            translate(model, "lv")
    assert count() <= few + 3  # one query per page type of .specific(), not per page


def test_other_site_gets_its_own_pages(client, sitemap_site):
    root = Page.get_first_root_node()
    other_home = NetworkHomePage(title="Other network", slug="other")
    root.add_child(instance=other_home)
    other_home.save_revision().publish()
    Site.objects.create(hostname="127.0.0.1", port=80, root_page=other_home)
    urls = all_urls(client, HTTP_HOST="127.0.0.1")
    assert [loc for loc in urls if "/themes/" not in loc] == ["http://127.0.0.1/"]
    assert "http://127.0.0.1/themes/housing/" in urls  # its own theme pages, not the other's
    assert all(loc.startswith("http://127.0.0.1/") for loc in urls)
    default = all_urls(client)
    assert "http://127.0.0.1/" not in default
    assert sitemap_site.model.get_full_url() in default
    index = client.get("/sitemap.xml", HTTP_HOST="127.0.0.1").content.decode()
    assert "http://127.0.0.1/sitemap-pages.xml" in index


def test_robots_txt(client, sitemap_site):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines
    assert "Allow: /" in lines
    # The site's address (Settings > Sites), whatever the Host header: cities_cms.absolute_urls
    assert "Sitemap: http://localhost/sitemap.xml" in lines
    other = client.get("/robots.txt", HTTP_HOST="127.0.0.1").content.decode()
    assert "Sitemap: http://localhost/sitemap.xml" in other.splitlines()


def test_sitemap_index_names_the_site_not_the_host_header(client, settings, sitemap_site):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "city.example"]
    site = sitemap_site.site
    site.hostname, site.port = "city.example", 443
    site.save()
    for host in ("city.example", "127.0.0.1"):
        index = client.get("/sitemap.xml", HTTP_HOST=host).content.decode()
        assert "<loc>https://city.example/sitemap-pages.xml</loc>" in index, host
        pages = client.get("/sitemap-pages.xml", HTTP_HOST=host).content.decode()
        assert "<loc>https://city.example/practice-models/housing-cooperative/</loc>" in pages
        assert "127.0.0.1" not in index + pages


def test_robots_and_sitemap_have_no_language_prefix(client, sitemap_site):
    assert client.get("/lv/robots.txt").status_code == 404
    assert client.get("/lv/sitemap.xml").status_code == 404
