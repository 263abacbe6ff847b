"""Hostile input, each case through the real pull over HTTP on 127.0.0.1.

Every case: refused (or, for harmless oddities, imported without them), a ``PeerEvent``
logged, visible in the peer's status (``last_error``), and nothing changed in pages and images.
"""

import copy as copy_module
import json
import struct
import uuid
import zlib

import pytest
from django.test import override_settings
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from cities_cms.federation import fetch as fetch_module
from cities_cms.federation.models import FederatedCopy, FederatedMedia, PeerEvent
from cities_cms.federation.signing import sign_document
from cities_cms.federation.sync import import_envelope, sync_peer
from cities_cms.pages import PracticeModelPage

from ..utils import translate
from .factories import RemoteSite, close_mid_body, dribble, image_bytes, new_identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(site_tree):
    translate(site_tree.practices, "lv")
    return site_tree


def state():
    return (
        Page.objects.count(),
        Revision.objects.count(),
        get_image_model().objects.count(),
        FederatedCopy.objects.count(),
        FederatedMedia.objects.count(),
    )


def assert_refused(remote, code, before, *, result=None):
    """Refused with ``code``: logged, visible in the peer's status, nothing changed."""
    remote.peer.refresh_from_db()
    assert PeerEvent.objects.filter(peer=remote.peer, code=code, level="error").exists(), list(
        PeerEvent.objects.values_list("code", "message")
    )
    assert remote.peer.last_error.startswith(code), remote.peer.last_error
    assert remote.peer.last_error_at is not None
    assert state() == before
    if result is not None:
        assert result.imported == 0


def serve(remote, *documents_or_envelopes):
    for item in documents_or_envelopes:
        remote.server.items.append(item)


def test_bad_signature(remote, tree):
    envelope = remote.envelope(remote.document())
    envelope["document"]["locales"]["en"]["title"] = "Tampered"
    serve(remote, envelope)
    before = state()
    result = sync_peer(remote.peer)
    assert result.refused == 1
    assert_refused(remote, "bad-signature", before, result=result)


def test_missing_signature(remote, tree):
    serve(remote, {"document": remote.document()})
    before = state()
    result = sync_peer(remote.peer)
    assert result.refused == 1
    assert_refused(remote, "bad-signature", before, result=result)


def test_signed_by_another_key(remote, tree):
    serve(remote, sign_document(remote.document(), new_identity()))
    before = state()
    result = sync_peer(remote.peer)
    assert_refused(remote, "wrong-key", before, result=result)


def test_old_version_after_a_newer_one(remote, tree):
    global_id = str(uuid.uuid4())
    serve(remote, remote.envelope(remote.document(global_id=global_id, version=5)))
    sync_peer(remote.peer)
    serve(remote, remote.envelope(remote.document(global_id=global_id, version=4)))
    before = state()
    result = sync_peer(remote.peer)
    assert_refused(remote, "old-version", before, result=result)


@override_settings(CITIES_CMS_FEDERATION_MAX_DOCUMENT_BYTES=20_000)
def test_a_document_over_the_size_limit(remote, tree):
    big = remote.document(locale_changes={"en": {"results": "<p>" + "x" * 30_000 + "</p>"}})
    serve(remote, remote.envelope(big))
    before = state()
    result = sync_peer(remote.peer)
    assert_refused(remote, "too-large", before, result=result)


@override_settings(
    CITIES_CMS_FEDERATION_MAX_DOCUMENT_BYTES=2_000, CITIES_CMS_FEDERATION_FEED_PAGE_SIZE=1
)
def test_a_feed_response_over_the_size_limit(remote, tree):
    remote.server.routes["/federation/feed/"] = (200, b"[" + b" " * 200_000 + b"]", {})
    before = state()
    result = sync_peer(remote.peer)
    assert result.failed and result.requests == 1
    assert_refused(remote, "too-large", before)


@override_settings(CITIES_CMS_FEDERATION_READ_TIMEOUT=1)
def test_a_slow_peer(remote, tree):
    body = json.dumps({"items": [], "next": "0", "more": False}).encode()
    remote.server.routes["/federation/feed/"] = dribble(body, 0.1)
    before = state()
    result = sync_peer(remote.peer)
    assert result.failed
    assert_refused(remote, "timeout", before)
    assert remote.peer.next_retry_at is not None


def test_a_public_peer_on_a_private_address(remote, tree):
    remote.peer.is_local = False
    remote.peer.save()
    serve(remote, remote.envelope(remote.document()))
    before = state()
    result = sync_peer(remote.peer)
    assert result.failed and remote.server.requests == []
    assert_refused(remote, "private-address", before)


def test_a_redirect_to_a_private_address(remote, tree, monkeypatch):
    """The peer is public (not local); its feed redirects to a loopback address."""
    real = fetch_module.resolve
    port = remote.base_url.rsplit(":", 1)[1]

    def first_hop_public(host, port_, *, allow_private):
        if host == "partner.example":
            return "127.0.0.1"  # pretend: a public address that passed the check
        return real(host, port_, allow_private=allow_private)

    monkeypatch.setattr(fetch_module, "resolve", first_hop_public)
    remote.peer.base_url = f"http://partner.example:{port}"
    remote.peer.is_local = False
    remote.peer.save()
    remote.server.routes["/federation/feed/"] = (
        302,
        b"",
        {"Location": f"http://127.0.0.1:{port}/internal/"},
    )
    before = state()
    result = sync_peer(remote.peer)
    assert result.failed
    assert [path for _m, path, _h in remote.server.requests if "internal" in path] == []
    assert_refused(remote, "private-address", before)


def test_a_media_url_on_a_private_address(remote, tree):
    """Author not marked local: its image on a loopback address is never fetched."""
    remote.peer.is_local = False
    remote.peer.save()
    data = image_bytes()
    remote.server.files["/img.png"] = data
    item = remote.media_item("m1", data, path="/img.png")
    document = remote.document(
        media=[item], locale_changes={"en": {"listing_image": {"media": "m1"}}}
    )
    before = state()
    outcome = import_envelope(remote.peer, remote.envelope(document))
    assert outcome.code == "private-address"
    assert remote.server.requests == []
    assert_refused(remote, "private-address", before)


def test_html_with_script_handlers_and_javascript_links_is_imported_clean(remote, tree):
    nasty = (
        '<p onclick="steal()" style="background:url(x)">Hello<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">js</a><a href="data:text/html,<b>x</b>">data</a>'
        '<a href="JaVaScRiPt&#58;alert(1)">entity</a>'
        '<svg onload="alert(1)"><a href="https://evil.example">svg</a></svg>'
        '<img src=x onerror="alert(1)"><iframe src="https://evil.example"></iframe>'
        '<a href="https://ok.example/" target="_blank" class="x">fine</a>'
    )
    block = {
        "type": "notice",
        "value": {"kind": "info", "title": "T", "text": nasty},
        "id": str(uuid.uuid4()),
    }
    document = remote.document(
        locale_changes={"en": {"challenge": nasty, "body": [block], "summary": "<b>bold</b>"}}
    )
    serve(remote, remote.envelope(document))
    result = sync_peer(remote.peer)
    assert result.imported == 1
    page = PracticeModelPage.objects.get(translation_key=document["id"], locale__language_code="en")
    stored = page.challenge + str(page.body[0].value["text"].source)
    for bad in (
        "script",
        "onclick",
        "onerror",
        "onload",
        "javascript",
        "data:",
        "style=",
        "svg",
        "iframe",
        "<img",
        "target=",
        "class=",
    ):
        assert bad not in stored.lower(), bad
    assert '<a href="https://ok.example/" rel="noopener nofollow">fine</a>' in page.challenge
    assert page.summary == "<b>bold</b>"  # plain text: escaped by the templates, not markup


def png_bomb(width=50_000, height=50_000):
    """A tiny valid-looking PNG whose header claims billions of pixels."""
    raw = image_bytes(1, 1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return raw[:8] + ihdr + raw[8 + 25 :]


@pytest.mark.parametrize(
    "data, content_type",
    [
        (png_bomb(), "image/png"),
        (image_bytes(fmt="PNG"), "image/jpeg"),  # a PNG that claims to be a JPEG
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "image/png"),
        (b"%PDF-1.4 not an image", "image/gif"),
        (image_bytes()[:60], "image/png"),  # truncated
    ],
    ids=["bomb", "wrong-type", "svg", "pdf", "truncated"],
)
def test_images_that_are_not_what_they_claim(remote, tree, data, content_type):
    remote.server.files["/img"] = data
    item = remote.media_item("m1", image_bytes(), path="/img")  # metadata of a real image
    item.update(
        sha256=__import__("hashlib").sha256(data).hexdigest(),
        bytes=len(data),
        content_type=content_type,
    )
    document = remote.document(
        media=[item], locale_changes={"en": {"listing_image": {"media": "m1"}}}
    )
    serve(remote, remote.envelope(document))
    before = state()
    result = sync_peer(remote.peer)
    assert result.refused == 1
    assert_refused(remote, "image-refused", before, result=result)


@override_settings(CITIES_CMS_FEDERATION_MAX_IMAGE_PIXELS=100)
def test_an_image_over_the_pixel_limit(remote, tree):
    data = image_bytes(12, 12)  # 144 pixels: between the limit and twice it (a warning)
    remote.server.files["/img.png"] = data
    item = remote.media_item("m1", data, path="/img.png")
    serve(remote, remote.envelope(remote.document(media=[item])))
    before = state()
    sync_peer(remote.peer)
    assert_refused(remote, "image-refused", before)


def test_an_image_whose_hash_differs(remote, tree):
    remote.server.files["/img.png"] = image_bytes(colour=(1, 1, 1))
    item = remote.media_item("m1", image_bytes(colour=(2, 2, 2)), path="/img.png")
    serve(remote, remote.envelope(remote.document(media=[item])))
    before = state()
    sync_peer(remote.peer)
    assert_refused(remote, "image-refused", before)


def test_unknown_locales_block_types_and_fields_are_ignored_with_warnings(remote, tree):
    document = remote.document(
        titles={"en": "Known", "xx": "Unknown language", "lv": "Zināms"},
        locale_changes={
            "en": {
                "body": [
                    {"type": "hologram", "value": {"x": 1}, "id": str(uuid.uuid4())},
                    {"type": "paragraph", "value": "<p>kept</p>", "id": str(uuid.uuid4())},
                    {"type": "heading", "value": {"text": 5, "level": "h9"}},
                ],
                "favourite_colour": "blue",
            }
        },
        future_field={"anything": True},
    )
    serve(remote, remote.envelope(document))
    result = sync_peer(remote.peer)
    assert result.imported == 1 and result.refused == 0
    pages = PracticeModelPage.objects.filter(translation_key=document["id"], alias_of=None)
    assert sorted(p.locale.language_code for p in pages) == ["en", "lv"]
    en = pages.get(locale__language_code="en")
    assert [block.block_type for block in en.body] == ["paragraph"]
    codes = set(
        PeerEvent.objects.filter(peer=remote.peer, level="warning").values_list("code", flat=True)
    )
    assert {"unknown-locale", "unknown-block", "unknown-field", "invalid-block"} <= codes
    remote.peer.refresh_from_db()
    assert remote.peer.last_error == ""  # warnings are not errors


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"items": [], "next": "0", "more": false, "items": []}',
        b"[1, 2]",
        b'{"items": [], "next": "-1", "more": false}',
        b'{"items": [], "next": "1", "more": NaN}',
        b"\xff\xfe",
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["broken", "duplicate-key", "not-an-object", "bad-cursor", "nan", "not-utf8", "deep"],
)
def test_malformed_json(remote, tree, body):
    remote.server.routes["/federation/feed/"] = (200, body, {"Content-Type": "application/json"})
    before = state()
    result = sync_peer(remote.peer)
    assert result.failed
    assert_refused(remote, "bad-json", before)
    assert remote.peer.cursor == ""


def test_malformed_items_in_a_valid_feed(remote, tree):
    good = remote.document()
    serve(remote, "a string", 42, None, [], {"document": 1, "signature": 2}, remote.envelope(good))
    before_pages = Page.objects.count()
    result = sync_peer(remote.peer)
    assert result.refused == 5 and result.imported == 1
    # The document's two languages, and an alias in the site's third language (pl).
    assert Page.objects.count() == before_pages + 3
    assert PeerEvent.objects.filter(peer=remote.peer, code="bad-signature").count() == 5


def test_a_peer_that_returns_500(remote, tree):
    remote.server.routes["/federation/feed/"] = (500, b"Internal Server Error", {})
    before = state()
    result = sync_peer(remote.peer)
    assert result.failed
    assert_refused(remote, "http-error", before)


def test_a_peer_that_closes_the_connection_mid_body(remote, tree):
    body = json.dumps(
        {"items": [remote.envelope(remote.document())], "next": "1", "more": False}
    ).encode()
    remote.server.routes["/federation/feed/"] = close_mid_body(body)
    before = state()
    result = sync_peer(remote.peer)
    assert result.failed
    assert_refused(remote, "connection", before)


def test_a_peer_cannot_change_an_envelope_it_relays(remote, tree):
    author = RemoteSite("http://127.0.0.3:9", city=("Poznań", "PL"))
    author.approve_here()
    envelope = author.envelope(author.document())
    tampered = copy_module.deepcopy(envelope)
    tampered["document"]["licence"] = "CC0-1.0"
    serve(remote, tampered)
    before = state()
    sync_peer(remote.peer)
    assert_refused(remote, "bad-signature", before)
