"""The practice models, the page addresses and the measurement of the serving benchmark.

Every address goes through the same WSGI handler and middleware in one process (Django's
test client); bench/serving.py measures them with the page cache off and on.

The parts of pages shared by every visitor ({% shared_fragment %}: header, menu, footer,
cards, pages of results, the pages' own content) are rendered once per content generation,
so the measured requests find them rendered (warm). ``BENCH_FRAGMENTS=cold`` renders them on
every request instead, as the first request after a change of content does.
"""

import contextlib
import os
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

PRACTICE_MODELS = 1000


def add_practice_models(count):
    """Add ``count`` live practice models (no revisions: this measures reading, not writing)."""
    from cities_cms.pages import CityPage, PracticeModelIndexPage, PracticeModelPage
    from cities_cms.snippets import Theme

    index = PracticeModelIndexPage.objects.filter(locale__language_code="en").first()
    existing = PracticeModelPage.objects.child_of(index).count()
    cities = list(CityPage.objects.filter(locale=index.locale))
    themes = list(Theme.objects.filter(locale=index.locale))
    statuses = ["idea", "pilot", "implemented", "evaluated"]
    for number in range(existing, count):
        page = PracticeModelPage(
            title=f"Benchmark practice model {number}",
            slug=f"bench-practice-{number}",
            summary="A practice model created by the benchmark to fill the listing.",
            challenge="<p>A city needs to understand how its districts change.</p>",
            approach="<p>It measures, publishes and discusses the figures each year.</p>",
            city=cities[number % len(cities)],
            status=statuses[number % len(statuses)],
            start_year=2010 + number % 15,
            live=True,
        )
        index.add_child(instance=page)
        page.themes.set([themes[number % len(themes)]])
    return PracticeModelPage.objects.child_of(index).count()


@contextlib.contextmanager
def _fragments():
    if os.environ.get("BENCH_FRAGMENTS") != "cold":
        yield
        return
    from cities_cms import content_cache

    shared = content_cache.fragment
    content_cache.fragment = lambda name, vary, render: render()
    try:
        yield
    finally:
        content_cache.fragment = shared


def measure(client, url, seconds):
    with _fragments():
        return _measure(client, url, seconds)


def _measure(client, url, seconds):
    response = client.get(url)  # warm caches and check it works
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    # Count now: the captured list is read from the connection's log, which a new connection
    # (one per request without persistent connections) starts afresh.
    query_count = len(queries)
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        client.get(url)
        count += 1
    elapsed = time.perf_counter() - started
    return {
        "requests": count,
        "rps": round(count / elapsed, 1),
        "ms_per_request": round(1000 * elapsed / count, 2),
        "queries": query_count,
    }


def page_urls():
    from wagtail.models import Locale

    from cities_cms.pages import (
        CityIndexPage,
        CityPage,
        NetworkHomePage,
        PracticeModelIndexPage,
        PracticeModelPage,
        SeminarIndexPage,
        SeminarPage,
    )

    en = Locale.objects.get(language_code="en")

    def first(model, **filters):
        return model.objects.live().filter(locale=en, **filters).order_by("pk").first().url

    practice_index = first(PracticeModelIndexPage)
    return {
        "network home": first(NetworkHomePage),
        "city index": first(CityIndexPage),
        "city page": first(CityPage, slug="poznan"),
        "seminar index (upcoming)": first(SeminarIndexPage),
        "seminar index (past)": first(SeminarIndexPage) + "?when=past",
        "seminar page": first(SeminarPage),
        "seminar ICS": first(SeminarIndexPage) + "ics/",
        "practice model index": practice_index,
        "practice model index, page 40": practice_index + "?page=40",
        "practice model index, filtered": practice_index + "?status=pilot&theme=housing",
        "practice model page": first(PracticeModelPage, slug="bench-practice-500"),
    }
