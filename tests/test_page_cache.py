"""The full-page cache (cities_cms.page_cache), from the visitor's side.

Each test does what an editor, a registrant or the federation does and checks that the very
next anonymous request shows it; and that what is someone's own (a session, a form with a
CSRF token, a private page, the admin) is never stored or served from the cache.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date
from wagtail.models import Locale, Page, PageViewRestriction

from cities_cms.branding import BrandingText
from cities_cms.page_cache import HEADER

from .utils import fresh, make_city, make_practice_model, make_private, make_seminar, translate

pytestmark = pytest.mark.django_db


def get(client, url, **headers):
    return client.get(url, headers=headers)


def text(response):
    return response.content.decode()


def same_page(first, second):
    """The two responses are the same page (each carries its own CSP nonce)."""
    import re

    def nonce(response):
        return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)

    return first.content.replace(nonce(first).encode(), b"N") == second.content.replace(
        nonce(second).encode(), b"N"
    )


@pytest.fixture(scope="module")
def _model(network_site):
    """Built once for the module; each test gets a fresh instance (model)."""
    site_tree = fresh(network_site)
    city = make_city(site_tree.cities, title="Daugavpils", slug="daugavpils")
    return make_practice_model(
        site_tree.practices,
        title="Courtyards for tenants",
        city=city,
        summary="Tenants renovate their courtyards.",
        themes=[site_tree.themes["housing"]],
    )


@pytest.fixture
def model(_model, db):
    return fresh(_model)


def test_second_request_is_a_hit_without_queries_with_validators(client, model):
    first = get(client, model.url)
    assert first.status_code == 200
    assert first[HEADER] == "MISS"
    with CaptureQueriesContext(connection) as queries:
        second = get(client, model.url)
    assert second[HEADER] == "HIT"
    assert len(queries) == 0
    assert same_page(first, second)
    assert second["Content-Type"] == first["Content-Type"]
    assert second["ETag"] == first["ETag"]
    assert second["Last-Modified"] == first["Last-Modified"]
    assert "public" in second["Cache-Control"]
    assert second["Content-Language"] == "en"


def test_conditional_requests_answer_304(client, model):
    first = get(client, model.url)
    etag = first["ETag"]
    not_modified = get(client, model.url, if_none_match=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    since = get(client, model.url, if_modified_since=first["Last-Modified"])
    assert since.status_code == 304
    stale = get(client, model.url, if_none_match='"something-else"')
    assert stale.status_code == 200 and same_page(stale, first)
    long_ago = http_date((timezone.now() - datetime.timedelta(days=3)).timestamp())
    assert get(client, model.url, if_modified_since=long_ago).status_code == 200


def test_head_is_served_from_the_entry_of_get(client, model):
    body = get(client, model.url).content
    head = client.head(model.url)
    assert head[HEADER] == "HIT"
    assert head.content == b""
    assert head["Content-Length"] == str(len(body))


def test_publishing_and_unpublishing_show_at_once(client, site_tree, model):
    assert "Courtyards for tenants" in text(get(client, site_tree.practices.url))
    model.title = "Green courtyards"
    model.save_revision().publish()
    assert "Green courtyards" in text(get(client, model.url))
    assert "Green courtyards" in text(get(client, site_tree.practices.url))
    model.unpublish()
    assert get(client, model.url).status_code == 404
    assert "Green courtyards" not in text(get(client, site_tree.practices.url))


def test_moving_and_deleting_show_at_once(client, site_tree, model):
    url = model.url
    assert get(client, url).status_code == 200
    other = make_city(site_tree.cities, title="Poznań", slug="poznan")
    assert get(client, other.url).status_code == 200
    model.delete()
    assert get(client, url).status_code == 404
    old_url = other.url
    Page.objects.get(pk=other.pk).move(site_tree.seminars, pos="last-child")
    moved = get(client, old_url)  # Wagtail leaves a redirect to the new address
    assert moved.status_code == 301 and moved["Location"].endswith("/seminars/poznan/")
    assert get(client, "/seminars/poznan/").status_code == 200


def test_a_translation_replaces_the_alias_at_once(client, model):
    latvian = model.get_translation(Locale.objects.get(language_code="lv"))
    assert "Courtyards for tenants" in text(get(client, latvian.url))
    translate(model, "lv", title="Pagalmi īrniekiem")
    html = text(get(client, latvian.url))
    assert "Pagalmi īrniekiem" in html


def test_snippet_theme_and_branding_changes_show_at_once(client, site_tree, model):
    assert "Housing" in text(get(client, model.url))
    theme = site_tree.themes["housing"]
    theme.name = "Affordable homes"
    theme.save()
    assert "Affordable homes" in text(get(client, model.url))
    texts = BrandingText.objects.filter(locale=site_tree.home.locale).first()
    if texts is None:
        texts = BrandingText(locale=site_tree.home.locale, site=site_tree.site)
    texts.site_name = "Network of courtyards"
    texts.save()
    assert "Network of courtyards" in text(get(client, model.url))


def test_a_view_restriction_applies_at_once_and_lifting_it_too(client, model):
    assert get(client, model.url).status_code == 200
    restriction = PageViewRestriction.objects.create(
        page=model, restriction_type=PageViewRestriction.LOGIN
    )
    response = get(client, model.url)
    assert response.status_code == 302  # to the login page
    restriction.delete()
    assert get(client, model.url).status_code == 200


def test_a_password_form_is_never_stored(client, model):
    make_private(model)
    first = get(client, model.url)
    assert first.status_code == 200  # the password form
    assert first[HEADER] == "SKIP" or "csrfmiddlewaretoken" in text(first)
    second = get(client, model.url)
    assert second[HEADER] != "HIT"


def test_a_registration_changes_places_left_at_once(client, site_tree, model):
    from cities_cms.registration.models import Registration, RegistrationSettings

    host = model.city  # Daugavpils
    seminar = make_seminar(site_tree.seminars, title="Monitoring change", host_city=host)
    settings = RegistrationSettings.objects.create(seminar=seminar, is_open=True, capacity=3)
    # The form is on a page of its own: the seminar page itself is cached.
    get(client, seminar.url)
    assert "3 places left." in text(get(client, seminar.url))
    Registration.objects.create(
        settings=settings,
        status=Registration.Status.CONFIRMED,
        name="Anna",
        email="anna@example.org",
        party_size=1,
        language="en",
        consent_at=timezone.now(),
    )
    assert "2 places left." in text(get(client, seminar.url))


def test_logged_in_visitors_are_never_served_or_stored(client, admin_user, model):
    anonymous = get(client, model.url)
    assert anonymous[HEADER] == "MISS"
    client.force_login(admin_user)
    mine = get(client, model.url)
    assert mine[HEADER] == "SKIP"
    assert "private" in mine["Cache-Control"]
    client.logout()
    assert get(client, model.url)[HEADER] in ("HIT", "MISS")


def test_forms_with_a_csrf_token_are_not_stored(client, site_tree):
    from cities_cms.registration.models import RegistrationSettings

    seminar = make_seminar(site_tree.seminars, title="Open doors")
    RegistrationSettings.objects.create(seminar=seminar, is_open=True, capacity=3)
    url = seminar.url + seminar.reverse_subpage("register")
    first = get(client, url)
    assert first.status_code == 200 and "csrfmiddlewaretoken" in text(first)
    second = get(client, url)
    assert second[HEADER] != "HIT"


def test_admin_and_posts_are_never_cached(client, admin_user, model):
    assert get(client, "/admin/login/")[HEADER] == "SKIP"
    assert client.post(model.url, {})[HEADER] == "SKIP"


def test_feeds_calendars_and_sitemap_are_cached_and_follow_changes(client, site_tree, model):
    feed = "/feeds/practice-models/rss/"
    first = get(client, feed)
    assert first.status_code == 200
    assert get(client, feed)[HEADER] == "HIT"
    sitemap = get(client, "/sitemap.xml")
    assert sitemap.status_code == 200
    assert get(client, "/sitemap.xml")[HEADER] == "HIT"
    model.title = "Renamed for the feed"
    model.save_revision().publish()
    assert "Renamed for the feed" in text(get(client, feed))


def test_each_language_and_host_has_its_own_entry(client, model):
    latvian = model.get_translation(Locale.objects.get(language_code="lv"))
    english = get(client, model.url)
    lv = get(client, latvian.url)
    assert english.content != lv.content
    assert lv["Content-Language"] == "lv"
    # The browser's language does not change a page with a language in its address.
    assert get(client, model.url, accept_language="lv")["Content-Language"] == "en"


def test_the_setting_turns_it_off(client, settings, model):
    settings.CITIES_CMS_PAGE_CACHE = False
    get(client, model.url)
    response = get(client, model.url)
    assert HEADER not in response
    assert "ETag" not in response


def test_a_cache_of_one_process_is_reported_in_production(settings, tmp_path):
    from cities_cms.page_cache import check_shared_cache

    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [warning.id for warning in check_shared_cache(None)] == ["cities_cms.W010"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    assert check_shared_cache(None) == []
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.DEBUG = True
    assert check_shared_cache(None) == []


@pytest.fixture
def purge_receiver():
    """A stand-in for Varnish on loopback: records the PURGE requests it receives."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_PURGE(self):
            received.append(f"http://{self.headers['Host']}{self.path}")
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_a_proxy_in_front_is_purged_of_what_it_may_keep(
    client, settings, site_tree, model, purge_receiver, django_capture_on_commit_callbacks
):
    location, received = purge_receiver
    settings.WAGTAILFRONTENDCACHE = {
        "varnish": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": location,
        }
    }
    # What is purged, not when: the task runs at once here (the worker's tests are elsewhere).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    served = [model.url, site_tree.practices.url, "/feeds/practice-models/rss/"]
    for url in served:
        assert get(client, url)[HEADER] == "MISS"
    assert received == []
    # A change that is not a page (a theme's name shows on every page that lists it).
    with django_capture_on_commit_callbacks(execute=True):
        theme = site_tree.themes["housing"]
        theme.name = "Affordable homes"
        theme.save()
    assert sorted(received) == sorted(f"http://testserver{url}" for url in served)
    # The next generation starts with nothing to purge until pages are served again.
    received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        model.title = "Renamed"
        model.save_revision().publish()
    assert received == []
    assert get(client, model.url)[HEADER] == "MISS"
    with django_capture_on_commit_callbacks(execute=True):
        model.unpublish()
    assert received == [f"http://testserver{model.url}"]


def test_a_site_setting_shows_at_once(client, site_tree, model):
    from cities_cms.branding import BrandingSettings

    get(client, model.url)
    branding = BrandingSettings.for_site(site_tree.site)
    branding.primary_colour = "#0b5394"
    branding.save()
    assert "#0b5394" in text(get(client, model.url))


def test_the_menu_follows_at_once_on_every_cached_page(client, site_tree, model):
    assert get(client, model.url).status_code == 200
    index = Page.objects.get(pk=site_tree.seminars.pk).specific
    assert f'href="{index.url}"' in text(get(client, model.url))
    index.show_in_menus = False
    index.save_revision().publish()
    assert f'href="{index.url}"' not in text(get(client, model.url)).split("<main", 1)[0]


def test_each_hit_has_its_own_csp_nonce_in_the_header_and_the_html(client, site_tree, model):
    import re

    from cities_cms.branding import BrandingSettings

    branding = BrandingSettings.for_site(site_tree.site)
    branding.primary_colour = "#0b5394"  # an inline <style> with the nonce
    branding.save()
    nonces = []
    for expected in ("MISS", "HIT", "HIT"):
        response = get(client, model.url)
        assert response[HEADER] == expected
        header = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        in_html = re.findall(r'nonce="([^"]+)"', text(response))
        assert in_html and set(in_html) == {header}
        nonces.append(header)
    assert len(set(nonces)) == 3
