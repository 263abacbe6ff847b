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
        "--load-seconds", type=float, default=60.0, help="length of the gunicorn load run"
    )
    parser.add_argument("--load-clients", type=int, default=50, help="clients of the load run")
    parser.add_argument(
        "--only",
        choices=["pages", "load", "translation", "search", "federation", "network"],
        action="append",
        help="run only these benchmarks (repeatable); the results file keeps the others' figures",
    )
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="cities_cms_bench_")
    os.environ["CITIES_CMS_VAR_DIR"] = workdir
    os.environ["CITIES_CMS_MEDIA_ROOT"] = os.path.join(workdir, "media")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    # The reference site's defaults: the network's ten languages (the test settings have
    # three, to keep the suite fast), its shared file cache and its page cache (bench/settings.py).
    os.environ["BENCH_LANGUAGES"] = "all"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django
    from django.conf import settings

    django.setup()
    settings.MEDIA_ROOT = os.environ["CITIES_CMS_MEDIA_ROOT"]
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo", password="bench-only-password", verbosity=0)
    setup_seconds = time.perf_counter() - started

    from . import federation, pages, search, serving, translation

    wanted = set(args.only or ["pages", "load", "translation", "search", "federation", "network"])
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "latest.json"
    previous = json.loads(out.read_text()) if out.exists() and args.only else {}
    practice_models = pages.add_practice_models(pages.PRACTICE_MODELS)
    serving_figures = dict(previous.get("serving") or {})
    if "pages" in wanted:
        serving_figures["pages"] = serving.measure_pages(args.seconds)
    if "load" in wanted:
        serving_figures["load"] = serving.load_run(args.load_seconds, args.load_clients)
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
    # A hundred instances on loopback, each with its own database: a process of their own.
    network_figures = network_run() if "network" in wanted else previous.get("network")
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
        "practice_models": practice_models,
        "serving": serving_figures,
        "translation_status": translation_figures,
        "search": search_figures,
        "federation": federation_figures,
        "network": network_figures,
    }
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_report(report, out)
    return 0


def print_report(report, out):
    from . import search, serving

    translation_figures = report["translation_status"]
    federation_figures = report["federation"]
    search_figures = report["search"]
    serving.print_figures(report["serving"])
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
    if report.get("network"):
        from .network import print_figures

        print_figures(report["network"])
    print(f"\n{report['practice_models']} practice models; figures written to {out}")


def network_run():
    """``python -m bench.network`` in a process of its own (its figures: its last line)."""
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "bench.network", "--json-line"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        print(result.stderr[-4000:], file=sys.stderr)
        return {"error": f"bench.network exited with {result.returncode}"}
    return json.loads(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
