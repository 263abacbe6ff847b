"""A fake peer for the peers/push/members tests: a real HTTP server on 127.0.0.1.

``LoopbackPeer`` serves whatever a test puts in ``routes`` ({path: (status, body, headers)},
or this instance's own views: ``serve_this_instance``) from a thread, records every request
(method, path, headers, body) and is stopped by the test (use it as a context manager or
through the ``fake_peer`` fixture). ``other_identity()``
makes the key pair of another instance and ``descriptor_envelope`` signs its descriptor.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cities_cms.federation.identity import Identity, raw_public_key
from cities_cms.federation.signing import sign_document


def other_identity() -> Identity:
    private_key = Ed25519PrivateKey.generate()
    return Identity(private_key, raw_public_key(private_key.public_key()))


def descriptor_document(identity, base_url, **changes) -> dict:
    document = {
        "protocol": "cities-cms/1",
        "type": "descriptor",
        "base_url": base_url,
        "name": "Cities of change – Daugavpils",
        "city": {"name": "Daugavpils", "country": "LV"},
        "public_key": identity.public_key,
        "key_id": identity.key_id,
        "previous_keys": [],
        "languages": ["en", "lv"],
        "feed_url": f"{base_url}/federation/feed/",
        "inbox_url": f"{base_url}/federation/inbox/",
        "member_list_url": None,
        "max_document_bytes": 1048576,
    }
    document.update(changes)
    return document


def descriptor_envelope(identity, base_url, *, signer=None, **changes) -> dict:
    return sign_document(descriptor_document(identity, base_url, **changes), signer or identity)


def handover(old, new, at="2026-11-24T08:00:00Z") -> dict:
    """The previous_keys entry of a rotation from ``old`` to ``new``, signed by ``old``."""
    document = {
        "type": "key-handover",
        "old_key_id": old.key_id,
        "new_key_id": new.key_id,
        "new_public_key": new.public_key,
        "at": at,
    }
    return {
        "public_key": old.public_key,
        "key_id": old.key_id,
        "handover": sign_document(document, old),
    }


class LoopbackPeer:
    def __init__(self):
        self.routes = {}
        self.requests = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                peer.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers.items()),
                        "body": body,
                    }
                )
                route = peer.routes.get(self.path.split("?")[0])
                if callable(route):
                    return route(self)
                if route is None:
                    status, payload, headers = 404, b"not found", {}
                else:
                    status, payload, headers = route
                if isinstance(payload, dict | list):
                    payload = json.dumps(payload).encode()
                self.send_response(status)
                headers = {"Content-Type": "application/json", **headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def serve(self, path, payload, status=200, headers=None):
        self.routes[path] = (status, payload, headers or {})

    def serve_this_instance(self, path):
        """Answer ``path`` with this instance's own views: a real peer's code on loopback.

        The server thread uses the test's database connection (as Django's live server does
        for in-memory SQLite), so the views read the test's own, uncommitted rows; the test's
        thread waits for the answer meanwhile, so the connection is never used twice at once.
        """
        from django.db import connections
        from django.test import Client

        connection = connections["default"]

        def route(handler):
            connections["default"] = connection  # this thread's handle: the test's connection
            connection.inc_thread_sharing()
            try:
                headers = {
                    name: handler.headers[name]
                    for name in ("Accept", "If-None-Match")
                    if name in handler.headers
                }
                response = Client().generic(handler.command, handler.path, headers=headers)
            finally:
                connection.dec_thread_sharing()
            handler.send_response(response.status_code)
            for name, value in response.items():
                if name.lower() != "content-length":
                    handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(response.content)))
            handler.end_headers()
            handler.wfile.write(response.content)

        self.routes[path] = route

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
