"""Outbound documents and records: what leaves the site, when, and with which version."""

import hashlib
import uuid

import pytest
from django.core.management import call_command
from django.test import override_settings

from cities_cms.federation import records
from cities_cms.federation.identity import current_identity
from cities_cms.federation.models import OutboundRecord, SharedPage
from cities_cms.federation.outbound import build_document, build_tombstone
from cities_cms.federation.signals import outbound_changed
from cities_cms.federation.signing import verify_envelope

from ..utils import (
    approve_for_network,
    make_city,
    make_image,
    make_person,
    make_practice_model,
    make_private,
    make_shared_practice_model,
    translate,
)

pytestmark = pytest.mark.usefixtures("federation_key")


def record_of(page):
    return OutboundRecord.objects.filter(global_id=page.translation_key).first()


def document_of(page):
    record = record_of(page)
    assert record is not None, "no outbound record"
    return verify_envelope(record.envelope, current_identity().public_key)


@pytest.fixture
def changes():
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    outbound_changed.connect(listener, dispatch_uid="test_outbound_listener")
    yield received
    outbound_changed.disconnect(dispatch_uid="test_outbound_listener")


# --- what never leaves ----------------------------------------------------------------------


def test_shared_approved_practice_model_is_recorded(site_tree):
    page = make_shared_practice_model(site_tree.practices, title="Night buses")
    record = record_of(page)
    assert record.version == 1
    assert not record.deleted
    document = document_of(page)
    assert document["type"] == "practice-model"
    assert document["id"] == str(page.translation_key)
    assert document["locales"]["en"]["title"] == "Night buses"
    assert document["canonical"]["en"].endswith("/practice-models/night-buses/")
    assert document["canonical"]["en"].startswith("http")


def test_draft_is_not_recorded(site_tree):
    page = make_practice_model(site_tree.practices, shared=True, live=False)
    page.save_revision()
    assert record_of(page) is None
    assert build_document(page) is None


def test_unshared_page_is_not_recorded(site_tree):
    page = make_shared_practice_model(site_tree.practices, shared=False)
    assert page.live
    assert record_of(page) is None
    assert build_document(page) is None


def test_shared_but_not_network_approved_is_not_recorded(site_tree):
    # Published directly, without the coordinator's approval step.
    page = make_practice_model(site_tree.practices, shared=True)
    assert page.live
    assert record_of(page) is None
    assert build_document(page) is None


@override_settings(CITIES_CMS_SYNC_TREES=False)
def test_without_network_approval_workflow_shared_is_enough(site_tree):
    from wagtail.models import WorkflowPage

    WorkflowPage.objects.filter(page=site_tree.practices).delete()
    page = make_practice_model(site_tree.practices, shared=True)
    assert record_of(page) is not None


def test_private_page_is_not_recorded(site_tree):
    page = make_practice_model(site_tree.practices, shared=True, live=False)
    make_private(page)
    page = approve_for_network(page)
    assert page.live
    assert record_of(page) is None
    assert build_document(page) is None


def test_page_under_private_ancestor_is_not_recorded(site_tree):
    make_private(site_tree.practices)
    page = make_shared_practice_model(site_tree.practices)
    assert record_of(page) is None
    assert build_document(page) is None


def test_received_copies_are_never_shared_again(site_tree):
    from cities_cms.federation.models import FederatedCopy

    page = make_practice_model(site_tree.practices, shared=True, live=False)
    FederatedCopy.objects.create(
        global_id=page.translation_key,
        origin_url="https://riga.example",
        origin_key_fingerprint="ab" * 32,
        origin_city="Riga",
        version=3,
    )
    page = approve_for_network(page)
    assert record_of(page) is None
    assert build_document(page) is None


# --- content --------------------------------------------------------------------------------


def test_document_fields_themes_and_attribution(site_tree):
    city = make_city(site_tree.cities, title="Daugavpils", country="LV")
    person = make_person(name="Anna Planner", email="anna@daugavpils.example")
    page = make_shared_practice_model(
        site_tree.practices,
        title="Green roofs",
        city=city,
        contact=person,
        budget="120000.50",
        start_year=2019,
        themes=[site_tree.themes["housing"], site_tree.themes["climate"]],
    )
    document = document_of(page)
    assert document["themes"] == ["climate", "housing"]
    assert document["fields"]["budget"] == "120000.50"
    assert document["fields"]["start_year"] == 2019
    assert document["origin"]["city"] == {"name": "Daugavpils", "country": "LV"}
    assert document["origin"]["key_id"] == current_identity().key_id
    assert document["licence"] == "CC-BY-4.0"
    # No personal data unless the editor allows it.
    assert document["attribution"] == {"organisation": "Daugavpils", "contact": None}
    assert "anna@daugavpils.example" not in str(document)

    SharedPage.objects.create(translation_key=page.translation_key, share_contact=True)
    records.refresh(page.translation_key)
    document = document_of(page)
    assert document["attribution"]["contact"] == {
        "name": "Anna Planner",
        "role": "Urban planner",
        "email": "anna@daugavpils.example",
    }
    assert record_of(page).version == 2


def test_rich_text_is_sanitised_and_links_made_absolute(site_tree):
    other = make_practice_model(site_tree.practices, title="Linked page")
    html = (
        '<p>Hello<script>alert("x")</script> <img src="x" onerror="alert(1)">'
        '<a href="javascript:alert(1)">bad</a> <a href="/relative/">rel</a> '
        f'<a linktype="page" id="{other.pk}">internal</a>'
        '<a href="https://example.org/" onclick="steal()">ext</a></p>'
    )
    page = make_shared_practice_model(site_tree.practices, challenge=html)
    challenge = document_of(page)["locales"]["en"]["challenge"]
    assert "<script" not in challenge and "alert" not in challenge
    assert "onerror" not in challenge and "onclick" not in challenge
    assert "javascript:" not in challenge
    assert "<img" not in challenge
    assert 'href="http://localhost/relative/"' in challenge
    assert 'href="http://localhost/practice-models/linked-page/"' in challenge
    assert '<a href="https://example.org/">ext</a>' in challenge


def test_blocks_and_media_with_sha256(site_tree):
    image = make_image("Roof", width=60, height=40)
    body = [
        {"type": "paragraph", "value": "<p>Text<script>x()</script></p>"},
        {"type": "image", "value": {"image": image.pk, "caption": "A roof", "credit": "City"}},
    ]
    gallery = [
        {
            "type": "gallery",
            "value": {"heading": "", "images": [{"image": image.pk, "caption": "Again"}]},
        }
    ]
    page = make_shared_practice_model(
        site_tree.practices, body=body, gallery=gallery, listing_image=image
    )
    document = document_of(page)
    fields = document["locales"]["en"]
    assert fields["body"][0]["type"] == "paragraph"
    assert fields["body"][0]["value"] == "<p>Text</p>"
    assert fields["body"][1]["value"]["image"]["media"] == "m1"
    assert fields["body"][1]["value"]["caption"] == "A roof"
    assert fields["gallery"][0]["value"]["images"][0]["value"]["image"]["media"] == "m1"
    # The listing image travels as an ImageUse, like an image block's (docs §4).
    assert fields["listing_image"] == {
        "media": "m1",
        "alt_text": document["media"][0]["alt"]["en"],
        "decorative": False,
    }
    # One media entry for the image used three times.
    assert len(document["media"]) == 1
    media = document["media"][0]
    image.file.open("rb")
    expected = hashlib.sha256(image.file.read()).hexdigest()
    image.file.close()
    assert media["sha256"] == expected
    assert media["width"] == 60 and media["height"] == 40
    assert media["content_type"] == "image/png"
    assert media["url"].startswith("http://localhost/") and media["url"].endswith(".png")
    assert media["alt"]["en"]


def test_documents_follow_the_published_schema(site_tree):
    """What the encoder writes validates against the JSON Schema every instance publishes."""
    import json

    import jsonschema

    from cities_cms.federation.schema.jsonschema import SCHEMA_FILE

    image = make_image("Roof", width=60, height=40)
    page = make_shared_practice_model(
        site_tree.practices,
        body=[
            {"type": "heading", "value": {"text": "A heading", "level": "h2"}},
            {"type": "image", "value": {"image": image.pk, "caption": "A roof"}},
            {"type": "quote", "value": {"quote": "Said.", "attribution": "Someone"}},
        ],
        gallery=[
            {"type": "gallery", "value": {"images": [{"image": image.pk, "caption": "Again"}]}}
        ],
        indicators=[
            {"type": "indicator", "value": {"name": "Trips", "value": "12.50", "year": 2024}}
        ],
        listing_image=image,
    )
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    record = record_of(page)
    errors = [e.message for e in validator.iter_errors(record.envelope)]
    assert errors == []
    document = record.envelope["document"]
    tombstone = build_tombstone(page.translation_key, 2, "deleted")
    assert list(validator.iter_errors({**tombstone, "id": document["id"]})) == []


def test_every_live_locale_appears(site_tree):
    page = make_shared_practice_model(site_tree.practices, title="Bike lanes")
    latvian = translate(page, "lv", title="Veloceliņi")
    records.refresh(page.translation_key)
    document = document_of(page)
    assert set(document["locales"]) == {"en", "lv"}
    assert document["locales"]["lv"]["title"] == "Veloceliņi"
    assert document["canonical"]["lv"].endswith(latvian.url_path.split("/", 2)[-1])
    assert "/lv/" in document["canonical"]["lv"]
    assert document["source_locale"] == "en"

    # Privacy set on the translation holds for every language (cities_cms.privacy): withdrawn.
    make_private(latvian)
    assert (document_of(page)["type"], document_of(page)["reason"]) == ("tombstone", "private")


# --- tombstones and versions ----------------------------------------------------------------


def test_unsharing_produces_a_tombstone(site_tree):
    page = make_shared_practice_model(site_tree.practices)
    page.shared = False
    page.save_revision().publish()
    record = record_of(page)
    assert record.deleted and record.version == 2
    document = document_of(page)
    assert document["type"] == "tombstone" and document["reason"] == "unshared"


def test_unpublishing_produces_a_tombstone(site_tree):
    page = make_shared_practice_model(site_tree.practices)
    page.unpublish()
    assert document_of(page)["reason"] == "unpublished"
    assert record_of(page).deleted


def test_making_private_produces_a_tombstone_and_public_again_a_new_version(site_tree):
    page = make_shared_practice_model(site_tree.practices)
    restriction = make_private(site_tree.practices)  # an ancestor
    assert document_of(page)["reason"] == "private"
    assert record_of(page).version == 2
    restriction.delete()
    record = record_of(page)
    assert not record.deleted and record.version == 3


def test_deleting_produces_a_tombstone(site_tree):
    page = make_shared_practice_model(site_tree.practices)
    key = page.translation_key
    page.delete()
    record = OutboundRecord.objects.get(global_id=key)
    assert record.deleted
    assert verify_envelope(record.envelope, current_identity().public_key)["reason"] == "deleted"


def test_deleting_one_translation_keeps_the_others(site_tree):
    page = make_shared_practice_model(site_tree.practices)
    latvian = translate(page, "lv")
    records.refresh(page.translation_key)
    assert set(document_of(page)["locales"]) == {"en", "lv"}
    latvian.delete()
    record = record_of(page)
    assert not record.deleted
    assert set(document_of(page)["locales"]) == {"en"}


def test_versions_only_grow_and_are_not_reused_after_resharing(site_tree):
    page = make_shared_practice_model(site_tree.practices)
    assert record_of(page).version == 1
    page.shared = False
    page.save_revision().publish()
    assert record_of(page).version == 2
    page.shared = True
    page = approve_for_network(page)
    record = record_of(page)
    assert record.version == 3 and not record.deleted


def test_republishing_unchanged_content_keeps_the_version(
    site_tree, changes, django_capture_on_commit_callbacks
):
    page = make_shared_practice_model(site_tree.practices)
    record = record_of(page)
    with django_capture_on_commit_callbacks(execute=True):
        page = approve_for_network(page)
    again = record_of(page)
    assert (again.version, again.sequence) == (record.version, record.sequence)
    assert changes == []  # nothing announced to peers either


def test_edit_without_approval_keeps_last_approved_document(site_tree):
    page = make_shared_practice_model(site_tree.practices, title="Approved title")
    page.title = "Unapproved title"
    page.save_revision().publish()
    assert document_of(page)["locales"]["en"]["title"] == "Approved title"
    page = approve_for_network(page)
    assert document_of(page)["locales"]["en"]["title"] == "Unapproved title"
    assert record_of(page).version == 2


def test_sequence_strictly_increases_across_the_instance(site_tree):
    first = make_shared_practice_model(site_tree.practices)
    second = make_shared_practice_model(site_tree.practices)
    s1, s2 = record_of(first).sequence, record_of(second).sequence
    assert s2 > s1
    first.shared = False
    first.save_revision().publish()
    assert record_of(first).sequence > s2


def test_changes_are_announced_after_commit(site_tree, changes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = make_shared_practice_model(site_tree.practices)
    record = record_of(page)
    assert [c["global_ids"] for c in changes] == [[str(page.translation_key)]]
    assert changes[0]["sequence"] == record.sequence


def test_too_large_document_is_not_served_and_the_problem_is_kept(site_tree, caplog):
    page = make_shared_practice_model(site_tree.practices, title="Small")
    with override_settings(CITIES_CMS_FEDERATION_MAX_DOCUMENT_BYTES=2000):
        page.approach = "<p>" + "long text " * 500 + "</p>"
        page = approve_for_network(page)
    record = record_of(page)
    assert record.version == 1  # the last good document stays
    assert document_of(page)["locales"]["en"]["title"] == "Small"
    shared = SharedPage.objects.get(translation_key=page.translation_key)
    assert "more than the limit" in shared.problem
    assert "not served" in caplog.text
    # Within the limit again: served, problem gone.
    records.refresh(page.translation_key)
    assert record_of(page).version == 2
    assert SharedPage.objects.get(translation_key=page.translation_key).problem == ""


def test_tombstone_shape(db):
    key = uuid.uuid4()
    tombstone = build_tombstone(key, 7, "deleted")
    assert tombstone["type"] == "tombstone" and tombstone["version"] == 7
    assert tombstone["id"] == str(key)
    with pytest.raises(ValueError):
        build_tombstone(key, 7, "bored")


def test_rebuild_command_recomputes_everything(site_tree):
    page = make_shared_practice_model(site_tree.practices)
    gone = make_shared_practice_model(site_tree.practices)
    OutboundRecord.objects.all().delete()
    # Change a page behind the signals' back.
    type(gone).objects.filter(pk=gone.pk).update(shared=False)
    call_command("cities_cms_federation_rebuild", verbosity=0)
    assert record_of(page).version == 1
    assert record_of(gone) is None  # never shared as far as the feed knows
    call_command("cities_cms_federation_rebuild", verbosity=0)
    assert record_of(page).version == 1  # unchanged: same version


def test_nothing_is_recorded_without_a_key_file(site_tree, tmp_path):
    with override_settings(CITIES_CMS_FEDERATION_KEY_FILE=str(tmp_path / "none.pem")):
        page = make_shared_practice_model(site_tree.practices)
    assert page.live
    assert record_of(page) is None


def test_deleting_the_index_withdraws_its_practice_models(site_tree):
    page = make_shared_practice_model(site_tree.practices)
    key = page.translation_key
    site_tree.practices.delete()
    record = OutboundRecord.objects.get(global_id=key)
    assert record.deleted
    assert verify_envelope(record.envelope, current_identity().public_key)["reason"] == "deleted"


def test_moving_under_a_private_section_withdraws(site_tree):
    from ..utils import add_page

    page = make_shared_practice_model(site_tree.practices)
    from cities_cms.pages import PracticeModelIndexPage

    private_index = add_page(
        site_tree.home, PracticeModelIndexPage(title="Internal", slug="internal")
    )
    make_private(private_index)
    page.move(private_index, pos="last-child")
    assert document_of(page)["reason"] == "private"


def test_links_in_blocks_are_absolute_and_people_stay_home(site_tree):
    from ..utils import make_document

    public = make_practice_model(site_tree.practices, title="Public neighbour")
    draft = make_practice_model(site_tree.practices, title="Draft neighbour", live=False)
    person = make_person(name="Private Person", email="private@example.org")
    document_file = make_document("Report")
    body = [
        {"type": "page_cards", "value": {"heading": "See also", "pages": [public.pk, draft.pk]}},
        {"type": "contact_card", "value": {"person": person.pk, "show_email": True}},
        {
            "type": "document_list",
            "value": {"heading": "", "documents": [{"document": document_file.pk}]},
        },
    ]
    page = make_shared_practice_model(site_tree.practices, body=body)
    blocks = document_of(page)["locales"]["en"]["body"]
    pages = [item["value"] for item in blocks[0]["value"]["pages"]]
    assert pages == ["http://localhost/practice-models/public-neighbour/", None]
    assert blocks[1]["value"]["person"] is None
    assert "private@example.org" not in str(document_of(page))
    url = blocks[2]["value"]["documents"][0]["value"]["document"]
    assert url.startswith("http://localhost/documents/") and url.endswith("report.pdf")
