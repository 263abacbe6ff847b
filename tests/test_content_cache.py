"""Values cached between requests (cities_cms.content_cache) follow every change at once.

The menu, the branding with its logo, the private sections and the search page's locale are
read from Django's cache; each test changes content the way an editor does and checks that
the very next request shows it, and that the cache really spares the queries.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale, Page

from cities_cms import content_cache
from cities_cms.branding import BrandingSettings, BrandingText
from cities_cms.pages import NetworkHomePage

from .utils import make_image, make_private

# Requests that miss the full-page cache (which is keyed by the same generation: its own
# tests are in tests/test_page_cache.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]


def menu(client, url="/"):
    html = client.get(url).content.decode()
    start = html.index('<nav class="cc-nav"') if '<nav class="cc-nav"' in html else -1
    if start < 0:
        return ""
    return html[start : html.index("</nav>", start)]


def add_menu_page(parent, title):
    page = NetworkHomePage(title=title, slug=title.lower().replace(" ", "-"), show_in_menus=True)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_a_published_page_joins_the_menu_at_once(client, site_tree):
    assert "Partner cities" in menu(client) or "Cities" in menu(client)
    assert "About the network" not in menu(client)
    page = add_menu_page(site_tree.home, "About the network")
    assert "About the network" in menu(client)
    page.unpublish()
    assert "About the network" not in menu(client)


def test_a_renamed_page_and_a_private_page_change_the_menu_at_once(client, site_tree):
    page = add_menu_page(site_tree.home, "About the network")
    assert "About the network" in menu(client)
    page.title = "Who we are"
    page.save_revision().publish()
    assert "Who we are" in menu(client)
    assert "About the network" not in menu(client)
    restriction = make_private(Page.objects.get(pk=page.pk))
    assert "Who we are" not in menu(client)
    restriction.delete()
    assert "Who we are" in menu(client)


def test_private_sections_are_read_from_the_cache_and_follow_moves(site_tree):
    private = add_menu_page(site_tree.home, "Members only")
    make_private(Page.objects.get(pk=private.pk))
    inside = add_menu_page(Page.objects.get(pk=private.pk), "Minutes")
    public_ids = set(content_cache.public(Page.objects.all()).values_list("pk", flat=True))
    assert inside.pk not in public_ids and private.pk not in public_ids
    assert public_ids == set(Page.objects.public().values_list("pk", flat=True))
    # Moved out of the private section, the page is public at once.
    Page.objects.get(pk=inside.pk).move(Page.objects.get(pk=site_tree.home.pk), "last-child")
    public_ids = set(content_cache.public(Page.objects.all()).values_list("pk", flat=True))
    assert inside.pk in public_ids
    assert public_ids == set(Page.objects.public().values_list("pk", flat=True))


def test_branding_and_logo_changes_show_at_once(client, site_tree):
    texts = BrandingText.objects.create(
        site=site_tree.site, locale=site_tree.home.locale, site_name="Cities of change network"
    )
    assert "Cities of change network" in client.get("/").content.decode()
    texts.footer_text = "Funded by the network."
    texts.save()
    assert "Funded by the network." in client.get("/").content.decode()
    latvian = texts.copy_for_translation(Locale.objects.get(language_code="lv"))
    latvian.site_name = "Pārmaiņu pilsētas"
    latvian.save()
    assert (
        "Pārmaiņu pilsētas"
        in client.get(site_tree.cities.get_translation(latvian.locale).url).content.decode()
    )
    branding = BrandingSettings.for_site(site_tree.site)
    logo = make_image("Network logo")
    branding.logo = logo
    branding.primary_colour = "#123456"
    branding.save()
    html = client.get("/").content.decode()
    assert 'class="cc-brand__logo"' in html
    assert "--cc-primary: #123456" in html
    logo.delete()
    html = client.get("/").content.decode()
    assert 'class="cc-brand__logo"' not in html


def test_the_cache_spares_the_queries_of_the_header(client, site_tree, settings):
    branding = BrandingSettings.for_site(site_tree.site)
    branding.logo = make_image("Network logo")
    branding.save()
    client.get("/")  # fills the caches

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    cached = count()
    settings.CITIES_CMS_CONTENT_CACHE_SECONDS = 0
    uncached = count()
    # The branding (read with its logo), the private sections and the menu: three queries
    # fewer (Wagtail alone reads the logo with a query of its own: four).
    assert uncached - cached >= 3


def test_turned_off_it_computes_every_time(settings):
    settings.CITIES_CMS_CONTENT_CACHE_SECONDS = 0
    calls = []
    for _ in range(2):
        content_cache.get_or_compute("test.value", lambda: calls.append(1) or len(calls))
    assert calls == [1, 1]


def test_values_last_until_content_changes():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert content_cache.get_or_compute("test.value", compute) == 1
    assert content_cache.get_or_compute("test.value", compute) == 1
    content_cache.invalidate()
    assert content_cache.get_or_compute("test.value", compute) == 2
    # None is a value like any other (a setting that is not set): cached, not recomputed.
    assert content_cache.get_or_compute("test.none", lambda: calls.append(1)) is None
    assert content_cache.get_or_compute("test.none", lambda: calls.append(1)) is None
    assert len(calls) == 3


def test_the_site_of_a_request_comes_from_the_cache_and_follows_its_changes(client, site_tree):
    """Wagtail looks the Site up once per request (about 2.5 ms of query building); the page
    cache's middleware reads it from the content cache, and a change of the Site shows at once."""
    from django.test import RequestFactory
    from wagtail.models import Site

    site = Site.objects.get(is_default_site=True)
    content_cache.find_site(RequestFactory().get("/", HTTP_HOST=site.hostname))  # warm
    request = RequestFactory().get("/", HTTP_HOST=site.hostname)
    with CaptureQueriesContext(connection) as captured:
        assert content_cache.find_site(request) == site
    assert len(captured) == 0
    assert Site.find_for_request(request) is request._wagtail_site  # what Wagtail then uses

    site.site_name = "Renamed network"
    site.save()
    request = RequestFactory().get("/", HTTP_HOST=site.hostname)
    assert content_cache.find_site(request).site_name == "Renamed network"
    # A host that ALLOWED_HOSTS refuses is answered 400 and never cached.
    assert client.get("/", HTTP_HOST="evil.invalid").status_code == 400


def test_a_deploy_ends_the_generation():
    """A deploy runs ``migrate``: pages and fragments rendered by the previous code (another
    map, another template) must not outlive it in a cache shared across the deploy."""
    from django.core.management import call_command

    before = content_cache.generation()
    call_command("migrate", verbosity=0)
    assert content_cache.generation() != before


def test_a_request_reads_each_value_once_and_sees_its_own_changes(monkeypatch):
    from django.core.cache import cache

    content_cache.get_or_compute("test.memo", lambda: "stored")
    reads = []
    get = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a[0]) or get(*a, **k))
    with content_cache.request_memo():
        for _ in range(3):
            assert content_cache.get_or_compute("test.memo", lambda: "computed") == "stored"
        assert len(reads) == 2  # the generation and the value, once each
        content_cache.invalidate()  # a change made by this request
        assert content_cache.get_or_compute("test.memo", lambda: "computed") == "computed"
    reads.clear()
    content_cache.get_or_compute("test.memo", lambda: "again")
    assert len(reads) == 2  # outside a request: every call reads the cache


def test_every_request_reads_each_value_once_without_the_page_cache(
    client, site_tree, settings, monkeypatch
):
    """The memo is its own middleware: a site without the page cache's (or a view it does
    not serve) still reads the generation once per request, not once per value."""
    from django.core.cache import cache

    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "PageCacheMiddleware" not in m]
    client.get("/")  # warm: every value computed and stored
    reads = []
    get = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a[0]) or get(*a, **k))
    assert client.get("/").status_code == 200
    assert reads.count(content_cache.GENERATION) == 1
    assert len(reads) == len(set(reads))  # and every value once
