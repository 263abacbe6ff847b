"""Serving public pages: uncached and cached, against a bare Wagtail page and a plain view,
and a load run under gunicorn.

``measure_pages``: in the bench's own process (Django's test client, the whole middleware
stack), each public page type is requested with the page cache off (every request renders)
and on (every request after the first is a hit), next to a plain Django view and a bare
Wagtail page (a ``wagtailcore.Page`` with Wagtail's own template under the same site)
measured the same two ways. Ratios: uncached page / bare Wagtail page (uncached), and cached
page / plain Django view.

``load_run``: gunicorn with 2 worker processes on loopback serves the bench's database with
the reference site's shared file cache; 50 clients (asyncio, HTTP/1.1 keep-alive, one
connection each) request a mix of public pages for 60 s. Throughput, p50/p95/p99 latency,
errors, and the share of page-cache hits.
"""

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.test import Client

from .pages import measure, page_urls

ROOT = Path(__file__).resolve().parent.parent


def bare_wagtail_page_url():
    from wagtail.models import Locale, Page

    from cities_cms.pages import NetworkHomePage

    home = NetworkHomePage.objects.get(locale=Locale.get_default(), depth=2)
    bare = Page.objects.child_of(home).filter(slug="bare-wagtail-page").first()
    if bare is None:
        bare = Page(title="A bare Wagtail page", slug="bare-wagtail-page")
        home.add_child(instance=bare)
        bare.save_revision().publish()
    return bare.url


def _both(client, url, seconds):
    from django.conf import settings

    settings.CITIES_CMS_PAGE_CACHE = False
    uncached = measure(client, url, seconds)
    settings.CITIES_CMS_PAGE_CACHE = True
    cached = measure(client, url, seconds)
    return uncached, cached


def measure_pages(seconds):
    client = Client()
    plain_uncached, plain = _both(client, "/__bench__/plain/", seconds)
    bare, bare_cached = _both(client, bare_wagtail_page_url(), seconds)
    rows = []
    for name, url in page_urls().items():
        uncached, cached = _both(client, url, seconds)
        rows.append(
            {
                "name": name,
                "url": url,
                "uncached_rps": uncached["rps"],
                "uncached_ms": uncached["ms_per_request"],
                "uncached_queries": uncached["queries"],
                "cached_rps": cached["rps"],
                "cached_ms": cached["ms_per_request"],
                "cached_queries": cached["queries"],
                # how many times a bare Wagtail page's time the uncached page takes
                "uncached_x_bare": round(uncached["ms_per_request"] / bare["ms_per_request"], 2),
                # the cached page's throughput as a share of the plain Django view's
                "cached_of_plain": round(cached["rps"] / plain["rps"], 3),
            }
        )
    return {
        "plain_view": plain,
        "bare_wagtail_page": bare,
        "bare_wagtail_page_cached": bare_cached,
        "pages": rows,
    }


# The load run ---------------------------------------------------------------------------------


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _client(host, port, urls, deadline, latencies, errors, hits):
    reader = writer = None
    while time.perf_counter() < deadline:
        url = random.choice(urls)
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(
                f"GET {url} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Language: en\r\n\r\n".encode()
            )
            await writer.drain()
            status_line = await reader.readline()
            status = int(status_line.split()[1])
            length = 0
            close = False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and "close" in value.lower():
                    close = True
                elif name == "x-cities-cache" and value.strip() == "HIT":
                    hits.append(1)
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - started) * 1000)
            if status >= 500 or status == 0:
                errors.append(f"{url}: {status}")
            if close:
                writer.close()
                reader = writer = None
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as error:
            errors.append(f"{url}: {error!r}")
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _load(host, port, urls, seconds, clients):
    latencies, errors, hits = [], [], []
    deadline = time.perf_counter() + seconds
    await asyncio.gather(
        *(_client(host, port, urls, deadline, latencies, errors, hits) for _ in range(clients))
    )
    return latencies, errors, hits


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def load_run(seconds=60, clients=50, workers=2):
    """Serve the bench's database with gunicorn and load it with ``clients`` connections."""
    urls = list(page_urls().values())
    port = _free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", PYTHONPATH=str(ROOT))
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--keep-alive",
            "5",
            "--log-level",
            "warning",
            "bench.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError as error:
                if server.poll() is not None or time.monotonic() > deadline:
                    log = server.stderr.read()[-2000:]
                    raise RuntimeError(f"gunicorn did not start: {log}") from error
                time.sleep(0.2)
        # One pass over the mix first: each worker's first request pays for its imports.
        asyncio.run(_load("127.0.0.1", port, urls, 3, 4))
        started = time.perf_counter()
        latencies, errors, hits = asyncio.run(_load("127.0.0.1", port, urls, seconds, clients))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return {
        "server": f"gunicorn, {workers} sync workers, keep-alive",
        "clients": clients,
        "seconds": round(elapsed, 1),
        "urls": urls,
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(_percentile(latencies, 0.95), 1) if latencies else None,
        "p99_ms": round(_percentile(latencies, 0.99), 1) if latencies else None,
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "cache_hits": len(hits),
    }


def print_figures(figures):
    if not figures:
        return
    pages = figures.get("pages")
    if pages:
        plain = pages["plain_view"]
        bare = pages["bare_wagtail_page"]
        print(
            f"\nServing: plain Django view {plain['rps']} req/s ({plain['ms_per_request']} ms); "
            f"bare Wagtail page {bare['rps']} req/s ({bare['ms_per_request']} ms) uncached, "
            f"{pages['bare_wagtail_page_cached']['rps']} req/s cached"
        )
        print(
            f"{'page':<32}{'uncached':>10}{'ms':>8}{'q':>4}{'x bare':>8}"
            f"{'cached':>10}{'ms':>7}{'of plain':>10}"
        )
        for row in pages["pages"]:
            print(
                f"{row['name']:<32}{row['uncached_rps']:>10.1f}{row['uncached_ms']:>8.2f}"
                f"{row['uncached_queries']:>4}{row['uncached_x_bare']:>8.2f}"
                f"{row['cached_rps']:>10.1f}{row['cached_ms']:>7.2f}{row['cached_of_plain']:>10.3f}"
            )
    load = figures.get("load")
    if load:
        print(
            f"\nLoad run ({load['server']}, {load['clients']} clients, {load['seconds']} s): "
            f"{load['requests']} requests, {load['rps']} req/s, p50 {load['p50_ms']} ms, "
            f"p95 {load['p95_ms']} ms, p99 {load['p99_ms']} ms, {load['errors']} errors, "
            f"{load['cache_hits']} page-cache hits"
        )
