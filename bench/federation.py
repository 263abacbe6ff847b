"""Federation benchmark: initial sync of a large peer, then a no-change re-sync.

A loopback peer (a threaded ``http.server`` on 127.0.0.1, stopped at the end) serves a feed of
``COUNT`` practice models in three locales (en, lv, pl), each signed by the peer's own
Ed25519 key, with one small PNG each (``COUNT`` distinct images), exactly as
docs/federation.md describes: descriptor, ``/federation/feed/?after=&limit=`` with ETag and
304, and the images under ``/media/``. This site syncs it with the real ``sync_peer``
(verify, validate, download and check images, import in one transaction per document), then
syncs again with nothing changed.

Figures: seconds, documents per second, HTTP requests (feed pages and images) of each run,
and the process's peak resident memory (``ru_maxrss``) before and after the initial sync.
Targets (the issue): initial sync under 60 s on 2 cores with peak memory under 300 MB; the
no-change re-sync is one request per peer.

``per_page``: the import's milliseconds per page it created (translations and the aliases of
synchronised trees alike), against creating the same practice models in the same run with
Wagtail as an editor does (create, publish, wagtail-localize's aliases in every other locale,
then the Latvian and Polish translations published from their aliases), per page; ``ratio``
is import / local. The local pages have no image; the import's figure includes downloading,
checking and storing one image per document.

``python -m bench`` runs it with the reference site's defaults (synchronised trees, the ten
languages). Alone, the same way on a fresh database in a temporary directory:
``python -m bench.federation [COUNT]`` (COUNT documents, 1,000 by default).
"""

import hashlib
import io
import json
import resource
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

COUNT = 1000
LOCAL_COUNT = 100  # practice models created locally for the per-page comparison (at most)
LOCALES = {"en": "Shared model", "lv": "Koplietots modelis", "pl": "Wspólny model"}


def _png(index: int) -> bytes:
    buffer = io.BytesIO()
    colour = (index % 256, (index // 256) % 256, (index * 7) % 256)
    Image.new("RGB", (32, 24), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # kilobytes on Linux, bytes on macOS
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


class BenchPeer:
    """The loopback peer: signed feed, descriptor and images; counts requests."""

    def __init__(self, count):
        from cities_cms.federation.identity import Identity, raw_public_key
        from cities_cms.federation.signing import sign_document

        key = Ed25519PrivateKey.generate()
        self.identity = Identity(key, raw_public_key(key.public_key()))
        self.requests = {"feed": 0, "media": 0, "other": 0}
        self.lock = threading.Lock()
        self.images = {}
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.envelopes = []
        for index in range(count):
            data = _png(index)
            path = f"/media/original_images/bench-{index}.png"
            self.images[path] = data
            self.envelopes.append(sign_document(self._document(index, path, data), self.identity))
        self.descriptor = json.dumps(sign_document(self._descriptor(), self.identity)).encode()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _origin(self):
        return {
            "base_url": self.base_url,
            "key_id": self.identity.key_id,
            "city": {"name": "Benchville", "country": "LV"},
        }

    def _descriptor(self):
        return {
            "protocol": "cities-cms/1",
            "type": "descriptor",
            "base_url": self.base_url,
            "name": "Benchmark peer",
            "city": {"name": "Benchville", "country": "LV"},
            "public_key": self.identity.public_key,
            "key_id": self.identity.key_id,
            "previous_keys": [],
            "languages": list(LOCALES),
            "feed_url": f"{self.base_url}/federation/feed/",
            "inbox_url": f"{self.base_url}/federation/inbox/",
            "member_list_url": None,
            "max_document_bytes": 1048576,
        }

    def _document(self, index, path, data):
        global_id = str(uuid.UUID(int=index + 1, version=4))
        locales = {}
        for code, title in LOCALES.items():
            locales[code] = {
                "title": f"{title} {index}",
                "slug": "",
                "search_description": "",
                "summary": f"{title} {index}: a summary.",
                "challenge": f"<p>{title} {index}: the challenge.</p>",
                "approach": f"<p>{title} {index}: the <strong>approach</strong>.</p>",
                "results": "<p>Results.</p>",
                "evidence": "",
                "transferability": "",
                "resources": "",
                "staff": "two planners",
                "duration": "18 months",
                "indicators": [],
                "body": [
                    {
                        "type": "paragraph",
                        "value": f"<p>{title} {index}: more.</p>",
                        "id": str(uuid.UUID(int=index * 10 + 1)),
                    }
                ],
                "gallery": [],
                "documents": [],
                "listing_image": {"media": "m1", "alt_text": "", "decorative": False},
                "stakeholders": [{"kind": "ngo", "name": "Residents", "contribution": "Ideas"}],
            }
        return {
            "protocol": "cities-cms/1",
            "type": "practice-model",
            "id": global_id,
            "version": 1,
            "origin": self._origin(),
            "updated_at": "2026-11-24T08:00:00Z",
            "source_locale": "en",
            "canonical": {
                code: f"{self.base_url}/{code}/practice-models/{index}/" for code in LOCALES
            },
            "licence": "CC-BY-4.0",
            "attribution": {"organisation": "City of Benchville", "contact": None},
            "themes": ["housing", "mobility"],
            "fields": {
                "status": "implemented",
                "start_year": 2019,
                "end_year": None,
                "evidence_level": "monitored",
                "budget": "120000.00",
            },
            "locales": locales,
            "media": [
                {
                    "ref": "m1",
                    "url": self.base_url + path,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "bytes": len(data),
                    "content_type": "image/png",
                    "width": 32,
                    "height": 24,
                    "alt": {"en": "A coloured square", "lv": "Krāsains kvadrāts"},
                    "credit": "Benchmark",
                }
            ],
        }

    def feed_page(self, after, limit):
        items = self.envelopes[after : after + limit]
        next_cursor = after + len(items)
        body = json.dumps(
            {
                "protocol": "cities-cms/1",
                "items": items,
                "next": str(next_cursor),
                "more": next_cursor < len(self.envelopes),
            },
            separators=(",", ":"),
        ).encode()
        return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'

    def _handler(self):
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                parts = urlsplit(self.path)
                kind = (
                    "feed"
                    if parts.path == "/federation/feed/"
                    else "media"
                    if parts.path in peer.images
                    else "other"
                )
                with peer.lock:
                    peer.requests[kind] += 1
                status, body, headers = 404, b"{}", {}
                if kind == "feed":
                    query = parse_qs(parts.query)
                    try:
                        after = int(query.get("after", ["0"])[0])
                        limit = min(int(query.get("limit", ["100"])[0]), 500)
                    except ValueError:
                        after, limit = -1, 0
                    if after >= 0 and limit > 0:
                        body, etag = peer.feed_page(after, limit)
                        headers = {"ETag": etag, "Content-Type": "application/json"}
                        status = 304 if self.headers.get("If-None-Match") == etag else 200
                        if status == 304:
                            body = b""
                elif kind == "media":
                    status, body = 200, peer.images[parts.path]
                    headers = {"Content-Type": "image/png"}
                elif parts.path == "/.well-known/cities-cms.json":
                    status, body = 200, peer.descriptor
                    headers = {"Content-Type": "application/json"}
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def total_requests(self):
        with self.lock:
            return sum(self.requests.values())

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def _sync(peer):
    from cities_cms.federation.sync import sync_peer

    return sync_peer(peer)


def run(seconds=None, *, count=COUNT):
    """Initial sync of ``count`` documents, then a no-change re-sync. ``seconds`` is unused
    (the figures are of one full sync each)."""
    from wagtail.models import Locale

    from cities_cms.conf import settings
    from cities_cms.federation.models import FederatedCopy, Peer, PeerStatus
    from cities_cms.pages import PracticeModelPage

    for code in LOCALES:
        Locale.objects.get_or_create(language_code=code)
    with BenchPeer(count) as remote:
        peer = Peer.objects.create(
            base_url=remote.base_url,
            name="Benchmark peer",
            status=PeerStatus.APPROVED,
            offered_public_key=remote.identity.public_key,
            public_key=remote.identity.public_key,
            is_local=True,
        )
        peak_before = _peak_mb()
        started = time.perf_counter()
        first = _sync(peer)
        initial_seconds = time.perf_counter() - started
        initial_requests = remote.total_requests()
        peak_after = _peak_mb()
        by_kind = dict(remote.requests)

        started = time.perf_counter()
        second = _sync(peer)
        resync_seconds = time.perf_counter() - started
        resync_requests = remote.total_requests() - initial_requests
        copies = FederatedCopy.objects.filter(peer=peer).count()
        imported_pages = PracticeModelPage.objects.filter(
            translation_key__in=FederatedCopy.objects.filter(peer=peer).values("global_id")
        ).count()
    local = _create_locally(min(count, LOCAL_COUNT))
    import_ms = 1000 * initial_seconds / max(imported_pages, 1)
    return {
        "documents": count,
        "locales": list(LOCALES),
        "images": count,
        "initial_sync": {
            "seconds": round(initial_seconds, 2),
            "documents_per_second": round(first.received / initial_seconds, 1),
            "requests": initial_requests,
            "requests_by_kind": by_kind,
            "imported": first.imported,
            "refused": first.refused,
            "copies": copies,
            "failed": first.failed,
        },
        "resync_no_change": {
            "seconds": round(resync_seconds, 3),
            "requests": resync_requests,
            "received": second.received,
            "not_modified": getattr(second, "not_modified", None),
        },
        "per_page": {
            "languages": Locale.objects.count(),
            "synchronised_trees": bool(settings.CITIES_CMS_SYNC_TREES),
            "import_pages": imported_pages,
            "import_ms": round(import_ms, 1),
            "local_documents": local["documents"],
            "local_pages": local["pages"],
            "local_ms": round(local["ms_per_page"], 1),
            "ratio": round(import_ms / local["ms_per_page"], 2) if local["pages"] else None,
        },
        "peak_rss_mb_before_sync": peak_before,
        "peak_rss_mb_after_sync": peak_after,
        "targets": {"initial_seconds": 60, "peak_rss_mb": 300, "resync_requests": 1},
    }


def _create_locally(count):
    """Create ``count`` practice models like the bench's documents with Wagtail, as an editor
    does in the admin, under the index the importer fills. Returns documents, pages (aliases
    included) and milliseconds per page."""
    from django.db import transaction
    from wagtail.models import Locale
    from wagtail_localize.synctree import create_aliases_for_new_page

    from cities_cms.federation.importer import federation_parent
    from cities_cms.pages import PracticeModelPage
    from cities_cms.snippets import Theme

    parent = federation_parent()
    themes = list(Theme.objects.filter(key__in=["housing", "mobility"], locale=parent.locale))
    translations = {
        code: Locale.objects.get(language_code=code) for code in LOCALES if code != "en"
    }
    keys = []
    started = time.perf_counter()
    for index in range(count):
        with transaction.atomic():
            fields = _local_fields("en", index)
            page = PracticeModelPage(locale=parent.locale, live=False, **fields)
            page.themes.set(themes)
            parent.add_child(instance=page)
            page.save_revision().publish()
            create_aliases_for_new_page(page)  # the admin's after_create_page hook
            for code, locale in translations.items():
                alias = page.get_translation(locale).specific
                alias.alias_of = None  # wagtail-localize converts the alias
                for name, value in _local_fields(code, index).items():
                    setattr(alias, name, value)
                alias.save()
                alias.save_revision().publish()
            keys.append(page.translation_key)
    seconds = time.perf_counter() - started
    pages = PracticeModelPage.objects.filter(translation_key__in=keys).count()
    return {
        "documents": count,
        "pages": pages,
        "ms_per_page": 1000 * seconds / pages if pages else 0.0,
    }


def _local_fields(code, index):
    title = LOCALES[code]
    return {
        "title": f"{title} local {index}",
        "slug": f"local-{code}-{index}",
        "summary": f"{title} {index}: a summary.",
        "challenge": f"<p>{title} {index}: the challenge.</p>",
        "approach": f"<p>{title} {index}: the <strong>approach</strong>.</p>",
        "results": "<p>Results.</p>",
        "staff": "two planners",
        "duration": "18 months",
        "status": "implemented",
        "start_year": 2019,
        "evidence_level": "monitored",
        "budget": "120000.00",
        "body": [{"type": "paragraph", "value": f"<p>{title} {index}: more.</p>"}],
    }


def _standalone(count):
    """What ``python -m bench`` does before its benchmarks (a fresh SQLite database in a
    temporary directory, the reference site's ten languages, ``migrate``, ``load_demo``),
    then this benchmark alone."""
    import os
    import tempfile

    workdir = tempfile.mkdtemp(prefix="cities_cms_bench_federation_")
    os.environ["CITIES_CMS_VAR_DIR"] = workdir
    os.environ["CITIES_CMS_MEDIA_ROOT"] = os.path.join(workdir, "media")
    database = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["DATABASE_URL"] = database
    os.environ["BENCH_LANGUAGES"] = "all"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django
    from django.conf import settings

    django.setup()
    settings.MEDIA_ROOT = os.environ["CITIES_CMS_MEDIA_ROOT"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # load_demo prints its summary whatever the verbosity: kept out of the JSON on stdout.
    call_command("load_demo", password="bench-only-password", verbosity=0, stdout=io.StringIO())
    return run(count=count)


if __name__ == "__main__":
    print(json.dumps(_standalone(int(sys.argv[1]) if len(sys.argv) > 1 else COUNT), indent=2))
