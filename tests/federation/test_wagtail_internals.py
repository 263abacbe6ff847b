"""What cities_cms.federation.importer.wagtail_internals relies on, checked against the
installed Wagtail, modelsearch and wagtail-localize: after an upgrade, a failure here names
the workaround to revisit before imports silently leave pages in a state Wagtail's own
publish would not.
"""

import inspect
from decimal import Decimal

import pytest
from django.db.models.signals import post_save
from django.utils import timezone
from wagtail.models import Locale, Page, PageLogEntry, Revision
from wagtail.signals import page_published, published

from cities_cms.federation.importer import indexing, wagtail_internals
from cities_cms.pages import PracticeModelPage

from ..utils import make_practice_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def signals():
    """Every page_published / published sent, as (signal, sender, page id, revision id,
    alias)."""
    seen = []

    def on(name):
        def receiver(sender, instance, revision=None, alias=False, **kwargs):
            seen.append((name, sender, instance.pk, revision and revision.pk, alias))

        return receiver

    receivers = {"page_published": on("page_published"), "published": on("published")}
    page_published.connect(receivers["page_published"], dispatch_uid="test_wi_pp")
    published.connect(receivers["published"], dispatch_uid="test_wi_p")
    yield seen
    page_published.disconnect(dispatch_uid="test_wi_pp")
    published.disconnect(dispatch_uid="test_wi_p")


def test_send_published_sends_what_wagtails_publish_sends(site_tree, signals):
    page = make_practice_model(site_tree.practices, title="Signalled")
    aliases = list(PracticeModelPage.objects.filter(alias_of=page).order_by("path"))
    assert len(aliases) == 2  # lv and pl: synchronised trees
    revision = page.save_revision()
    signals.clear()
    revision.publish()
    by_wagtail = list(signals)
    signals.clear()
    page.refresh_from_db()
    wagtail_internals.send_published(page, revision, aliases)
    ours = list(signals)
    # The page's own signals first, in the same order; then one per alias (the order of the
    # aliases is the tree's, which is not a promise either side keeps).
    assert (
        ours[:2]
        == by_wagtail[:2]
        == [
            ("page_published", PracticeModelPage, page.pk, revision.pk, False),
            ("published", PracticeModelPage, page.pk, revision.pk, False),
        ]
    )
    assert (
        sorted(ours[2:])
        == sorted(by_wagtail[2:])
        == sorted(
            ("page_published", PracticeModelPage, alias.pk, revision.pk, True) for alias in aliases
        )
    )


def test_create_live_page_leaves_the_row_wagtails_create_then_publish_leaves(site_tree):
    # The budget as the importer has it (a Decimal from validate.py), as stored by Wagtail.
    content = {"summary": "How it works.", "challenge": "<p>A challenge.</p>"}
    content["budget"] = Decimal("10.00")
    by_wagtail = make_practice_model(site_tree.practices, title="Published by Wagtail", **content)
    ours = PracticeModelPage(
        title="Published by the importer",
        slug="published-by-the-importer",
        status="implemented",
        approach="<p>Residents planned the changes with the city.</p>",
        locale=Locale.get_default(),
        live=False,
        **content,
    )
    ours.draft_title = ours.title
    revision = wagtail_internals.create_live_page(site_tree.practices, ours, timezone.now())
    by_wagtail.refresh_from_db()
    ours.refresh_from_db()

    # Every column Wagtail's publish set agrees, but those that are each page's own.
    own = {"id", "page_ptr", "path", "title", "draft_title", "slug", "url_path", "summary"}
    own |= {"translation_key", "first_published_at", "last_published_at"}
    own |= {"latest_revision_created_at", "live_revision", "latest_revision", "search_index"}
    for field in PracticeModelPage._meta.concrete_fields:
        if field.name in own:
            continue
        assert getattr(ours, field.attname) == getattr(by_wagtail, field.attname), field.name
    for page in (by_wagtail, ours):
        assert page.live and not page.has_unpublished_changes
        assert page.draft_title == page.title
        assert page.live_revision_id == page.latest_revision_id
        assert page.latest_revision_created_at == page.latest_revision.created_at
        assert page.first_published_at and page.last_published_at
        assert Revision.objects.for_instance(page).count() == 1
        assert PageLogEntry.objects.filter(page=page, action="wagtail.publish").count() == 1
    assert ours.live_revision_id == revision.pk
    # The revision holds what one save_revision then publish stored, field by field.
    theirs = by_wagtail.latest_revision
    revision = Revision.objects.get(pk=revision.pk)  # as stored (JSON)
    assert set(revision.content) == set(theirs.content)
    differing = {
        key: (revision.content[key], theirs.content[key])
        for key in theirs.content
        if key not in own and key != "pk" and revision.content[key] != theirs.content[key]
    }
    # Wagtail's revision is the draft saved before its publish (not live yet); ours is the
    # page as published. Publishing or reverting a revision takes ``live`` from the page.
    assert differing == {"live": (True, False)}, differing
    # The same audit trail (the create entry comes from treebeard's add_child in both).
    for page in (by_wagtail, ours):
        entries = PageLogEntry.objects.filter(page=page).order_by("timestamp", "pk")
        assert [(e.action, e.revision_id, e.content_changed) for e in entries] == [
            ("wagtail.create", None, True),
            ("wagtail.publish", page.live_revision_id, True),
        ], page.title
    assert revision.object_str == str(ours)
    assert (revision.content_type_id, revision.base_content_type_id) == (
        theirs.content_type_id,
        theirs.base_content_type_id,
    )
    assert Revision.objects.get(pk=revision.pk).content_object == ours
    assert ours.get_parent().specific == site_tree.practices
    assert site_tree.practices.get_children().filter(pk=ours.pk).exists()


def test_is_site_root_reads_the_annotation():
    """create_live_page sets ``_is_site_root`` so that ``save`` does not ask the Site table."""
    page = Page(title="x")
    page._is_site_root = True
    assert page.is_site_root() is True
    page._is_site_root = False
    assert page.is_site_root() is False


def test_the_tree_columns_are_set_by_treebeard_not_cleaned():
    not_cleaned = set(wagtail_internals.fields_not_cleaned(PracticeModelPage))
    assert {"path", "depth", "numchild", "url_path", "locale", "content_type"} <= not_cleaned
    concrete = {f.name for f in Page._meta.concrete_fields}
    assert {"path", "depth", "numchild", "url_path"} <= concrete


def test_copy_for_translation_makes_live_aliases_with_their_parents(site_tree):
    params = inspect.signature(Page.copy_for_translation).parameters
    assert {"locale", "copy_parents", "alias"} <= set(params)
    page = make_practice_model(site_tree.practices, title="Aliased")
    for alias in PracticeModelPage.objects.filter(alias_of=page):
        alias.delete()
    polish = Locale.objects.get(language_code="pl")
    alias = wagtail_internals.create_alias(page, polish)
    assert alias.alias_of_id == page.pk and alias.locale_id == polish.pk
    assert alias.live and alias.translation_key == page.translation_key
    assert alias.get_parent().locale_id == polish.pk


def test_convert_alias_then_publish_ends_as_wagtails_convert_then_publish(site_tree):
    """convert_alias is Wagtail's ConvertAliasPageAction without the first revision and the log
    entry it makes: compared on the row right after, and after the importer's publish."""
    from wagtail.actions.convert_alias import ConvertAliasPageAction

    from cities_cms.federation.importer.pages import _publish

    page = make_practice_model(site_tree.practices, title="Converted twice")
    by_wagtail = PracticeModelPage.objects.get(alias_of=page, locale__language_code="lv")
    ours = PracticeModelPage.objects.get(alias_of=page, locale__language_code="pl")
    ConvertAliasPageAction(by_wagtail, log_action=None).execute(skip_permission_checks=True)
    ours = wagtail_internals.convert_alias(ours)
    by_wagtail.refresh_from_db()

    # Each page's own: its place and locale, and what only the publications' times set.
    own = {"id", "page_ptr", "path", "url_path", "locale", "search_index"}
    own |= {"last_published_at", "latest_revision_created_at"}
    # Wagtail's first revision, which convert_alias leaves to the importer's publish.
    first_revision = {"live_revision", "latest_revision"}

    def differences(skip):
        return {
            field.name: (getattr(by_wagtail, field.attname), getattr(ours, field.attname))
            for field in PracticeModelPage._meta.concrete_fields
            if field.name not in skip
            and getattr(by_wagtail, field.attname) != getattr(ours, field.attname)
        }

    assert differences(own | first_revision) == {}
    assert Revision.objects.for_instance(by_wagtail).count() == 1
    assert Revision.objects.for_instance(ours).count() == 0
    assert by_wagtail.live_revision_id == by_wagtail.latest_revision_id

    for converted in (by_wagtail, ours):
        converted.title = "Translated"
        _publish(converted)
        converted.refresh_from_db()
    assert differences(own | first_revision) == {}
    for converted in (by_wagtail, ours):
        assert converted.live and not converted.has_unpublished_changes
        assert converted.alias_of_id is None
        assert converted.live_revision_id == converted.latest_revision_id
        assert converted.live_revision.as_object().title == "Translated"
    assert Revision.objects.for_instance(ours).count() == 1
    assert not PageLogEntry.objects.filter(page=ours, action="wagtail.convert_alias").exists()


def test_convert_alias_stops_the_alias_following_its_source(site_tree):
    page = make_practice_model(site_tree.practices, title="Followed")
    alias = PracticeModelPage.objects.get(alias_of=page, locale__language_code="lv")
    converted = wagtail_internals.convert_alias(alias)
    assert converted.alias_of_id is None and converted.pk == alias.pk
    page.title = "Changed at the source"
    page.save_revision().publish()
    converted.refresh_from_db()
    assert converted.title == "Followed"


def test_modelsearch_post_save_handler_is_the_one_rerouted():
    from modelsearch import signal_handlers

    handler = wagtail_internals.search_post_save_handler()
    assert handler is signal_handlers.post_save_signal_handler
    source = inspect.getsource(signal_handlers.register_signal_handlers)
    assert "post_save.connect(post_save_signal_handler, sender=model)" in source
    indexing._install_search_deferral()
    receivers = list(post_save._live_receivers(PracticeModelPage)[0])
    assert indexing._post_save_or_defer in receivers
    assert handler not in receivers  # else every save would index twice


def test_reference_index_and_search_backend_apis():
    from modelsearch.backends import get_search_backend, get_search_backends_with_name
    from wagtail import signal_handlers
    from wagtail.models import ReferenceIndex

    assert "with_auto_update" in inspect.signature(get_search_backends_with_name).parameters
    backend = get_search_backend()
    assert callable(backend.add_bulk) and hasattr(backend, "catch_indexing_errors")
    assert ReferenceIndex.is_indexed(PracticeModelPage)
    assert callable(ReferenceIndex.create_or_update_for_object)
    with wagtail_internals.reference_index_paused():
        assert signal_handlers.reference_index_auto_update_disabled.value is True
        # Nested (the importer inside the demo loader's pause): the outer pause holds.
        with wagtail_internals.reference_index_paused():
            assert signal_handlers.reference_index_auto_update_disabled.value is True
        assert signal_handlers.reference_index_auto_update_disabled.value is True
    assert not getattr(signal_handlers.reference_index_auto_update_disabled, "value", False)
    # What the wrapper is for: Wagtail's own pause is not re-entrant. The inner exit ends the
    # outer pause, whose exit then fails (if this changes, the wrapper can go).
    with pytest.raises(AttributeError), signal_handlers.disable_reference_index_auto_update():
        with signal_handlers.disable_reference_index_auto_update():
            pass
        assert not getattr(signal_handlers.reference_index_auto_update_disabled, "value", 0)


def _reference_rows(page):
    from wagtail.models import ReferenceIndex

    return sorted(
        ReferenceIndex.objects.filter(object_id=str(page.pk)).values_list(
            "content_type_id",
            "base_content_type_id",
            "object_id",
            "to_content_type_id",
            "to_object_id",
            "model_path",
            "content_path",
            "content_path_hash",
        )
    )


def test_update_references_writes_what_create_or_update_for_object_writes(site_tree):
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex

    from ..utils import make_image

    image = make_image("Referenced")
    pages = [
        make_practice_model(site_tree.practices, title=f"Referencing {n}", listing_image=image)
        for n in range(2)
    ]
    page_type = ContentType.objects.get_for_model(PracticeModelPage)
    base_type = ContentType.objects.get_for_model(Page)
    other_type = ContentType.objects.get_for_model(Locale)  # a "more specific model": kept

    def with_stale_rows():
        for page in pages:
            ReferenceIndex.objects.filter(object_id=str(page.pk)).delete()
            for content_type, path in ((page_type, "gone"), (other_type, "elsewhere")):
                ReferenceIndex.objects.create(
                    content_type=content_type,
                    base_content_type=base_type,
                    object_id=str(page.pk),
                    to_content_type=base_type,
                    to_object_id="1",
                    model_path=path,
                    content_path=path,
                    content_path_hash=ReferenceIndex._get_content_path_hash(path),
                )

    with_stale_rows()
    for page in pages:
        ReferenceIndex.create_or_update_for_object(page)
    by_wagtail = [_reference_rows(page) for page in pages]
    with_stale_rows()
    wagtail_internals.update_references(PracticeModelPage, pages)
    ours = [_reference_rows(page) for page in pages]
    assert ours == by_wagtail
    assert any(row[6] == "listing_image" for row in ours[0])  # the image is referenced
    assert [row[5] for row in ours[0] if row[0] == other_type.pk] == ["elsewhere"]
    assert not [row for row in ours[0] if row[5] == "gone"]


def test_child_relations_are_read_from_the_prefetch(site_tree, django_assert_num_queries):
    page = make_practice_model(site_tree.practices, title="Prefetched")
    names = wagtail_internals.child_relation_names(PracticeModelPage)
    assert "stakeholders" in names
    (fetched,) = PracticeModelPage.objects.filter(pk=page.pk).prefetch_related(*names)
    with django_assert_num_queries(0):
        for name in names:
            list(getattr(fetched, name).all())


def test_bulk_tree_relies_on_wagtails_alias_exclusions_log_and_treebeards_paths():
    """importer/bulk_tree.py copies what CreatePageAliasAction copies, logs what Page.save
    and the action log, and computes treebeard's paths itself (test_bulk_tree.py compares
    the rows; this names the part of Wagtail that changed)."""
    from wagtail.actions.create_alias import CreatePageAliasAction
    from wagtail.log_actions import registry

    from cities_cms.federation.importer import bulk_tree

    action = inspect.getsource(CreatePageAliasAction._create_alias)
    for name in bulk_tree.ALIAS_EXCLUDED:
        assert f'"{name}"' in action, name
    assert '"draft_title": page.title' in action
    assert '"has_unpublished_changes": not page.live' in action
    assert 'action="wagtail.create"' in inspect.getsource(Page.save)
    assert registry.action_exists("wagtail.create_alias")
    assert registry.action_exists("wagtail.create") and registry.action_exists("wagtail.publish")
    assert Page.steplen == 4 and Page.alphabet == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert Page._get_path("0001", 2, 1) == "00010001"
    assert Page._str2int("000A") == 10
    assert Page._get_path("0001", 2, Page._str2int("000Z") + 1) == "00010010"
