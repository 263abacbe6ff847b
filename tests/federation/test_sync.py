"""Pulling a peer's feed over real HTTP on 127.0.0.1: cursor, ETag, back-off, the command."""

import dataclasses
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from wagtail.models import Page, Revision

from cities_cms.federation.models import FederatedCopy, Peer, PeerEvent, PeerStatus
from cities_cms.federation.sync import backoff, sync_peer
from cities_cms.federation.tasks import sync_peer_task
from cities_cms.pages import PracticeModelPage

from ..utils import run_tasks, translate
from .factories import FeedServer, RemoteSite


@pytest.fixture
def remote(federation_key):
    with FeedServer() as server:
        site = RemoteSite(server.base_url)
        site.server = server
        yield site


@pytest.fixture
def tree(site_tree):
    translate(site_tree.practices, "lv")
    return site_tree


pytestmark = pytest.mark.django_db


def publish(remote, count, **kw):
    ids = []
    for index in range(count):
        document = remote.document(titles={"en": f"Model {index}", "lv": f"Modelis {index}"}, **kw)
        remote.server.items.append(remote.envelope(document))
        ids.append(document["id"])
    return ids


@override_settings(CITIES_CMS_FEDERATION_FEED_PAGE_SIZE=2)
def test_sync_follows_more_and_stores_the_cursor(remote, tree):
    peer = remote.approve_here()
    ids = publish(remote, 5)
    result = sync_peer(peer)
    assert (result.received, result.imported, result.refused) == (5, 5, 0)
    # 2 + 2 + 1, then the empty page after the new cursor (its ETag serves the next run).
    assert result.requests == 4 and not result.not_modified
    peer.refresh_from_db()
    assert peer.cursor == "5" and peer.items_received == 5
    assert peer.last_success_at and peer.consecutive_failures == 0 and peer.next_retry_at is None
    assert FederatedCopy.objects.filter(global_id__in=ids).count() == 5
    translations = PracticeModelPage.objects.filter(translation_key__in=ids, alias_of=None)
    assert translations.filter(live=True).count() == 10

    # No change: every next run is one request, answered 304.
    before = (Page.objects.count(), Revision.objects.count())
    again = sync_peer(peer)
    assert again.requests == 1 and again.received == 0 and again.not_modified
    third = sync_peer(peer)
    assert third.requests == 1 and third.not_modified
    assert (Page.objects.count(), Revision.objects.count()) == before

    # An update and a tombstone arrive after the cursor.
    update = remote.document(global_id=ids[0], version=2, titles={"en": "Renamed"})
    remote.server.items.append(remote.envelope(update))
    remote.server.items.append(remote.envelope(remote.tombstone(ids[1], 2)))
    result = sync_peer(peer)
    assert (result.received, result.imported, result.tombstones) == (2, 1, 1)
    assert PracticeModelPage.objects.get(
        translation_key=ids[0], locale__language_code="en"
    ).title == ("Renamed")
    assert not PracticeModelPage.objects.filter(translation_key=ids[1], live=True).exists()


def test_pending_and_paused_peers_are_not_fetched(remote, tree):
    peer = remote.approve_here()
    publish(remote, 1)
    for status in (PeerStatus.PENDING, PeerStatus.PAUSED):
        Peer.objects.filter(pk=peer.pk).update(status=status)
        result = sync_peer(peer)
        assert result.requests == 0 and result.received == 0
    assert remote.server.requests == []
    assert not FederatedCopy.objects.exists()


def test_failures_back_off_and_are_visible(remote, tree):
    peer = remote.approve_here()
    remote.server.routes["/federation/feed/"] = (500, b"oops", {})
    for failures in (1, 2, 3):
        result = sync_peer(peer)
        assert result.failed
        peer.refresh_from_db()
        assert peer.consecutive_failures == failures
        assert peer.last_error.startswith("http-error")
        expected = timezone.now() + backoff(failures)
        assert abs((peer.next_retry_at - expected).total_seconds()) < 30
    assert backoff(1).total_seconds() == 60 and backoff(2).total_seconds() == 120
    assert backoff(30).total_seconds() == 6 * 3600
    assert PeerEvent.objects.filter(peer=peer, code="http-error").count() == 3
    # The peer recovers: back to normal.
    del remote.server.routes["/federation/feed/"]
    publish(remote, 1)
    assert sync_peer(peer).imported == 1
    peer.refresh_from_db()
    assert peer.consecutive_failures == 0 and peer.next_retry_at is None


def test_command_syncs_due_peers_with_a_summary(remote, tree):
    peer = remote.approve_here()
    publish(remote, 2)
    out = io.StringIO()
    call_command("cities_cms_sync", stdout=out)
    assert "2 documents" in out.getvalue() and "2 imported" in out.getvalue()
    peer.refresh_from_db()
    assert peer.cursor == "2"

    quiet = io.StringIO()
    call_command("cities_cms_sync", "--peer", remote.base_url + "/", verbosity=0, stdout=quiet)
    assert quiet.getvalue() == ""

    with pytest.raises(CommandError):
        call_command("cities_cms_sync", "--peer", "https://unknown.example", stdout=io.StringIO())
    Peer.objects.filter(pk=peer.pk).update(status=PeerStatus.PAUSED)
    with pytest.raises(CommandError):
        call_command("cities_cms_sync", "--peer", remote.base_url, stdout=io.StringIO())


def test_command_skips_peers_waiting_for_a_retry_unless_forced(remote, tree):
    peer = remote.approve_here()
    publish(remote, 1)
    Peer.objects.filter(pk=peer.pk).update(next_retry_at=timezone.now() + backoff(3))
    out = io.StringIO()
    call_command("cities_cms_sync", stdout=out)
    assert remote.server.requests == []
    call_command("cities_cms_sync", "--force", stdout=out)
    assert FederatedCopy.objects.count() == 1


def test_command_fails_when_a_peer_fails(remote, tree):
    remote.approve_here()
    remote.server.routes["/federation/feed/"] = (500, b"", {})
    with pytest.raises(CommandError):
        call_command("cities_cms_sync", stdout=io.StringIO(), stderr=io.StringIO())


def test_task_runs_a_sync(remote, tree):
    peer = remote.approve_here()
    publish(remote, 1)
    sync_peer_task.enqueue(peer.pk)
    assert FederatedCopy.objects.count() == 0  # queued, not run
    [result] = run_tasks()
    assert result.return_value["imported"] == 1
    assert FederatedCopy.objects.count() == 1
    assert sync_peer_task.call(10**9) is None


def test_a_run_that_dies_half_way_is_completed_by_the_next(remote, tree, monkeypatch):
    """Each document commits on its own; the cursor only moves past a processed page."""
    from cities_cms.federation import importer

    peer = remote.approve_here()
    ids = publish(remote, 3)
    applier = importer.applier_for("practice-model")
    real = applier.apply
    calls = {"n": 0}

    def dies_on_the_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            real(*args, **kwargs)  # the pages are written ...
            raise KeyboardInterrupt  # ... and the worker is killed before the commit
        return real(*args, **kwargs)

    dying = dataclasses.replace(applier, apply=dies_on_the_second)
    monkeypatch.setitem(importer.APPLIERS, "practice-model", dying)
    with pytest.raises(KeyboardInterrupt):
        sync_peer(peer)
    assert FederatedCopy.objects.filter(global_id=ids[0]).exists()
    assert not FederatedCopy.objects.filter(global_id=ids[1]).exists()
    assert not PracticeModelPage.objects.filter(translation_key=ids[1]).exists()
    peer.refresh_from_db()
    assert peer.cursor in ("", "0")
    monkeypatch.setitem(importer.APPLIERS, "practice-model", applier)
    result = sync_peer(peer)
    assert (result.imported, result.unchanged) == (2, 1)
    assert PracticeModelPage.objects.filter(translation_key__in=ids, alias_of=None).count() == 6


def test_unknown_ids_are_uuid(remote, tree):
    """A feed item with a non-UUID id is refused, logged, and the run goes on."""
    peer = remote.approve_here()
    bad = remote.document(titles={"en": "Bad id"})
    bad["id"] = "not-a-uuid"
    remote.server.items.append(remote.envelope(bad))
    publish(remote, 1)
    result = sync_peer(peer)
    assert (result.received, result.refused, result.imported) == (2, 1, 1)
    assert PeerEvent.objects.filter(peer=peer, code="invalid").exists()
    assert FederatedCopy.objects.count() == 1


@override_settings(CITIES_CMS_FEDERATION_FEED_PAGE_SIZE=2)
def test_a_run_without_changes_is_one_request_answered_304_by_a_real_feed(tree, federation_key):
    """Issue 12: the no-change re-sync costs one request per peer and says not_modified. The
    peer is this instance's own feed view behind a loopback server, serving a remote site's
    signed documents (its ETags are the real ones: per cursor, limit and records)."""
    from cities_cms.federation.models import OutboundRecord

    from .loopback import LoopbackPeer

    def serve(remote, sequence):
        document = remote.document(titles={"en": f"Served {sequence}"})
        OutboundRecord.objects.create(
            global_id=document["id"],
            version=1,
            sequence=sequence,
            envelope=remote.envelope(document),
        )

    with LoopbackPeer() as server:
        server.serve_this_instance("/federation/feed/")
        remote = RemoteSite(server.base_url)
        peer = remote.approve_here()
        for sequence in (1, 2, 3):
            serve(remote, sequence)

        def feed_requests():
            return [r for r in server.requests if r["path"].startswith("/federation/feed/")]

        first = sync_peer(peer)
        # Two pages of documents, then the empty page after them (for its ETag).
        assert (first.imported, first.requests, len(feed_requests())) == (3, 3, 3)
        assert not first.not_modified

        for _run in range(2):
            before = len(feed_requests())
            again = sync_peer(peer)
            assert (again.requests, again.received, again.failed) == (1, 0, False)
            assert again.not_modified
            [request] = feed_requests()[before:]
            assert request["headers"].get("If-None-Match")

        # A change at the peer: the conditional request gets it, the run after is a 304.
        serve(remote, 4)
        changed = sync_peer(peer)
        assert (changed.imported, changed.requests, changed.not_modified) == (1, 2, False)
        assert sync_peer(peer).not_modified
    peer.refresh_from_db()
    assert peer.cursor == "4" and peer.consecutive_failures == 0
