"""The StreamField block library: metadata, previews, rendering and validation."""

import re

import pytest
from django.core.exceptions import ValidationError
from wagtail import blocks as wagtail_blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from cities_cms.blocks import (
    INLINE_RICH_TEXT_FEATURES,
    RICH_TEXT_FEATURES,
    AgendaBlock,
    BodyBlock,
    EmbedBlock,
    HeadingBlock,
    LinkBlock,
    MaterialsBlock,
    embed_player_url,
)
from cities_cms.snippets import Organisation, Person

from .utils import build_site, make_document, make_image, make_organisation, make_person


def library():
    """Every distinct block type editors can add to a body, agenda or materials stream."""
    found = {}
    for stream in (BodyBlock(), AgendaBlock(), MaterialsBlock()):
        for name, block in stream.child_blocks.items():
            found.setdefault(type(block), (name, block))
    return found


LIBRARY = library()
BLOCK_IDS = [f"{name}:{cls.__name__}" for cls, (name, _block) in LIBRARY.items()]


def test_library_has_at_least_fifteen_block_types():
    assert len(LIBRARY) >= 15, sorted(cls.__name__ for cls in LIBRARY)


@pytest.mark.parametrize(("cls", "entry"), LIBRARY.items(), ids=BLOCK_IDS)
def test_block_has_icon_template_and_description(cls, entry):
    _name, block = entry
    assert getattr(block.meta, "icon", "placeholder") not in ("", "placeholder"), cls
    assert getattr(block.meta, "template", None), cls
    assert block.meta.template.startswith("cities_cms/blocks/")
    assert str(block.get_description()).strip(), cls


@pytest.fixture(scope="module")
def preview_objects(module_db):
    """What the chooser-based previews pick: pages, an image, documents, people, organisations."""
    tree = build_site()
    organisation = make_organisation(name="University of Daugavpils")
    make_organisation(name="Poznań University of Technology", logo=make_image("Logo"))
    make_image("Residents at a workshop")
    make_document("Final report")
    make_document("Slides", ext="pdf")
    make_person(name="Anna Example", organisation=organisation)
    return tree


@pytest.mark.django_db
@pytest.mark.parametrize(("cls", "entry"), LIBRARY.items(), ids=BLOCK_IDS)
def test_block_has_a_preview_value(cls, entry, preview_objects, db):
    _name, block = entry
    assert hasattr(block.meta, "preview_value"), f"{cls.__name__} has no Meta.preview_value"
    value = block.get_preview_value()
    assert value is not None
    if not callable(block.meta.preview_value):
        # A fixed preview must pass the block's own validation, or the picker shows nonsense.
        # (Previews built from the site's images and documents are checked by rendering.)
        block.clean(value)


@pytest.mark.django_db
@pytest.mark.parametrize(("cls", "entry"), LIBRARY.items(), ids=BLOCK_IDS)
def test_block_preview_renders(cls, entry, preview_objects, db, rf):
    _name, block = entry
    request = rf.get("/")
    html = block.render(block.get_preview_value(), context={"request": request})
    assert str(html).strip(), f"{cls.__name__} renders nothing for its preview"
    assert "cc-" in html or "<" in html


@pytest.mark.django_db
def test_previews_without_any_objects_do_not_crash():
    # A new site has no images, documents or people yet: the block picker must still open.
    for model in (get_image_model(), get_document_model(), Person, Organisation):
        model.objects.all().delete()
    for _cls, (_name, block) in LIBRARY.items():
        block.get_preview_value()


def test_rich_text_features_are_limited():
    for features in (RICH_TEXT_FEATURES, INLINE_RICH_TEXT_FEATURES):
        assert not {"image", "embed", "h1", "h2", "code"} & set(features)
    assert {"bold", "italic", "link"} <= set(RICH_TEXT_FEATURES)


def test_rich_text_blocks_use_the_limited_features():
    def rich_text_blocks(block):
        if isinstance(block, wagtail_blocks.RichTextBlock):
            yield block
        for child in getattr(block, "child_blocks", {}).values():
            yield from rich_text_blocks(child)
        if isinstance(block, wagtail_blocks.ListBlock):
            yield from rich_text_blocks(block.child_block)

    found = [b for stream in (BodyBlock(), AgendaBlock()) for b in rich_text_blocks(stream)]
    assert found
    for block in found:
        assert not {"image", "embed", "h1", "code"} & set(block.features or [])


# Headings and links ----------------------------------------------------------------------


def clean_struct(block, data):
    return block.clean(block.to_python(data))


@pytest.mark.parametrize("anchor", ["results", "phase-2", ""])
def test_heading_anchor_accepts_slugs(anchor):
    value = clean_struct(HeadingBlock(), {"text": "Results", "level": "h2", "anchor": anchor})
    assert value["anchor"] == anchor


@pytest.mark.parametrize("anchor", ["Results", "two words", "a/b", "#results", "wynik-ś"])
def test_heading_anchor_rejects_other_text(anchor):
    with pytest.raises(StructBlockValidationError) as excinfo:
        clean_struct(HeadingBlock(), {"text": "Results", "level": "h2", "anchor": anchor})
    assert "anchor" in excinfo.value.block_errors


def test_heading_level_h1_is_not_offered():
    with pytest.raises(ValidationError):
        clean_struct(HeadingBlock(), {"text": "Title", "level": "h1"})


@pytest.mark.django_db
def test_link_needs_exactly_one_target(preview_objects):
    block = LinkBlock()
    page = preview_objects.cities
    clean_struct(block, {"page": page.pk, "url": "", "label": "Cities"})
    clean_struct(block, {"page": None, "url": "https://example.org/", "label": "Elsewhere"})
    for data in (
        {"page": None, "url": "", "label": "Nowhere"},
        {"page": page.pk, "url": "https://example.org/", "label": "Both"},
    ):
        with pytest.raises(StructBlockValidationError) as excinfo:
            clean_struct(block, data)
        assert "url" in excinfo.value.block_errors


# Embeds: a link, never a third-party request ----------------------------------------------


def embed_value(url, **kw):
    kw.setdefault("title", "Recording of the opening session")
    return EmbedBlock().to_python({"url": url, "caption": "", **kw})


def test_embed_refuses_plain_http():
    with pytest.raises(StructBlockValidationError) as excinfo:
        EmbedBlock().clean(embed_value("http://www.youtube.com/watch?v=aqz-KE-bpKQ"))
    assert "url" in excinfo.value.block_errors
    EmbedBlock().clean(embed_value("https://www.youtube.com/watch?v=aqz-KE-bpKQ"))


def test_embed_needs_a_title():
    with pytest.raises(StructBlockValidationError):
        EmbedBlock().clean(embed_value("https://vimeo.com/76979871", title=""))


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
        "https://vimeo.com/76979871",
        "https://media.example.org/video.mp4",
    ],
)
def test_embed_renders_a_link_and_loads_nothing(url):
    html = str(EmbedBlock().render(embed_value(url)))
    assert "<iframe" not in html.lower()
    assert "<script" not in html.lower()
    assert "<video" not in html.lower()
    assert "<img" not in html.lower()
    # No attribute makes the browser fetch anything by itself.
    assert not re.search(r"\b(src|srcset|poster|data)\s*=", html, re.IGNORECASE)
    assert f'href="{url}"' in html.replace("&amp;", "&")
    assert "Recording of the opening session" in html


def test_embed_title_is_escaped():
    html = str(EmbedBlock().render(embed_value("https://vimeo.com/1", title='<b onmouseover="x">')))
    assert "<b onmouseover" not in html
    assert "&lt;b onmouseover" in html


@pytest.mark.parametrize(
    ("url", "player"),
    [
        (
            "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
            "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ",
        ),
        (
            "https://youtube.com/watch?feature=share&v=aqz-KE-bpKQ",
            "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ",
        ),
        ("https://youtu.be/aqz-KE-bpKQ", "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://VIMEO.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://media.example.org/watch?v=aqz-KE-bpKQ", ""),
        ("https://youtube.com.evil.example/watch?v=abc", ""),
        ("https://www.youtube.com/watch?v=", ""),
        ("https://www.youtube.com/watch?v=x%22onload%3Dalert(1)", ""),
        ('https://www.youtube.com/watch?v=x"onload=alert(1)', ""),
        ('https://youtu.be/x"onload=alert(1)', ""),
        ("https://youtu.be/../../evil", ""),
        ('https://vimeo.com/1"><script>alert(1)</script>', ""),
        ("https://vimeo.com/", ""),
        ("javascript:alert(1)", ""),
        ("", ""),
    ],
)
def test_embed_player_url(url, player):
    assert embed_player_url(url) == player


def test_malicious_video_id_renders_no_player():
    value = embed_value('https://youtu.be/x"onload=alert(1)')
    html = str(EmbedBlock().render(value))
    assert "data-cc-embed-player" not in html
    assert 'x"onload' not in html
