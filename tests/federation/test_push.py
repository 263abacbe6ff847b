"""Push notifications: the inbox's checks (RFC 9421 + RFC 9530) and the sender's retries.

Notifications are signed with the real http_message_signatures library by another
instance's key and posted through Django's test client; the sender is tested against a
loopback HTTP server and its request replayed into this site's own inbox.
"""

import datetime
import json

import pytest
from django.test import override_settings
from django.utils import timezone

from cities_cms.federation import push
from cities_cms.federation.models import Peer, PeerEvent, PeerStatus, SeenNonce
from cities_cms.federation.schema import ProtocolError
from cities_cms.federation.signals import outbound_changed

from ..utils import run_tasks
from .loopback import LoopbackPeer, other_identity

INBOX = "/federation/inbox/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def task_queue(db):
    """The reference site's task queue (in the database): a test sees what was queued;
    ``run_tasks()`` runs it as the worker does."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects


@pytest.fixture
def sender():
    return other_identity()


@pytest.fixture
def peer(sender):
    return Peer.objects.create(
        base_url="https://riga.example",
        name="Riga",
        status=PeerStatus.APPROVED,
        public_key=sender.public_key,
        offered_public_key=sender.public_key,
        is_local=True,
    )


def body_of(base_url="https://riga.example", **changes):
    document = {"protocol": "cities-cms/1", "type": "changed", "base_url": base_url, "sequence": 7}
    document.update(changes)
    return json.dumps(document).encode()


def post(client, identity, body=None, *, now=None, nonce="n0nce-0123456789", tamper=None):
    body = body_of() if body is None else body
    headers = push.signed_notification(
        "http://testserver" + INBOX, body, identity=identity, now=now, nonce=nonce
    )
    if tamper:
        body = tamper(body, headers)
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    extra.pop("HTTP_CONTENT_TYPE", None)
    return client.post(INBOX, data=body, content_type="application/json", **extra)


def scheduled(queue):
    return [row.task_result for row in queue.ready() if row.task_name == "sync_peer_task"]


def test_good_push_schedules_a_pull_of_that_peer(
    client, peer, sender, task_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, sender)
    assert response.status_code == 202
    assert response.json() == {"status": "scheduled"}
    [result] = scheduled(task_queue)
    assert result.args == [peer.pk]
    assert SeenNonce.objects.filter(nonce="n0nce-0123456789").exists()


def test_replayed_push_is_refused_and_logged(
    client, peer, sender, task_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, sender).status_code == 202
        replay = post(client, sender)
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "replay"
    assert len(scheduled(task_queue)) == 1
    assert PeerEvent.objects.filter(peer=peer, code="replay").count() == 1


def test_expired_push_is_refused(client, peer, sender, task_queue):
    long_ago = timezone.now() - datetime.timedelta(seconds=1300)
    response = post(client, sender, now=long_ago)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad-signature"
    assert not scheduled(task_queue)
    assert not SeenNonce.objects.exists()
    assert PeerEvent.objects.filter(peer=peer, code="bad-signature").exists()


def test_push_from_the_future_is_refused(client, peer, sender, task_queue):
    later = timezone.now() + datetime.timedelta(seconds=700)
    response = post(client, sender, now=later)
    assert response.status_code == 401
    assert not scheduled(task_queue)


@override_settings(CITIES_CMS_FEDERATION_PUSH_WINDOW=60)
def test_window_follows_the_setting(client, peer, sender, task_queue):
    a_while_ago = timezone.now() - datetime.timedelta(seconds=200)
    assert post(client, sender, now=a_while_ago).status_code == 401
    assert post(client, sender, nonce="another-nonce-123").status_code == 202


def test_unknown_key_is_refused(client, peer, task_queue):
    response = post(client, other_identity())
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unknown-key"
    assert not scheduled(task_queue)


def test_unapproved_peer_is_refused(client, peer, sender, task_queue):
    peer.status = PeerStatus.PENDING
    peer.public_key = ""
    peer.save()
    response = post(client, sender)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unapproved"
    assert PeerEvent.objects.filter(peer=peer, code="unapproved").exists()
    peer.public_key = sender.public_key
    peer.status = PeerStatus.PAUSED
    peer.save()
    assert post(client, sender, nonce="paused-nonce-1234").status_code == 401
    assert not scheduled(task_queue)


def test_tampered_body_is_refused(client, peer, sender, task_queue):
    response = post(client, sender, tamper=lambda body, headers: body.replace(b"7", b"8"))
    assert response.status_code == 401
    assert not scheduled(task_queue)
    assert not SeenNonce.objects.exists()


def test_wrong_digest_is_refused(client, peer, sender, task_queue):
    def other_digest(body, headers):
        headers["Content-Digest"] = "sha-256=:" + "A" * 43 + "=:"
        return body

    response = post(client, sender, tamper=other_digest)
    assert response.status_code == 401
    assert not scheduled(task_queue)


def test_unsigned_and_oversized_and_get(client, peer, task_queue):
    assert client.get(INBOX).status_code == 405
    unsigned = client.post(INBOX, data=body_of(), content_type="application/json")
    assert unsigned.status_code == 401
    big = client.post(INBOX, data=b"x" * 5000, content_type="application/json")
    assert big.status_code == 413
    assert not scheduled(task_queue)


def test_signed_garbage_is_a_400_that_schedules_nothing(client, peer, sender, task_queue):
    response = post(client, sender, body=b"{not json")
    assert response.status_code == 400
    assert not scheduled(task_queue)


def test_expired_nonces_are_purged(client, peer, sender, task_queue):
    SeenNonce.objects.create(
        key_id="old", nonce="old", expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert post(client, sender).status_code == 202
    assert not SeenNonce.objects.filter(key_id="old").exists()


# --- sending -------------------------------------------------------------------------------


def test_changed_feed_notifies_approved_peers_and_the_inbox_accepts_it(
    client, federation_key, task_queue, django_capture_on_commit_callbacks
):
    """This site notifies a loopback peer; its request, replayed into our own inbox (where this
    site is registered as an approved peer with its own key), passes every check."""
    from cities_cms.federation.identity import current_identity

    own = current_identity()
    with LoopbackPeer() as remote:
        remote.serve(INBOX, {"status": "scheduled"}, status=202)
        target = Peer.objects.create(
            base_url=remote.base_url,
            status=PeerStatus.APPROVED,
            public_key=own.public_key,
            offered_public_key=own.public_key,
            is_local=True,
        )
        pending = Peer.objects.create(base_url="https://pending.example")
        outbound_changed.send(sender=None, global_ids=[], sequence=3)
        target.refresh_from_db()
        assert target.push_pending  # the task is queued, not run: nothing was sent yet
        assert remote.requests == []
        assert not Peer.objects.get(pk=pending.pk).push_pending
        assert push.push_due() == {"sent": 1, "failed": 0}
        [request] = remote.requests
    target.refresh_from_db()
    assert not target.push_pending and target.push_failures == 0
    assert request["method"] == "POST" and request["path"] == INBOX
    body = json.loads(request["body"])
    assert body["type"] == "changed" and body["base_url"] == push.own_base_url()
    # The receiving side's checks pass on exactly what went over the wire, once.
    peer, params = push.verify_notification(
        "POST", remote.base_url + INBOX, request["headers"], request["body"]
    )
    assert peer == target
    assert params["keyid"] == own.key_id and params["alg"] == "ed25519"
    assert params["expires"] - params["created"] == 300
    with pytest.raises(ProtocolError) as replay:
        push.verify_notification(
            "POST", remote.base_url + INBOX, request["headers"], request["body"]
        )
    assert replay.value.code == "replay"
    # Another target URI (a notification meant for another site) does not verify.
    with pytest.raises(ProtocolError):
        push.verify_notification(
            "POST", "http://elsewhere.example" + INBOX, request["headers"], request["body"]
        )


def test_failed_notifications_back_off_and_show_on_the_peer(federation_key, task_queue):
    with LoopbackPeer() as remote:
        remote.serve(INBOX, {"error": "down"}, status=503)
        peer = Peer.objects.create(
            base_url=remote.base_url,
            status=PeerStatus.APPROVED,
            public_key=other_identity().public_key,
            is_local=True,
            push_pending=True,
        )
        before = timezone.now()
        assert push.push_due() == {"sent": 0, "failed": 1}
        peer.refresh_from_db()
        assert peer.push_pending and peer.push_failures == 1
        first_delay = peer.next_push_at - before
        assert datetime.timedelta(seconds=55) < first_delay <= datetime.timedelta(seconds=65)
        # Not due yet: nothing is sent.
        assert push.push_due() == {"sent": 0, "failed": 0}
        assert push.push_due(now=peer.next_push_at) == {"sent": 0, "failed": 1}
        peer.refresh_from_db()
        assert peer.push_failures == 2
        assert len(remote.requests) == 2
        remote.serve(INBOX, {"status": "scheduled"}, status=202)
        assert push.push_due(force=True) == {"sent": 1, "failed": 0}
    peer.refresh_from_db()
    assert not peer.push_pending and peer.push_failures == 0 and peer.next_push_at is None
    assert PeerEvent.objects.filter(peer=peer, code="push-failed").count() == 2


def test_retry_delay_doubles_up_to_six_hours():
    delays = [push.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 20)]
    assert delays == [60, 120, 240, 480, 6 * 3600]


def test_push_command_retries_due_notifications(federation_key, task_queue):
    from io import StringIO

    from django.core.management import call_command

    with LoopbackPeer() as remote:
        remote.serve(INBOX, {"status": "scheduled"}, status=202)
        peer = Peer.objects.create(
            base_url=remote.base_url,
            status=PeerStatus.APPROVED,
            public_key=other_identity().public_key,
            is_local=True,
            push_pending=True,
            push_failures=2,
            next_push_at=timezone.now() + datetime.timedelta(minutes=5),
        )
        out = StringIO()
        call_command("cities_cms_push", stdout=out)
        assert out.getvalue().startswith("0 notification(s) sent")
        assert remote.requests == []
        call_command("cities_cms_push", "--all", stdout=out)
        assert len(remote.requests) == 1
    peer.refresh_from_db()
    assert not peer.push_pending and peer.push_failures == 0


# --- the task worker -----------------------------------------------------------------------

EMPTY_FEED = {"items": [], "next": "0", "more": False}


def test_inbox_answers_at_once_and_the_worker_pulls(client, sender, task_queue):
    """The inbox only checks and queues: the peer's feed server is not asked for anything
    until the worker runs the queued pull."""
    with LoopbackPeer() as remote:
        remote.serve("/federation/feed/", EMPTY_FEED)
        peer = Peer.objects.create(
            base_url=remote.base_url,
            status=PeerStatus.APPROVED,
            public_key=sender.public_key,
            is_local=True,
        )
        response = post(client, sender)
        assert response.status_code == 202
        assert remote.requests == []  # nothing pulled inside the request
        [queued] = scheduled(task_queue)
        assert queued.args == [peer.pk]
        assert queued.task.priority == 10  # ahead of bulk work (Wagtail's index updates)

        [result] = run_tasks()
        assert result.return_value["failed"] is False
        assert [r["path"].split("?")[0] for r in remote.requests] == ["/federation/feed/"]
    peer.refresh_from_db()
    assert peer.last_success_at is not None


def test_the_worker_sends_the_push_after_the_change_commits(
    federation_key, task_queue, django_capture_on_commit_callbacks
):
    """A change of the feed only queues the notification; the worker sends it."""
    from cities_cms.federation.identity import current_identity

    with LoopbackPeer() as remote:
        remote.serve(INBOX, {"status": "scheduled"}, status=202)
        Peer.objects.create(
            base_url=remote.base_url,
            status=PeerStatus.APPROVED,
            public_key=current_identity().public_key,
            is_local=True,
        )
        with django_capture_on_commit_callbacks(execute=True):
            outbound_changed.send(sender=None, global_ids=[], sequence=3)
        assert remote.requests == []
        assert [row.task_name for row in task_queue.ready()] == ["push_task"]
        [result] = run_tasks()
        assert result.return_value == {"sent": 1, "failed": 0}
        assert [r["path"] for r in remote.requests] == [INBOX]
