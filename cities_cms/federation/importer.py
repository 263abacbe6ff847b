"""Importing one signed document from a peer: verify, validate, then change pages atomically.

:func:`import_envelope` is the only way content from elsewhere reaches the page tree:

1. the envelope's size, shape and signature are checked against the **author's** pinned key
   (``origin.base_url`` → the approved peer with that address, whoever served the document:
   relays, docs/federation.md §7); documents authored by this instance are refused;
2. the document is validated (``validate.py``; rich text is sanitised there and in blocks);
3. new images are downloaded and checked (``media.py``) before any transaction starts;
4. in **one transaction per document**, holding a lock on the author's ``Peer`` row and on the
   ``FederatedCopy`` row: versions are compared (equal: nothing happens; older: refused), then
   the practice model is created or updated in every locale both sides have (same
   ``translation_key`` as the origin, one revision each, published without a workflow), or,
   for a tombstone, unpublished. A failure anywhere rolls the whole document back.

Refusals are returned (``Outcome.status == "refused"``) and logged as ``PeerEvent`` rows on the
peer that served the document; nothing is raised for anything a peer can send.
"""

import logging
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail import blocks
from wagtail.coreutils import find_available_slug
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock, ImageChooserBlock
from wagtail.log_actions import log as log_action
from wagtail.models import Locale, Page, ReferenceIndex, Revision
from wagtail.signal_handlers import disable_reference_index_auto_update
from wagtail.snippets.blocks import SnippetChooserBlock

from ..conf import settings
from ..pages import CityPage, PracticeModelIndexPage, PracticeModelPage
from ..pages.practice import Stakeholder
from ..snippets import Theme
from . import media as media_module
from .identity import format_fingerprint
from .models import FederatedCopy, Peer, PeerEvent, PeerStatus
from .schema import RICH_TEXT_FIELDS, STREAM_FIELDS, ProtocolError
from .signing import canonical_json, envelope_parts, verify_envelope
from .validate import CleanDocument, normalise_base_url, validate_document

logger = logging.getLogger(__name__)

# The wire's text fields but ``slug``: a copy's slug is made free under its parent (_slug).
TEXT_FIELDS = ("title", "search_description", "summary", "staff", "duration")


@dataclass
class Outcome:
    # "imported" (new copy), "updated", "unchanged", "withdrawn" (tombstone applied),
    # "skipped" (detached copy), "refused"
    status: str
    code: str = ""
    message: str = ""
    global_id: str = ""
    version: int | None = None
    warnings: list = field(default_factory=list)

    @property
    def refused(self):
        return self.status == "refused"


# --- authors --------------------------------------------------------------------------------


def pinned_key_for_author(origin_base_url, key_id=None) -> Peer | None:
    """The approved peer whose address is ``origin_base_url`` (and whose pinned key has
    ``key_id``, when given): the only key a document by that author may be signed with."""
    from .signing import key_id_of

    if not isinstance(origin_base_url, str):
        return None
    base = normalise_base_url(origin_base_url)
    for peer in Peer.objects.filter(status=PeerStatus.APPROVED, base_url__in=[base, base + "/"]):
        if not peer.public_key:
            continue
        if key_id is None:
            return peer
        try:
            if key_id_of(peer.public_key) == key_id:
                return peer
        except ValueError:
            continue
    return None


def own_identity():
    """(base_url, key id or None) of this instance."""
    from .identity import current_identity
    from .outbound import base_url

    try:
        key_id = current_identity().key_id
    except (ImproperlyConfigured, OSError, ValueError):
        key_id = None
    return normalise_base_url(base_url()), key_id


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
        translated = parent.copy_for_translation(locale, copy_parents=True, alias=True)
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
        self._root_parent = None
        self._parents = {}  # locale pk -> parent index in that locale
        self._themes = {}  # (keys, locale pk) -> [Theme]
        self._cities = {}  # (name, country, locale pk) -> CityPage | None
        self._collection = None

    def reset(self):
        self._root_parent = None
        self._parents = {}
        self._collection = None

    def locales(self) -> dict:
        if self._locales is None:
            self._locales = {loc.language_code: loc for loc in Locale.objects.all()}
        return self._locales

    def default_locale(self):
        if self._default is None:
            self._default = Locale.get_default()
        return self._default

    def parent_in(self, locale):
        if self._root_parent is None:
            self._root_parent = federation_parent()
        if locale.pk not in self._parents:
            self._parents[locale.pk] = parent_in(self._root_parent, locale)
        return self._parents[locale.pk]

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


# --- indexing once per document -------------------------------------------------------------
#
# Each save of a page or an image normally updates the search index (modelsearch's post_save
# handler) and the reference index (Wagtail's) at once: Wagtail's create-then-publish path
# saves a page two or three times, and the SQLite backend recomputes its title norms over the
# whole index every time. While a document is imported, both are deferred and done once per
# object, in bulk: at the end of the document when it is imported alone, at the end of the
# feed page in a sync run (sync.py; a run that dies before re-indexes the page's documents
# when it is fetched again, as their outcome is then "unchanged").

_deferred = threading.local()
_install_lock = threading.Lock()
_installed = False


def _post_save_or_defer(sender, instance, **kwargs):
    """modelsearch's post_save handler, unless this thread defers indexing."""
    from modelsearch import signal_handlers

    pending = getattr(_deferred, "pending", None)
    if pending is not None and not kwargs.get("raw", False):
        pending.setdefault(instance._meta.model, set()).add(instance.pk)
        return
    signal_handlers.post_save_signal_handler(instance, sender=sender, **kwargs)


def _install_search_deferral():
    """Route modelsearch's post_save handler through :func:`_post_save_or_defer` (the same
    behaviour in every thread that does not defer). Done once per process."""
    global _installed
    if _installed:
        return
    with _install_lock:
        if _installed:
            return
        from modelsearch import index, signal_handlers

        for model in index.get_indexed_models():
            if post_save.disconnect(signal_handlers.post_save_signal_handler, sender=model):
                post_save.connect(
                    _post_save_or_defer,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"cities_cms_federation_index_{model._meta.label_lower}",
                )
        _installed = True


@contextmanager
def deferred_indexing():
    """Collect the search-indexed objects saved in this block (this thread only) and index
    them, and update their reference index entries, once each when the block succeeds."""
    _install_search_deferral()
    pending = {}
    outer = getattr(_deferred, "pending", None)
    _deferred.pending = pending
    try:
        if outer is None:
            with disable_reference_index_auto_update():  # not re-entrant: outermost only
                yield pending
        else:
            yield pending
    finally:
        _deferred.pending = outer
    if outer is not None:  # nested: the outer block indexes
        for model, pks in pending.items():
            outer.setdefault(model, set()).update(pks)
        return
    flush_index(pending)


def defer_copies(global_ids):
    """Add the pages of these copies to the pending index updates of this thread."""
    pending = getattr(_deferred, "pending", None)
    if pending is None or not global_ids:
        return
    pks = PracticeModelPage.objects.filter(translation_key__in=list(global_ids)).values_list(
        "pk", flat=True
    )
    pending.setdefault(PracticeModelPage, set()).update(pks)


@transaction.atomic
def flush_index(pending: dict):
    """Search index (one ``add_bulk`` per model and backend) and reference index of the
    objects in ``pending`` ({model: {pk}})."""
    from modelsearch.backends import get_search_backends_with_name

    by_model = {}
    for model, pks in pending.items():
        for obj in model.get_indexed_objects().filter(pk__in=pks):
            indexed = obj.get_indexed_instance()
            if indexed is not None:
                by_model.setdefault(type(indexed), []).append(indexed)
    for model, objects in by_model.items():
        if ReferenceIndex.is_indexed(model._meta.model):
            for obj in objects:
                ReferenceIndex.create_or_update_for_object(obj)
        for name, backend in get_search_backends_with_name(with_auto_update=True):
            try:
                backend.add_bulk(model, objects)
            except Exception:
                # As modelsearch does: an external index that is down must not lose the
                # import; a database backend's error aborts the transaction anyway.
                logger.exception("Indexing %s imported objects in %r failed", len(objects), name)
                if not backend.catch_indexing_errors:
                    raise


# --- blocks ---------------------------------------------------------------------------------


class _Drop(Exception):
    """This block cannot be represented here."""


class BlockImporter:
    """Incoming block JSON (docs §4) → Wagtail's stored JSON for this site's block definitions.

    Images become local image ids, rich text is sanitised, snippets, documents and page links
    (which point at the origin) become empty; a link's page moves to its URL field. Unknown
    block types are dropped with a warning; so is a block that does not pass its definition's
    ``clean()`` afterwards.
    """

    def __init__(self, images: dict, warnings: list, where: str):
        self.images = images  # ref -> Image
        self.warnings = warnings
        self.where = where

    def warn(self, code, message):
        self.warnings.append((code, f"{self.where}: {message}"))

    def stream(self, stream_block, raw, *, top=False):
        if not isinstance(raw, list):
            return []
        result = []
        for item in raw:
            if not isinstance(item, dict):
                continue
            kind = item.get("type")
            child = stream_block.child_blocks.get(kind) if isinstance(kind, str) else None
            if child is None:
                self.warn(
                    "unknown-block",
                    _("dropped unknown block type %(type)r.") % {"type": str(kind)[:50]},
                )
                continue
            try:
                value = self.value(child, item.get("value"))
                if top:
                    child.clean(child.to_python(value))
            except _Drop:
                self.warn(
                    "dropped-block", _("dropped a %(type)s block it cannot show.") % {"type": kind}
                )
                continue
            except (DjangoValidationError, TypeError, ValueError, KeyError, AttributeError) as exc:
                self.warn(
                    "invalid-block",
                    _("dropped an invalid %(type)s block (%(error)s).")
                    % {"type": kind, "error": str(exc)[:200]},
                )
                continue
            result.append({"type": kind, "value": value, "id": self.block_id(item.get("id"))})
        return result

    @staticmethod
    def block_id(value):
        if isinstance(value, str):
            try:
                return str(uuid.UUID(value))
            except ValueError:
                pass
        return str(uuid.uuid4())

    def image_id(self, value):
        if isinstance(value, dict):
            image = self.images.get(value.get("media"))
            if image is not None:
                return image.pk
        return None

    def value(self, block, value):
        if isinstance(block, ImageBlock):
            image_id = self.image_id(value)
            if image_id is None:
                if block.required:
                    raise _Drop
                return None
            alt = value.get("alt_text") if isinstance(value, dict) else ""
            return {
                "image": image_id,
                "alt_text": alt if isinstance(alt, str) else "",
                "decorative": bool(isinstance(value, dict) and value.get("decorative") is True),
            }
        if isinstance(block, ImageChooserBlock):
            image_id = self.image_id(value)
            if image_id is None and block.required:
                raise _Drop
            return image_id
        if isinstance(block, DocumentChooserBlock | SnippetChooserBlock | blocks.PageChooserBlock):
            if block.required:
                raise _Drop
            return None
        if isinstance(block, blocks.RichTextBlock):
            from .sanitise import clean_html

            return clean_html(value)
        if isinstance(block, blocks.StreamBlock):
            return self.stream(block, value)
        if isinstance(block, blocks.ListBlock):
            if not isinstance(value, list):
                return []
            items = []
            for item in value:
                child_value = (
                    item.get("value") if isinstance(item, dict) and "type" in item else item
                )
                try:
                    converted = self.value(block.child_block, child_value)
                except _Drop:
                    continue
                item_id = item.get("id") if isinstance(item, dict) else None
                items.append({"type": "item", "value": converted, "id": self.block_id(item_id)})
            return items
        if isinstance(block, blocks.StructBlock):
            data = value if isinstance(value, dict) else {}
            result = {}
            for name, child in block.child_blocks.items():
                incoming = data.get(name)
                if isinstance(child, blocks.PageChooserBlock) and isinstance(incoming, str):
                    # A page link of the origin: keep it as an address where there is room.
                    url_child = block.child_blocks.get("url")
                    if isinstance(url_child, blocks.URLBlock) and not data.get("url"):
                        data = {**data, "url": incoming}
                result[name] = self.value(child, incoming)
            return result
        # Leaf blocks: JSON values only; the block's clean() decides the rest.
        if isinstance(value, dict | list):
            from wagtail.contrib.table_block.blocks import TableBlock

            if isinstance(block, TableBlock):
                return value
            raise _Drop
        return value


# --- the import -----------------------------------------------------------------------------


def envelope_size(envelope) -> int:
    """Bytes of the envelope's RFC 8785 canonical JSON (UTF-8): how the sender and the
    receiver both count a document against the size limit (docs §4)."""
    try:
        return len(canonical_json(envelope))
    except Exception:  # rfc8785 raises its own errors, and TypeError/ValueError/RecursionError
        raise ProtocolError("bad-json", _("The envelope is not JSON.")) from None


def _global_id_of(document) -> str:
    value = document.get("id") if isinstance(document, dict) else None
    return value[:100] if isinstance(value, str) else ""


def verify(envelope) -> tuple[Peer, dict, str]:
    """(author peer, document, global id) of a correctly signed envelope; else ProtocolError."""
    max_bytes = int(settings.CITIES_CMS_FEDERATION_MAX_DOCUMENT_BYTES)
    if envelope_size(envelope) > max_bytes:
        raise ProtocolError(
            "too-large",
            _("The document is larger than %(limit)s.") % {"limit": filesizeformat(max_bytes)},
            global_id=_global_id_of(
                envelope.get("document") if isinstance(envelope, dict) else None
            ),
        )
    try:
        document, signature = envelope_parts(envelope)
    except ProtocolError as exc:
        code = "bad-signature" if exc.code == "bad-envelope" else exc.code
        raise ProtocolError(code, exc.message) from None
    global_id = _global_id_of(document)
    origin = document.get("origin")
    base_url = origin.get("base_url") if isinstance(origin, dict) else None
    if not isinstance(base_url, str):
        raise ProtocolError("invalid", _("The document names no origin."), global_id=global_id)
    own_url, own_key = own_identity()
    if normalise_base_url(base_url) == own_url or (own_key and signature["key_id"] == own_key):
        raise ProtocolError(
            "own-document", _("The document was written by this site itself."), global_id=global_id
        )
    author = pinned_key_for_author(base_url)
    if author is None:
        raise ProtocolError(
            "unknown-author",
            _("The document's author %(url)s is not an approved peer.") % {"url": base_url[:200]},
            global_id=global_id,
        )
    try:
        verify_envelope(envelope, author.public_key)
    except ProtocolError as exc:
        raise ProtocolError(exc.code, exc.message, global_id=global_id) from None
    return author, document, global_id


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


def _slug(parent, data, page_id=None):
    requested = slugify(data["slug"] or data["title"], allow_unicode=True)[:200] or "shared"
    return find_available_slug(parent, requested, ignore_page_id=page_id)


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


# Fields of a page that point at other rows this importer itself looked up (locale, city,
# image, content type) or that the tree sets: validated by construction, not by a query each.
_NOT_CLEANED = None


def _fields_to_clean_exclude():
    global _NOT_CLEANED
    if _NOT_CLEANED is None:
        _NOT_CLEANED = [
            f.name
            for f in PracticeModelPage._meta.concrete_fields
            if f.is_relation or f.name in ("path", "depth", "numchild", "url_path")
        ]
    return _NOT_CLEANED


def _create_page(clean, code, locale, parent, images, warnings, cache, now):
    """A new live copy in one locale with a single revision, as Wagtail's create-then-publish
    leaves it (live, live and latest revision, first/last published, an audit log entry),
    in one insert and one update instead of three saves. ``page_published`` is not sent: its
    receivers here are cities_cms's many-to-many sync (each copy gets its locale's themes
    directly) and the outbound record refresh (copies are never shared); updates of copies
    go through Wagtail's publish and send it."""
    page = PracticeModelPage(
        locale=locale, translation_key=clean.id, live=False, has_unpublished_changes=False
    )
    _fill(page, clean, code, locale, images, warnings, cache)
    page.slug = _slug(parent, clean.locales[code])
    page.draft_title = page.title
    page._is_site_root = False  # a new page under an index (its translation_key is new)
    page.clean_fields(exclude=_fields_to_clean_exclude())
    parent.add_child(instance=page)  # saved as a draft first: no full_clean queries
    # The revision holds the page as published (as Wagtail's publish leaves it).
    page.live = True
    page.first_published_at = page.last_published_at = now
    revision = Revision.objects.create(
        content_object=page,
        base_content_type=page.get_base_content_type(),
        content=page.serializable_data(),
        object_str=str(page),
    )
    published = {
        "live": True,
        "has_unpublished_changes": False,
        "first_published_at": now,
        "last_published_at": now,
        "live_revision": revision,
        "latest_revision": revision,
        "latest_revision_created_at": revision.created_at,
        "draft_title": page.title,
    }
    PracticeModelPage.objects.filter(pk=page.pk).update(**published)
    for name, value in published.items():
        setattr(page, name, value)
    # The page's search and reference index entries follow at the end of the document
    # (deferred_indexing): the update above sends no signal.
    _deferred_add(page)
    log_action(instance=page, action="wagtail.publish", revision=revision, content_changed=True)
    return page


def _deferred_add(instance):
    pending = getattr(_deferred, "pending", None)
    if pending is not None:
        pending.setdefault(instance._meta.model, set()).add(instance.pk)


def _sync_aliases(page):
    """Aliases in the locales synchronised from ``page``'s locale (wagtail-localize's
    synctree does the same when an editor creates a page)."""
    try:
        from wagtail_localize.models import LocaleSynchronization
    except ImportError:  # pragma: no cover - wagtail-localize is a dependency
        return
    pending = [page]
    while pending:
        source = pending.pop()
        for locale in Locale.objects.filter(
            pk__in=LocaleSynchronization.objects.filter(sync_from_id=source.locale_id).values(
                "locale_id"
            )
        ):
            if Page.objects.filter(translation_key=source.translation_key, locale=locale).exists():
                continue
            if source.get_parent().get_translation_or_none(locale) is None:
                continue
            pending.append(source.copy_for_translation(locale, copy_parents=True, alias=True))


def _apply_document(clean: CleanDocument, copy, images, warnings, cache) -> None:
    locales = {code: loc for code, loc in cache.locales().items() if code in clean.locales}
    default_code = cache.default_locale().language_code
    order = sorted(
        (code for code in clean.locales if code in locales),
        key=lambda c: (c != default_code, c != clean.source_locale, c),
    )
    existing = {
        page.locale_id: page
        for page in PracticeModelPage.objects.filter(translation_key=clean.id).select_related(
            "locale"
        )
    }
    first_created = None
    now = timezone.now()
    for code in order:
        locale = locales[code]
        page = existing.get(locale.pk)
        if page is None:
            page = _create_page(
                clean, code, locale, cache.parent_in(locale), images, warnings, cache, now
            )
            if first_created is None:
                first_created = page
            continue
        else:
            if page.alias_of_id:
                # An alias (synchronised trees): it becomes a real translation.
                page.alias_of_id = None
                page.save(update_fields=["alias_of_id"], clean=False)
                page = PracticeModelPage.objects.get(pk=page.pk)
            _fill(page, clean, code, locale, images, warnings, cache)
            page.slug = _slug(page.get_parent(), clean.locales[code], page.pk)
            page.full_clean()
        _publish(page)
    # A locale the new version no longer has: its page goes offline (not a tombstone).
    for page in existing.values():
        if page.locale.language_code not in clean.locales and not page.alias_of_id and page.live:
            page.unpublish(log_action=False)
    if first_created is not None and not existing:
        _sync_aliases(first_created)


def _withdraw(global_id):
    for page in PracticeModelPage.objects.filter(translation_key=global_id, live=True).order_by(
        "-alias_of_id"
    ):
        page.refresh_from_db()
        if page.live:
            page.unpublish(log_action=False)


def _copy_fields(copy, clean, peer, author):
    copy.peer = peer
    copy.origin_url = clean.origin["base_url"]
    copy.origin_key_fingerprint = format_fingerprint(clean.origin["key_id"])
    city = clean.origin["city"] or {}
    copy.origin_city = (
        city.get("name")
        or clean.attribution.get("organisation")
        or author.city_name
        or author.name
        or clean.origin["base_url"]
    )[:200]
    if not clean.is_tombstone:
        copy.canonical_urls = {code: url for code, url in clean.canonical.items() if url}
    copy.version = clean.version


def _import(peer, envelope, *, languages=None, cache=None) -> Outcome:
    author, document, global_id = verify(envelope)
    try:
        clean = validate_document(document, languages=languages)
    except ProtocolError as exc:
        exc.global_id = global_id
        raise
    if clean.origin["base_url"] != normalise_base_url(author.base_url):
        raise ProtocolError(
            "invalid", _("The document's origin does not match its author."), global_id=clean.id
        )
    warnings = list(clean.warnings)

    # Cheap look before downloading anything (repeated under the lock below).
    current = FederatedCopy.objects.filter(global_id=clean.id).first()
    if current is not None and current.version == clean.version:
        return Outcome("unchanged", global_id=clean.id, version=clean.version)
    downloaded = {}
    if not clean.is_tombstone and (current is None or not current.detached):
        already = media_module.existing(item["sha256"] for item in clean.media)
        for item in clean.media:
            if item["sha256"] in already or item["sha256"] in downloaded:
                continue
            try:
                downloaded[item["sha256"]] = media_module.download(
                    item, allow_private=author.is_local
                )
            except ProtocolError as exc:
                raise ProtocolError(
                    exc.code if exc.code != "too-large" else "image-refused",
                    exc.message,
                    global_id=clean.id,
                ) from None

    cache = cache or ImportCache()
    try:
        with transaction.atomic(), deferred_indexing():
            # One document at a time per author: two runs cannot import the same one twice.
            Peer.objects.select_for_update().filter(pk=author.pk).first()
            copy = FederatedCopy.objects.select_for_update().filter(global_id=clean.id).first()
            if copy is None and PracticeModelPage.objects.filter(translation_key=clean.id).exists():
                raise ProtocolError(
                    "conflict",
                    _("A page of this site already uses the document's id."),
                    global_id=clean.id,
                )
            if copy is not None:
                if normalise_base_url(copy.origin_url) != clean.origin["base_url"]:
                    raise ProtocolError(
                        "wrong-origin",
                        _("The practice model was received from another author (%(url)s).")
                        % {"url": copy.origin_url},
                        global_id=clean.id,
                    )
                if clean.version == copy.version:
                    return Outcome("unchanged", global_id=clean.id, version=clean.version)
                if clean.version < copy.version:
                    raise ProtocolError(
                        "old-version",
                        _("Version %(old)s is older than version %(have)s already received.")
                        % {"old": clean.version, "have": copy.version},
                        global_id=clean.id,
                    )
                if copy.detached:
                    if clean.is_tombstone and not copy.withdrawn:
                        copy.withdrawn = True
                        copy.save(update_fields=["withdrawn", "last_imported_at"])
                    return Outcome(
                        "skipped",
                        "detached",
                        _("The copy is detached: version %(version)s was not applied.")
                        % {"version": clean.version},
                        clean.id,
                        clean.version,
                        warnings,
                    )
            created = copy is None
            if created:
                copy = FederatedCopy(global_id=clean.id)
            _copy_fields(copy, clean, peer, author)
            if clean.is_tombstone:
                copy.withdrawn = True
                copy.save()
                _withdraw(clean.id)
                return Outcome("withdrawn", global_id=clean.id, version=clean.version)
            copy.withdrawn = False
            copy.save()  # before the pages: outbound sees them as copies when they publish
            images = _store_images(clean, downloaded, cache)
            _apply_document(clean, copy, images, warnings, cache)
            return Outcome(
                "imported" if created else "updated",
                global_id=clean.id,
                version=clean.version,
                warnings=warnings,
            )
    except IntegrityError:
        cache.reset()  # whatever it created in the rolled-back transaction is gone
        # Another run created the same copy at the same moment (SQLite has no row lock
        # before the insert): that run's import stands.
        if FederatedCopy.objects.filter(global_id=clean.id, version__gte=clean.version).exists():
            return Outcome("unchanged", global_id=clean.id, version=clean.version)
        raise
    except DjangoValidationError as exc:
        raise ProtocolError("invalid", "; ".join(exc.messages)[:500], global_id=clean.id) from None


def log_outcome(peer, outcome: Outcome):
    """PeerEvent rows for what an editor should see: refusals, warnings, withdrawals."""
    events = []
    if outcome.refused:
        events.append(
            PeerEvent(
                peer=peer,
                level=PeerEvent.Level.ERROR,
                code=outcome.code[:50],
                message=outcome.message,
                global_id=outcome.global_id,
            )
        )
    for code, message in outcome.warnings:
        events.append(
            PeerEvent(
                peer=peer,
                level=PeerEvent.Level.WARNING,
                code=code[:50],
                message=message,
                global_id=outcome.global_id,
            )
        )
    if outcome.status in ("withdrawn", "skipped"):
        events.append(
            PeerEvent(
                peer=peer,
                level=PeerEvent.Level.INFO,
                code=outcome.status,
                message=outcome.message
                or _("Version %(version)s withdrew the practice model: its copy is offline.")
                % {"version": outcome.version},
                global_id=outcome.global_id,
            )
        )
    if events:
        PeerEvent.objects.bulk_create(events)


def import_envelope(peer, envelope, *, log=True, languages=None, cache=None) -> Outcome:
    """Verify, validate and import one envelope served by ``peer``; never raises for input.

    Refusals are logged on ``peer`` (a PeerEvent) and its ``last_error`` is set. ``cache``:
    an :class:`ImportCache` shared by the documents of one feed page.
    """
    try:
        outcome = _import(peer, envelope, languages=languages, cache=cache)
    except ProtocolError as exc:
        outcome = Outcome("refused", exc.code, exc.message, exc.global_id)
    except Exception as exc:  # a peer's input must never break the run
        # A bug or a database error: logged with its traceback, the document is refused (its
        # transaction rolled back) and the next one is tried.
        logger.exception("Importing a document from %s failed", peer.base_url)
        outcome = Outcome(
            "refused", "error", _("The import failed: %(error)s") % {"error": str(exc)[:300]}
        )
    if outcome.refused and cache is not None:
        cache.reset()  # a rolled-back document may have created an alias parent
    if log:
        log_outcome(peer, outcome)
        if outcome.refused:
            from django.utils import timezone

            message = f"{outcome.code}: {outcome.message}"
            Peer.objects.filter(pk=peer.pk).update(last_error=message, last_error_at=timezone.now())
            peer.last_error = message
    return outcome
