"""importer/bulk_tree.py writes, for a page's aliases at once, what Wagtail's
``copy_for_translation(locale, alias=True)`` writes for each: compared here row by row (the
page, its child objects and many-to-many rows, the audit log, revisions, the reference index,
the search index, the tree's columns) and signal by signal, for two identical sources, one
aliased by Wagtail and one by bulk_tree."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_save
from django.utils import timezone
from wagtail.models import (
    Locale,
    Page,
    PageLogEntry,
    PageViewRestriction,
    ReferenceIndex,
    Revision,
)
from wagtail.signals import copy_for_translation_done

from cities_cms.federation.importer import bulk_tree, wagtail_internals
from cities_cms.federation.sync import import_envelope
from cities_cms.pages import PracticeModelPage
from cities_cms.pages.practice import Stakeholder
from cities_cms.snippets import Theme
from cities_cms.translation.fields import sync_many_to_many

from ..utils import make_image, make_practice_model

pytestmark = pytest.mark.django_db

LOCALES = ("lv", "pl")


@pytest.fixture
def recorded():
    """Signals sent, as (name, sender, instance pk, extra) — pk tokenised by the test."""
    seen = []

    def saved(sender, instance, created=False, **kwargs):
        seen.append(("post_save", sender, instance, created))

    def m2m(sender, instance, action, pk_set=None, **kwargs):
        seen.append(("m2m_changed", sender, instance, (action, frozenset(pk_set or ()))))

    def copied(sender, source_obj, target_obj, **kwargs):
        seen.append(("copy_for_translation_done", sender, target_obj, source_obj.pk))

    post_save.connect(saved, dispatch_uid="test_bulk_tree_saved", weak=False)
    m2m_changed.connect(m2m, dispatch_uid="test_bulk_tree_m2m", weak=False)
    copy_for_translation_done.connect(copied, dispatch_uid="test_bulk_tree_copied", weak=False)
    yield seen
    post_save.disconnect(dispatch_uid="test_bulk_tree_saved")
    m2m_changed.disconnect(dispatch_uid="test_bulk_tree_m2m")
    copy_for_translation_done.disconnect(dispatch_uid="test_bulk_tree_copied")


def _source(index, slug, themes, image):
    page = make_practice_model(
        index,
        title="Same model",
        slug=slug,
        budget=Decimal("10.00"),
        listing_image=image,
        themes=themes,
    )
    page.stakeholders = [
        Stakeholder(kind="ngo", name="Residents", contribution="Ideas", locale=page.locale),
        Stakeholder(kind="business", name="Bakery", contribution="Bread", locale=page.locale),
    ]
    page.save_revision().publish()
    # Its synchronised-tree aliases: removed, each side makes them again below.
    for alias in Page.objects.filter(alias_of=page):
        alias.delete()
    return PracticeModelPage.objects.get(pk=page.pk)


def _tokens(value, alias, source, parent):
    known = {
        alias.pk: "<alias>",
        source.pk: "<source>",
        parent.pk: "<parent>",
        source.get_parent().pk: "<source parent>",
    }
    if isinstance(value, dict):
        return {key: _tokens(item, alias, source, parent) for key, item in value.items()}
    if isinstance(value, int) and not isinstance(value, bool):
        return known.get(value, value)
    return value


def _describe(alias, source, logged_after):
    """Everything Wagtail writes for an alias, with the values that differ between two
    sources only by their identity replaced by what they relate to."""
    alias = PracticeModelPage.objects.get(pk=alias.pk)
    parent = alias.get_parent()
    row = {}
    for field in PracticeModelPage._meta.concrete_fields:
        value = getattr(alias, field.attname)
        if field.name == "path":
            value = (value.startswith(parent.path), len(value) - len(parent.path))
        elif field.name == "url_path":
            value = value == f"{parent.url_path}{alias.slug}/"
        elif field.primary_key or (field.one_to_one and field.remote_field.parent_link):
            value = value == alias.pk
        elif value is not None and value == getattr(source, field.attname, object()):
            value = "=source"
        row[field.name] = _tokens(value, alias, source, parent)
    children = [
        {
            f.name: "=source"
            if getattr(c, f.attname) == getattr(o, f.attname)
            else getattr(c, f.attname)
            for f in Stakeholder._meta.concrete_fields
            if not f.primary_key and f.name != "page"
        }
        for c, o in zip(
            alias.stakeholders.order_by("pk"), source.stakeholders.order_by("pk"), strict=True
        )
    ]
    logs = [
        (
            e.action,
            e.label,
            e.content_type_id,
            e.user_id,
            e.revision_id,
            e.content_changed,
            e.deleted,
            _tokens(e.data, alias, source, parent),
        )
        for e in PageLogEntry.objects.filter(page=alias, pk__gt=logged_after).order_by("pk")
    ]
    references = sorted(
        (r.to_content_type_id, r.to_object_id, r.model_path, r.content_path)
        for r in ReferenceIndex.get_references_for_object(alias)
    )
    revisions = Revision.page_revisions.filter(object_id=str(alias.pk)).count()
    # the search backend's own entries (SQLite's or PostgreSQL's IndexEntry model)
    index_entries = apps.get_model("wagtailsearch", "IndexEntry").objects
    return {
        "row": row,
        "stakeholders": children,
        "themes": sorted(alias.themes.values_list("pk", flat=True)),
        "logs": logs,
        "references": references,
        "revisions": revisions,
        "search": [
            (e["content_type_id"], e["title"], e["body"])
            for e in index_entries.filter(object_id=str(alias.pk)).values(
                "content_type_id", "title", "body"
            )
        ],
    }


def _signals(seen, aliases, source):
    pks = {alias.pk for alias in aliases}
    out = []
    for name, sender, instance, extra in seen:
        if name == "post_save" and isinstance(instance, Stakeholder):
            if instance.page_id in pks:
                out.append((name, sender, "<child>", extra))
        elif getattr(instance, "pk", None) in pks:
            out.append((name, sender, "<alias>", extra if extra != source.pk else "<source>"))
    return sorted(out, key=repr)


def test_bulk_aliases_are_the_rows_wagtails_create_alias_writes(site_tree, recorded):
    english = site_tree.practices.locale
    themes = [
        Theme.objects.create(key="bulk-housing", name="Housing", locale=english),
        Theme.objects.create(key="bulk-mobility", name="Mobility", locale=english),
    ]
    image = make_image("Bulk picture")
    by_wagtail = _source(site_tree.practices, "by-wagtail", themes, image)
    by_bulk = _source(site_tree.practices, "by-bulk", themes, image)
    locales = [Locale.objects.get(language_code=code) for code in LOCALES]

    # SQLite may give a new page the id of a deleted one, whose log entries stay: only the
    # entries written from here on are compared.
    logged_after = PageLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    recorded.clear()
    wagtail_aliases = [wagtail_internals.create_alias(by_wagtail, loc) for loc in locales]
    wagtail_signals = _signals(recorded, wagtail_aliases, by_wagtail)

    recorded.clear()
    assert bulk_tree.bulk_supported(by_bulk)
    parent = by_bulk.get_parent()
    targets = [(loc, parent.get_translation(loc).specific) for loc in locales]
    bulk_aliases = bulk_tree.create_aliases(by_bulk, targets)
    bulk_signals = _signals(recorded, bulk_aliases, by_bulk)

    for ours, theirs in zip(bulk_aliases, wagtail_aliases, strict=True):
        assert ours.locale_id == theirs.locale_id
        assert _describe(ours, by_bulk, logged_after) == _describe(theirs, by_wagtail, logged_after)
        assert ours.get_parent().pk == theirs.get_parent().pk
    assert bulk_signals == wagtail_signals
    assert {"post_save", "m2m_changed", "copy_for_translation_done"} <= {
        name for name, *_rest in bulk_signals
    }
    assert Page.find_problems() == ([], [], [], [], [])
    # The parents' numchild as treebeard keeps it (find_problems checks it too).
    for _locale, target_parent in targets:
        target_parent.refresh_from_db()
        assert target_parent.numchild == target_parent.get_children().count()


def test_bulk_aliases_take_free_slugs_and_paths_after_the_last_child(site_tree):
    source = make_practice_model(site_tree.practices, title="Busy slug", slug="busy")
    latvian = Locale.objects.get(language_code="lv")
    alias = Page.objects.get(alias_of=source, locale=latvian)
    alias.delete()
    lv_parent = site_tree.practices.get_translation(latvian).specific
    make_practice_model(lv_parent, title="Taken", slug="busy")
    make_practice_model(lv_parent, title="Taken too", slug="busy-1")
    source = PracticeModelPage.objects.get(pk=source.pk)
    lv_parent.refresh_from_db()
    last = lv_parent.get_last_child()
    (created,) = bulk_tree.create_aliases(source, [(latvian, lv_parent)])
    assert created.slug == "busy-2"
    assert created.path > last.path and created.get_parent().pk == lv_parent.pk
    assert created.url_path == f"{lv_parent.url_path}busy-2/"
    assert Page.find_problems() == ([], [], [], [], [])


def test_unsupported_sources_go_through_wagtail(site_tree):
    draft = make_practice_model(site_tree.practices, title="A draft", live=False)
    assert not bulk_tree.bulk_supported(draft)


def _restriction(page):
    rows = list(PageViewRestriction.objects.filter(page=page))
    return [
        (r.restriction_type, r.password, sorted(r.groups.values_list("pk", flat=True)))
        for r in rows
    ]


def test_pages_created_in_bulk_inherit_the_restriction_of_their_other_versions(site_tree):
    # privacy.created_in_bulk gives a new page its other versions' restriction before its
    # post_save, as the privacy receiver does in it for a page Wagtail creates.
    group = Group.objects.create(name="Bulk readers")
    latvian = Locale.objects.get(language_code="lv")
    lv_parent = site_tree.practices.get_translation(latvian).specific
    created = {}
    for side in ("wagtail", "bulk"):
        source = make_practice_model(site_tree.practices, title=f"Private {side}")
        restriction = PageViewRestriction.objects.create(
            page=source, restriction_type=PageViewRestriction.GROUPS
        )
        restriction.groups.set([group])
        Page.objects.get(alias_of=source, locale=latvian).delete()  # the lv version is new
        page = PracticeModelPage(
            title=f"Privāts {side}",
            slug=f"private-{side}",
            locale=latvian,
            translation_key=source.translation_key,
            live=False,
        )
        page.draft_title = page.title
        if side == "wagtail":
            lv_parent.add_child(instance=page)
        else:
            bulk_tree.create_live_pages([(lv_parent, page)], timezone.now())
        created[side] = page
    assert _restriction(created["bulk"]) == _restriction(created["wagtail"])
    assert _restriction(created["bulk"]) == [(PageViewRestriction.GROUPS, "", [group.pk])]
    # A page whose other versions are public stays public.
    public = make_practice_model(site_tree.practices, title="Public")
    Page.objects.get(alias_of=public, locale=latvian).delete()
    page = PracticeModelPage(
        title="Publisks", slug="publisks", locale=latvian, translation_key=public.translation_key
    )
    page.draft_title = page.title
    bulk_tree.create_live_pages([(lv_parent, page)], timezone.now())
    assert _restriction(page) == []


def test_an_imported_documents_versions_have_the_themes_each_publish_would_give(remote, site_tree):
    # The importer synchronises a document's many-to-many values once
    # (fields.published_together): every version, aliases included, ends with its own
    # locale's themes, and publishing any version again would change nothing.
    english = Locale.get_default()
    for locale in Locale.objects.exclude(pk=english.pk):
        for theme in Theme.objects.filter(locale=english, key__in=["housing", "mobility"]):
            if not Theme.objects.filter(translation_key=theme.translation_key, locale=locale):
                theme.copy_for_translation(locale).save()
    document = remote.document(titles={"en": "Shared themes", "lv": "Kopīgas tēmas"})
    assert import_envelope(remote.peer, remote.envelope(document)).status == "imported"
    versions = list(PracticeModelPage.objects.filter(translation_key=document["id"]))
    assert {page.locale.language_code for page in versions} == {"en", "lv", "pl"}
    assert any(page.alias_of_id for page in versions)
    through = PracticeModelPage.themes.through

    def rows():
        return sorted(
            through.objects.filter(practicemodelpage__in=versions).values_list(
                "practicemodelpage_id", "theme_id"
            )
        )

    imported = rows()
    for page in versions:
        themes = list(page.themes.all())
        assert {t.key for t in themes} == {"housing", "mobility"}
        assert {t.locale_id for t in themes} == {page.locale_id}, page.locale
    for page in versions:
        sync_many_to_many(page)
    assert rows() == imported
