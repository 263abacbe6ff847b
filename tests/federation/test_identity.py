"""The instance's key: created by the setup command, private, rotatable, never in dumps."""

import io
import json
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.test import override_settings

from cities_cms.federation import identity
from cities_cms.federation.checks import check_key_file
from cities_cms.federation.models import OutboundRecord
from cities_cms.federation.signing import b64u_encode, verify_envelope

from ..utils import make_shared_practice_model


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_key_file_is_private_and_identity_is_consistent(federation_key):
    assert mode_of(federation_key) == 0o600
    current = identity.current_identity()
    assert len(current.key_id) == 64
    assert current.fingerprint.replace(" ", "") == current.key_id
    assert identity.key_id_for(identity.raw_public_key(current.private_key.public_key())) == (
        current.key_id
    )
    assert check_key_file() == []


def test_setup_command_creates_the_key_once_and_says_where(site_tree, tmp_path):
    path = tmp_path / "var" / "keys" / "instance.pem"
    with override_settings(CITIES_CMS_FEDERATION_KEY_FILE=str(path)):
        identity._cache.clear()
        out = io.StringIO()
        call_command("cities_cms_setup", "--parent", str(site_tree.home.pk), stdout=out)
        assert path.exists() and mode_of(path) == 0o600
        assert f"created  federation key {path}" in out.getvalue()
        first = path.read_bytes()
        fingerprint = identity.current_identity().fingerprint
        assert fingerprint in out.getvalue()

        out = io.StringIO()
        call_command("cities_cms_setup", "--parent", str(site_tree.home.pk), stdout=out)
        assert path.read_bytes() == first  # idempotent: the key is kept
        assert f"kept     federation key {path}" in out.getvalue()
    identity._cache.clear()


def test_private_key_is_never_in_a_database_dump(site_tree, federation_key):
    make_shared_practice_model(site_tree.practices)
    assert OutboundRecord.objects.exists()
    private = identity.current_identity().private_key
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    out = io.StringIO()
    call_command("dumpdata", format="json", stdout=out)
    dump = out.getvalue()
    assert identity.current_identity().key_id in dump  # the dump does hold the signed records
    for needle in (b64u_encode(raw), raw.hex(), federation_key.read_text().splitlines()[1]):
        assert needle not in dump
    import base64

    assert base64.b64encode(raw).decode() not in dump


def test_checks_warn_about_missing_or_readable_key_files(tmp_path):
    missing = tmp_path / "missing.pem"
    with override_settings(CITIES_CMS_FEDERATION_KEY_FILE=str(missing)):
        assert [w.id for w in check_key_file()] == ["cities_cms_federation.W002"]
    with override_settings(CITIES_CMS_FEDERATION_KEY_FILE=None):
        assert [w.id for w in check_key_file()] == ["cities_cms_federation.W001"]
    readable = tmp_path / "readable.pem"
    with override_settings(CITIES_CMS_FEDERATION_KEY_FILE=str(readable)):
        identity.ensure_key()
        os.chmod(readable, 0o644)
        warnings = check_key_file()
        assert [w.id for w in warnings] == ["cities_cms_federation.W003"]
        assert "chmod 600" in warnings[0].hint
        os.chmod(readable, 0o600)
        assert check_key_file() == []
    identity._cache.clear()


def test_rotation_hands_over_to_the_new_key(site_tree, federation_key, client):
    page = make_shared_practice_model(site_tree.practices)
    old = identity.current_identity()
    out = io.StringIO()
    call_command("cities_cms_rotate_key", stdout=out)
    new = identity.current_identity()
    assert new.key_id != old.key_id
    assert old.fingerprint in out.getvalue() and new.fingerprint in out.getvalue()
    assert mode_of(federation_key) == 0o600

    retired_path = identity.retired_key_path(federation_key, old.key_id)
    assert retired_path.exists() and mode_of(retired_path) == 0o600

    [retired] = identity.retired_keys()
    assert retired.key_id == old.key_id and retired.public_key == old.public_key
    handover = verify_envelope(retired.handover, old.public_key)
    assert handover == {
        "type": "key-handover",
        "old_key_id": old.key_id,
        "new_key_id": new.key_id,
        "new_public_key": new.public_key,
        "at": handover["at"],
    }

    # The descriptor announces the new key and the handover; the retired private key is
    # never served.
    descriptor = json.loads(client.get("/.well-known/cities-cms.json").content)
    document = verify_envelope(descriptor, new.public_key)
    assert document["key_id"] == new.key_id
    [previous] = document["previous_keys"]
    assert previous["key_id"] == old.key_id
    assert verify_envelope(previous["handover"], old.public_key)["new_key_id"] == new.key_id
    assert retired_path.read_text().splitlines()[1] not in json.dumps(descriptor)

    # Shared documents are signed again with the new key, versions unchanged.
    record = OutboundRecord.objects.get(global_id=page.translation_key)
    assert record.version == 1
    assert verify_envelope(record.envelope, new.public_key)["origin"]["key_id"] == new.key_id


def test_two_rotations_leave_a_chain_of_handovers(federation_key):
    first = identity.current_identity()
    identity.rotate_key()
    second = identity.current_identity()
    identity.rotate_key()
    third = identity.current_identity()
    chain = {key.key_id: key for key in identity.retired_keys()}
    assert set(chain) == {first.key_id, second.key_id}
    assert verify_envelope(chain[first.key_id].handover, first.public_key)["new_key_id"] == (
        second.key_id
    )
    assert verify_envelope(chain[second.key_id].handover, second.public_key)["new_key_id"] == (
        third.key_id
    )


def test_rotation_without_a_key_file_fails_clearly(tmp_path):
    from django.core.management import CommandError

    with override_settings(CITIES_CMS_FEDERATION_KEY_FILE=str(tmp_path / "none.pem")):
        identity._cache.clear()
        with pytest.raises(CommandError, match="does not exist"):
            call_command("cities_cms_rotate_key", stdout=io.StringIO())
