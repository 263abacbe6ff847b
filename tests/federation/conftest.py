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
