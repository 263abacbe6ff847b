"""Seminars received from partner cities' sites, as the core sees them.

A seminar that a partner opens to the network arrives as a ``SeminarPage`` under this site's
seminar index (one translation per language of the document, aliases in the others) plus one
``FederatedCopy`` row of ``cities_cms.federation`` (``global_id`` = the pages'
``translation_key``, ``origin_city``, ``origin_url``: the origin instance, ``canonical_urls``:
``{language: the seminar's page on the origin}``). The core never imports that app: it reads
the rows through the ``received_copies`` provider (``pages.network``), so a site without
federation simply has no received seminars.

Registration happens at the origin: a received seminar's page links there instead of showing
the local form. Its calendar entry keeps the origin's UID (``cities_cms.calendar``).
"""

from types import SimpleNamespace
from urllib.parse import urlsplit

from django.db import models

from .. import content_cache
from .network import _received_copies

# The values of the seminar listings' "source" filter and of the calendar's ``?source=``.
LOCAL, PARTNERS = "local", "partners"


def federation_installed():
    return _received_copies() is not None


def received_keys():
    """Translation keys of the pages received from partner sites (a subquery), or []."""
    copies = _received_copies()
    return [] if copies is None else copies.values("global_id")


def with_origin(queryset):
    """``queryset`` of seminars annotated with where the received ones come from.

    Each item carries ``shared_by`` (the city that shared it, None for local seminars) and
    ``origin_url`` (the origin instance: its host names the seminar's calendar UID), read in
    the same query as the seminars.
    """
    copies = _received_copies()
    if copies is None:
        return queryset.annotate(
            shared_by=models.Value(None, output_field=models.CharField()),
            origin_url=models.Value(None, output_field=models.CharField()),
        )
    origin = copies.filter(global_id=models.OuterRef("translation_key"))
    return queryset.annotate(
        shared_by=models.Subquery(origin.values("origin_city")[:1]),
        origin_url=models.Subquery(origin.values("origin_url")[:1]),
    )


def filter_source(queryset, source):
    """Only this site's own seminars (``LOCAL``), only received ones (``PARTNERS``), or all."""
    if source == LOCAL:
        return queryset.exclude(translation_key__in=received_keys())
    if source == PARTNERS:
        if not federation_installed():
            return queryset.none()
        return queryset.filter(translation_key__in=received_keys())
    return queryset


def has_received(index):
    """Whether any live seminar under ``index`` came from a partner (cached with the content)."""
    if not federation_installed():
        return False
    from .seminar import SeminarPage

    def compute():
        return (
            SeminarPage.objects.descendant_of(index)
            .live()
            .filter(translation_key__in=received_keys())
            .exists()
        )

    return content_cache.get_or_compute(f"received-seminars.{index.pk}", compute)


def page_on_origin(urls, language):
    """The origin's address of the page in ``language``, else in any language, else ""."""
    if not isinstance(urls, dict) or not urls:
        return ""
    return urls.get(language) or next((url for url in urls.values() if url), "")


def origin_host(origin_url):
    return (urlsplit(origin_url or "").hostname or "").lower()


def received_seminar(page):
    """Where the received seminar ``page`` comes from (one query), or None for a local one.

    Returns a namespace with ``city`` (who shared it) and ``url`` (its page on the origin in
    the page's language, else any: where visitors register; may be empty).
    """
    copies = _received_copies()
    if copies is None or not page.pk:
        return None
    cached = getattr(page, "_cities_cms_received", False)
    if cached is not False:
        return cached
    row = (
        copies.filter(global_id=page.translation_key)
        .values("origin_city", "origin_url", "canonical_urls")
        .first()
    )
    result = None
    if row is not None:
        language = page.locale.language_code
        result = SimpleNamespace(
            city=row["origin_city"],
            origin_url=row["origin_url"],
            url=page_on_origin(row["canonical_urls"], language),
        )
    page._cities_cms_received = result
    return result
