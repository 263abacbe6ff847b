"""Signed envelopes: any change to a signed document breaks its signature."""

import copy

import pytest

from cities_cms.federation.identity import current_identity
from cities_cms.federation.models import OutboundRecord
from cities_cms.federation.schema import ProtocolError
from cities_cms.federation.signing import sign_document, verify_envelope

from ..utils import make_shared_practice_model, translate

pytestmark = pytest.mark.usefixtures("federation_key")


def mutations(document, path=()):
    """Every leaf of a JSON document, changed one at a time (as (path, mutated copy))."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield from mutations(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from mutations(value, (*path, index))
    else:
        yield path


def set_path(document, path, value):
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if value is None:
        return "x"
    return str(value) + " "


def get_path(document, path):
    for key in path:
        document = document[key]
    return document


def test_every_change_to_a_practice_model_document_breaks_the_signature(site_tree):
    page = make_shared_practice_model(site_tree.practices, title="Sealed")
    translate(page, "lv", title="Aizzīmogots")
    from cities_cms.federation import records

    records.refresh(page.translation_key)
    envelope = OutboundRecord.objects.get(global_id=page.translation_key).envelope
    key = current_identity().public_key
    assert verify_envelope(envelope, key)["id"] == str(page.translation_key)
    paths = list(mutations(envelope["document"]))
    assert len(paths) > 40
    for path in paths:
        tampered = copy.deepcopy(envelope)
        set_path(tampered["document"], path, changed(get_path(tampered["document"], path)))
        with pytest.raises(ProtocolError) as error:
            verify_envelope(tampered, key)
        assert error.value.code == "bad-signature", path
    # An added field, or a removed one, breaks it too.
    tampered = copy.deepcopy(envelope)
    tampered["document"]["extra"] = 1
    with pytest.raises(ProtocolError):
        verify_envelope(tampered, key)
    tampered = copy.deepcopy(envelope)
    del tampered["document"]["licence"]
    with pytest.raises(ProtocolError):
        verify_envelope(tampered, key)


def test_wrong_key_and_bad_envelopes_are_refused(federation_key):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from cities_cms.federation.identity import Identity, raw_public_key

    other_private = Ed25519PrivateKey.generate()
    other = Identity(other_private, raw_public_key(other_private.public_key()))
    envelope = sign_document({"type": "x", "n": 1})
    with pytest.raises(ProtocolError) as error:
        verify_envelope(envelope, other.public_key)
    assert error.value.code == "wrong-key"
    forged = sign_document({"type": "x", "n": 1}, other)
    forged["signature"]["key_id"] = current_identity().key_id
    with pytest.raises(ProtocolError) as error:
        verify_envelope(forged, current_identity().public_key)
    assert error.value.code == "bad-signature"
    for bad in (
        None,
        [],
        {"document": {}},
        {"document": [], "signature": {}},
        {"document": {}, "signature": {"alg": "rsa"}},
    ):
        with pytest.raises(ProtocolError):
            verify_envelope(bad, current_identity().public_key)


def test_key_order_and_whitespace_do_not_matter():
    import json

    envelope = sign_document({"b": 1, "a": {"z": "ž", "y": [1, 2]}})
    reparsed = json.loads(json.dumps(envelope, indent=4, sort_keys=True))
    assert verify_envelope(reparsed, current_identity().public_key)
