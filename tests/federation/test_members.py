"""Member lists: a coordinator serves a signed list; an instance that trusts it follows it."""

import pytest
from django.test import override_settings

from cities_cms.federation import members
from cities_cms.federation.identity import current_identity
from cities_cms.federation.models import Peer, PeerEvent, PeerStatus
from cities_cms.federation.signing import sign_document, verify_envelope

from .loopback import LoopbackPeer, other_identity

MEMBERS = "/federation/members/"

pytestmark = pytest.mark.django_db


def test_coordinator_serves_a_signed_list_of_its_approved_peers(client, federation_key):
    riga, pending = other_identity(), other_identity()
    Peer.objects.create(
        base_url="https://riga.example",
        name="Riga",
        city_name="Riga",
        status=PeerStatus.APPROVED,
        public_key=riga.public_key,
    )
    Peer.objects.create(base_url="https://pending.example", offered_public_key=pending.public_key)
    assert client.get(MEMBERS).status_code == 404  # not a coordinator
    with override_settings(CITIES_CMS_FEDERATION_PUBLISH_MEMBER_LIST=True):
        response = client.get(MEMBERS)
        assert client.post(MEMBERS).status_code == 405
    assert response.status_code == 200
    own = current_identity()
    document = verify_envelope(response.json(), own.public_key)
    assert document["type"] == "member-list" and document["protocol"] == "cities-cms/1"
    listed = {m["base_url"]: m for m in document["members"]}
    assert set(listed) == {members.own_base_url(), "https://riga.example"}
    assert listed["https://riga.example"]["public_key"] == riga.public_key
    assert listed["https://riga.example"]["key_id"] == riga.key_id
    assert listed[members.own_base_url()]["key_id"] == own.key_id


@pytest.fixture
def hub():
    with LoopbackPeer() as server:
        server.identity = other_identity()
        server.peer = Peer.objects.create(
            base_url=server.base_url,
            name="Hub",
            status=PeerStatus.APPROVED,
            public_key=server.identity.public_key,
            offered_public_key=server.identity.public_key,
            publishes_member_list=True,
            is_local=True,
        )

        def publish(entries, version, signer=None):
            document = {
                "protocol": "cities-cms/1",
                "type": "member-list",
                "version": version,
                "issued_at": "2026-11-24T08:00:00Z",
                "members": [
                    {
                        "base_url": url,
                        "key_id": key.key_id,
                        "public_key": key.public_key,
                        "name": url,
                        "city": {"name": url.split("//")[1].split(".")[0].title()},
                    }
                    for url, key in entries
                ],
            }
            server.serve(MEMBERS, sign_document(document, signer or server.identity))

        server.publish = publish
        yield server


def test_trusted_list_approves_members_and_pauses_leavers(hub, federation_key):
    riga, tartu = other_identity(), other_identity()
    own = current_identity()
    hub.publish(
        [
            ("https://riga.example", riga),
            ("https://tartu.example", tartu),
            (hub.base_url, hub.identity),
            ("https://me.example", own),
        ],
        version=10,
    )
    counts = members.sync_member_list(hub.peer)
    assert counts["approved"] == 2
    riga_peer = Peer.objects.get(base_url="https://riga.example")
    assert riga_peer.status == PeerStatus.APPROVED
    assert riga_peer.public_key == riga.public_key
    assert riga_peer.approved_via == hub.peer
    assert riga_peer.city_name == "Riga" and riga_peer.is_local
    assert not Peer.objects.filter(base_url="https://me.example").exists()  # itself
    assert Peer.objects.count() == 3

    # Same version again: nothing changes.
    assert members.sync_member_list(hub.peer) == {
        "approved": 0,
        "rekeyed": 0,
        "paused": 0,
        "unchanged": 0,
    }
    # Tartu leaves; Riga's key changes (the coordinator vouches for it).
    riga2 = other_identity()
    hub.publish([("https://riga.example", riga2)], version=11)
    counts = members.sync_member_list(hub.peer)
    assert counts["paused"] == 1 and counts["rekeyed"] == 1
    assert Peer.objects.get(base_url="https://tartu.example").status == PeerStatus.PAUSED
    assert Peer.objects.get(base_url="https://riga.example").public_key == riga2.public_key
    # Tartu comes back in a later list.
    hub.publish([("https://riga.example", riga2), ("https://tartu.example", tartu)], version=12)
    members.sync_member_list(hub.peer)
    assert Peer.objects.get(base_url="https://tartu.example").status == PeerStatus.APPROVED


def test_an_unchanged_list_in_a_new_version_costs_a_few_queries_and_logs_nothing(
    hub, federation_key, django_assert_max_num_queries
):
    """A coordinator issues a new version on every request, so each periodic pull of a
    network applies the same list again: a constant number of queries (not one or more per
    member), and no "applied" event in the coordinator's log every few minutes."""
    listed = [(f"https://city{n}.example", other_identity()) for n in range(20)]
    hub.publish(listed, version=1)
    assert members.sync_member_list(hub.peer)["approved"] == 20
    events = PeerEvent.objects.filter(peer=hub.peer).count()
    hub.publish(listed, version=2)
    with django_assert_max_num_queries(8):  # one per member before: 27 for these 20
        counts = members.sync_member_list(Peer.objects.get(pk=hub.peer.pk))
    assert counts == {"approved": 0, "rekeyed": 0, "paused": 0, "unchanged": 20}
    assert PeerEvent.objects.filter(peer=hub.peer).count() == events
    assert Peer.objects.get(pk=hub.peer.pk).member_list_version == 2


def test_old_list_cannot_bring_back_a_member_that_left(hub, federation_key):
    riga = other_identity()
    hub.publish([("https://riga.example", riga)], version=5)
    members.sync_member_list(hub.peer)
    hub.publish([], version=6)
    members.sync_member_list(hub.peer)
    hub.publish([("https://riga.example", riga)], version=5)  # replayed
    assert members.sync_member_list(Peer.objects.get(pk=hub.peer.pk)) is None
    assert Peer.objects.get(base_url="https://riga.example").status == PeerStatus.PAUSED
    assert PeerEvent.objects.filter(peer=hub.peer, code="old-version").exists()


def test_list_signed_by_another_key_is_refused(hub, federation_key):
    hub.publish([("https://riga.example", other_identity())], version=3, signer=other_identity())
    assert members.sync_member_list(hub.peer) is None
    assert not Peer.objects.filter(base_url="https://riga.example").exists()
    event = PeerEvent.objects.get(peer=hub.peer, code="wrong-key")
    assert event.level == PeerEvent.Level.ERROR
    assert Peer.objects.get(pk=hub.peer.pk).member_list_version == 0


def test_invalid_entries_refuse_the_whole_list(hub, federation_key):
    riga = other_identity()
    document = {
        "protocol": "cities-cms/1",
        "type": "member-list",
        "version": 4,
        "members": [
            {
                "base_url": "https://riga.example",
                "key_id": riga.key_id,
                "public_key": riga.public_key,
            },
            {
                "base_url": "https://x.example",
                "key_id": "0" * 64,
                "public_key": other_identity().public_key,
            },
        ],
    }
    hub.serve(MEMBERS, sign_document(document, hub.identity))
    assert members.sync_member_list(hub.peer) is None
    assert not Peer.objects.filter(base_url="https://riga.example").exists()
    assert PeerEvent.objects.filter(peer=hub.peer, code="invalid").exists()


def test_peers_approved_by_hand_are_not_changed_by_a_list(hub, federation_key):
    mine = other_identity()
    by_hand = Peer.objects.create(
        base_url="https://riga.example", status=PeerStatus.APPROVED, public_key=mine.public_key
    )
    hub.publish([("https://riga.example", other_identity())], version=2)
    members.sync_member_list(hub.peer)
    by_hand.refresh_from_db()
    assert by_hand.public_key == mine.public_key and by_hand.approved_via is None
    assert PeerEvent.objects.filter(peer=by_hand, code="member-list-key").exists()
    hub.publish([], version=3)
    members.sync_member_list(hub.peer)
    assert Peer.objects.get(pk=by_hand.pk).status == PeerStatus.APPROVED


def test_untrusted_or_paused_coordinator_is_not_followed(hub, federation_key):
    hub.publish([("https://riga.example", other_identity())], version=2)
    hub.peer.publishes_member_list = False
    hub.peer.save()
    assert members.sync_member_lists() == {}
    assert hub.requests == []
    assert not Peer.objects.filter(base_url="https://riga.example").exists()


def test_relay_through_the_hub_is_accepted_only_with_the_members_key(
    hub, site_tree, federation_key
):
    """Issue item 6: a document signed by A and served by the hub is accepted when A is a
    trusted member (approved through the hub's list), refused when the signature is not A's."""
    from cities_cms.federation.models import FederatedCopy
    from cities_cms.federation.sync import import_envelope

    from .factories import RemoteSite

    a = RemoteSite("https://riga.example", city=("Riga", "LV"))
    hub.publish([("https://riga.example", a.identity)], version=1)
    members.sync_member_list(hub.peer)

    document = a.document(titles={"en": "Night buses"})
    outcome = import_envelope(hub.peer, a.envelope(document))
    assert outcome.status == "imported", (outcome.code, outcome.message)
    copy = FederatedCopy.objects.get(global_id=document["id"])
    assert copy.peer == hub.peer and copy.origin_url == "https://riga.example"
    assert copy.origin_city == "Riga"

    forged = a.document(titles={"en": "Forged"})
    refused = import_envelope(hub.peer, a.envelope(forged, signer=hub.identity))
    assert refused.refused and refused.code in ("wrong-key", "bad-signature", "unknown-author")
    tampered = a.envelope(a.document(titles={"en": "Tampered"}))
    tampered["document"]["locales"]["en"]["title"] = "Changed on the way"
    refused = import_envelope(hub.peer, tampered)
    assert refused.refused and refused.code == "bad-signature"
    assert not FederatedCopy.objects.filter(
        global_id__in=[forged["id"], tampered["document"]["id"]]
    ).exists()
    assert PeerEvent.objects.filter(peer=hub.peer, level=PeerEvent.Level.ERROR).count() == 2

    # A leaves the network: what the hub relays from it is no longer accepted.
    hub.publish([], version=2)
    members.sync_member_list(hub.peer)
    later = import_envelope(hub.peer, a.envelope(a.document(titles={"en": "After leaving"})))
    assert later.refused
