"""cities_cms.routing finds the page Wagtail's own routing finds, with fewer queries.

Every page of a synchronised three-language site (translations, aliases, drafts, a private
page, routable indexes and the network home's theme routes) is routed both ways, in each
language, with and without sub-routes and with unknown segments; the answers must be the same
page, view and arguments.
"""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.models import Locale, Page

from cities_cms import routing

from .utils import fresh, make_practice_model, make_private, make_seminar, translate

LANGUAGES = ("en", "lv", "pl")


def _wagtail_route(request, path):
    """What Page.route_for_request finds (without its cache on the request)."""
    from django.http import Http404
    from wagtail.models import Site

    site = Site.find_for_request(request)
    components = [component for component in path.split("/") if component]
    try:
        return site.root_page.localized.specific.route(request, components)
    except Http404:
        return None


def _summary(route):
    if route is None:
        return None
    page, args, kwargs = route
    view = None
    if args:
        view, view_args, view_kwargs = args
        view = (getattr(view, "__func__", view).__qualname__, view_args, view_kwargs)
    return (page.pk, type(page).__name__, view, kwargs)


def _paths(language):
    """Paths (after the language prefix) of every page under the localized root."""
    locale = Locale.objects.get(language_code=language)
    root = Page.objects.get(depth=2, locale=locale)
    paths = [""]
    for page in Page.objects.filter(path__startswith=root.path, depth__gt=root.depth):
        paths.append(page.url_path[len(root.url_path) :])
    return paths


@pytest.fixture(scope="module")
def _routing_site(network_site):
    """Built once for the module (tests get fresh instances: ``tree``)."""
    tree = fresh(network_site)
    published = make_practice_model(tree.practices, title="Shared flats")
    translate(published, "lv", title="Koplietošanas dzīvokļi", slug="koplietosanas-dzivokli")
    make_practice_model(tree.practices, title="Still a draft", live=False)
    private = make_practice_model(tree.practices, title="Members only")
    make_private(private)
    make_seminar(tree.seminars, title="Spring seminar")
    return tree


@pytest.fixture
def tree(_routing_site, db):
    return fresh(_routing_site)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_routed_as_wagtail_routes_it(tree, language):
    factory = RequestFactory()
    outcomes = set()
    with translation.override(language):
        for path in _paths(language):
            for variant in (
                path,
                f"{path}ics/",
                f"{path}feed/rss/",
                f"{path}no-such-page/",
                f"{path}no-such-page/deeper/",
                f"{path}themes/",
                f"{path}themes/housing/",
                f"{path}themes/no-such-theme/",
            ):
                request = factory.get("/" + variant)
                expected = _summary(_wagtail_route(request, variant))
                request = factory.get("/" + variant)
                found = routing.find_route(request, variant)
                assert found is not ..., variant
                assert _summary(found) == expected, variant
                outcomes.add("404" if expected is None else "view" if expected[2] else "page")
    # Pages, routable pages' views (ICS, feeds, theme pages) and 404s were all compared.
    assert outcomes == {"404", "view", "page"}


def test_a_page_costs_two_queries_to_route_whatever_its_depth(tree):
    factory = RequestFactory()
    latvian = Page.objects.get(title="Koplietošanas dzīvokļi")
    root = Page.objects.get(depth=2, locale=latvian.locale)
    path = latvian.url_path[len(root.url_path) :]
    assert path.count("/") == 2  # index and page
    with translation.override("lv"):
        routing.find_route(factory.get("/" + path), path)  # the roots, the content type
        with CaptureQueriesContext(connection) as fast:
            route = routing.find_route(factory.get("/" + path), path)
        with CaptureQueriesContext(connection) as wagtail:
            _wagtail_route(factory.get("/" + path), path)
    assert route[0].title == "Koplietošanas dzīvokļi"
    assert len(fast) == 2, [q["sql"] for q in fast]
    assert len(wagtail) > len(fast)


def test_the_middleware_serves_the_same_pages(client, tree):
    latvian = Page.objects.get(title="Koplietošanas dzīvokļi")
    lv = client.get(latvian.url)
    assert lv.status_code == 200
    assert "Koplietošanas dzīvokļi" in lv.content.decode()
    assert client.get(latvian.url + "no-such-page/").status_code == 404
    assert client.get("/practice-models/still-a-draft/").status_code == 404
    members = client.get("/practice-models/members-only/")
    assert members.status_code == 200 and "password" in members.content.decode().lower()
