"""Applying a validated document to the page tree: where copies go, their fields, images,
revisions, aliases, and withdrawal.

The page types that travel differ only in their model, the index their copies go under and
how a locale's fields fill a page (:class:`CopyType`); practice models are the default,
``seminars.py`` gives the seminars' type.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.coreutils import find_available_slug
from wagtail.models import Locale, Page

from ...conf import settings
from ...pages import CityPage, PracticeModelIndexPage, PracticeModelPage
from ...pages.practice import Stakeholder
from ...snippets import Theme
from ...translation.fields import published_together
from .. import media as media_module
from ..schema import RICH_TEXT_FIELDS, STREAM_FIELDS, ProtocolError
from ..validate import CleanDocument
from . import bulk_tree, wagtail_internals
from .blocks import BlockImporter
from .indexing import _deferred_add

# --- where copies go ------------------------------------------------------------------------


def federation_parent() -> PracticeModelIndexPage:
    """``CITIES_CMS_FEDERATION_PARENT`` (page id or URL path) or the first practice model
    index of the default locale."""
    configured = settings.CITIES_CMS_FEDERATION_PARENT
    queryset = PracticeModelIndexPage.objects.all()
    page = None
    if configured not in (None, ""):
        if isinstance(configured, int) or str(configured).isdigit():
            page = queryset.filter(pk=int(configured)).first()
        else:
            from wagtail.models import Site

            site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
            if site is not None:
                path = site.root_page.url_path.rstrip("/") + "/" + str(configured).strip("/")
                page = queryset.filter(url_path=path.rstrip("/") + "/").first()
        if page is None:
            raise ProtocolError(
                "no-parent",
                _("CITIES_CMS_FEDERATION_PARENT (%(value)s) is not a practice model index.")
                % {"value": configured},
            )
        return page
    page = queryset.filter(locale=Locale.get_default()).order_by("path").first()
    if page is None:
        raise ProtocolError("no-parent", _("This site has no practice model index to import into."))
    return page


def parent_in(parent, locale):
    """The parent's translation into ``locale``, created as an alias (with its ancestors) if
    missing, as wagtail-localize's synchronised trees would have."""
    if parent.locale_id == locale.pk:
        return parent
    translated = parent.get_translation_or_none(locale)
    if translated is None:
        translated = wagtail_internals.create_alias(parent, locale)
    return translated.specific


class ImportCache:
    """Look-ups that do not change while a sync run imports one feed page: locales, the
    parent index in each locale, themes by key, local cities, the images' collection.

    ``sync_peer`` makes one per feed page (staleness is bounded by a page); a lone
    ``import_envelope`` call gets its own. :meth:`reset` forgets everything a rolled-back
    document may have created (an alias parent, the collection).
    """

    def __init__(self):
        self._locales = None
        self._default = None
        self._roots = {}  # page model -> the index its copies go under (default locale)
        self._parents = {}  # (page model, locale pk) -> that index in the locale
        self._themes = {}  # (keys, locale pk) -> [Theme]
        self._cities = {}  # (name, country, locale pk) -> CityPage | None
        self._collection = None
        self._synchronised = None
        self._translations = {}  # parent pk -> {locale pk: its translation (specific)}

    def reset(self):
        self._roots = {}
        self._parents = {}
        self._collection = None
        self._translations = {}

    def synchronised(self) -> dict:
        """{locale pk synchronised from: {locale pk}} (wagtail-localize's LocaleSynchronization)."""
        if self._synchronised is None:
            self._synchronised = {}
            try:
                from wagtail_localize.models import LocaleSynchronization
            except ImportError:  # pragma: no cover - wagtail-localize is a dependency
                return self._synchronised
            for sync_from, locale_id in LocaleSynchronization.objects.values_list(
                "sync_from_id", "locale_id"
            ):
                self._synchronised.setdefault(sync_from, set()).add(locale_id)
        return self._synchronised

    def translations_of(self, page) -> dict:
        """{locale pk: ``page`` or its translation there (specific)} that exist now."""
        if page.pk not in self._translations:
            self._translations[page.pk] = {
                p.locale_id: p
                for p in Page.objects.filter(translation_key=page.translation_key).specific()
            }
        return self._translations[page.pk]

    def locales(self) -> dict:
        if self._locales is None:
            self._locales = {loc.language_code: loc for loc in Locale.objects.all()}
        return self._locales

    def default_locale(self):
        if self._default is None:
            self._default = Locale.get_default()
        return self._default

    def parent_in(self, locale, copy_type=None):
        copy_type = copy_type or PRACTICE_MODELS
        model = copy_type.model
        if model not in self._roots:
            self._roots[model] = copy_type.index()
        if (model, locale.pk) not in self._parents:
            self._parents[model, locale.pk] = parent_in(self._roots[model], locale)
            self._translations = {}  # parent_in may have made the parent's translation
        return self._parents[model, locale.pk]

    def themes(self, keys, locale):
        key = (tuple(keys), locale.pk)
        if key not in self._themes:
            self._themes[key] = _themes_for(keys, locale, self.default_locale())
        return self._themes[key]

    def city(self, origin_city, locale):
        if not origin_city or not origin_city.get("name"):
            return None
        key = (origin_city["name"], origin_city.get("country"), locale.pk)
        if key not in self._cities:
            self._cities[key] = _city_for(origin_city, locale)
        return self._cities[key]

    def collection(self):
        if self._collection is None:
            self._collection = media_module.collection()
        return self._collection


# The wire's text fields but ``slug``: a copy's slug is made free under its parent (_slug).
TEXT_FIELDS = ("title", "search_description", "summary", "staff", "duration")


def _city_for(origin_city, locale):
    if not origin_city or not origin_city.get("name"):
        return None
    city = (
        CityPage.objects.filter(title__iexact=origin_city["name"], country=origin_city["country"])
        .order_by("pk")
        .first()
    )
    if city is None:
        return None
    translated = city.get_translation_or_none(locale) if city.locale_id != locale.pk else city
    return translated or city


def _themes_for(keys, locale, default=None):
    if not keys:
        return []
    themes = {t.key: t for t in Theme.objects.filter(key__in=keys, locale=locale)}
    if len(themes) < len(keys):
        default = default or Locale.get_default()
        if default.pk != locale.pk:
            for theme in Theme.objects.filter(key__in=keys, locale=default):
                themes.setdefault(theme.key, theme)
    return [themes[key] for key in keys if key in themes]


def _fill(page, clean: CleanDocument, code, locale, images, warnings, cache):
    data = clean.locales[code]
    for name in TEXT_FIELDS:
        setattr(page, name, data[name])
    for name in RICH_TEXT_FIELDS:
        setattr(page, name, data[name])
    fields = clean.fields
    page.status = fields["status"]
    page.start_year = fields["start_year"]
    page.end_year = fields["end_year"]
    page.evidence_level = fields["evidence_level"]
    page.budget = fields["budget"]
    page.licence = clean.licence
    page.shared = False  # copies are never re-shared
    page.contact = None
    page.city = cache.city(clean.origin["city"], locale)
    listing = data["listing_image"]
    page.listing_image = images.get(listing["media"]) if listing else None
    for name in STREAM_FIELDS:
        stream_block = page._meta.get_field(name).stream_block
        importer = BlockImporter(images, warnings, f"{code}.{name}")
        setattr(page, name, importer.stream(stream_block, data[name], top=True))
    page.themes.set(cache.themes(clean.themes, locale))
    page.stakeholders = [
        Stakeholder(
            kind=item["kind"],
            name=item["name"],
            contribution=item["contribution"],
            locale=locale,
            sort_order=index,
        )
        for index, item in enumerate(data["stakeholders"])
    ]


@dataclass(frozen=True)
class CopyType:
    """A page type that travels: its model, the index of the default locale its copies go
    under (``() -> page``, may raise "no-parent") and how one locale of a document fills a
    page (``(page, clean, code, locale, images, warnings, cache)``)."""

    model: type
    index: Callable
    fill: Callable


PRACTICE_MODELS = CopyType(PracticeModelPage, federation_parent, _fill)


def _requested_slug(data):
    return slugify(data["slug"] or data["title"], allow_unicode=True)[:200] or "shared"


def _slug(parent, data, page_id=None):
    return find_available_slug(parent, _requested_slug(data), ignore_page_id=page_id)


def _publish(page):
    revision = page.save_revision(clean=False, log_action=False)
    revision.publish(skip_permission_checks=True)


def _store_images(clean, downloaded, cache):
    """ref -> Image for every media item: already received ones, then new ones."""
    images_by_hash = media_module.existing(item["sha256"] for item in clean.media)
    target = None
    for item in clean.media:
        if item["sha256"] in images_by_hash:
            continue
        got = downloaded.get(item["sha256"])
        if got is None:  # downloaded by another run meanwhile? it would be in images_by_hash
            raise ProtocolError(
                "image-refused", _("An image could not be fetched."), global_id=clean.id
            )
        target = target or cache.collection()
        title = next(iter(item["alt"].values()), "") or item["credit"] or item["ref"]
        images_by_hash[item["sha256"]] = media_module.store(
            got, title=title, target_collection=target
        )
    return {item["ref"]: images_by_hash[item["sha256"]] for item in clean.media}


def _new_page(clean, code, locale, parent, images, warnings, cache, copy_type=None):
    """A new copy in one locale, filled and cleaned, not saved yet (see _create_pages); its
    slug is the requested one until _create_pages finds the free ones."""
    copy_type = copy_type or PRACTICE_MODELS
    page = copy_type.model(
        locale=locale, translation_key=clean.id, live=False, has_unpublished_changes=False
    )
    copy_type.fill(page, clean, code, locale, images, warnings, cache)
    page.slug = _requested_slug(clean.locales[code])
    page.draft_title = page.title
    page.clean_fields(exclude=wagtail_internals.fields_not_cleaned(copy_type.model))
    return page


def _create_pages(items, now):
    """New live copies (``(parent, page)`` from _new_page) with a single revision each, as
    Wagtail's create-then-publish leaves them, all in one go (bulk_tree.create_live_pages).
    Their ``page_published`` is sent by :func:`_apply_document` once the document's pages
    and aliases all exist. Returns [(page, revision)]."""
    # Each page is under its own locale's index: the free slugs in one look-up.
    slugs = bulk_tree.free_slugs([(parent, page.slug) for parent, page in items])
    for parent, page in items:
        page.slug = slugs[parent.pk]
    revisions = bulk_tree.create_live_pages(items, now)
    for _parent, page in items:
        # Search and reference index entries follow at the end of the document or feed page
        # (deferred_indexing).
        _deferred_add(page)
    return [(page, revision) for (_parent, page), revision in zip(items, revisions, strict=True)]


def _sync_aliases(page, cache=None, parent=None):
    """Aliases in the locales synchronised from ``page``'s locale (wagtail-localize's
    synctree does the same when an editor creates a page), all of one source's at once
    (bulk_tree.py) where Wagtail's would be the same. ``parent``: ``page``'s parent if known.
    Returns them, in creation order."""
    cache = cache or ImportCache()
    synced = cache.synchronised()
    created = []
    pending = [(page, parent)]
    while pending:
        source, source_parent = pending.pop()
        locale_ids = synced.get(source.locale_id, set())
        if not locale_ids:
            continue
        wanted = locale_ids - set(
            Page.objects.filter(
                translation_key=source.translation_key, locale_id__in=locale_ids
            ).values_list("locale_id", flat=True)
        )
        if not wanted:
            continue
        parents = cache.translations_of(source_parent or source.get_parent())
        # In the locales' own order, as synctree's Locale query gives them.
        targets = [
            (locale, parents[locale.pk])
            for locale in cache.locales().values()
            if locale.pk in wanted and locale.pk in parents
        ]
        if bulk_tree.bulk_supported(source):
            aliases = bulk_tree.create_aliases(source, targets)
        else:
            aliases = [wagtail_internals.create_alias(source, locale) for locale, _p in targets]
        created.extend(aliases)
        pending.extend((alias, parents[alias.locale_id]) for alias in reversed(aliases))
    return created


def _apply_document(clean: CleanDocument, copy, images, warnings, cache, copy_type=None) -> None:
    copy_type = copy_type or PRACTICE_MODELS
    locales = {code: loc for code, loc in cache.locales().items() if code in clean.locales}
    default_code = cache.default_locale().language_code
    order = sorted(
        (code for code in clean.locales if code in locales),
        key=lambda c: (c != default_code, c != clean.source_locale, c),
    )
    existing = {
        page.locale_id: page
        for page in copy_type.model.objects.filter(translation_key=clean.id).select_related(
            "locale"
        )
    }
    new = []  # (parent, page) in creation order
    now = timezone.now()
    for code in order:
        locale = locales[code]
        page = existing.get(locale.pk)
        if page is None:
            parent = cache.parent_in(locale, copy_type)
            new.append(
                (parent, _new_page(clean, code, locale, parent, images, warnings, cache, copy_type))
            )
            continue
        else:
            if page.alias_of_id:
                # An alias (synchronised trees): it becomes a real translation.
                page = wagtail_internals.convert_alias(page)
            copy_type.fill(page, clean, code, locale, images, warnings, cache)
            page.slug = _slug(page.get_parent(), clean.locales[code], page.pk)
            page.full_clean()
        _publish(page)
    created = _create_pages(new, now) if new else []  # (page, revision)
    # A locale the new version no longer has: its page goes offline (not a tombstone).
    for page in existing.values():
        if page.locale.language_code not in clean.locales and not page.alias_of_id and page.live:
            page.unpublish(log_action=False)
    aliases = _sync_aliases(created[0][0], cache, new[0][0]) if created and not existing else []
    # What Wagtail's publish of each new page would have sent (its aliases follow the page
    # they are aliases of); updated pages went through ``revision.publish()``, which sent it.
    # The pages were given the same many-to-many values: they are synchronised once.
    with published_together():
        for page, revision in created:
            followers = [a for a in aliases if _root_of(a, aliases) == page.pk]
            wagtail_internals.send_published(page, revision, followers)


def _root_of(alias, aliases):
    """The id of the page an alias (or an alias of an alias among ``aliases``) follows."""
    by_pk = {a.pk: a for a in aliases}
    while alias.alias_of_id in by_pk:
        alias = by_pk[alias.alias_of_id]
    return alias.alias_of_id


def _withdraw(global_id, model=PracticeModelPage):
    for page in model.objects.filter(translation_key=global_id, live=True).order_by("-alias_of_id"):
        page.refresh_from_db()
        if page.live:
            page.unpublish(log_action=False)
