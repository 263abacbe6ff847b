"""The outbound feed and the descriptor over HTTP (Django's test client)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from cities_cms.federation import identity, records
from cities_cms.federation.models import OutboundRecord
from cities_cms.federation.signing import canonical_json, verify_envelope

from ..utils import make_practice_model, make_shared_practice_model

pytestmark = pytest.mark.usefixtures("federation_key")

FEED = "/federation/feed/"
DESCRIPTOR = "/.well-known/cities-cms.json"


def get_json(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response["Content-Type"].startswith("application/json")
    return response, json.loads(response.content)


def fake_records(count, start=1):
    """Signed records without pages, for volume tests of the feed alone."""
    from cities_cms.federation.signing import sign_document

    created = []
    for i in range(start, start + count):
        document = {
            "protocol": "cities-cms/1",
            "type": "tombstone",
            "id": f"{i:032x}",
            "version": 1,
            "reason": "deleted",
            "origin": {},
            "updated_at": "",
        }
        created.append(
            OutboundRecord(
                global_id=f"{i:032x}",
                version=1,
                sequence=i,
                deleted=True,
                envelope=sign_document(document),
                content_hash=str(i),
            )
        )
    OutboundRecord.objects.bulk_create(created)


def test_feed_serves_shared_practice_models_only(site_tree, client):
    shared = make_shared_practice_model(site_tree.practices, title="Shared one")
    make_practice_model(site_tree.practices, title="Not shared")
    make_practice_model(site_tree.practices, title="Draft", shared=True, live=False)
    response, body = get_json(client, FEED)
    assert response.status_code == 200
    assert body["protocol"] == "cities-cms/1"
    assert body["more"] is False
    assert [item["document"]["id"] for item in body["items"]] == [str(shared.translation_key)]
    record = OutboundRecord.objects.get()
    assert body["next"] == str(record.sequence)
    # Served exactly as stored: the signature verifies.
    key = identity.current_identity().public_key
    document = verify_envelope(body["items"][0], key)
    assert document["locales"]["en"]["title"] == "Shared one"
    assert "Not shared" not in response.content.decode()
    assert "Draft" not in response.content.decode()


def test_cursor_and_pagination(db, client):
    fake_records(7)
    _response, first = get_json(client, FEED + "?limit=3")
    assert [i["document"]["version"] for i in first["items"]] == [1, 1, 1]
    assert first["next"] == "3" and first["more"] is True
    _response, second = get_json(client, FEED + f"?after={first['next']}&limit=3")
    assert second["next"] == "6" and second["more"] is True
    _response, third = get_json(client, FEED + f"?after={second['next']}&limit=3")
    assert third["next"] == "7" and third["more"] is False
    assert len(third["items"]) == 1
    _response, empty = get_json(client, FEED + "?after=7")
    assert empty["items"] == [] and empty["next"] == "7" and empty["more"] is False
    ids = [i["document"]["id"] for page in (first, second, third) for i in page["items"]]
    assert len(set(ids)) == 7


def test_a_changed_record_moves_to_the_end_of_the_feed(site_tree, client):
    first = make_shared_practice_model(site_tree.practices)
    second = make_shared_practice_model(site_tree.practices)
    _response, body = get_json(client, FEED)
    cursor = body["next"]
    first.shared = False
    first.save_revision().publish()
    _response, body = get_json(client, FEED + f"?after={cursor}")
    assert [(i["document"]["id"], i["document"]["type"]) for i in body["items"]] == [
        (str(first.translation_key), "tombstone")
    ]
    _response, body = get_json(client, FEED)
    assert [i["document"]["id"] for i in body["items"]] == [
        str(second.translation_key),
        str(first.translation_key),
    ]


@pytest.mark.parametrize(
    "query",
    [
        "after=abc",
        "after=-1",
        "after=1.5",
        "after=99999999999999999999999",
        "after=%00",
        "after=١٢",
        "limit=0",
        "limit=501",
        "limit=x",
        "limit=-5",
        "after=9223372036854775808",
    ],
)
def test_bad_cursor_or_limit_is_a_400_with_a_json_error(db, client, query):
    fake_records(2)
    response, body = get_json(client, FEED + "?" + query)
    assert response.status_code == 400
    assert body["error"]["code"] in {"bad-after", "bad-limit"}
    assert body["error"]["message"]


def test_largest_valid_cursor_is_accepted(db, client):
    response, body = get_json(client, FEED + "?after=9223372036854775807")
    assert response.status_code == 200 and body["items"] == []


def test_etag_and_304(db, client):
    fake_records(3)
    response = client.get(FEED)
    etag = response["ETag"]
    assert etag.startswith('"') and response.status_code == 200
    again = client.get(FEED, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    # Something changes: the same request gets a new answer.
    fake_records(1, start=4)
    changed = client.get(FEED, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    # Another cursor has its own ETag.
    assert client.get(FEED + "?after=2")["ETag"] != changed["ETag"]


def test_feed_is_one_query_and_fast_for_a_thousand_records(db, client):
    import time

    fake_records(1000)
    # The middleware finds the request's Site once per content generation (content_cache.
    # find_site); that lookup is not the feed's.
    client.get(FEED + "?limit=1")
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response, body = get_json(client, FEED + "?limit=500")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200 and len(body["items"]) == 500 and body["more"]
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert elapsed < 2.0
    with CaptureQueriesContext(connection) as queries:
        client.get(FEED + f"?after={body['next']}&limit=500")
    assert len(queries) == 1


def test_feed_accepts_only_get_and_head(db, client):
    assert client.post(FEED).status_code == 405
    assert client.head(FEED).status_code == 200


def test_descriptor_is_signed_by_the_key_it_announces(db, client):
    response, envelope = get_json(client, DESCRIPTOR)
    assert response.status_code == 200
    document = envelope["document"]
    current = identity.current_identity()
    assert document["public_key"] == current.public_key
    assert document["key_id"] == current.key_id
    assert verify_envelope(envelope, document["public_key"]) == document
    assert document["protocol"] == "cities-cms/1" and document["type"] == "descriptor"
    assert document["base_url"] == "http://localhost"
    assert document["feed_url"] == "http://localhost/federation/feed/"
    assert document["inbox_url"] == "http://localhost/federation/inbox/"
    assert document["member_list_url"] is None
    assert document["previous_keys"] == []
    assert document["max_document_bytes"] == 1024 * 1024
    assert "en" in document["languages"]
    assert "public" in response["Cache-Control"]
    assert client.get(DESCRIPTOR, headers={"If-None-Match": response["ETag"]}).status_code == 304
    # A tampered descriptor does not verify.
    envelope["document"]["base_url"] = "https://evil.example"
    from cities_cms.federation.schema import ProtocolError

    with pytest.raises(ProtocolError):
        verify_envelope(envelope, document["public_key"])


@override_settings(
    CITIES_CMS_FEDERATION_BASE_URL="https://poznan.example/",
    CITIES_CMS_FEDERATION_NAME="Cities of change – Poznań",
    CITIES_CMS_FEDERATION_CITY={"name": "Poznań", "country": "PL"},
    CITIES_CMS_FEDERATION_PUBLISH_MEMBER_LIST=True,
)
def test_descriptor_uses_the_configured_identity(db, client):
    _response, envelope = get_json(client, DESCRIPTOR)
    document = envelope["document"]
    assert document["base_url"] == "https://poznan.example"
    assert document["name"] == "Cities of change – Poznań"
    assert document["city"] == {"name": "Poznań", "country": "PL"}
    assert document["member_list_url"] == "https://poznan.example/federation/members/"


def test_descriptor_without_a_key_is_a_clear_503(db, client, tmp_path):
    with override_settings(CITIES_CMS_FEDERATION_KEY_FILE=str(tmp_path / "missing.pem")):
        identity._cache.clear()
        response, body = get_json(client, DESCRIPTOR)
    assert response.status_code == 503
    assert body["error"]["code"] == "no-key"


def test_feed_items_are_canonical_json_that_verifies(site_tree, client):
    make_shared_practice_model(site_tree.practices, challenge="<p>Zaļie jumti – ąę</p>")
    _response, body = get_json(client, FEED)
    envelope = body["items"][0]
    key = identity.current_identity().public_key
    verify_envelope(envelope, key)
    assert canonical_json(envelope["document"])  # canonicalisable as received
    records.refresh(envelope["document"]["id"])  # unchanged: same envelope served
    _response, again = get_json(client, FEED)
    assert again["items"][0] == envelope
