"""The inbound path runs one way: fetch → parse → verify → validate → apply, driven by sync.py.

- each stage module uses none of the stage functions before it, nor the driver (a static
  check of their imports: a stage that called back would have to import them);
- key rotation is the verify stage's: a document signed with the serving peer's new key is
  imported in the same run when a handover signed by the pinned key vouches for the new key,
  and refused (the peer back to pending) when nothing does; the descriptor is read once a run.
"""

import ast
import json
from pathlib import Path

import pytest

from cities_cms.federation import importer, sync
from cities_cms.federation.models import FederatedCopy, PeerEvent, PeerStatus
from cities_cms.federation.sync import sync_peer

from ..utils import translate
from .factories import FeedServer, RemoteSite, new_identity
from .loopback import descriptor_envelope, handover

FEDERATION = Path(sync.__file__).parent
DESCRIPTOR = "/.well-known/cities-cms.json"

# What each stage offers the driver; a later stage must not use an earlier one's.
STAGE_NAMES = {
    "fetch": {"fetch_feed_page"},
    "parse": {"parse_feed_page", "parse_json", "ParsedPage"},
    "verify": {"Verifier", "Verified", "verify_envelope", "envelope_parts"},
    "validate": {"validate", "validate_document"},
    "apply": {"apply", "applier_for", "APPLIERS"},
}
ORDER = ["fetch", "parse", "verify", "validate", "apply"]
MODULES = {
    "fetch": [FEDERATION / "fetch.py"],
    "parse": [FEDERATION / "parse.py"],
    "verify": [FEDERATION / "verify.py"],
    "validate": [FEDERATION / "validate.py"],
    "apply": sorted((FEDERATION / "importer").glob("*.py")),
}
DRIVER = {"sync_peer", "import_envelope", "log_outcome"}


def imported_names(path: Path) -> set[str]:
    """Names a module imports (at module level or inside functions), and "sync" when it
    imports from the driver's module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if (node.module or "").rsplit(".", 1)[-1] == "sync":
                names.add("sync")
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name.rsplit(".", 1)[-1] for alias in node.names)
    return names


@pytest.mark.parametrize("stage", ORDER)
def test_a_stage_uses_no_earlier_stage_and_not_the_driver(stage):
    earlier = set().union(*(STAGE_NAMES[name] for name in ORDER[: ORDER.index(stage)]))
    for path in MODULES[stage]:
        names = imported_names(path)
        if path.name == "__init__.py" and stage == "apply":
            # The old name of the driver stays importable from importer (a lazy alias).
            names -= {"import_envelope", "sync"}
        assert not names & (earlier | DRIVER | {"sync"}), (path.name, names & (earlier | DRIVER))


def test_the_driver_calls_each_stage():
    names = imported_names(FEDERATION / "sync.py")
    assert {"fetch_feed_page", "parse_feed_page", "Verifier", "validate", "apply"} <= names
    assert importer.applier_for("practice-model") is importer.APPLIERS["practice-model"]


# --- key rotation, followed by the verify stage ----------------------------------------------


@pytest.fixture
def tree(site_tree):
    translate(site_tree.practices, "lv")
    return site_tree


@pytest.fixture
def rotated(federation_key):
    """A peer approved with its old key that now signs with a new one."""
    with FeedServer() as server:
        old, new = new_identity(), new_identity()
        site = RemoteSite(server.base_url, identity=old)
        site.server = server
        site.peer = site.approve_here()
        site.identity = new
        site.old = old
        yield site


def serve_descriptor(site, previous_keys):
    envelope = descriptor_envelope(site.identity, site.base_url, previous_keys=previous_keys)
    site.server.routes[DESCRIPTOR] = (
        200,
        json.dumps(envelope).encode(),
        {"Content-Type": "application/json"},
    )


def descriptor_requests(site):
    return [path for _m, path, _h in site.server.requests if path == DESCRIPTOR]


@pytest.mark.django_db
def test_a_rotation_with_a_handover_is_followed_and_the_documents_imported(rotated, tree):
    serve_descriptor(rotated, [handover(rotated.old, rotated.identity)])
    for title in ("After the rotation", "Also after it"):
        rotated.server.items.append(rotated.envelope(rotated.document(titles={"en": title})))
    result = sync_peer(rotated.peer)
    assert (result.received, result.imported, result.refused) == (2, 2, 0), result.codes
    rotated.peer.refresh_from_db()
    assert rotated.peer.public_key == rotated.identity.public_key
    assert rotated.peer.status == PeerStatus.APPROVED
    assert len(descriptor_requests(rotated)) == 1
    assert PeerEvent.objects.filter(peer=rotated.peer, code="key-rotated").exists()
    # The key it followed is the pinned key from now on: no wrong-key refusal was logged.
    assert not PeerEvent.objects.filter(peer=rotated.peer, code="wrong-key").exists()
    assert FederatedCopy.objects.filter(peer=rotated.peer).count() == 2


@pytest.mark.django_db
def test_a_new_key_without_a_handover_is_refused_and_asked_about_once(rotated, tree):
    serve_descriptor(rotated, [])
    for title in ("Unvouched", "Unvouched too"):
        rotated.server.items.append(rotated.envelope(rotated.document(titles={"en": title})))
    result = sync_peer(rotated.peer)
    assert (result.received, result.imported, result.refused) == (2, 0, 2)
    # The first refusal put the peer back to pending: the next document has no approved
    # author any more.
    assert result.codes == {"wrong-key": 1, "unknown-author": 1}
    assert len(descriptor_requests(rotated)) == 1  # once per run, not once per document
    rotated.peer.refresh_from_db()
    assert rotated.peer.public_key == rotated.old.public_key  # still the pinned key
    assert rotated.peer.status == PeerStatus.PENDING
    assert PeerEvent.objects.filter(peer=rotated.peer, code="key-changed").exists()
    assert not FederatedCopy.objects.exists()


# --- NUL characters: PostgreSQL refuses them in text columns and query parameters -----------


@pytest.mark.django_db
def test_nul_characters_from_a_peer_are_refused_or_logged_cleanly(federation_key, tree):
    """Found by test_properties on PostgreSQL: a NUL in the origin's address (a query
    parameter) or in an unknown field's name (a warning's text) broke the document's logging."""
    from cities_cms.federation.sync import import_envelope

    site = RemoteSite("http://127.0.0.9:9")
    site.peer = site.approve_here()
    forged = site.document()
    forged["origin"]["base_url"] = "http://127.0.0.9:9\x00/"
    outcome = import_envelope(site.peer, site.envelope(forged))
    assert (outcome.status, outcome.code) == ("refused", "unknown-author")
    event = PeerEvent.objects.get(peer=site.peer, code="unknown-author")
    assert "\x00" not in event.message

    odd = site.document()
    odd["fields"]["extra\x00name"] = 1
    outcome = import_envelope(site.peer, site.envelope(odd))
    assert outcome.status == "imported", (outcome.code, outcome.message)
    warning = PeerEvent.objects.get(peer=site.peer, code="unknown-field")
    assert "extra" in warning.message and "\x00" not in warning.message
