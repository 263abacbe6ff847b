"""The demo's partner documents (site_project/demo/federation.py) follow the published
protocol schema, as a real partner's would have to: the demo must not rely on the importer
being lenient."""

import json
from pathlib import Path

import jsonschema
import pytest

from cities_cms.federation.signing import sign_document
from site_project.demo.federation import documents, partner_identity

SCHEMA_FILE = (
    Path(__file__).resolve().parents[2]
    / "cities_cms"
    / "federation"
    / "schema"
    / "protocol.schema.json"
)


@pytest.fixture(scope="module")
def schema():
    return json.loads(SCHEMA_FILE.read_text("utf-8"))


def check(schema, definition, value):
    validator = jsonschema.Draft202012Validator(
        {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
    )
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(value)]


def test_the_demo_partner_documents_follow_the_published_schema(schema):
    identity = partner_identity()
    sent = documents(identity)
    assert sent
    for document in sent:
        assert check(schema, "PracticeModelDocument", document) == [], document["id"]
        assert check(schema, "Envelope", sign_document(document, identity)) == []


def test_the_demo_partner_seminars_follow_the_published_schema(schema):
    from site_project.demo.federation import NAMESPACE, PARTNER_CITY, PARTNER_URL, VERSION
    from site_project.demo.partner_seminars import seminar_documents

    identity = partner_identity()
    origin = {"base_url": PARTNER_URL, "key_id": identity.key_id, "city": PARTNER_CITY}
    sent = seminar_documents(origin, PARTNER_URL, NAMESPACE, VERSION)
    assert {document["fields"]["status"] for document in sent} == {"scheduled", "cancelled"}
    for document in sent:
        assert check(schema, "SeminarDocument", document) == [], document["id"]
        assert check(schema, "Envelope", sign_document(document, identity)) == []
