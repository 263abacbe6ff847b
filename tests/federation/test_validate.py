"""Validation of documents (docs/federation.md §4) and sanitising of rich text."""

import uuid

import pytest

from cities_cms.federation.parse import parse_json
from cities_cms.federation.sanitise import clean_html, clean_text
from cities_cms.federation.schema import ProtocolError
from cities_cms.federation.validate import validate_document

from .factories import RemoteSite, image_bytes

LANGUAGES = {"en", "lv", "pl"}


@pytest.fixture
def remote():
    return RemoteSite("https://daugavpils.example/")


def test_a_valid_document_is_normalised(remote):
    item = remote.media_item("m1", image_bytes())
    document = remote.document(
        media=[item],
        global_id=str(uuid.uuid4()).upper(),
        locale_changes={"en": {"listing_image": {"media": "m1", "alt_text": "A", "x": 1}}},
    )
    clean = validate_document(document, languages=LANGUAGES)
    assert clean.id == document["id"].lower()
    assert clean.origin["base_url"] == "https://daugavpils.example"
    assert set(clean.locales) == {"en", "lv"}
    assert clean.locales["en"]["listing_image"] == {
        "media": "m1",
        "alt_text": "A",
        "decorative": False,
    }
    assert clean.media[0]["sha256"] == item["sha256"]
    assert str(clean.fields["budget"]) == "120000.00"
    assert clean.warnings == [
        ("unknown-field", "Ignored unknown fields in locales.en.listing_image: x.")
    ]


def test_unknown_locales_and_fields_are_dropped_with_warnings(remote):
    document = remote.document(titles={"en": "A", "fi": "B"}, extra=1)
    document["locales"]["en"]["hologram"] = "x"
    clean = validate_document(document, languages=LANGUAGES)
    assert set(clean.locales) == {"en"}
    codes = [code for code, _message in clean.warnings]
    assert codes.count("unknown-field") == 2 and "unknown-locale" in codes


def test_unknown_media_types_are_dropped_and_references_to_them_emptied(remote):
    item = remote.media_item("m1", image_bytes(), content_type="image/svg+xml")
    document = remote.document(
        media=[item], locale_changes={"en": {"listing_image": {"media": "m1"}}}
    )
    clean = validate_document(document, languages=LANGUAGES)
    assert clean.media == [] and clean.locales["en"]["listing_image"] is None
    assert "unknown-media" in [code for code, _m in clean.warnings]


def broken(remote, path, value):
    document = remote.document()
    target = document
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    "path, value, message",
    [
        (("id",), "not-a-uuid", "UUID"),
        (("id",), "{" + str(uuid.uuid4()) + "}", "UUID"),
        (("id",), KeyError, "id is missing"),
        (("version",), 0, "at least 1"),
        (("version",), "3", "integer"),
        (("version",), True, "integer"),
        (("version",), 2**64, "at most"),
        (("protocol",), "cities-cms/2", "protocol"),
        (("type",), "page", "type"),
        (("origin", "base_url"), "ftp://x.example", "http"),
        (("origin", "base_url"), "javascript:alert(1)", "http"),
        (("origin", "key_id"), "ABC", "hex"),
        (("licence",), "WTFPL", "licence"),
        (("locales",), {}, "locales needs at least 1"),
        (("locales",), {"fi": {"title": "x"}}, "no locale this site has"),
        (("locales",), {"<script>": {"title": "x"}}, "language code"),
        (("locales", "en", "title"), "", "empty"),
        (("locales", "en", "title"), "x" * 300, "longer"),
        (("locales", "en", "title"), ["x"], "string"),
        (("locales", "en", "summary"), "x" * 401, "longer"),
        (("locales", "en", "body"), "not a list", "list"),
        (("locales", "en", "body"), [{"value": 1}], "type"),
        (("locales", "en", "body"), [{"type": "p"}] * 201, "more than"),
        (("fields", "start_year"), 1800, "at least 1900"),
        (("fields", "end_year"), 2010, "before"),
        (("fields", "budget"), "lots", "decimal"),
        (("fields", "budget"), "-5", "decimal"),
        (("fields", "budget"), "NaN", "decimal"),
        (("fields", "budget"), "1e3", "decimal"),
        (("themes",), "housing", "list"),
        (("canonical", "en"), "javascript:alert(1)", "http"),
        (("attribution", "contact"), {"email": "not an email"}, "email"),
        (("media",), [{"ref": "m1", "sha256": "x"}], "sha256"),
        (("media",), "x", "list"),
    ],
)
def test_invalid_documents_are_refused_with_a_clear_message(remote, path, value, message):
    with pytest.raises(ProtocolError) as caught:
        validate_document(broken(remote, path, value), languages=LANGUAGES)
    assert message.lower() in caught.value.message.lower()
    assert caught.value.code == "invalid"


def test_media_over_the_size_limit_or_with_bad_urls(remote, settings):
    settings.CITIES_CMS_FEDERATION_MAX_IMAGE_BYTES = 100
    item = remote.media_item("m1", image_bytes(100, 100))
    with pytest.raises(ProtocolError, match="limit"):
        validate_document(remote.document(media=[item]), languages=LANGUAGES)
    settings.CITIES_CMS_FEDERATION_MAX_IMAGE_BYTES = 10**7
    item["url"] = "file:///etc/passwd"
    with pytest.raises(ProtocolError, match="http"):
        validate_document(remote.document(media=[item]), languages=LANGUAGES)


def test_tombstones(remote):
    clean = validate_document(remote.tombstone(uuid.uuid4(), 4, "deleted"), languages=LANGUAGES)
    assert clean.is_tombstone and clean.version == 4 and clean.reason == "deleted"
    with pytest.raises(ProtocolError, match="reason"):
        validate_document(remote.tombstone(uuid.uuid4(), 4, "bored"), languages=LANGUAGES)


def test_rich_text_is_sanitised_during_validation(remote):
    document = remote.document(
        locale_changes={"en": {"challenge": '<p onmouseover="x()">a<script>b</script></p>'}}
    )
    clean = validate_document(document, languages=LANGUAGES)
    assert clean.locales["en"]["challenge"] == "<p>a</p>"


@pytest.mark.parametrize(
    "data",
    [b"{", b'{"a": 1, "a": 2}', b"NaN", b'{"a": Infinity}', b"\xff", b"[" * 50_000],
)
def test_parse_json_refuses_malformed_input(data):
    with pytest.raises(ProtocolError) as caught:
        parse_json(data)
    assert caught.value.code == "bad-json"


@pytest.mark.parametrize(
    "html, expected",
    [
        ('<p onclick="x">a</p>', "<p>a</p>"),
        ("<script>alert(1)</script>b", "b"),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener nofollow">x</a>'),
        ('<a href="  JAVASCRIPT:alert(1)">x</a>', '<a rel="noopener nofollow">x</a>'),
        ('<a href="jav&#x09;ascript:alert(1)">x</a>', '<a rel="noopener nofollow">x</a>'),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', '<a rel="noopener nofollow">x</a>'),
        ('<a href="vbscript:x">x</a>', '<a rel="noopener nofollow">x</a>'),
        ("<svg><g onload=alert(1)><text>t</text></g></svg>", ""),
        ('<p style="color:red" class="c" id="i">s</p>', "<p>s</p>"),
        (
            '<a href="mailto:a@example.org" title="Mail" target="_blank">m</a>',
            '<a href="mailto:a@example.org" title="Mail" rel="noopener nofollow">m</a>',
        ),
        (
            '<a href="https://x.example/" rel="opener">l</a>',
            '<a href="https://x.example/" rel="noopener nofollow">l</a>',
        ),
        ("<h1>big</h1><h2>ok</h2><h5>small</h5>", "big<h2>ok</h2>small"),
        ("<img src=x onerror=alert(1)>", ""),
        ("<iframe src='https://evil.example'>inside</iframe>", ""),
        ("<style>p{}</style><p>x</p>", "<p>x</p>"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<!-- <script>x</script> --><p>c</p>", "<p>c</p>"),
        ("<math><mi xlink:href='javascript:1'>m</mi></math>", ""),
        ("<form action='https://evil.example'><input name=a></form>", ""),
        (None, ""),
        (42, ""),
    ],
)
def test_sanitiser(html, expected):
    assert clean_html(html) == expected


def test_clean_text_removes_control_characters():
    assert clean_text("a\x00b\x1bc\n", 10) == "abc"
    assert clean_text(["x"]) == ""
