"""Peers: adding by address (real descriptors over loopback HTTP), approval and key pinning,
key rotation, and the admin area tested from each role's side."""

import uuid

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from wagtail.users.models import UserProfile

from cities_cms.federation import peers
from cities_cms.federation.identity import current_identity, format_fingerprint
from cities_cms.federation.models import FederatedCopy, Peer, PeerEvent, PeerStatus
from cities_cms.federation.schema import ProtocolError

from .loopback import LoopbackPeer, descriptor_envelope, handover, other_identity

DESCRIPTOR = "/.well-known/cities-cms.json"


@pytest.fixture
def remote():
    with LoopbackPeer() as server:
        server.identity = other_identity()
        server.serve(DESCRIPTOR, descriptor_envelope(server.identity, server.base_url))
        yield server


def member(username, group_name=None, **kw):
    user = User.objects.create_user(username, password="pw", **kw)
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def people(site_tree):
    return {
        "editor": member("editor", "City editors"),
        "reviewer": member("reviewer", "City reviewers"),
        "coordinator": member("coordinator", "Network coordinators"),
        "superuser": member("root", is_superuser=True, is_staff=True),
    }


def client_for(user, **kw):
    client = Client(**kw)
    if user is not None:
        client.force_login(user)
    return client


# --- peers.py ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_peer_stores_a_pending_peer_with_the_offered_key(remote, federation_key):
    peer = peers.add_peer(remote.base_url + "/", is_local=True)
    assert peer.status == PeerStatus.PENDING
    assert peer.base_url == remote.base_url
    assert peer.offered_public_key == remote.identity.public_key
    assert peer.public_key == ""  # nothing pinned before a person approves
    assert peer.key_fingerprint == remote.identity.fingerprint
    assert peer.name == "Cities of change – Daugavpils" and peer.city_name == "Daugavpils"
    with pytest.raises(ProtocolError) as again:
        peers.add_peer(remote.base_url, is_local=True)
    assert again.value.code == "exists"


@pytest.mark.django_db
def test_loopback_needs_a_local_peer(remote, federation_key):
    with pytest.raises(ProtocolError) as refused:
        peers.add_peer(remote.base_url)
    assert refused.value.code == "private-address"
    assert not Peer.objects.exists()
    assert remote.requests == []  # refused before connecting


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (
            lambda s: s.serve(
                DESCRIPTOR, b"<html>hello</html>", headers={"Content-Type": "text/html"}
            ),
            "not-cities-cms",
        ),
        (lambda s: s.routes.clear(), "not-cities-cms"),
        (
            lambda s: s.serve(DESCRIPTOR, {"document": {"protocol": "other"}, "signature": {}}),
            "not-cities-cms",
        ),
        (
            lambda s: s.serve(
                DESCRIPTOR, descriptor_envelope(s.identity, s.base_url, signer=other_identity())
            ),
            "bad-signature",
        ),
        (
            lambda s: s.serve(DESCRIPTOR, descriptor_envelope(s.identity, "https://else.example")),
            "base-url-mismatch",
        ),
    ],
    ids=["html", "404", "not-a-descriptor", "bad-signature", "other-address"],
)
def test_bad_descriptors_are_refused(remote, federation_key, setup, code):
    setup(remote)
    with pytest.raises(ProtocolError) as refused:
        peers.add_peer(remote.base_url, is_local=True)
    assert refused.value.code == code
    assert not Peer.objects.exists()


@pytest.mark.django_db
def test_unreachable_and_bad_addresses(federation_key):
    server = LoopbackPeer()
    closed = server.base_url
    server.server.server_close()  # nothing listens there any more
    with pytest.raises(ProtocolError) as refused:
        peers.add_peer(closed, is_local=True)
    assert refused.value.code in ("connection", "timeout")
    for url in ("ftp://x.example", "https://x.example/?a=1", "not a url"):
        with pytest.raises(ProtocolError) as bad:
            peers.add_peer(url)
        assert bad.value.code == "bad-url"


@pytest.mark.django_db
def test_own_address_is_refused(federation_key):
    own = current_identity()
    with LoopbackPeer() as server:
        server.serve(DESCRIPTOR, descriptor_envelope(own, server.base_url))
        with pytest.raises(ProtocolError) as refused:
            peers.add_peer(server.base_url, is_local=True)
    assert refused.value.code == "self"


@pytest.mark.django_db
def test_approve_pause_resume_remove(remote, federation_key, people):
    peer = peers.add_peer(remote.base_url, is_local=True)
    peers.approve(peer, people["coordinator"])
    peer.refresh_from_db()
    assert peer.status == PeerStatus.APPROVED
    assert peer.public_key == remote.identity.public_key
    assert peer.approved_by == people["coordinator"] and peer.approved_at is not None
    peers.pause(peer)
    assert Peer.objects.get(pk=peer.pk).status == PeerStatus.PAUSED
    peers.resume(peer)
    assert Peer.objects.get(pk=peer.pk).status == PeerStatus.APPROVED
    copy = FederatedCopy.objects.create(
        global_id=uuid.uuid4(),
        peer=peer,
        origin_url=peer.base_url,
        origin_key_fingerprint=peer.key_fingerprint,
        origin_city="Daugavpils",
        version=1,
    )
    assert peers.remove(peer) == 1
    copy.refresh_from_db()
    assert copy.peer is None and copy.origin_city == "Daugavpils"
    assert list(PeerEvent.objects.all()) == []  # events go with the peer


@pytest.mark.django_db
def test_rotation_signed_by_the_pinned_key_is_followed(remote, federation_key):
    peer = peers.add_peer(remote.base_url, is_local=True)
    peers.approve(peer)
    old, middle, new = remote.identity, other_identity(), other_identity()
    # Two rotations since the last visit: old -> middle -> new, each handed over.
    remote.serve(
        DESCRIPTOR,
        descriptor_envelope(
            new, remote.base_url, previous_keys=[handover(middle, new), handover(old, middle)]
        ),
    )
    peers.refresh_descriptor(peer)
    peer.refresh_from_db()
    assert peer.public_key == new.public_key
    assert peer.status == PeerStatus.APPROVED
    assert peer.key_fingerprint == new.fingerprint
    assert PeerEvent.objects.filter(peer=peer, code="key-rotated").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["no-handover", "handover-by-another-key", "forged-target"])
def test_other_key_changes_are_refused_and_flagged(remote, federation_key, how):
    peer = peers.add_peer(remote.base_url, is_local=True)
    peers.approve(peer)
    pinned, new, stranger = remote.identity, other_identity(), other_identity()
    previous = {
        "no-handover": [],
        "handover-by-another-key": [handover(stranger, new)],
        # A handover signed by the pinned key, but to a different key than the one served.
        "forged-target": [handover(pinned, stranger)],
    }[how]
    remote.serve(DESCRIPTOR, descriptor_envelope(new, remote.base_url, previous_keys=previous))
    peers.refresh_descriptor(peer)
    peer.refresh_from_db()
    assert peer.public_key == pinned.public_key  # still pinned: nothing verifies with the new
    assert peer.offered_public_key == new.public_key
    assert peer.status == PeerStatus.PENDING
    assert "approves" in peer.last_error or "approve" in peer.last_error
    event = PeerEvent.objects.get(peer=peer, code="key-changed")
    assert event.level == PeerEvent.Level.ERROR
    # A person compares the new fingerprint and approves: the new key is pinned.
    peers.approve(peer)
    assert Peer.objects.get(pk=peer.pk).public_key == new.public_key


# --- the admin, from each role's side -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("editor", 403),
        ("reviewer", 403),
        ("coordinator", 200),
        ("superuser", 200),
    ],
)
def test_who_may_manage_peers(people, federation_key, role, status):
    peer = Peer.objects.create(base_url="https://riga.example", name="Riga")
    client = client_for(people.get(role))
    urls = [
        reverse("cities_cms_federation:peers"),
        reverse("cities_cms_federation:add_peer"),
        reverse("cities_cms_federation:peer", args=[peer.pk]),
        reverse("cities_cms_federation:remove_peer", args=[peer.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == status, url
        if status == 302:
            assert "/admin/login/" in response["Location"]
    approve = client.post(reverse("cities_cms_federation:peer_action", args=[peer.pk, "pause"]))
    assert approve.status_code == (302 if status == 200 else status)
    expected = PeerStatus.PAUSED if status == 200 else PeerStatus.PENDING
    assert Peer.objects.get(pk=peer.pk).status == expected
    home = client.get(reverse("wagtailadmin_home"))
    if role != "anonymous":
        assert (reverse("cities_cms_federation:peers") in home.content.decode()) == (status == 200)


@pytest.mark.django_db
def test_empty_list_shows_own_fingerprint(people, federation_key):
    response = client_for(people["coordinator"]).get(reverse("cities_cms_federation:peers"))
    html = response.content.decode()
    assert "No peers yet" in html
    own = current_identity()
    assert own.fingerprint in html
    assert own.fingerprint.count(" ") == 15  # 64 hex digits in groups of four


@pytest.mark.django_db
def test_list_shows_status_of_each_peer(people, federation_key):
    key = other_identity()
    Peer.objects.create(
        base_url="https://riga.example",
        name="Riga",
        status=PeerStatus.APPROVED,
        public_key=key.public_key,
        items_received=42,
        last_error="The inbox answered HTTP 503.",
        push_pending=True,
        push_failures=3,
    )
    html = client_for(people["coordinator"]).get(reverse("cities_cms_federation:peers")).content
    html = html.decode()
    assert "Riga" in html and key.fingerprint in html
    assert "42" in html and "The inbox answered HTTP 503." in html
    assert "pending, 3 failed attempts" in html


@pytest.mark.django_db
def test_add_form_adds_and_explains_errors(remote, people, federation_key):
    superuser = client_for(people["superuser"])
    url = reverse("cities_cms_federation:add_peer")
    # A coordinator cannot reach into the local network: no "local" box, so loopback fails.
    coordinator = client_for(people["coordinator"])
    assert "is_local" not in coordinator.get(url).content.decode()
    refused = coordinator.post(url, {"base_url": remote.base_url, "is_local": "on"})
    assert refused.status_code == 200
    assert "private or local network address" in refused.content.decode()
    assert not Peer.objects.exists()

    remote.serve(
        DESCRIPTOR, descriptor_envelope(remote.identity, remote.base_url, signer=other_identity())
    )
    bad = superuser.post(url, {"base_url": remote.base_url, "is_local": "on"})
    assert "signature does not match" in bad.content.decode()
    remote.serve(DESCRIPTOR, b"<html></html>", headers={"Content-Type": "text/html"})
    bad = superuser.post(url, {"base_url": remote.base_url, "is_local": "on"})
    assert "does not answer as a cities_cms site" in bad.content.decode()

    remote.serve(DESCRIPTOR, descriptor_envelope(remote.identity, remote.base_url))
    added = superuser.post(url, {"base_url": remote.base_url, "is_local": "on"})
    peer = Peer.objects.get()
    assert added.status_code == 302
    assert added["Location"] == reverse("cities_cms_federation:peer", args=[peer.pk])
    detail = superuser.get(added["Location"]).content.decode()
    assert remote.identity.fingerprint in detail
    assert "Approve and pin this key" in detail


@pytest.mark.django_db
def test_detail_actions_are_csrf_protected_posts(people, federation_key):
    key = other_identity()
    peer = Peer.objects.create(base_url="https://riga.example", offered_public_key=key.public_key)
    user = people["coordinator"]
    action = reverse("cities_cms_federation:peer_action", args=[peer.pk, "approve"])
    assert client_for(user).get(action).status_code == 405
    csrf_client = client_for(user, enforce_csrf_checks=True)
    assert csrf_client.post(action).status_code == 403
    assert Peer.objects.get(pk=peer.pk).status == PeerStatus.PENDING
    assert (
        client_for(user)
        .post(reverse("cities_cms_federation:peer_action", args=[peer.pk, "nope"]))
        .status_code
        == 404
    )

    response = client_for(user).post(action)
    assert response.status_code == 302
    peer.refresh_from_db()
    assert peer.status == PeerStatus.APPROVED and peer.public_key == key.public_key
    assert peer.approved_by == user


@pytest.mark.django_db
def test_sync_now_enqueues_a_sync(people, federation_key):
    peer = Peer.objects.create(
        base_url="https://riga.example",
        status=PeerStatus.APPROVED,
        public_key=other_identity().public_key,
    )
    from django_tasks_db.models import DBTaskResult

    response = client_for(people["coordinator"]).post(
        reverse("cities_cms_federation:peer_action", args=[peer.pk, "sync"])
    )
    assert response.status_code == 302  # at once: the worker pulls
    [row] = DBTaskResult.objects.ready()
    assert row.task_name == "sync_peer_task" and row.task_result.args == [peer.pk]


@pytest.mark.django_db
def test_events_are_paginated(people, federation_key):
    peer = Peer.objects.create(base_url="https://riga.example", name="Riga")
    for number in range(30):
        PeerEvent.objects.create(
            peer=peer, level="error", code="bad-signature", message=f"event #{number:02d}"
        )
    client = client_for(people["coordinator"])
    url = reverse("cities_cms_federation:peer", args=[peer.pk])
    first = client.get(url).content.decode()
    assert "event #29" in first and "event #04" not in first
    second = client.get(url, {"p": 2}).content.decode()
    assert "event #04" in second and "event #29" not in second
    assert client.get(url, {"p": "x"}).status_code == 200


@pytest.mark.django_db
def test_remove_confirms_and_keeps_copies(people, federation_key):
    peer = Peer.objects.create(base_url="https://riga.example", name="Riga")
    FederatedCopy.objects.create(
        global_id=uuid.uuid4(),
        peer=peer,
        origin_url=peer.base_url,
        origin_key_fingerprint="x",
        origin_city="Riga",
        version=1,
    )
    client = client_for(people["coordinator"])
    url = reverse("cities_cms_federation:remove_peer", args=[peer.pk])
    confirm = client.get(url).content.decode()
    # Practice models and seminars alike: what was received, whatever its kind.
    assert "The 1 item received from it stays on this site, with its attribution" in confirm
    response = client.post(url, follow=True)
    assert not Peer.objects.exists()
    assert FederatedCopy.objects.get().origin_city == "Riga"
    assert (
        "Riga was removed. The 1 item received from it stays on this site, with its attribution"
        in response.content.decode()
    )


@pytest.mark.django_db
def test_only_a_superuser_trusts_a_member_list(people, federation_key):
    peer = Peer.objects.create(
        base_url="https://hub.example",
        status=PeerStatus.APPROVED,
        public_key=other_identity().public_key,
    )
    url = reverse("cities_cms_federation:peer_action", args=[peer.pk, "trust"])
    assert (
        client_for(people["coordinator"]).post(url, {"publishes_member_list": "on"}).status_code
        == 403
    )
    assert not Peer.objects.get(pk=peer.pk).publishes_member_list
    detail = reverse("cities_cms_federation:peer", args=[peer.pk])
    assert (
        "Trust its member list"
        not in client_for(people["coordinator"]).get(detail).content.decode()
    )
    assert "Trust its member list" in client_for(people["superuser"]).get(detail).content.decode()
    client_for(people["superuser"]).post(url, {"publishes_member_list": "on"})
    assert Peer.objects.get(pk=peer.pk).publishes_member_list


def test_fingerprint_groups():
    assert format_fingerprint("0123456789abcdef") == "0123 4567 89ab cdef"


@pytest.mark.django_db
def test_detail_shows_the_relay_feed_a_member_list_announced(people, federation_key):
    peer = Peer.objects.create(
        base_url="https://hub.example",
        status=PeerStatus.APPROVED,
        public_key=other_identity().public_key,
        publishes_member_list=True,
        relay_url="https://hub.example/federation/relay/",
    )
    detail = reverse("cities_cms_federation:peer", args=[peer.pk])
    html = client_for(people["coordinator"]).get(detail).content.decode()
    assert "<dt>Relay feed</dt>" in html
    assert "https://hub.example/federation/relay/" in html
    # The model's label, translated like the rest of the screen.
    profile = UserProfile.get_for_user(people["coordinator"])
    profile.preferred_language = "lv"
    profile.save()
    html = client_for(people["coordinator"]).get(detail).content.decode()
    assert "<dt>Pārraides plūsma</dt>" in html
    peer.relay_url = ""
    peer.save(update_fields=["relay_url"])
    html = client_for(people["coordinator"]).get(detail).content.decode()
    assert "Relay feed" not in html and "Pārraides plūsma" not in html
