"""The full-page cache: anonymous GET and HEAD requests of public pages, served from Django's cache.

``PageCacheMiddleware`` sits near the top of ``MIDDLEWARE`` (after WhiteNoise and
``content_cache.RequestMemoMiddleware``), so a hit costs one or two cache reads and no
session, user, URL resolution or database query.

What is cached: responses with status 200 to GET requests that carry no cookie other than the
CSRF cookie, outside the excluded paths (the admin, the federation endpoints, documents, which
check permissions), which set no cookie, did not use a CSRF token (a page with a form), and
are not marked ``private``, ``no-cache`` or ``no-store`` by their view (private pages, previews
and anything a logged-in user sees carry a session cookie and never reach the cache).

Invalidation is exact because every key carries the generation of ``cities_cms.content_cache``:
any change to content that a page can show (a page saved, published, moved, deleted or
translated, a snippet, theme, branding text, site setting, view restriction, redirect,
registration, federated copy ...) starts a new generation, and the next request renders afresh.
Entries also expire after ``CITIES_CMS_PAGE_CACHE_SECONDS`` (300): listings of upcoming
seminars change when time passes, not only when content does.

Responses carry ``ETag`` and ``Last-Modified`` and answer conditional requests with 304 (hits
and misses alike), and ``Cache-Control`` (``CITIES_CMS_PAGE_CACHE_CONTROL``); those served to a
visitor with a session are ``private``. The cache must be shared by every process of the site
(Redis, the database or files: the reference settings use files in ``var/cache``), or a change
made in one process (the task worker's federated import) is not seen by the others:
``cities_cms.W010`` says so.
"""

import hashlib
import re
import secrets
import time

from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.checks import Tags, Warning, register
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
)
from django.utils.http import http_date
from django_tasks import task

from . import content_cache
from .conf import settings

HEADER = "X-Cities-Cache"  # HIT, MISS or SKIP: what the page cache did (for operators and tests)
# Headers that belong to one response, not to the stored page: everything else the inner
# middleware and the view set (Content-Type, Vary, Content-Disposition of a calendar, the
# Content-Security-Policy with the nonces of the stored HTML ...) is stored with it.
_OWN_HEADERS = {
    "date",
    "content-length",
    "etag",
    "last-modified",
    "cache-control",
    "expires",
    "set-cookie",
    HEADER.lower(),
}


def enabled():
    return bool(settings.CITIES_CMS_PAGE_CACHE and settings.CITIES_CMS_PAGE_CACHE_SECONDS)


def _cache():
    return caches[settings.CITIES_CMS_PAGE_CACHE_ALIAS]


def _request_is_cacheable(request):
    if request.method not in ("GET", "HEAD"):
        return False
    path = request.path_info
    if any(path.startswith(prefix) for prefix in settings.CITIES_CMS_PAGE_CACHE_EXCLUDE):
        return False
    # A session (a logged-in user, a page password given, a registration in progress), a
    # message waiting, a language chosen by cookie: anything but the CSRF cookie makes the
    # answer someone's own.
    csrf_cookie = django_settings.CSRF_COOKIE_NAME
    return all(name == csrf_cookie for name in request.COOKIES)


def _language(request):
    """The language Django will choose: the URL's prefix, else the browser's."""
    code = translation.get_language_from_path(request.path_info)
    return code or translation.get_language_from_request(request, check_path=False)


def _key(request):
    raw = "\n".join(
        (
            request.get_host(),
            request.scheme,
            request.get_full_path(),
            _language(request),
        )
    )
    digest = hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()
    return f"cities_cms.page.{content_cache.generation()}.{digest}"


def _response_is_cacheable(request, response):
    if response.status_code != 200 or response.streaming:
        return False
    if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False  # a cookie set, or a form with the visitor's own CSRF token
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-cache", "no-store")):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def _conditional(request, entry):
    """The stored entry as a response, or 304 when the visitor's copy is current."""
    status, headers, content, etag, last_modified = entry
    conditional = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if conditional is not None:
        response = conditional
    else:
        content, headers = _fresh_nonce(content, headers)
        response = HttpResponse(content if request.method == "GET" else b"", status=status)
        for name, value in headers:
            response[name] = value
        response["Content-Length"] = str(len(content))
    _patch_validators(response, etag, last_modified)
    return response


_NONCE = re.compile(r"'nonce-([A-Za-z0-9+/_=-]{16,})'")
_CSP_HEADERS = ("content-security-policy", "content-security-policy-report-only")


def _fresh_nonce(content, headers):
    """The stored page with a new CSP nonce: a nonce must not be the same for every visitor.

    The stored HTML and its Content-Security-Policy header carry the nonce of the request that
    rendered them; each hit gets its own in both (the ETag stays: it is the page's, and a 304
    sends no body, hence no nonce).
    """
    old = None
    for name, value in headers:
        if name.lower() in _CSP_HEADERS:
            match = _NONCE.search(value)
            if match:
                old = match.group(1)
                break
    if old is None:
        return content, headers
    new = secrets.token_urlsafe(len(old))[: len(old)]  # as long: the same Content-Length
    content = content.replace(old.encode("ascii"), new.encode("ascii"))
    headers = [
        (name, value.replace(old, new) if name.lower() in _CSP_HEADERS else value)
        for name, value in headers
    ]
    return content, headers


def _patch_validators(response, etag, last_modified):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = settings.CITIES_CMS_PAGE_CACHE_CONTROL


class PageCacheMiddleware:
    """Serve anonymous requests of public pages from the cache; store what may be shared."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not enabled() or not _request_is_cacheable(request):
            content_cache.find_site(request)
            response = self.get_response(request)
            return self._uncached(request, response)
        key = _key(request)
        entry = _cache().get(key)
        if entry is not None:
            response = _conditional(request, entry)
            response[HEADER] = "HIT"
            return response
        # Wagtail's serve view and the page's tags ask for the Site: from the cache.
        content_cache.find_site(request)
        response = self.get_response(request)
        if request.method != "GET" or not _response_is_cacheable(request, response):
            return self._uncached(request, response)
        if hasattr(response, "render") and callable(response.render):
            response.render()
        content = response.content
        etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
        last_modified = int(time.time())
        headers = [
            (name, value) for name, value in response.items() if name.lower() not in _OWN_HEADERS
        ]
        entry = (response.status_code, headers, content, etag, last_modified)
        _cache().set(key, entry, settings.CITIES_CMS_PAGE_CACHE_SECONDS)
        _remember_for_frontend_caches(request)
        conditional = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if conditional is not None:
            response = conditional
        _patch_validators(response, etag, last_modified)
        response[HEADER] = "MISS"
        return response

    def _uncached(self, request, response):
        if not enabled():
            return response
        if request.COOKIES and not response.has_header("Cache-Control"):
            # Whatever a visitor with a session sees is theirs: no shared cache may keep it.
            patch_cache_control(response, private=True, no_cache=True)
        response[HEADER] = "SKIP"
        return response


# A CDN or Varnish in front (wagtail.contrib.frontend_cache) ----------------------------------
#
# A proxy in front keeps what this cache stored, for as long as the Cache-Control of the site
# lets it (s-maxage). The addresses stored in a generation are remembered; when the generation
# ends (any change to content, see content_cache.invalidate), a task purges exactly those from
# every backend of WAGTAILFRONTENDCACHE, off the editor's request.

_URLS_KEY = "cities_cms.page.urls.{generation}"
MAX_REMEMBERED_URLS = 20000


def _frontend_caches_configured():
    return bool(getattr(django_settings, "WAGTAILFRONTENDCACHE", None))


def _remember_for_frontend_caches(request):
    if not _frontend_caches_configured():
        return
    key = _URLS_KEY.format(generation=content_cache.generation())
    urls = _cache().get(key) or set()
    url = request.build_absolute_uri()
    if url in urls or len(urls) >= MAX_REMEMBERED_URLS:
        return
    urls.add(url)
    # Two processes storing at once may lose one address: the proxy then keeps that page
    # until its s-maxage ends (README, Production).
    _cache().set(key, urls, settings.CITIES_CMS_PAGE_CACHE_SECONDS * 2)


def generation_ended(generation):
    """Purge what a proxy in front may keep of ``generation`` (called after the commit)."""
    if not _frontend_caches_configured():
        return
    urls = _cache().get(_URLS_KEY.format(generation=generation))
    if urls:
        _cache().delete(_URLS_KEY.format(generation=generation))
        purge_frontend_caches.enqueue(sorted(urls))


@task()
def purge_frontend_caches(urls):
    """Purge ``urls`` from every backend of ``WAGTAILFRONTENDCACHE`` (a CDN, Varnish ...)."""
    from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache

    purge_urls_from_cache(urls)
    return len(urls)


_PER_PROCESS = ("django.core.cache.backends.locmem.LocMemCache",)


@register(Tags.caches)
def check_shared_cache(app_configs, **kwargs):
    """The page cache in production needs a cache every process shares."""
    middleware = "cities_cms.page_cache.PageCacheMiddleware"
    if django_settings.DEBUG or middleware not in django_settings.MIDDLEWARE or not enabled():
        return []
    alias = settings.CITIES_CMS_PAGE_CACHE_ALIAS
    backend = django_settings.CACHES.get(alias, {}).get("BACKEND", "")
    if backend not in _PER_PROCESS:
        return []
    return [
        Warning(
            f"The page cache uses the {alias!r} cache, which each process keeps for itself "
            "(LocMemCache).",
            hint="A change made in one process (an editor's request in another server worker, "
            "the task worker's federated import) would not reach the pages the others serve "
            "until they expire. Use the file, database or Redis cache (README, Production).",
            id="cities_cms.W010",
        )
    ]
