"""A relaying hub (docs/federation.md §7), over real HTTP on 127.0.0.1.

The hub's side: this instance relays (``CITIES_CMS_FEDERATION_RELAY``) and pulls its members
from loopback servers; its relay feed serves what each member sent it, unchanged, beside its
own records, with the feed's cursor, ETag and 304 rules, and nothing it did not get from the
author itself. The client's side: this instance trusts a hub's member list, pulls the hub's
relay feed (a loopback server) instead of each member, and falls back to direct pulls when
the hub does not answer.
"""

import json
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import caches
from django.test import override_settings

from cities_cms.federation import members
from cities_cms.federation.identity import current_identity
from cities_cms.federation.models import (
    FederatedCopy,
    OutboundRecord,
    Peer,
    PeerEvent,
    PeerStatus,
    RelayRecord,
)
from cities_cms.federation.outbound import base_url as own_base_url
from cities_cms.federation.records import next_sequence
from cities_cms.federation.signing import canonical_json, sign_document, verify_envelope
from cities_cms.federation.sync import due_peers, sync_peer

from ..utils import translate
from .factories import FeedServer, RemoteSite

pytestmark = pytest.mark.django_db

RELAY = "/federation/relay/"
relaying = override_settings(CITIES_CMS_FEDERATION_RELAY=True)


@pytest.fixture
def tree(site_tree):
    translate(site_tree.practices, "lv")
    return site_tree


@pytest.fixture
def member(federation_key):
    """A member of this hub: an approved peer whose feed a loopback server serves."""
    with FeedServer() as server:
        site = RemoteSite(server.base_url, city=("Riga", "LV"))
        site.server = server
        site.peer = site.approve_here()
        yield site


def own_record():
    """A document of this instance in its own feed (what a shared page would put there)."""
    identity = current_identity()
    document = {
        "protocol": "cities-cms/1",
        "type": "tombstone",
        "id": str(uuid.uuid4()),
        "version": 1,
        "origin": {"base_url": own_base_url(), "key_id": identity.key_id, "city": None},
        "reason": "unshared",
        "updated_at": "2026-12-04T08:00:00Z",
    }
    return OutboundRecord.objects.create(
        global_id=document["id"],
        version=1,
        sequence=next_sequence(),
        deleted=True,
        envelope=sign_document(document, identity),
    )


def relay_page(client, after=0, **headers):
    response = client.get(RELAY, {"after": after}, headers=headers)
    return response, (response.json() if response.status_code == 200 else None)


# --- The hub --------------------------------------------------------------------------------


def test_relay_feed_is_off_unless_the_hub_relays(client, federation_key):
    assert client.get(RELAY).status_code == 404
    document = client.get("/.well-known/cities-cms.json").json()["document"]
    assert document["relay_url"] is None
    caches["default"].clear()  # the descriptor is a public, cacheable answer
    with relaying, override_settings(CITIES_CMS_FEDERATION_PUBLISH_MEMBER_LIST=True):
        assert client.get(RELAY).status_code == 200
        descriptor = client.get("/.well-known/cities-cms.json").json()["document"]
        listed = client.get("/federation/members/").json()["document"]
    assert descriptor["relay_url"] == own_base_url() + RELAY
    assert listed["relay_url"] == own_base_url() + RELAY


@relaying
def test_the_hub_relays_what_members_sent_it_unchanged_with_the_feeds_rules(
    client, member, tree, django_capture_on_commit_callbacks
):
    own = own_record()
    sent = [
        member.envelope(member.document(titles={"en": f"Model {n}", "lv": f"Modelis {n}"}))
        for n in range(3)
    ]
    member.server.items.extend(sent)
    listener = Peer.objects.create(
        base_url="https://listener.example", status=PeerStatus.APPROVED, public_key="x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = sync_peer(member.peer)
    assert (result.imported, len(result.relayed)) == (3, 3)
    # The hub's peers are told the relay changed (push, §6).
    listener.refresh_from_db()
    assert listener.push_pending

    response, page = relay_page(client)
    assert response.status_code == 200 and page["more"] is False
    # The hub's own record first (older sequence), then the members' envelopes as signed.
    assert [item["document"]["id"] for item in page["items"]] == [str(own.global_id)] + [
        envelope["document"]["id"] for envelope in sent
    ]
    for served, original in zip(page["items"][1:], sent, strict=True):
        assert canonical_json(served) == canonical_json(original)
        verify_envelope(served, member.identity.public_key)
    # The plain feed still carries only the hub's own records.
    assert [i["document"]["id"] for i in client.get("/federation/feed/").json()["items"]] == [
        str(own.global_id)
    ]
    # Same cursor, nothing changed: 304; after the last sequence: an empty page.
    again, _page = relay_page(client, If_None_Match=response["ETag"])
    assert again.status_code == 304
    empty, body = relay_page(client, after=page["next"])
    assert body["items"] == [] and body["next"] == page["next"]
    assert client.get(RELAY, {"after": "-1"}).status_code == 400
    assert client.post(RELAY).status_code == 405

    # The member withdraws one: its tombstone replaces the document at a new sequence.
    gone = sent[0]["document"]["id"]
    member.server.items.append(member.envelope(member.tombstone(gone, 2)))
    sync_peer(member.peer)
    changed, body = relay_page(client, after=page["next"], If_None_Match=empty["ETag"])
    assert changed.status_code == 200
    assert [(i["document"]["type"], i["document"]["id"]) for i in body["items"]] == [
        ("tombstone", gone)
    ]
    assert RelayRecord.objects.get(global_id=gone).deleted
    # A member the hub no longer approves is not relayed.
    Peer.objects.filter(pk=member.peer.pk).update(status=PeerStatus.PAUSED)
    _response, page = relay_page(client)
    assert [i["document"]["id"] for i in page["items"]] == [str(own.global_id)]


@relaying
def test_the_hub_relays_only_what_the_author_itself_sent(member, tree, federation_key):
    """Not what another relay served, not an older version, not another author's id, not the
    hub's own id."""
    other = RemoteSite("https://tallinn.example", city=("Tallinn", "EE"))
    other.approve_here()
    by_other = other.envelope(other.document(titles={"en": "Relayed to us"}))
    first = member.document(titles={"en": "First"}, version=3)
    member.server.items.append(member.envelope(first))
    sync_peer(member.peer)
    own = own_record()
    stolen = member.document(titles={"en": "Stolen id"}, global_id=own.global_id)
    claims = member.document(
        titles={"en": "Claims another's"}, global_id=by_other["document"]["id"]
    )
    member.server.items.extend(
        [
            by_other,  # served by the member, written by another: imported, never relayed
            member.envelope({**first, "version": 2}),  # older than the one relayed
            member.envelope(stolen),
            member.envelope(claims),
        ]
    )
    result = sync_peer(member.peer)
    assert result.relayed == []
    assert FederatedCopy.objects.filter(global_id=by_other["document"]["id"]).exists()
    assert list(RelayRecord.objects.values_list("global_id", "version")) == [
        (uuid.UUID(first["id"]), 3)
    ]


@relaying
def test_a_hub_relays_a_detached_copys_later_versions_as_the_author_signed_them(
    client, member, tree
):
    document = member.document(titles={"en": "Kept by its author"})
    member.server.items.append(member.envelope(document))
    sync_peer(member.peer)
    FederatedCopy.objects.filter(global_id=document["id"]).update(detached=True)
    newer = member.envelope({**document, "version": 2})
    member.server.items.append(newer)
    sync_peer(member.peer)
    _response, page = relay_page(client)
    assert [canonical_json(item) for item in page["items"]] == [canonical_json(newer)]


# --- A client of the hub -------------------------------------------------------------------


def relay_route(server):
    """The hub's relay feed: ``server.items`` with the feed's cursor and ETag rules."""

    def route(handler):
        return server.feed(handler, parse_qs(urlsplit(handler.path).query))

    return route


@pytest.fixture
def hub(federation_key):
    """A relaying coordinator on loopback whose member list this instance trusts: members
    ``riga`` and ``tartu`` (their own addresses are never asked)."""
    with FeedServer() as server:
        site = RemoteSite(server.base_url, city=("Hub", "BE"))
        site.server = server
        site.peer = site.approve_here(publishes_member_list=True)
        site.riga = RemoteSite("http://127.0.0.1:9/riga", city=("Riga", "LV"))
        site.tartu = RemoteSite("http://127.0.0.1:9/tartu", city=("Tartu", "EE"))

        def publish(version, *, relay_url=server.base_url + RELAY, listed=None):
            entries = [site] + (listed if listed is not None else [site.riga, site.tartu])
            document = {
                "protocol": "cities-cms/1",
                "type": "member-list",
                "version": version,
                "issued_at": "2026-12-04T08:00:00Z",
                "members": [
                    {
                        "base_url": entry.base_url,
                        "key_id": entry.identity.key_id,
                        "public_key": entry.identity.public_key,
                        "name": entry.city["name"],
                        "city": entry.city,
                    }
                    for entry in entries
                ],
                "relay_url": relay_url,
            }
            body = json.dumps(sign_document(document, site.identity)).encode()
            server.routes["/federation/members/"] = (200, body, {})

        site.publish = publish
        server.routes[RELAY] = relay_route(server)
        publish(1)
        members.sync_member_list(site.peer)
        site.peer.refresh_from_db()
        yield site


def requests_to(server, path):
    return [p for _m, p, _h in server.requests if urlsplit(p).path == path]


def test_members_are_pulled_through_the_hubs_relay_feed(hub, tree):
    assert hub.peer.relay_url == hub.base_url + RELAY
    assert PeerEvent.objects.filter(peer=hub.peer, code="relay").exists()
    riga = Peer.objects.get(base_url=hub.riga.base_url)
    assert riga.status == PeerStatus.APPROVED and riga.approved_via == hub.peer
    # The periodic pull leaves the relayed members out.
    assert list(due_peers()) == [hub.peer]

    documents = [
        hub.riga.document(titles={"en": "Night buses"}),
        hub.tartu.document(titles={"en": "Student housing"}),
        hub.document(titles={"en": "The hub's own"}),
    ]
    hub.server.items.extend(
        [
            hub.riga.envelope(documents[0]),
            hub.tartu.envelope(documents[1]),
            hub.envelope(documents[2]),
        ]
    )
    result = sync_peer(hub.peer)
    assert (result.received, result.imported, result.refused) == (3, 3, 0), result.codes
    copies = {str(c.global_id): c for c in FederatedCopy.objects.all()}
    assert copies[documents[0]["id"]].origin_url == hub.riga.base_url
    assert copies[documents[0]["id"]].peer == hub.peer
    assert copies[documents[1]["id"]].origin_city == "Tartu"
    assert requests_to(hub.server, "/federation/feed/") == []
    riga.refresh_from_db()
    assert riga.last_success_at is not None

    # Nothing changed: one request to the hub, answered 304, whatever the number of members.
    hub.server.requests.clear()
    again = sync_peer(hub.peer)
    assert again.not_modified and again.requests == 1
    assert len(hub.server.requests) == 1


def test_own_documents_relayed_back_are_skipped_silently(hub, tree):
    from .factories import RemoteSite as Site

    me = Site(own_base_url(), identity=current_identity())
    hub.server.items.append(me.envelope(me.document(titles={"en": "Mine"})))
    result = sync_peer(hub.peer)
    assert (result.own, result.refused) == (1, 0)
    assert not PeerEvent.objects.filter(peer=hub.peer, level=PeerEvent.Level.ERROR).exists()


def test_a_direct_pull_is_the_fallback(hub, tree):
    riga, tartu = (Peer.objects.get(base_url=site.base_url) for site in (hub.riga, hub.tartu))
    # The hub does not answer: its members are due again for direct pulls.
    hub.server.routes[RELAY] = (500, b"down", {})
    assert sync_peer(hub.peer).failed
    assert set(due_peers()) == {riga, tartu}  # (the hub itself waits for its back-off)
    # The hub answers again: they are left to it.
    hub.server.routes[RELAY] = relay_route(hub.server)
    assert not sync_peer(hub.peer).failed
    assert set(due_peers()) == {hub.peer}
    # "Sync now" on a relayed member pulls it directly, at its own address.
    direct = sync_peer(riga)
    assert direct.failed and "/riga/federation/feed/" in direct.error


def test_a_list_without_relay_goes_back_to_direct_pulls(hub, tree):
    hub.publish(2, relay_url=None)
    members.sync_member_list(hub.peer)
    hub.peer.refresh_from_db()
    assert hub.peer.relay_url == ""
    assert Peer.objects.get(base_url=hub.riga.base_url) in set(due_peers())
    hub.server.requests.clear()
    sync_peer(hub.peer)
    assert requests_to(hub.server, RELAY) == [] and requests_to(hub.server, "/federation/feed/")


def test_a_relay_feed_on_another_address_refuses_the_list(hub, tree):
    hub.publish(2, relay_url="https://elsewhere.example/federation/relay/")
    assert members.sync_member_list(hub.peer) is None
    hub.peer.refresh_from_db()
    assert hub.peer.relay_url == hub.base_url + RELAY and hub.peer.member_list_version == 1
    assert PeerEvent.objects.filter(peer=hub.peer, code="invalid").exists()


def test_the_etag_of_the_relay_is_not_the_feeds(client, federation_key):
    with relaying:
        relay = client.get(RELAY)
    plain = client.get("/federation/feed/")
    assert relay["ETag"] != plain["ETag"]
    assert len(relay["ETag"]) == len(plain["ETag"]) == 34


def test_starting_to_use_a_relay_reads_it_from_the_beginning(hub, tree):
    hub.publish(2, relay_url=None)
    members.sync_member_list(hub.peer)
    Peer.objects.filter(pk=hub.peer.pk).update(cursor="7", etag='7 "abc"')
    hub.publish(3)  # relaying again
    members.sync_member_list(hub.peer)
    hub.peer.refresh_from_db()
    assert (hub.peer.relay_url, hub.peer.cursor, hub.peer.etag) == (hub.base_url + RELAY, "", "")
    # The same relay named again changes nothing.
    Peer.objects.filter(pk=hub.peer.pk).update(cursor="9")
    hub.publish(4)
    members.sync_member_list(hub.peer)
    hub.peer.refresh_from_db()
    assert hub.peer.cursor == "9"


@relaying
def test_a_relay_page_follows_the_published_schema(client, member, tree):
    import jsonschema

    from cities_cms.federation.schema.jsonschema import SCHEMA_FILE

    own_record()
    member.server.items.append(member.envelope(member.document(titles={"en": "Checked"})))
    sync_peer(member.peer)
    page = client.get(RELAY).json()
    assert len(page["items"]) == 2
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(
        {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/RelayFeedPage"}
    )
    assert [error.message for error in validator.iter_errors(page)] == []
