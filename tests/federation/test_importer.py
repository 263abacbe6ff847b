"""The importer: signed documents from an approved peer become published practice models.

Images are served by a real HTTP server on 127.0.0.1 (the peer is marked local).
"""

import uuid

import pytest
from wagtail.images import get_image_model
from wagtail.models import Locale, Page, Revision

from cities_cms.federation.models import FederatedCopy, FederatedMedia, PeerEvent
from cities_cms.federation.sync import import_envelope
from cities_cms.pages import PracticeModelPage
from cities_cms.snippets import Theme

from ..utils import make_city, make_practice_model, translate
from .factories import FeedServer, RemoteSite, image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote(federation_key):
    with FeedServer() as server:
        site = RemoteSite(server.base_url)
        site.server = server
        site.peer = site.approve_here()
        yield site


@pytest.fixture
def tree(site_tree):
    """The network site with a Latvian practice model index (as synchronised trees have)."""
    translate(site_tree.practices, "lv")
    return site_tree


def counts():
    return (
        Page.objects.count(),
        Revision.objects.count(),
        get_image_model().objects.count(),
        FederatedCopy.objects.count(),
    )


def copies_of(global_id):
    return {
        page.locale.language_code: page
        for page in PracticeModelPage.objects.filter(translation_key=global_id).select_related(
            "locale"
        )
    }


def test_imports_a_practice_model_in_both_languages_with_its_image(remote, tree):
    data = image_bytes()
    remote.server.files["/media/original_images/m1.png"] = data
    item = remote.media_item("m1", data, path="/media/original_images/m1.png")
    block_image = {"media": "m1", "alt_text": "Courtyard", "decorative": False}
    document = remote.document(
        media=[item],
        locale_changes={
            "en": {
                "listing_image": {"media": "m1", "alt_text": "", "decorative": False},
                "body": [
                    {"type": "image", "value": {"image": block_image, "caption": "Before"}},
                    {"type": "paragraph", "value": "<p>Text</p>", "id": str(uuid.uuid4())},
                ],
            }
        },
    )
    outcome = import_envelope(remote.peer, remote.envelope(document))
    assert outcome.status == "imported", outcome

    pages = copies_of(document["id"])
    assert set(pages) == {"en", "lv", "pl"}
    # Polish is not in the document: the synchronised tree shows the source there.
    assert pages.pop("pl").alias_of_id == pages["en"].pk
    en, lv = pages["en"], pages["lv"]
    assert en.live and lv.live and not en.shared and not lv.shared
    assert en.title == "Green courtyards" and lv.title == "Zaļie pagalmi"
    assert en.get_parent().pk == tree.practices.pk
    assert lv.get_parent().specific.translation_key == tree.practices.translation_key
    assert str(en.translation_key) == document["id"] == str(lv.translation_key)
    assert en.live_revision_id and Revision.objects.filter(object_id=str(en.pk)).count() == 1
    assert {t.key for t in en.themes.all()} == {"housing", "mobility"}
    # Latvian themes where this site has them, else the default locale's.
    lv_keys = set(Theme.objects.filter(locale=lv.locale).values_list("key", flat=True))
    for theme in lv.themes.all():
        expected = lv.locale_id if theme.key in lv_keys else Locale.get_default().pk
        assert theme.locale_id == expected
    assert {t.key for t in lv.themes.all()} == {"housing", "mobility"}
    assert en.budget is not None and str(en.budget) == "120000.00"
    assert [s.name for s in en.stakeholders.all()] == ["Residents"]
    assert en.licence == "CC-BY-4.0"

    media = FederatedMedia.objects.get(sha256=item["sha256"])
    assert en.listing_image_id == media.image_id
    assert media.image.collection.name == "Shared by partners"
    image_block = en.body[0]
    assert image_block.block_type == "image"
    assert image_block.value["image"].pk == media.image_id
    assert lv.listing_image_id is None

    copy = FederatedCopy.objects.get(global_id=document["id"])
    assert copy.version == 1 and copy.origin_city == "Daugavpils" and not copy.withdrawn
    assert copy.canonical_urls == document["canonical"]
    assert copy.peer == remote.peer


def test_reimport_changes_nothing_and_images_are_fetched_once(remote, tree):
    data = image_bytes(colour=(1, 2, 3))
    remote.server.files["/m.png"] = data
    item = remote.media_item("m1", data, path="/m.png")
    document = remote.document(
        media=[item],
        locale_changes={"en": {"listing_image": {"media": "m1"}}},
    )
    envelope = remote.envelope(document)
    assert import_envelope(remote.peer, envelope).status == "imported"
    before = counts()
    assert import_envelope(remote.peer, envelope).status == "unchanged"
    assert counts() == before
    # Another practice model with the same image reuses it.
    other = remote.document(media=[item], locale_changes={"en": {"listing_image": {"media": "m1"}}})
    assert import_envelope(remote.peer, remote.envelope(other)).status == "imported"
    image_requests = [path for _m, path, _h in remote.server.requests if path == "/m.png"]
    assert len(image_requests) == 1
    assert FederatedMedia.objects.count() == 1


def test_a_newer_version_updates_every_locale_and_drops_a_removed_one(remote, tree):
    global_id = str(uuid.uuid4())
    first = remote.document(global_id=global_id)
    assert import_envelope(remote.peer, remote.envelope(first)).status == "imported"
    second = remote.document(global_id=global_id, version=2, titles={"en": "Blue courtyards"})
    outcome = import_envelope(remote.peer, remote.envelope(second))
    assert outcome.status == "updated"
    pages = copies_of(global_id)
    assert pages["en"].title == "Blue courtyards" and pages["en"].live
    assert not pages["lv"].live  # the new version no longer has Latvian
    assert FederatedCopy.objects.get(global_id=global_id).version == 2
    # Revisions: one per publication.
    assert Revision.objects.filter(object_id=str(pages["en"].pk)).count() == 2


def test_old_version_after_newer_is_refused(remote, tree):
    global_id = str(uuid.uuid4())
    import_envelope(remote.peer, remote.envelope(remote.document(global_id=global_id, version=3)))
    before = counts()
    old = remote.document(global_id=global_id, version=2, titles={"en": "Replayed"})
    outcome = import_envelope(remote.peer, remote.envelope(old))
    assert outcome.status == "refused" and outcome.code == "old-version"
    assert counts() == before
    assert copies_of(global_id)["en"].title == "Green courtyards"
    assert PeerEvent.objects.filter(peer=remote.peer, code="old-version").exists()
    remote.peer.refresh_from_db()
    assert "old-version" in remote.peer.last_error


def test_tombstone_unpublishes_the_copy_and_a_later_version_brings_it_back(remote, tree):
    global_id = str(uuid.uuid4())
    import_envelope(remote.peer, remote.envelope(remote.document(global_id=global_id)))
    outcome = import_envelope(remote.peer, remote.envelope(remote.tombstone(global_id, 2)))
    assert outcome.status == "withdrawn"
    assert PeerEvent.objects.get(peer=remote.peer, code="withdrawn").message == (
        "Version 2 withdrew the practice model: its copy is offline."
    )
    assert not any(page.live for page in copies_of(global_id).values())
    copy = FederatedCopy.objects.get(global_id=global_id)
    assert copy.withdrawn and copy.version == 2
    # The tombstone replayed, or the old document replayed: nothing comes back.
    assert import_envelope(remote.peer, remote.envelope(remote.tombstone(global_id, 2))).status == (
        "unchanged"
    )
    replay = import_envelope(remote.peer, remote.envelope(remote.document(global_id=global_id)))
    assert replay.code == "old-version"
    assert not any(page.live for page in copies_of(global_id).values())
    # Re-shared at the origin: version 3 publishes it again.
    back = import_envelope(
        remote.peer, remote.envelope(remote.document(global_id=global_id, version=3))
    )
    assert back.status == "updated"
    assert all(page.live for page in copies_of(global_id).values())
    assert not FederatedCopy.objects.get(global_id=global_id).withdrawn


def test_detached_copy_is_not_updated(remote, tree):
    global_id = str(uuid.uuid4())
    import_envelope(remote.peer, remote.envelope(remote.document(global_id=global_id)))
    FederatedCopy.objects.filter(global_id=global_id).update(detached=True)
    before = counts()
    newer = remote.document(global_id=global_id, version=2, titles={"en": "Changed at origin"})
    outcome = import_envelope(remote.peer, remote.envelope(newer))
    assert outcome.status == "skipped"
    assert counts() == before
    assert copies_of(global_id)["en"].title == "Green courtyards"
    assert PeerEvent.objects.filter(peer=remote.peer, code="skipped").exists()


def test_city_is_mapped_by_name_and_country(remote, tree):
    city = make_city(tree.cities, title="Daugavpils", country="LV")
    document = remote.document(titles={"en": "With a city"})
    import_envelope(remote.peer, remote.envelope(document))
    assert copies_of(document["id"])["en"].city_id == city.pk
    other = RemoteSite("http://127.0.0.2:9", city=("Nowhere", "PL"))
    other.peer = other.approve_here()
    document = other.document(titles={"en": "Without a city"})
    assert import_envelope(other.peer, other.envelope(document)).status == "imported"
    assert copies_of(document["id"])["en"].city_id is None
    assert FederatedCopy.objects.get(global_id=document["id"]).origin_city == "Nowhere"


def test_relayed_document_is_accepted_only_with_its_authors_key(remote, tree):
    """A hub serves city A's document: it verifies against A's pinned key."""
    author = RemoteSite("http://127.0.0.3:9", city=("Poznań", "PL"))
    author.approve_here()
    document = author.document(titles={"en": "Relayed"})
    outcome = import_envelope(remote.peer, author.envelope(document))  # served by `remote`
    assert outcome.status == "imported"
    assert FederatedCopy.objects.get(global_id=document["id"]).origin_url == author.base_url

    forged = author.document(titles={"en": "Forged by the hub"})
    outcome = import_envelope(remote.peer, author.envelope(forged, signer=remote.identity))
    assert outcome.code == "wrong-key"
    assert not copies_of(forged["id"])
    assert PeerEvent.objects.filter(peer=remote.peer, code="wrong-key").exists()


def test_a_peer_cannot_overwrite_another_authors_copy_or_local_pages(remote, tree):
    author = RemoteSite("http://127.0.0.3:9", city=("Poznań", "PL"))
    author.approve_here()
    document = author.document(titles={"en": "Poznań's"})
    import_envelope(remote.peer, author.envelope(document))
    hijack = remote.document(global_id=document["id"], version=9, titles={"en": "Hijacked"})
    outcome = import_envelope(remote.peer, remote.envelope(hijack))
    assert outcome.code == "wrong-origin"
    assert copies_of(document["id"])["en"].title == "Poznań's"

    local = make_practice_model(tree.practices, title="Local one")
    clash = remote.document(global_id=str(local.translation_key), titles={"en": "Clash"})
    outcome = import_envelope(remote.peer, remote.envelope(clash))
    assert outcome.code == "conflict"
    local.refresh_from_db()
    assert local.title != "Clash"


def test_own_documents_are_refused(remote, tree, settings):
    settings.CITIES_CMS_FEDERATION_BASE_URL = remote.base_url
    document = remote.document()
    outcome = import_envelope(remote.peer, remote.envelope(document))
    assert outcome.code == "own-document"
    assert not copies_of(document["id"])


def test_unknown_author_is_refused(remote, tree):
    stranger = RemoteSite("http://127.0.0.4:9")
    document = stranger.document()
    outcome = import_envelope(remote.peer, stranger.envelope(document))
    assert outcome.code == "unknown-author"
    assert PeerEvent.objects.filter(peer=remote.peer, code="unknown-author").exists()


def test_aliases_of_synchronised_trees_become_translations(remote, tree):
    """With synchronised trees, a page in English gets aliases in the other languages; a later
    version in Latvian turns the Latvian alias into a real translation."""
    from wagtail_localize.models import LocaleSynchronization

    lv = Locale.objects.get(language_code="lv")
    LocaleSynchronization.objects.get_or_create(locale=lv, sync_from=Locale.get_default())
    global_id = str(uuid.uuid4())
    import_envelope(
        remote.peer,
        remote.envelope(remote.document(global_id=global_id, titles={"en": "Only English"})),
    )
    pages = copies_of(global_id)
    assert pages["lv"].alias_of_id == pages["en"].pk
    outcome = import_envelope(
        remote.peer,
        remote.envelope(
            remote.document(global_id=global_id, version=2, titles={"en": "E", "lv": "L"})
        ),
    )
    assert outcome.status == "updated"
    pages = copies_of(global_id)
    assert pages["lv"].alias_of_id is None and pages["lv"].title == "L" and pages["lv"].live
    assert pages["lv"].pk  # the same page, converted


def test_public_page_shows_attribution_and_canonical_link_to_the_origin(remote, tree, client):
    document = remote.document(titles={"en": "Green courtyards", "lv": "Zaļie pagalmi"})
    import_envelope(remote.peer, remote.envelope(document))
    pages = copies_of(document["id"])
    for code in ("en", "lv"):
        response = client.get(pages[code].url)
        assert response.status_code == 200
        html = response.content.decode()
        original = document["canonical"][code]
        assert f'<link rel="canonical" href="{original}">' in html
        assert html.count('rel="canonical"') == 1
        assert "Daugavpils" in html and f'href="{original}"' in html
        assert 'class="cc-attribution' in html
    # A page of this site keeps its own canonical link and has no attribution.
    local = make_practice_model(tree.practices, title="Ours")
    html = client.get(local.url).content.decode()
    assert 'class="cc-attribution' not in html
    assert html.count('rel="canonical"') == 1
    assert document["canonical"]["en"] not in html
