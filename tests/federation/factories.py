"""Documents of another instance for the inbound tests, and a loopback peer that serves them.

- ``RemoteSite``: another instance's identity and address; ``document()`` writes a valid
  practice-model document (docs/federation.md §4) in any locales, ``tombstone()`` a
  withdrawal, ``envelope()`` signs either with its key; ``approve_here()`` makes it an
  approved peer of this site with its key pinned.
- ``FeedServer``: a real HTTP server on 127.0.0.1 serving a feed (paged by ``after`` and
  ``limit`` like the real one, with ETag/304), images, and hostile behaviour on demand
  (dribbling, closing mid-body, 500, redirects). Stopped by the test (context manager).
"""

import contextlib
import hashlib
import io
import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image as PILImage

from cities_cms.federation.identity import Identity, format_fingerprint, raw_public_key
from cities_cms.federation.models import Peer, PeerStatus
from cities_cms.federation.signing import sign_document


def new_identity() -> Identity:
    private_key = Ed25519PrivateKey.generate()
    return Identity(private_key, raw_public_key(private_key.public_key()))


def image_bytes(width=24, height=16, colour=(200, 40, 40), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(buffer, format=fmt)
    return buffer.getvalue()


def rich(text):
    return f"<p>{text}</p>"


class FeedServer:
    """A peer on 127.0.0.1: ``items`` (envelopes, in feed order), ``files`` ({path: bytes}),
    ``routes`` ({path: callable(handler) | (status, bytes, headers)}) for anything else."""

    def __init__(self):
        self.items = []
        self.files = {}
        self.routes = {}
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                parts = urlsplit(self.path)
                server.requests.append((self.command, self.path, dict(self.headers.items())))
                route = server.routes.get(parts.path)
                if callable(route):
                    return route(self)
                if route is not None:
                    status, body, headers = route
                    return self.answer(status, body, headers)
                if parts.path == "/federation/feed/":
                    return server.feed(self, parse_qs(parts.query))
                if parts.path in server.files:
                    return self.answer(200, server.files[parts.path], {"Content-Type": "image/png"})
                return self.answer(404, b"not found")

            def answer(self, status, body, headers=None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def feed(self, handler, query):
        after = int(query.get("after", ["0"])[0])
        limit = int(query.get("limit", ["100"])[0])
        # sequence of item i is i + 1
        chosen = [(index + 1, item) for index, item in enumerate(self.items) if index + 1 > after][
            :limit
        ]
        last = chosen[-1][0] if chosen else after
        etag = '"' + hashlib.sha256(f"{after}|{limit}|{last}".encode()).hexdigest()[:32] + '"'
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return None
        body = json.dumps(
            {
                "protocol": "cities-cms/1",
                "items": [item for _seq, item in chosen],
                "next": str(last),
                "more": last < len(self.items),
            }
        ).encode()
        return handler.answer(200, body, {"Content-Type": "application/json", "ETag": etag})

    def feed_requests(self):
        return [path for _method, path, _headers in self.requests if "/federation/feed/" in path]

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def dribble(body: bytes, delay: float):
    """A route that sends ``body`` one byte every ``delay`` seconds (a slow peer)."""

    def route(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            for byte in body:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(delay)
        except OSError:
            pass

    return route


def close_mid_body(body: bytes):
    """A route that announces ``body`` but closes the connection half-way through it."""

    def route(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2])
        handler.wfile.flush()
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)

    return route


class RemoteSite:
    """Another instance of the network (its key, address and city)."""

    def __init__(self, base_url, *, city=("Daugavpils", "LV"), identity=None):
        self.base_url = base_url.rstrip("/")
        self.identity = identity or new_identity()
        self.city = {"name": city[0], "country": city[1]}

    def origin(self):
        return {"base_url": self.base_url, "key_id": self.identity.key_id, "city": self.city}

    def approve_here(self, *, is_local=True, **fields) -> Peer:
        return Peer.objects.create(
            base_url=self.base_url,
            name=f"Cities of change – {self.city['name']}",
            city_name=self.city["name"],
            status=PeerStatus.APPROVED,
            offered_public_key=self.identity.public_key,
            public_key=self.identity.public_key,
            key_fingerprint=format_fingerprint(self.identity.key_id),
            is_local=is_local,
            **fields,
        )

    def media_item(self, ref, data, *, path=None, content_type="image/png", alt=None):
        path = path or f"/media/original_images/{ref}-{hashlib.sha256(data).hexdigest()[:8]}.png"
        with PILImage.open(io.BytesIO(data)) as image:
            width, height = image.size
        return {
            "ref": ref,
            "url": self.base_url + path,
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "content_type": content_type,
            "width": width,
            "height": height,
            "alt": alt or {"en": "A street in spring", "lv": "Iela pavasarī"},
            "credit": "City archive",
        }

    def locale(self, code, title, **changes):
        fields = {
            "title": title,
            "slug": "",
            "search_description": "",
            "summary": f"{title}: a summary.",
            "challenge": rich(f"{title}: the challenge."),
            "approach": rich(f"{title}: the approach."),
            "results": rich("Results."),
            "evidence": "",
            "transferability": "",
            "resources": "",
            "staff": "two planners",
            "duration": "18 months",
            "indicators": [],
            "body": [
                {"type": "paragraph", "value": rich(f"{title}: more."), "id": str(uuid.uuid4())}
            ],
            "gallery": [],
            "documents": [],
            "listing_image": None,
            "stakeholders": [{"kind": "ngo", "name": "Residents", "contribution": "Ideas"}],
        }
        fields.update(changes)
        return fields

    def document(
        self,
        *,
        global_id=None,
        version=1,
        titles=None,
        media=None,
        themes=("housing", "mobility"),
        locale_changes=None,
        **changes,
    ) -> dict:
        global_id = str(global_id or uuid.uuid4())
        titles = titles or {"en": "Green courtyards", "lv": "Zaļie pagalmi"}
        locales = {
            code: self.locale(code, title, **(locale_changes or {}).get(code, {}))
            for code, title in titles.items()
        }
        document = {
            "protocol": "cities-cms/1",
            "type": "practice-model",
            "id": global_id,
            "version": version,
            "origin": self.origin(),
            "updated_at": "2026-11-24T08:00:00Z",
            "source_locale": next(iter(titles)),
            "canonical": {
                code: f"{self.base_url}/{'' if code == 'en' else code + '/'}pm/{global_id[:8]}/"
                for code in titles
            },
            "licence": "CC-BY-4.0",
            "attribution": {"organisation": self.city["name"], "contact": None},
            "themes": list(themes),
            "fields": {
                "status": "implemented",
                "start_year": 2019,
                "end_year": None,
                "evidence_level": "monitored",
                "budget": "120000.00",
            },
            "locales": locales,
            "media": list(media or []),
        }
        document.update(changes)
        return document

    def tombstone(self, global_id, version, reason="unshared") -> dict:
        return {
            "protocol": "cities-cms/1",
            "type": "tombstone",
            "id": str(global_id),
            "version": version,
            "origin": self.origin(),
            "reason": reason,
            "updated_at": "2026-11-25T08:00:00Z",
        }

    def envelope(self, document, *, signer=None) -> dict:
        return sign_document(document, signer or self.identity)
