"""Protocol conformance: the spec's examples against the published schema, and into a site.

These tests read only what another implementation would read: the JSON Schema file that every
instance serves at ``/federation/schema.json`` and the JSON examples of docs/federation.md.
Every example must validate against the schema (with ``jsonschema``, an independent
validator), and every example document must import into a site without a single warning.
The committed schema file and the spec's generated tables must equal what the models give.
"""

import hashlib
import io
import json
import re
import textwrap
from pathlib import Path

import jsonschema
import pytest
from django.test import Client
from PIL import Image as PILImage

from cities_cms.federation.models import PeerEvent
from cities_cms.federation.sync import import_envelope

from ..utils import translate
from .factories import FeedServer, RemoteSite, image_bytes

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "docs" / "federation.md"
SCHEMA_FILE = ROOT / "cities_cms" / "federation" / "schema" / "protocol.schema.json"
SIGNED = {
    "practice-model": "PracticeModelDocument",
    "seminar": "SeminarDocument",
    "tombstone": "Tombstone",
    "descriptor": "Descriptor",
    "key-handover": "Handover",
    "member-list": "MemberList",
    "changed": "PushNotification",
}


def examples() -> list[dict]:
    """Every ```json block of the spec (indented ones in lists too), parsed."""
    text = SPEC.read_text("utf-8")
    blocks = re.findall(r"^( *)```json\n(.*?)^\1```", text, flags=re.M | re.S)
    return [json.loads(textwrap.dedent(body)) for _indent, body in blocks]


def definition_of(example: dict) -> str:
    if set(example) == {"document", "signature"}:
        return "Envelope"
    if "items" in example:
        return "FeedPage"
    if "error" in example:
        return "ErrorAnswer"
    return SIGNED[example["type"]]


@pytest.fixture(scope="module")
def schema():
    return json.loads(SCHEMA_FILE.read_text("utf-8"))


def validator(schema, definition):
    """A validator of one definition of the published schema."""
    return jsonschema.Draft202012Validator(
        {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
    )


def test_the_spec_has_an_example_of_every_signed_object():
    kinds = {definition_of(example) for example in examples()}
    assert kinds >= {*SIGNED.values(), "Envelope", "FeedPage"}, kinds


@pytest.mark.parametrize("index", range(len(examples())))
def test_every_example_of_the_spec_follows_the_published_schema(schema, index):
    example = examples()[index]
    definition = definition_of(example)
    errors = [
        f"{'/'.join(map(str, error.path))}: {error.message}"
        for error in validator(schema, definition).iter_errors(example)
    ]
    assert errors == [], (definition, errors)
    # The root of the schema accepts every top-level object too.
    assert jsonschema.Draft202012Validator(schema).is_valid(example)


def test_the_schema_refuses_what_the_enumerations_exclude(schema):
    """The old spec's example values are not valid: the enumerations are the model's."""
    document = next(e for e in examples() if e.get("type") == "practice-model")
    check = validator(schema, "PracticeModelDocument")
    assert check.is_valid(document)
    for path, value in [
        (("fields", "status"), "running"),
        (("fields", "evidence_level"), "measured"),
        (("locales", "en", "stakeholders", 0, "kind"), "alien"),
        (("id",), "{6f1c2a9e-4b7d-4e2f-9a31-0c5d8e7f1b24}"),
        (("locales", "en", "body", 0, "value", "level"), "h7"),
        (("locales", "en", "listing_image", "media"), "image-1"),
    ]:
        broken = json.loads(json.dumps(document))
        target = broken
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        assert not check.is_valid(broken), path


# --- the examples in a site ---------------------------------------------------------------------


@pytest.fixture
def remote(federation_key):
    with FeedServer() as server:
        site = RemoteSite(server.base_url, city=("Poznań", "PL"))
        site.server = server
        site.peer = site.approve_here()
        yield site


def as_sent_by(remote, document):
    """The example as ``remote`` would send it: its own address and key in ``origin`` (the
    example's key is not ours to sign with) and its images served on loopback, with their
    real hash and size. Everything else is the spec's text."""
    document = json.loads(json.dumps(document))
    document["origin"]["base_url"] = remote.base_url
    document["origin"]["key_id"] = remote.identity.key_id
    for number, item in enumerate(document.get("media", [])):
        data = image_bytes(24 + number, 16)
        path = "/media/" + item["url"].split("/media/", 1)[1]
        remote.server.files[path] = data
        with PILImage.open(io.BytesIO(data)) as image:
            item["width"], item["height"] = image.size
        item.update(
            url=remote.base_url + path, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data)
        )
    return document


def test_every_example_document_imports_without_a_warning(remote, site_tree):
    translate(site_tree.practices, "lv")
    documents = [e for e in examples() if e.get("type") in ("practice-model", "tombstone")]
    documents.sort(key=lambda document: document["version"])
    assert [d["type"] for d in documents] == ["practice-model", "tombstone"]
    document, tombstone = (as_sent_by(remote, d) for d in documents)

    outcome = import_envelope(remote.peer, remote.envelope(document))
    assert outcome.status == "imported", outcome
    assert outcome.warnings == []
    assert not PeerEvent.objects.filter(peer=remote.peer).exclude(level="info").exists()

    from cities_cms.pages import PracticeModelPage

    page = PracticeModelPage.objects.get(translation_key=document["id"], locale__language_code="en")
    # The spec's values arrive as they are, none replaced by a default.
    assert page.status == "implemented" and page.evidence_level == "monitored"
    assert page.listing_image is not None
    assert [block.block_type for block in page.body] == ["heading", "paragraph", "image", "quote"]
    assert [s.kind for s in page.stakeholders.all()] == ["citizens", "university"]
    assert len(page.indicators) == 1

    outcome = import_envelope(remote.peer, remote.envelope(tombstone))
    assert outcome.status == "withdrawn" and outcome.warnings == [], outcome
    page.refresh_from_db()
    assert not page.live


def test_the_seminar_example_imports_without_a_warning(remote, site_tree):
    """The spec's seminar, as the partner would send it (its address in ``origin`` and in
    ``canonical``, which must be on the origin's host), becomes a seminar copy as written."""
    from cities_cms.pages import SeminarPage

    from ..utils import make_city

    translate(site_tree.seminars, "lv")
    riga = make_city(site_tree.cities, title="Riga", country="LV")
    [example] = [e for e in examples() if e.get("type") == "seminar"]
    document = as_sent_by(remote, example)
    document["canonical"] = {
        code: url.replace("https://riga.example", remote.base_url)
        for code, url in document["canonical"].items()
    }
    outcome = import_envelope(remote.peer, remote.envelope(document))
    assert outcome.status == "imported", outcome
    assert outcome.warnings == []
    assert not PeerEvent.objects.filter(peer=remote.peer).exclude(level="info").exists()
    page = SeminarPage.objects.get(translation_key=document["id"], locale__language_code="en")
    assert (page.kind, page.status, page.timezone) == ("workshop", "postponed", "Europe/Riga")
    assert page.host_city_id == riga.pk and page.languages == ["en", "lv"]
    assert [block.block_type for block in page.agenda] == ["day", "session"]
    assert page.agenda[0].value["sessions"][0]["speakers"][0]["name"] == "Anna Bērziņa"


# --- the published schema ------------------------------------------------------------------------


def test_the_committed_schema_and_the_spec_tables_are_generated_from_the_models():
    from cities_cms.federation.schema import docs
    from cities_cms.federation.schema import jsonschema as published

    schema = published.build()
    assert SCHEMA_FILE.read_text("utf-8") == published.dumps(schema), (
        "Run manage.py cities_cms_federation_schema and commit the schema file."
    )
    assert docs.spec_section(SPEC.read_text("utf-8")) == docs.tables(schema), (
        "Run manage.py cities_cms_federation_schema and commit docs/federation.md."
    )


def test_every_instance_serves_the_schema(db):
    client = Client(enforce_csrf_checks=True)
    response = client.get("/federation/schema.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/schema+json"
    assert response.content == SCHEMA_FILE.read_bytes()
    assert "public" in response["Cache-Control"] and "max-age" in response["Cache-Control"]
    again = client.get("/federation/schema.json", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "url", ["/federation/feed/", "/federation/schema.json", "/.well-known/cities-cms.json"]
)
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_public_endpoints_answer_405_in_json_to_other_methods(db, federation_key, url, method):
    """A real client (CSRF enforced, as in production) gets 405, not Django's CSRF page."""
    response = getattr(Client(enforce_csrf_checks=True), method)(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "method-not-allowed"
