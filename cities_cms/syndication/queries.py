"""Which pages may leave the site: one definition for feeds, the sitemap and the read API.

A page is published to the outside when it is live, not expired, public (no view restriction
on it or on any ancestor, whoever asks: a visitor who knows a password does not make a page
public) and belongs to the requested site, in any of its languages. Aliases (pages that
wagtail-localize keeps in a language's tree until the page is translated) repeat another
page's content: feeds include them, where they stand for the page in that language; the sitemap
and the API leave them out, because their canonical address is the source's.
"""

from django.db.models import Q
from django.utils import timezone
from wagtail.models import Locale, Page

from ..absolute_urls import request_site


def not_expired_q(now=None):
    now = now or timezone.now()
    return Q(expire_at__isnull=True) | Q(expire_at__gt=now)


def site_roots(site):
    """The site's root page and its translations (each language's tree of the site)."""
    if site is None:
        return []
    root = site.root_page
    return [root, *root.get_translations(inclusive=False)]


def in_site_q(site):
    roots = site_roots(site)
    if not roots:
        return Q(pk__in=[])
    q = Q()
    for root in roots:
        q |= Q(path__startswith=root.path)
    return q


def _request_filters(request):
    """The site and privacy conditions, computed once per request (two or three queries).

    The private sections are read from the database, not from ``content_cache``: what leaves
    the site must not depend on a cache that another process may hold for up to a minute.
    """
    cached = getattr(request, "_cities_cms_published_q", None) if request is not None else None
    if cached is None:
        from wagtail.models import PageViewRestriction

        private = Q()
        for path in PageViewRestriction.objects.values_list("page__path", flat=True):
            private |= Q(path__startswith=path)
        cached = (in_site_q(request_site(request)), private)
        if request is not None:
            request._cities_cms_published_q = cached
    return cached


def published(queryset, request, *, aliases=True):
    """``queryset`` (of Page or a page model) restricted to what may leave the site."""
    in_site, private = _request_filters(request)
    queryset = queryset.live().filter(not_expired_q()).filter(in_site)
    if private:
        queryset = queryset.exclude(private)
    if not aliases:
        queryset = queryset.filter(alias_of__isnull=True)
    return queryset


def published_pages(request, *, aliases=True):
    return published(Page.objects.all(), request, aliases=aliases)


def active_locale():
    """The locale of the request's language (set by i18n_patterns), else the default one."""
    try:
        return Locale.get_active()
    except Locale.DoesNotExist:
        return Locale.get_default()
