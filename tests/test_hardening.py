"""Hardening of the reference site, from the visitor's side: password guesses are throttled
(admin login and page passwords, per client address, also behind a reverse proxy), and every
answer carries a Content-Security-Policy that names no third-party host."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from wagtail.models import Page

from cities_cms.throttle import client_address

from .utils import make_city, make_private, make_seminar

LOGIN = "/admin/login/"
LIMIT = 3


@pytest.fixture
def throttle(settings):
    # A low limit keeps the tests short; the reference site allows 10 (settings/base.py).
    settings.AXES_FAILURE_LIMIT = LIMIT


def browser(address):
    return Client(REMOTE_ADDR=address)


def login(client, password):
    return client.post(LOGIN, {"username": "editor", "password": password, "next": "/admin/"})


def test_admin_login_locks_out_an_address_after_repeated_failures(db, throttle):
    get_user_model().objects.create_user("editor", password="right-password", is_superuser=True)
    attacker = browser("198.51.100.7")
    for _ in range(LIMIT - 1):
        assert login(attacker, "wrong").status_code == 200  # the form again, with an error
    assert login(attacker, "wrong").status_code == 429
    # Locked out: even the right password is refused, and nobody is logged in.
    response = login(attacker, "right-password")
    assert response.status_code == 429
    assert "_auth_user_id" not in attacker.session
    # Another address is not locked.
    colleague = browser("198.51.100.8")
    response = login(colleague, "right-password")
    assert response.status_code == 302
    assert colleague.session["_auth_user_id"]


def test_page_password_guesses_are_throttled(site_tree, throttle):
    city = make_city(site_tree.cities, title="Guarded city")
    restriction = make_private(city, password="open-sesame")
    url = f"/_util/authenticate_with_password/{restriction.pk}/{city.pk}/"

    def guess(client, password):
        return client.post(url, {"password": password, "return_url": city.url})

    attacker = browser("198.51.100.7")
    for _ in range(LIMIT - 1):
        response = guess(attacker, "wrong")
        assert response.status_code == 200
        assert b'name="password"' in response.content  # the form again
    assert guess(attacker, "wrong").status_code == 429
    assert guess(attacker, "open-sesame").status_code == 429
    assert attacker.get(city.url).status_code == 200
    assert b"Guarded city" not in attacker.get(city.url).content  # still the password form
    visitor = browser("198.51.100.8")
    response = guess(visitor, "open-sesame")
    assert response.status_code == 302
    assert b"Guarded city" in visitor.get(city.url).content


def test_behind_a_reverse_proxy_the_forwarded_address_counts(settings):
    factory = RequestFactory()
    # The proxy on 127.0.0.1 appended the address it saw; the client wrote the first entry.
    request = factory.get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7"
    )
    settings.CITIES_CMS_TRUSTED_PROXY_COUNT = 0
    assert client_address(request) == "127.0.0.1"
    settings.CITIES_CMS_TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "198.51.100.7"
    settings.CITIES_CMS_TRUSTED_PROXY_COUNT = 2
    assert client_address(request) == "10.9.9.9"
    # A request that did not come through every proxy: the nearest address, never a guess.
    settings.CITIES_CMS_TRUSTED_PROXY_COUNT = 3
    assert client_address(request) == "127.0.0.1"


def test_lockouts_behind_a_proxy_are_per_visitor(db, throttle, settings):
    settings.CITIES_CMS_TRUSTED_PROXY_COUNT = 1
    get_user_model().objects.create_user("editor", password="right-password")
    attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    for _ in range(LIMIT):
        login(attacker, "wrong")
    assert login(attacker, "right-password").status_code == 429
    # Another visitor through the same proxy is not locked.
    colleague = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert login(colleague, "right-password").status_code == 302


# --- Content-Security-Policy ---

SOURCE = re.compile(r"https?://[^\s;]+|\*")


def policy(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def third_party_sources(response):
    return [s for values in policy(response).values() for s in values if SOURCE.fullmatch(s)]


def test_public_pages_send_a_strict_policy_with_nonces(client, site_tree):
    seminar = make_seminar(site_tree.seminars, title="Open seminar")
    for url in ["/", site_tree.cities.url, seminar.url, "/search/?q=city", "/robots.txt"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not third_party_sources(response), (url, response["Content-Security-Policy"])
        directives = policy(response)
        assert "'unsafe-inline'" not in directives["script-src"]
        assert "'unsafe-inline'" not in directives["style-src"]
        assert directives["object-src"] == ["'none'"]
    # Inline code that runs carries the header's nonce; JSON-LD is data, which a policy does
    # not govern (no nonce needed, tests/browser/test_csp_journey.py sees no violation).
    response = client.get(seminar.url)
    nonces = re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    html = response.content.decode()
    assert '<script type="application/ld+json">' in html
    for attributes in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html):
        assert 'type="application/ld+json"' in attributes or f'nonce="{nonces[0]}"' in attributes
    for attributes in re.findall(r"<style([^>]*)>", html):
        assert f'nonce="{nonces[0]}"' in attributes


def test_branding_colours_carry_the_nonce(client, site_tree):
    from cities_cms.branding import BrandingSettings

    branding = BrandingSettings.for_site(site_tree.site)
    branding.primary_colour = "#123456"
    branding.save()
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert re.search(rf'<style nonce="{re.escape(nonce)}">\s*:root', response.content.decode())


def test_only_a_page_with_a_video_lets_that_player_in(client, site_tree):
    from cities_cms.pages import PracticeModelPage

    from .utils import make_practice_model

    model = make_practice_model(
        site_tree.practices,
        title="With a video",
        body=[("embed", {"url": "https://vimeo.com/76979871", "title": "Film"})],
    )
    assert isinstance(model, PracticeModelPage)
    frames = policy(client.get(model.url))["frame-src"]
    assert frames == ["'self'", "https://player.vimeo.com"]
    assert policy(client.get("/"))["frame-src"] == ["'self'"]


def test_admin_pages_allow_inline_code_but_no_other_host(admin_client, site_tree):
    home = Page.objects.get(pk=site_tree.home.pk)
    for url in ["/admin/", f"/admin/pages/{home.pk}/edit/"]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert not third_party_sources(response)
        directives = policy(response)
        assert "'unsafe-inline'" in directives["script-src"]
        assert not any(s.startswith("'nonce-") for s in directives["script-src"])


def test_the_admin_makes_no_update_check(admin_client, db):
    html = admin_client.get("/admin/").content.decode()
    assert "releases.wagtail.org" not in html
    assert "w-upgrade" not in html
