"""The page cache and the federation: an import or a tombstone shows on the very next request.

The importer creates pages with its own fast path (importer/wagtail_internals.py) and sends
the signals Wagtail's publish sends (test_import_signals.py); whatever it writes must still
end the content generation that the page cache keys on.
"""

import uuid

import pytest

from cities_cms.page_cache import HEADER

from ..utils import translate

pytestmark = pytest.mark.django_db


def test_an_import_and_a_tombstone_show_at_once(client, remote, site_tree):
    from cities_cms.federation.sync import import_envelope

    translate(site_tree.practices, "lv")
    listing = site_tree.practices.url
    client.get(listing)
    assert client.get(listing)[HEADER] == "HIT"
    global_id = str(uuid.uuid4())
    outcome = import_envelope(remote.peer, remote.envelope(remote.document(global_id=global_id)))
    assert outcome.status in ("created", "imported"), outcome
    html = client.get(listing).content.decode()
    assert "Green courtyards" in html
    assert client.get(listing)[HEADER] == "HIT"
    import_envelope(remote.peer, remote.envelope(remote.tombstone(global_id, 2)))
    assert "Green courtyards" not in client.get(listing).content.decode()
