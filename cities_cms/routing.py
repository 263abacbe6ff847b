"""Wagtail's page routing in two queries instead of two per level of the URL.

Wagtail routes a request from the site's root: the active locale, the root's translation, its
specific page, then for each segment of the path the child with that slug and its specific
page (``Page.route``). A practice model at ``/lv/prakses-modeli/x/`` costs seven queries
before its view starts. :class:`RouteMiddleware` finds the same page with one query for all
the path's segments (slug and depth, under the localized root, whose address per language is
kept with the content generation) and one for the specific page, then lets that page's own
``route`` finish as Wagtail would (its sub-routes, its ``live`` check, a 404). The result goes
where Wagtail keeps it for the request (``request._wagtail_route_for_request``, read first by
``Page.route_for_request``), so ``wagtail.views.serve`` and everything after it are unchanged.

It follows Wagtail's rules exactly:

- a live routable page on the way whose own routes match the rest of the path answers it,
  before its children (``RoutablePageMixin.route`` tries its routes first);
- pages on the way need not be live, only the page that answers;
- ``localized`` is the root's live translation in the active language, else the root.

A page class on the way that overrides ``route`` itself, a request for an unknown site or a
language without a locale: the middleware steps aside and Wagtail routes as usual.
``tests/test_routing.py`` compares both ways on every page of a synchronised site.
"""

from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.utils import translation
from wagtail import views as wagtail_views
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Page

from . import content_cache

ROUTE_ATTRIBUTE = "_wagtail_route_for_request"  # Page.route_for_request reads it first


class Step(NamedTuple):
    pk: int
    path: str
    content_type_id: int
    live: bool


def _standard_route(model) -> bool:
    route = getattr(model, "route", None)
    return route is Page.route or route is RoutablePageMixin.route


def _roots(site):
    """{language code: Step} of the page that routes the site's requests in each language
    (Wagtail's ``site.root_page.localized``); under ``None`` the root itself."""

    def compute():
        fields = ("pk", "path", "content_type_id", "live", "translation_key")
        root = Page.objects.filter(pk=site.root_page_id).values_list(
            *fields, "locale__language_code"
        )
        root = root.first()
        if root is None:
            return {}
        found = {None: Step(*root[:4]), root[5]: Step(*root[:4])}
        for row in Page.objects.filter(translation_key=root[4], live=True).values_list(
            *fields, "locale__language_code"
        ):
            found[row[5]] = Step(*row[:4])
        return found

    return content_cache.get_or_compute(f"routing-roots:{site.pk}", compute)


def _active_language():
    if not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return None
    try:
        return get_supported_content_language_variant(translation.get_language())
    except LookupError:
        return None


def _model(content_type_id):
    return ContentType.objects.get_for_id(content_type_id).model_class()


def _sub_route_matches(model, components) -> bool:
    path = "/" + "".join(f"{component}/" for component in components)
    try:
        model.get_resolver().resolve(path)
    except Http404:
        return False
    return True


def find_route(request, path):
    """The route Wagtail would find for ``path`` (a RouteResult, or None for a 404), or
    ``...`` when this cannot answer and routing is left to Wagtail."""
    site = content_cache.find_site(request)
    if site is None:
        return ...
    roots = _roots(site)
    current = roots.get(_active_language(), roots.get(None))
    if current is None:
        return ...
    components = [component for component in path.split("/") if component]
    children = {}
    if components:
        depth = len(current.path) // Page.steplen
        for pk, tree_path, slug, content_type_id, live in Page.objects.filter(
            path__startswith=current.path,
            depth__gt=depth,
            depth__lte=depth + len(components),
            slug__in=set(components),
        ).values_list("pk", "path", "slug", "content_type_id", "live"):
            parent_path = tree_path[: -Page.steplen]
            children[(parent_path, slug)] = Step(pk, tree_path, content_type_id, live)
    # Down the path as Page.route and RoutablePageMixin.route go.
    consumed = 0
    while True:
        model = _model(current.content_type_id)
        if model is None or not _standard_route(model):
            return ...
        remaining = components[consumed:]
        if not remaining:
            break
        if (
            current.live
            and issubclass(model, RoutablePageMixin)
            and _sub_route_matches(model, remaining)
        ):
            break
        child = children.get((current.path, remaining[0]))
        if child is None:
            break  # the page's own route answers 404, as Wagtail's would
        current = child
        consumed += 1
    page = model.objects.filter(pk=current.pk).first()
    if page is None:
        return ...
    try:
        return page.route(request, components[consumed:])
    except Http404:
        return None


class RouteMiddleware:
    """Routes Wagtail's page requests with :func:`find_route` (see the module's docstring).
    Optional: without it Wagtail routes them itself, the same way, with more queries."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is not wagtail_views.serve or hasattr(request, ROUTE_ATTRIBUTE):
            return None
        route = find_route(request, view_kwargs.get("path", view_args[0] if view_args else ""))
        if route is not ...:
            setattr(request, ROUTE_ATTRIBUTE, route)
        return None
