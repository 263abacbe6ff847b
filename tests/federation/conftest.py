"""Fixtures of the federation tests.

``federation_key``: every test that signs or serves anything takes it, so it gets a fresh
Ed25519 key file in its own temporary folder (never the reference site's var/keys/).
"""

import pytest
from django.test import override_settings

from cities_cms.federation import identity


@pytest.fixture
def federation_key(tmp_path):
    """A fresh key file (mode 0600) at a temporary path; yields its path."""
    path = tmp_path / "keys" / "federation.pem"
    with override_settings(CITIES_CMS_FEDERATION_KEY_FILE=str(path)):
        identity._cache.clear()
        identity.ensure_key()
        yield path
    identity._cache.clear()


@pytest.fixture
def remote(federation_key):
    """An approved remote site whose feed a real HTTP server on 127.0.0.1 serves.

    ``remote.server.items`` is the feed; ``remote.peer`` the approved ``Peer``. Modules that need
    another remote (a named city, an unapproved peer) define their own ``remote``.
    """
    from .factories import FeedServer, RemoteSite

    with FeedServer() as server:
        site = RemoteSite(server.base_url)
        site.server = server
        site.peer = site.approve_here()
        yield site
