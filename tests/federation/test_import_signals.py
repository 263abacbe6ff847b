"""An import is seen by whatever listens to Wagtail's publish: ``page_published`` for each new
or updated page and, as ``Page.update_aliases`` sends it, for each alias (``alias=True``); the
page cache starts a new generation; the site search finds the imported text.

The test settings synchronise trees (en, lv, pl): a document in English and Latvian makes two
pages and a Polish alias.
"""

import uuid

import pytest
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished

from cities_cms import content_cache
from cities_cms.federation.sync import import_envelope
from cities_cms.pages import PracticeModelPage

from .factories import FeedServer, RemoteSite

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote(federation_key):
    with FeedServer() as server:
        site = RemoteSite(server.base_url)
        site.server = server
        site.peer = site.approve_here()
        yield site


@pytest.fixture
def received():
    """(language, alias, revision id, live on the database when sent) per ``page_published``."""
    seen = []

    def receiver(sender, instance, revision=None, alias=False, **kwargs):
        if issubclass(sender, PracticeModelPage):
            live = Page.objects.filter(pk=instance.pk, live=True).exists()
            seen.append(
                (instance.locale.language_code, alias, revision and revision.pk, live, sender)
            )

    page_published.connect(receiver, dispatch_uid="test_import_signals")
    yield seen
    page_published.disconnect(dispatch_uid="test_import_signals")


def pages(global_id):
    return {
        p.locale.language_code: p
        for p in PracticeModelPage.objects.filter(translation_key=global_id).select_related(
            "locale"
        )
    }


def test_a_new_copy_sends_page_published_for_each_page_and_alias(remote, site_tree, received):
    global_id = str(uuid.uuid4())
    outcome = import_envelope(remote.peer, remote.envelope(remote.document(global_id=global_id)))
    assert outcome.status == "imported", outcome
    copies = pages(global_id)
    assert copies["pl"].alias_of_id == copies["en"].pk
    en, lv = copies["en"].live_revision_id, copies["lv"].live_revision_id
    assert en and lv and en != lv
    # Each page with its own revision, live when its receivers run; the alias with the
    # revision of the page it follows, as update_aliases sends it.
    assert sorted(received, key=str) == sorted(
        [
            ("en", False, en, True, PracticeModelPage),
            ("lv", False, lv, True, PracticeModelPage),
            ("pl", True, en, True, PracticeModelPage),
        ],
        key=str,
    )


def test_an_update_sends_page_published_and_a_tombstone_page_unpublished(
    remote, site_tree, received
):
    global_id = str(uuid.uuid4())
    import_envelope(remote.peer, remote.envelope(remote.document(global_id=global_id)))
    received.clear()
    update = remote.document(
        global_id=global_id, version=2, titles={"en": "Green yards", "lv": "Zaļie pagalmi"}
    )
    assert import_envelope(remote.peer, remote.envelope(update)).status == "updated"
    copies = pages(global_id)
    assert ("en", False, copies["en"].live_revision_id, True, PracticeModelPage) in received
    assert ("lv", False, copies["lv"].live_revision_id, True, PracticeModelPage) in received
    assert ("pl", True, copies["en"].live_revision_id, True, PracticeModelPage) in received

    unpublished = []

    def on_unpublished(sender, instance, **kwargs):
        unpublished.append(instance.locale.language_code)

    page_unpublished.connect(on_unpublished, dispatch_uid="test_import_signals_unpublished")
    try:
        outcome = import_envelope(remote.peer, remote.envelope(remote.tombstone(global_id, 3)))
    finally:
        page_unpublished.disconnect(dispatch_uid="test_import_signals_unpublished")
    assert outcome.status == "withdrawn", outcome
    assert sorted(unpublished) == ["en", "lv", "pl"]


def test_a_refused_document_sends_nothing_and_leaves_nothing(remote, site_tree, received):
    global_id = str(uuid.uuid4())
    document = remote.document(global_id=global_id)
    envelope = remote.envelope(document)
    envelope["document"]["version"] = 2  # not what was signed
    assert import_envelope(remote.peer, envelope).refused
    assert received == [] and pages(global_id) == {}


def test_an_import_ends_the_content_generation_after_it_commits(
    remote, site_tree, django_capture_on_commit_callbacks
):
    before = content_cache.generation()
    global_id = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        import_envelope(remote.peer, remote.envelope(remote.document(global_id=global_id)))
        during = content_cache.generation()
    assert during != before
    assert content_cache.generation() != during  # ended again on commit


def test_the_site_search_finds_the_imported_text(client, remote, site_tree):
    word = "Quokkabridge"
    document = remote.document(titles={"en": f"{word} courtyards", "lv": f"{word} pagalmi"})
    assert import_envelope(remote.peer, remote.envelope(document)).status == "imported"
    found = [
        str(item["page"].title) for item in client.get("/search/", {"q": word}).context["results"]
    ]
    assert found == [f"{word} courtyards"]
    found = [
        str(item["page"].title)
        for item in client.get("/lv/search/", {"q": word}).context["results"]
    ]
    assert found == [f"{word} pagalmi"]
