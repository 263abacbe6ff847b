"""Block previews in the admin's block picker (issue 13, item 3).

Every block an editor can add to a page body, an agenda or the materials has a preview: the
block picker asks Wagtail's ``/admin/block-preview/?id=<block definition>`` for it. The tests
open each preview as a city editor and check that it shows the block's content with the public
stylesheet, and that a site with nothing to choose from (no images, documents, people ...)
gets a clear note instead of an error or an empty frame.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from cities_cms.conf import settings as conf
from cities_cms.pages import CityPage, PracticeModelPage, SeminarPage

from .utils import make_city, make_document, make_image, make_organisation, make_person

# The picker's blocks and a text each preview must show (English, the editor's language).
EXPECTED = {
    "heading": "What the city learned",
    "paragraph": "Poznań leads the network",
    "image": "Photo: city archive",
    "gallery": "Study visit to a harbour district",
    "quote": "We stopped planning for residents",
    "notice": "Places are limited to two people per partner city.",
    "key_figures": "partner cities",
    "indicators": "Residents taking part in consultations",
    "timeline": "Closing conference",
    "embed": "Recording of the opening session",
    "document_list": "Seminar report",
    "call_to_action": "Share your practice model",
    "accordion": "Who can take part?",
    "table": "Participants per seminar",
    "contact_card": "Ieva Example",
    "page_cards": "Daugavpils",
    "partner_logos": "Daugavpils University",
}
AGENDA_EXPECTED = {
    "day": "Walk through a changing district",
    "session": "Indicators that tell a city it is changing",
    "notice": "Places are limited",
}


def body_blocks():
    return CityPage._meta.get_field("body").stream_block.child_blocks


def preview_url(block):
    return reverse("wagtailadmin_block_preview") + f"?id={block.definition_prefix}"


@pytest.fixture
def editor_client(client, site_tree):
    user = get_user_model().objects.create_user("editor", "editor@example.org", "x")
    user.groups.add(Group.objects.get(name=conf.CITIES_CMS_EDITOR_GROUP))
    client.force_login(user)
    return client


def test_every_body_block_is_previewable_with_a_description():
    blocks = body_blocks()
    assert len(blocks) == 17
    for name, block in blocks.items():
        assert block.is_previewable, name
        assert str(block.get_description()).strip(), name
    assert set(blocks) == set(EXPECTED)


def test_each_preview_renders_its_content_with_the_public_stylesheet(editor_client, site_tree):
    make_image("Old town")
    make_document("Seminar report")
    make_person(name="Ieva Example")
    make_organisation(name="Daugavpils University")
    make_city(site_tree.cities, title="Daugavpils", slug="daugavpils")
    for name, block in body_blocks().items():
        # The example must pass the block's own validation, or the picker shows nonsense.
        block.clean(block.get_preview_value())
        response = editor_client.get(preview_url(block))
        assert response.status_code == 200, name
        html = response.content.decode()
        assert EXPECTED[name] in html, name
        assert "cities_cms/css/cities_cms.css" in html, name
        assert "shows things chosen from this site" not in html, name
    assert "<img" in editor_client.get(preview_url(body_blocks()["image"])).content.decode()


def test_agenda_and_materials_blocks_have_previews(editor_client):
    agenda = SeminarPage._meta.get_field("agenda").stream_block.child_blocks
    for name, block in agenda.items():
        response = editor_client.get(preview_url(block))
        assert response.status_code == 200, name
        assert AGENDA_EXPECTED[name] in response.content.decode(), name
    materials = SeminarPage._meta.get_field("materials").stream_block.child_blocks
    for name, block in materials.items():
        assert block.is_previewable, name


@pytest.mark.parametrize(
    "name", ["image", "gallery", "document_list", "contact_card", "partner_logos"]
)
def test_a_preview_with_nothing_to_choose_says_so(editor_client, name):
    """A new site has no images, documents, people or organisations yet."""
    assert not PracticeModelPage.objects.exists() and not CityPage.objects.exists()
    response = editor_client.get(preview_url(body_blocks()[name]))
    assert response.status_code == 200
    assert "shows things chosen from this site" in response.content.decode()


def test_previews_are_in_the_editors_language(editor_client):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(get_user_model().objects.get(username="editor"))
    profile.preferred_language = "lv"
    profile.save()
    response = editor_client.get(preview_url(body_blocks()["heading"]))
    assert response.status_code == 200
    assert 'lang="lv"' in response.content.decode()


def test_previews_are_for_signed_in_editors_only(client, site_tree):
    response = client.get(preview_url(body_blocks()["heading"]))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
