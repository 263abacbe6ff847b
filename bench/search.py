"""Search latency: p50/p95 of the search page over N pages in each of three locales.

``run(seconds)`` (called by ``python -m bench``) measures in separate processes with their own
databases, so that the other benchmarks' database is not touched:

- SQLite: a fresh database file in a temporary folder;
- PostgreSQL: ``BENCH_SEARCH_DATABASE_URL`` if set (an empty database the bench may fill), else
  a throwaway server started by ``tests.harness.postgres`` (skipped, and said so, when the
  machine has no PostgreSQL binaries).

Each process migrates, loads the demo network, adds practice models in bulk until the English,
Latvian and Polish trees have ``BENCH_SEARCH_PAGES`` (10,000) each (pages without revisions,
inserted with ``bulk_create``/``executemany`` and indexed with the backend's bulk indexing),
then requests the search page through Django's test client with a mix of queries (a common
word, a rare word, two words, a word with a facet, a second page, no results, autocomplete)
for ``seconds`` per case and reports p50 and p95 in milliseconds and the queries per request,
and the median CPU time of the benchmark's thread per request ("cpu p50"): on a busy machine
the elapsed times grow with the other processes' load, this one much less (on SQLite it is
the whole work of a request; on PostgreSQL the server's own work is not in it).

Run one database by hand (``--keep`` leaves the SQLite file for profiling; ``--reuse`` measures
an existing one without filling it again)::

    python -m bench.search --seconds 2
    python -m bench.search --database-url postgres://user@127.0.0.1:5432/db
    python -m tests.harness.postgres -- python -m bench.search --database-url env
    python -m bench.search --keep /tmp/search.sqlite3      # then: --reuse /tmp/search.sqlite3
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEARCH_PAGES = int(os.environ.get("BENCH_SEARCH_PAGES", "10000"))
LOCALES = ("en", "lv", "pl")
WORDS = {
    "en": ["housing", "renovation", "tenants", "budget", "mobility", "river", "school"],
    "lv": ["mājokļi", "renovācija", "īrnieki", "budžets", "mobilitāte", "upe", "skola"],
    "pl": ["mieszkania", "renowacja", "najemcy", "budżet", "mobilność", "rzeka", "szkoła"],
}
ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 50


# Filling ------------------------------------------------------------------------------------


def _index_page(locale):
    from wagtail.models import Page

    from cities_cms.pages import PracticeModelIndexPage

    index = PracticeModelIndexPage.objects.filter(locale=locale).first()
    if index is None:
        english = PracticeModelIndexPage.objects.filter(locale__language_code="en").first()
        index = english.copy_for_translation(locale, copy_parents=True)
        index.save_revision().publish()
    return Page.objects.get(pk=index.pk)


def _insert_children(parent, pages):
    """Insert ``pages`` (unsaved, specific) as the last children of ``parent``, in bulk.

    Paths are computed as treebeard does; the Page rows go through ``bulk_create`` and the rows
    of the page type's own table through one ``executemany``. No revisions, no signals.
    """
    from django.db import connection
    from django.utils import timezone
    from wagtail.models import Page

    last = parent.get_last_child()
    step = Page._str2int(last.path[-Page.steplen :]) if last else 0
    now = timezone.now()
    model = type(pages[0])
    base_rows = []
    for offset, page in enumerate(pages, start=1):
        page.depth = parent.depth + 1
        page.path = Page._get_path(parent.path, page.depth, step + offset)
        page.numchild = 0
        page.url_path = f"{parent.url_path}{page.slug}/"
        page.locale_id = parent.locale_id
        page.content_type_id = _content_type_id(model)
        page.draft_title = page.title
        page.live = True
        page.first_published_at = page.last_published_at = now
        base_rows.append(
            Page(**{f.attname: getattr(page, f.attname) for f in Page._meta.concrete_fields})
        )
    created = Page.objects.bulk_create(base_rows)
    for page, row in zip(pages, created, strict=True):
        page.pk = page.page_ptr_id = row.pk
        page.id = row.pk
    fields = list(model._meta.local_concrete_fields)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    values = [
        [f.get_db_prep_save(f.pre_save(page, True), connection) for f in fields] for page in pages
    ]
    with connection.cursor() as cursor:
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (names from _meta)
        cursor.executemany(sql, values)
    Page.objects.filter(pk=parent.pk).update(numchild=parent.numchild + len(pages))
    parent.numchild += len(pages)


_CONTENT_TYPES = {}


def _content_type_id(model):
    from django.contrib.contenttypes.models import ContentType

    if model not in _CONTENT_TYPES:
        _CONTENT_TYPES[model] = ContentType.objects.get_for_model(model).pk
    return _CONTENT_TYPES[model]


def fill(count, batch_size=1000):
    """Add practice models until each locale of ``LOCALES`` has ``count`` of them."""
    from django.db import transaction
    from wagtail.models import Locale
    from wagtail.search.backends import get_search_backends

    from cities_cms.pages import CityPage, PracticeModelPage
    from cities_cms.snippets import Theme

    through = PracticeModelPage.themes.through
    for code in LOCALES:
        locale = Locale.objects.get(language_code=code)
        index = _index_page(locale)
        cities = list(CityPage.objects.filter(locale=locale).order_by("pk"))
        themes = list(Theme.objects.filter(locale=locale).order_by("pk"))
        words = WORDS[code]
        existing = PracticeModelPage.objects.filter(locale=locale).count()
        for start in range(existing, count, batch_size):
            pages = []
            for number in range(start, min(count, start + batch_size)):
                text = " ".join(words[(number + k) % len(words)] for k in range(4))
                pages.append(
                    PracticeModelPage(
                        title=f"{words[number % len(words)]} {number}",
                        slug=f"bench-search-{code}-{number}",
                        summary=f"{text} unikat{number}",
                        challenge=f"<p>{text}</p>",
                        approach=f"<p>{words[(number * 3) % len(words)]}</p>",
                        status=["idea", "pilot", "implemented", "evaluated"][number % 4],
                        start_year=2010 + number % 15,
                        city=cities[number % len(cities)] if cities else None,
                    )
                )
            with transaction.atomic():
                _insert_children(index, pages)
                if themes:
                    through.objects.bulk_create(
                        through(practicemodelpage_id=page.pk, theme_id=themes[i % len(themes)].pk)
                        for i, page in enumerate(pages)
                    )
                for backend in get_search_backends():
                    backend.add_bulk(PracticeModelPage, pages)


def analyze():
    """PostgreSQL: ``VACUUM ANALYZE`` after the bulk fill, as autovacuum soon does on a
    production database after that many changes.

    ANALYZE refreshes the planner's statistics: measured right after the fill, the last locale
    filled was planned as if its pages did not exist (its p95 almost doubled). VACUUM moves
    the entries that the bulk insert left in the GIN indexes' pending lists into the indexes
    (until then PostgreSQL scans every index entry: about 7 ms more per search) and sets the
    visibility map that index-only scans need. SQLite keeps no statistics unless asked
    (Django never runs ANALYZE there), so it is measured as it is."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# Measuring ----------------------------------------------------------------------------------


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def cases():
    prefix = {"en": "", "lv": "/lv", "pl": "/pl"}
    out = []
    for code in LOCALES:
        words = WORDS[code]
        url = f"{prefix[code]}/search/"
        out += [
            (code, "common word", url, {"q": words[0]}),
            (code, "rare word", url, {"q": "unikat77"}),
            (code, "two words", url, {"q": f"{words[0]} {words[1]}"}),
            (code, "word and facet", url, {"q": words[2], "status": "pilot"}),
            (code, "second page", url, {"q": words[3], "page": "2"}),
            (code, "no results", url, {"q": "zzyzx"}),
            (code, "autocomplete", f"{url}suggest/", {"q": words[4][:4]}),
        ]
    return out


def measure(seconds):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    rows = []
    latencies = []
    for code, name, url, params in cases():
        response = client.get(url, params)  # warm caches and check it works
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params} answered {response.status_code}")
        with CaptureQueriesContext(connection) as queries:
            client.get(url, params)
        query_count = len(queries)
        times = []
        cpu = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline or len(times) < 5:
            t0 = time.perf_counter()
            c0 = time.thread_time()
            client.get(url, params)
            cpu.append((time.thread_time() - c0) * 1000)
            times.append((time.perf_counter() - t0) * 1000)
        latencies += times
        rows.append(
            {
                "locale": code,
                "case": name,
                "params": params,
                "requests": len(times),
                "queries": query_count,
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(_percentile(times, 0.95), 1),
                "cpu_p50_ms": round(statistics.median(cpu), 1),
            }
        )
    return {
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "worst_case_p95_ms": max(row["p95_ms"] for row in rows),
        "cases": rows,
    }


def bench_one(seconds, database_url, *, reuse=False, pages=SEARCH_PAGES):
    """Set up Django on ``database_url``, fill it (unless ``reuse``) and measure."""
    workdir = tempfile.mkdtemp(prefix="cities_cms_bench_search_")
    os.environ["CITIES_CMS_VAR_DIR"] = workdir
    os.environ["CITIES_CMS_MEDIA_ROOT"] = os.path.join(workdir, "media")
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "site_project.settings.test"
    import django
    from django.conf import settings

    django.setup()
    settings.MEDIA_ROOT = os.environ["CITIES_CMS_MEDIA_ROOT"]
    # The reference site's defaults: the network's ten languages (the test settings have
    # three, to keep the suite fast).
    from cities_cms.conf import NETWORK_LANGUAGES

    settings.CITIES_CMS_LANGUAGES = [code for code, _name in NETWORK_LANGUAGES]
    # The search itself: each case repeats one query, which the page cache would answer from
    # its second request on; visitors' queries are mostly different ones.
    settings.CITIES_CMS_PAGE_CACHE = False
    from django.core.management import call_command
    from django.db.models.signals import post_save
    from modelsearch.signal_handlers import post_save_signal_handler

    from cities_cms.pages import PracticeModelPage

    started = time.perf_counter()
    if not reuse:
        call_command("migrate", verbosity=0)
        call_command("load_demo", password="bench-only-password", verbosity=0)
    setup_seconds = time.perf_counter() - started
    started = time.perf_counter()
    post_save.disconnect(post_save_signal_handler, sender=PracticeModelPage)
    try:
        fill(pages)
    finally:
        post_save.connect(post_save_signal_handler, sender=PracticeModelPage)
    analyze()
    fill_seconds = time.perf_counter() - started
    figures = measure(seconds)
    counts = {
        code: PracticeModelPage.objects.filter(locale__language_code=code).count()
        for code in LOCALES
    }
    return {
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "practice_models_per_locale": counts,
        "setup_seconds": round(setup_seconds, 1),
        "fill_seconds": round(fill_seconds, 1),
        "target_p95_ms": TARGET_P95_MS,
        **figures,
    }


# Orchestration (python -m bench) ------------------------------------------------------------


def _child(command, env):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    for line in reversed(result.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {"error": f"exit {result.returncode}", "stderr": result.stderr[-2000:]}


def run(seconds):
    """Measure on SQLite and on PostgreSQL, each in a process and database of its own."""
    python = sys.executable
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    own = [python, "-m", "bench.search", "--json", "--seconds", str(seconds)]
    with tempfile.TemporaryDirectory(prefix="cities_cms_bench_search_") as tmp:
        sqlite = _child([*own, "--database-url", f"sqlite:///{tmp}/search.sqlite3"], env)
    url = os.environ.get("BENCH_SEARCH_DATABASE_URL")
    if url:
        postgres = _child([*own, "--database-url", url], env)
    else:
        harness = [python, "-m", "tests.harness.postgres", "--dbname", "cities_cms_bench", "--"]
        postgres = _child([*harness, *own, "--database-url", "env"], env)
        if "error" in postgres and "SKIPPED" in postgres.get("stderr", ""):
            postgres = {"skipped": "no PostgreSQL server binaries on this machine"}
    return {"pages_per_locale": SEARCH_PAGES, "sqlite": sqlite, "postgresql": postgres}


def print_figures(figures):
    for name in ("sqlite", "postgresql"):
        result = figures.get(name, {})
        if "cases" not in result:
            print(f"\nSearch on {name}: {result}")
            continue
        print(
            f"\nSearch on {name}: {figures['pages_per_locale']} practice models x "
            f"{len(LOCALES)} locales (filled in {result['fill_seconds']} s): "
            f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms "
            f"(target {TARGET_P95_MS} ms)"
        )
        print(f"{'case':<30}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'cpu p50':>9}")
        for row in result["cases"]:
            print(
                f"{row['locale'] + ' ' + row['case']:<30}{row['p50_ms']:>9}{row['p95_ms']:>9}"
                f"{row['queries']:>9}{row.get('cpu_p50_ms', ''):>9}"
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per case")
    parser.add_argument("--database-url", help="a database URL, or 'env' for $DATABASE_URL")
    parser.add_argument("--keep", help="fill this SQLite file (kept afterwards)")
    parser.add_argument("--reuse", help="measure this SQLite file or database URL, already filled")
    parser.add_argument("--pages", type=int, default=SEARCH_PAGES, help="pages per locale")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    reuse = False
    if args.reuse:
        # A SQLite file, or the URL of a database filled before (PostgreSQL).
        url = args.reuse if "://" in args.reuse else f"sqlite:///{args.reuse}"
        reuse = True
    elif args.keep:
        url = f"sqlite:///{args.keep}"
    elif args.database_url == "env":
        url = os.environ["DATABASE_URL"]
    elif args.database_url:
        url = args.database_url
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='cities_cms_bench_search_')}/search.sqlite3"
    result = bench_one(args.seconds, url, reuse=reuse, pages=args.pages)
    if args.json:
        print(json.dumps(result))
    else:
        name = "sqlite" if "sqlite" in result["database"] else "postgresql"
        print_figures({"pages_per_locale": args.pages, name: result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
