"""Run the benchmarks and write their figures to bench/results/latest.json.

Usage: python -m bench [--seconds N] [--database-url URL]

A fresh SQLite database in a temporary folder is migrated and loaded with the demo network
(plus 1,000 practice models) unless --database-url points at another database.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measured URL")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument(
        "--only",
        choices=["pages", "translation", "search", "federation"],
        action="append",
        help="run only these benchmarks (repeatable); the results file keeps the others' figures",
    )
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="cities_cms_bench_")
    os.environ["CITIES_CMS_VAR_DIR"] = workdir
    os.environ["CITIES_CMS_MEDIA_ROOT"] = os.path.join(workdir, "media")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "site_project.settings.test"
    import django
    from django.conf import settings

    django.setup()
    settings.ROOT_URLCONF = "bench.urls"
    settings.MEDIA_ROOT = os.environ["CITIES_CMS_MEDIA_ROOT"]
    # The reference site's defaults: the network's ten languages (the test settings have
    # three, to keep the suite fast).
    from cities_cms.conf import NETWORK_LANGUAGES

    settings.CITIES_CMS_LANGUAGES = [code for code, _name in NETWORK_LANGUAGES]
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo", password="bench-only-password", verbosity=0)
    setup_seconds = time.perf_counter() - started

    from . import federation, pages, search, translation

    wanted = set(args.only or ["pages", "translation", "search", "federation"])
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "latest.json"
    previous = json.loads(out.read_text()) if out.exists() and args.only else {}
    page_figures = pages.run(args.seconds) if "pages" in wanted else previous.get("pages")
    translation_figures = (
        translation.run(args.seconds)
        if "translation" in wanted
        else previous.get("translation_status")
    )
    # Search builds its own databases (SQLite, PostgreSQL) in separate processes.
    search_figures = search.run(args.seconds) if "search" in wanted else previous.get("search")
    federation_figures = (
        federation.run(args.seconds) if "federation" in wanted else previous.get("federation")
    )
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "setup_seconds": round(setup_seconds, 1),
        "seconds_per_url": args.seconds,
        "pages": page_figures,
        "translation_status": translation_figures,
        "search": search_figures,
        "federation": federation_figures,
    }
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_report(report, out)
    return 0


def print_report(report, out):
    from . import search

    page_figures = report["pages"] or {"plain_view": None, "pages": [], "practice_models": "?"}
    translation_figures = report["translation_status"]
    federation_figures = report["federation"]
    search_figures = report["search"]
    plain = page_figures["plain_view"] or {"rps": 0, "ms_per_request": 0}
    print(f"\nPlain Django view: {plain['rps']:>8.1f} req/s  ({plain['ms_per_request']} ms)")
    print(f"{'page':<34}{'req/s':>9}{'ms':>9}{'ratio':>9}{'queries':>9}")
    for row in page_figures["pages"]:
        print(
            f"{row['name']:<34}{row['rps']:>9.1f}{row['ms_per_request']:>9.2f}"
            f"{row['ratio_to_plain']:>9.3f}{row['queries']:>9}"
        )
    t = translation_figures or {"views": []}
    if translation_figures:
        print(
            f"\nTranslation status: {t['source_pages']} pages x {t['locales']} locales "
            f"({t['cells']} cells); all rows computed in {t['compute_all_rows_ms']} ms with "
            f"{t['compute_all_rows_queries']} queries"
        )
    for row in t["views"]:
        print(
            f"{row['name']:<34}{row['rps']:>9.1f}{row['ms_per_request']:>9.2f}"
            f"{'':>9}{row['queries']:>9}"
        )
    f = federation_figures
    if f:
        print(
            f"\nFederation: initial sync of {f['documents']} documents x {len(f['locales'])} "
            f"locales in {f['initial_sync']['seconds']} s ({f['initial_sync']['requests']} "
            f"requests), peak RSS {f['peak_rss_mb_after_sync']} MB; no-change re-sync "
            f"{f['resync_no_change']['requests']} request(s) in "
            f"{f['resync_no_change']['seconds']} s"
        )
    if search_figures:
        search.print_figures(search_figures)
    print(f"\n{page_figures['practice_models']} practice models; figures written to {out}")


if __name__ == "__main__":
    sys.exit(main())
