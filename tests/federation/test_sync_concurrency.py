"""Two sync runs at once on PostgreSQL (real row locks, threads, committed transactions).

Kept apart from test_sync.py: a test with ``transaction=True`` must not share a module with
the module-scoped ``site_tree`` data (that data lives in an open transaction).
"""

import threading

import pytest
from django.db import connection
from wagtail.models import Revision

from cities_cms.federation.models import FederatedCopy, Peer
from cities_cms.federation.sync import sync_peer
from cities_cms.pages import PracticeModelPage

from ..utils import translate
from .factories import FeedServer, RemoteSite
from .test_sync import publish


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_do_not_double_import(federation_key):
    """Two threads import the same feed at the same time (PostgreSQL: row locks)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (run through tests.harness.postgres)")
    from ..utils import build_site

    site = build_site()
    translate(site.practices, "lv")
    with FeedServer() as server:
        remote = RemoteSite(server.base_url)
        remote.server = server
        peer = remote.approve_here()
        ids = publish(remote, 4)
        barrier = threading.Barrier(2)
        results, errors = [], []

        def run():
            from django.db import connection as thread_connection

            try:
                barrier.wait(timeout=10)
                results.append(sync_peer(Peer.objects.get(pk=peer.pk)))
            except Exception as exc:
                errors.append(exc)
            finally:
                thread_connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors, errors
    assert sum(r.imported for r in results) == 4
    assert sum(r.unchanged for r in results) == 4
    assert FederatedCopy.objects.filter(global_id__in=ids).count() == 4
    for global_id in ids:
        versions = PracticeModelPage.objects.filter(translation_key=global_id)
        # en and lv from the document, and one alias in the third language (pl): not two
        assert versions.filter(alias_of=None).count() == 2
        assert versions.filter(alias_of__isnull=False).count() == 1
        page = PracticeModelPage.objects.get(translation_key=global_id, locale__language_code="en")
        assert Revision.objects.filter(object_id=str(page.pk)).count() == 1
