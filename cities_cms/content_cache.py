"""Values derived from content, kept in Django's cache between requests.

What every public page asks for and rarely changes is read from here: the site's menu, its
branding (with the logo), the private sections, the locales, the search page's facet labels.
``get_or_compute(name, compute)`` returns the cached value of ``name`` or computes and stores
it.

The full-page cache (``cities_cms.page_cache``) keys its entries with the same generation.

Every key carries a *generation*, itself kept in the cache. Saving or deleting a page, a theme,
a view restriction, a site, a locale, an image or a site setting, and publishing, unpublishing
or moving a page, start a new generation (``invalidate``), so the next request computes every
value afresh. Entries also expire after ``CITIES_CMS_CONTENT_CACHE_SECONDS`` (60): with a cache
that is not shared between processes (Django's default local-memory cache under a server with
several worker processes) another process's copy can be that much out of date. Production
sites should configure a shared cache (Redis, Memcached or the database cache); set the
setting to 0 to turn this cache off.
"""

import contextlib
import functools
import uuid

from asgiref.local import Local
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from .conf import settings

GENERATION = "cities_cms.content.generation"
_MISSING = object()


_watched = set()  # models that sub-apps add with ``watch`` (registrations, federated copies)


# One request reads each value once: the generation and the values it asked for are kept for
# the rest of the request (``request_memo``, entered by ``RequestMemoMiddleware``), so the
# thirty-odd reads of a page cost one cache read each, not two plus unpickling every time.
# Outside a request (the task worker, commands) every call reads the cache.
_local = Local()


@contextlib.contextmanager
def request_memo():
    previous = getattr(_local, "memo", None)
    _local.memo = {}
    try:
        yield
    finally:
        _local.memo = previous


class RequestMemoMiddleware:
    """Every request in a ``request_memo``, whatever view answers it (pages, search, feeds,
    the admin). Listed before the page cache, whose key reads the generation too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_memo():
            return self.get_response(request)


def _memo():
    return getattr(_local, "memo", None)


def _forget_memo():
    if _memo() is not None:
        _local.memo = {}


def generation():
    """The current generation (a new one after any change to content)."""
    memo = _memo()
    if memo is not None and GENERATION in memo:
        return memo[GENERATION]
    generation = cache.get(GENERATION)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.set(GENERATION, generation, None)
    if memo is not None:
        memo[GENERATION] = generation
    return generation


def get_or_compute(name, compute):
    """The cached value of ``name`` in this generation, else ``compute()`` (then stored)."""
    timeout = settings.CITIES_CMS_CONTENT_CACHE_SECONDS
    if not timeout:
        return compute()
    key = f"cities_cms.content.{generation()}.{name}"
    memo = _memo()
    if memo is not None and key in memo:
        return memo[key]
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, timeout)
    if memo is not None:
        memo[key] = value
    return value


def invalidate(**kwargs):
    """Forget every cached value (a signal receiver).

    Now, and again when the transaction commits: a request that read the old content while
    the change was not committed yet may have stored it under the new generation.
    """
    ended = cache.get(GENERATION)
    cache.delete(GENERATION)
    _forget_memo()

    def after_commit():
        cache.delete(GENERATION)
        _forget_memo()
        if ended is not None:
            from .page_cache import generation_ended

            generation_ended(ended)

    transaction.on_commit(after_commit)


def watch(model):
    """Start a new generation when ``model`` is saved or deleted (for the optional sub-apps)."""
    _watched.add(model)


@functools.cache
def _senders():
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
    from wagtail.documents.models import AbstractDocument
    from wagtail.images.models import AbstractImage
    from wagtail.models import Locale, Page, PageViewRestriction, Site
    from wagtail_localize.models import LocaleSynchronization

    from .branding import BrandingText
    from .snippets import Organisation, Person, Theme

    return (
        Page,
        Theme,
        Organisation,
        Person,
        BrandingText,
        Redirect,
        AbstractDocument,
        PageViewRestriction,
        Site,
        Locale,
        LocaleSynchronization,
        AbstractImage,
        BaseSiteSetting,
        BaseGenericSetting,
    )


def _invalidate_on_model_change(sender, **kwargs):
    if issubclass(sender, _senders()) or sender in _watched:
        invalidate()


def _invalidate_on_m2m_change(sender, instance, action, **kwargs):
    # The groups of a view restriction, the themes of a page ...
    if action.startswith("post_") and isinstance(instance, _senders()):
        invalidate()


def connect_signals():
    """Called by the app's ``ready()``."""
    from wagtail.signals import page_published, page_unpublished, post_page_move

    uid = "cities_cms.content_cache"
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(invalidate, dispatch_uid=uid)
    for signal in (post_save, post_delete):
        signal.connect(_invalidate_on_model_change, dispatch_uid=uid)
    m2m_changed.connect(_invalidate_on_m2m_change, dispatch_uid=uid)
    # A deploy runs ``migrate``: what the previous code rendered (pages, fragments) ends with it.
    post_migrate.connect(_invalidate_after_migrate, dispatch_uid=uid)


def _invalidate_after_migrate(sender, **kwargs):
    if sender.name == "cities_cms":  # once per migrate, not once per app
        invalidate()


# Cached equivalents of Wagtail queries ------------------------------------------------------


def find_site(request):
    """``Site.find_for_request(request)`` from the cache: Wagtail caches it on the request only,
    and its query (hostname, port and default site ordered by ``CASE``) costs about 2.5 ms to
    build and run, on every uncached page. Hosts that ``ALLOWED_HOSTS`` refuses are not cached
    (Django answers them 400 anyway); the key is a digest of host and port.
    """
    import hashlib

    from django.core.exceptions import DisallowedHost
    from wagtail.models import Site

    if hasattr(request, "_wagtail_site"):
        return request._wagtail_site
    try:
        host = request.get_host()
    except DisallowedHost:
        return Site.find_for_request(request)
    digest = hashlib.sha1(
        f"{host}:{request.get_port()}".encode(), usedforsecurity=False
    ).hexdigest()
    request._wagtail_site = get_or_compute(
        f"site.{digest}", lambda: Site._find_for_request(request)
    )
    return request._wagtail_site


def private_sections():
    """``(path, depth)`` of every page with a view restriction, cached."""

    def compute():
        from wagtail.models import PageViewRestriction

        rows = PageViewRestriction.objects.values_list("page__path", "page__depth")
        return sorted(set(rows))

    return get_or_compute("private_sections", compute)


def public(queryset):
    """``queryset.public()`` (pages outside every private section) without its query."""
    return queryset.filter(public_q())


def public_q():
    """A ``Q`` of the pages outside every private section: ``qs.filter(public_q())`` is
    ``qs.public()`` without its query of view restrictions (an empty ``Q`` when none)."""
    from django.db.models import Q

    private = Q()
    for path, depth in private_sections():
        private |= Q(path__startswith=path, depth__gte=depth)
    return ~private if private else Q()


def restricted_sections():
    """``(path, depth)`` of the subtrees that Wagtail serves behind a view restriction, cached.

    Wagtail (``Page.get_view_restrictions``) reads an alias's restrictions from its source:
    a subtree is restricted below each restricted page that is not an alias, and below each
    alias of a restricted page (one level: Wagtail's aliases point at the original).
    """

    def compute():
        from django.db.models import Q
        from wagtail.models import Page, PageViewRestriction

        restricted = set(PageViewRestriction.objects.values_list("page_id", flat=True))
        if not restricted:
            return []
        rows = Page.objects.filter(
            Q(pk__in=restricted, alias_of__isnull=True) | Q(alias_of__in=restricted)
        ).values_list("path", "depth")
        return sorted(set(rows))

    return get_or_compute("restricted_sections", compute)


def is_restricted(page):
    """Whether Wagtail would find a view restriction for ``page`` (no query when cached)."""
    return any(page.path.startswith(path) for path, _depth in restricted_sections())


def cities(locale_id):
    """The live, public city pages of a locale (by id) by translation key, ordered by title, without
    their StreamFields: the one map of a language's cities, for the network home's list and
    map, the search's city facet and ``{% local_city %}`` (a city in the page's language).
    """

    def compute():
        from .pages import CityPage

        pages = CityPage.objects.live().filter(locale_id=locale_id).filter(public_q())
        return {page.translation_key: page for page in pages.order_by("title").defer_streamfields()}

    return get_or_compute(f"cities.{locale_id}", compute)


def themes(locale):
    """``Theme.for_locale(locale)``: the themes by key in ``locale`` (else the default's)."""
    from .snippets import Theme

    return get_or_compute(f"themes.{locale.pk}", lambda: Theme.for_locale(locale))


def fragment(name, vary, render):
    """The HTML of a shared page part (header, footer ...) for this generation, else ``render()``.

    ``vary`` is what the HTML depends on besides the content (language, site, the page's
    switcher targets ...); it is hashed into the key. Caching is the caller's choice: only
    parts that are identical for every visitor may come through here.
    """
    import hashlib

    digest = hashlib.sha1(repr(vary).encode(), usedforsecurity=False).hexdigest()
    return get_or_compute(f"fragment.{name}.{digest}", render)
