"""The translation status view with 1,000+ pages in 10 locales."""

import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .pages import measure

TARGET_PAGES = 1000


def add_translations():
    """Translate about a third of the pages into each locale, a few through wagtail-localize."""
    from wagtail.models import Locale, Page
    from wagtail_localize.models import Translation, TranslationSource

    from cities_cms.pages import PracticeModelPage

    default = Locale.get_default()
    others = list(Locale.objects.exclude(pk=default.pk).order_by("language_code"))
    pages = list(PracticeModelPage.objects.filter(locale=default).order_by("pk"))
    existing = set(Page.objects.exclude(locale=default).values_list("translation_key", "locale_id"))
    started = time.perf_counter()
    created = 0
    for number, page in enumerate(pages):
        for offset, locale in enumerate(others):
            if (number + offset) % 3 or (page.translation_key, locale.pk) in existing:
                continue
            page.copy_for_translation(locale, copy_parents=True)
            created += 1
    # A sample through wagtail-localize, so that segment counts are part of the measurement.
    for page in pages[:100]:
        source, _created = TranslationSource.get_or_create_from_instance(page)
        for locale in others[:2]:
            Translation.objects.get_or_create(source=source, target_locale=locale)
    return {"translated_pages_created": created, "seconds": round(time.perf_counter() - started, 1)}


def run(seconds):
    from wagtail.models import Locale, Page

    setup = add_translations()
    user_model = get_user_model()
    admin, _created = user_model.objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(admin)
    default = Locale.get_default()
    source_pages = Page.objects.filter(locale=default, depth__gt=1).count()
    results = []
    for name, url in {
        "status view, first page": "/admin/cities-cms/translations/",
        "status view, practice models": "/admin/cities-cms/translations/"
        "?page_type=cities_cms.practicemodelpage",
        "status view, missing in lv": "/admin/cities-cms/translations/?state=missing&locale="
        + str(Locale.objects.get(language_code="lv").pk),
    }.items():
        figures = measure(client, url, seconds)
        figures.update(name=name, url=url)
        results.append(figures)

    from cities_cms.translation import status

    locales = [default, *Locale.objects.exclude(pk=default.pk)]
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        rows = status.compute(status.source_pages(default), locales, default)
        status.summarise(rows)
    compute_ms = round(1000 * (time.perf_counter() - started), 1)
    return {
        "source_pages": source_pages,
        "locales": len(locales),
        "cells": source_pages * len(locales),
        "setup": setup,
        "compute_all_rows_ms": compute_ms,
        "compute_all_rows_queries": len(queries),
        "views": results,
    }
