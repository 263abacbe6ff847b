"""Outbound documents: what this instance tells its peers about one shared practice model
(seminars: ``outbound_seminar.py``).

:func:`build_document` turns a practice model (all its live, public locales) into the JSON
document of docs/federation.md §4, or returns None when it must not leave the site (draft,
private, not shared, not approved for the network, a copy received from elsewhere).
:func:`build_tombstone` writes the document that withdraws it. Neither signs nor stores
anything: ``records.py`` does, and only when the content changed.
"""

import datetime
import hashlib
import mimetypes
from urllib.parse import urljoin, urlsplit

import nh3
from django.core.cache import cache
from django.utils import timezone, translation
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock, ImageChooserBlock
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.rich_text import RichText, expand_db_html
from wagtail.snippets.blocks import SnippetChooserBlock

from ..conf import settings
from ..pages import PracticeModelPage, SeminarPage
from ..workflows import NetworkApprovalTask, approved_revisions
from .schema import PROTOCOL, RICH_TEXT_FIELDS, STREAM_FIELDS, TEXT_FIELDS, TOMBSTONE_REASONS
from .signing import canonical_json

# Rich text that leaves the site: the receiver sanitises again, this is the sender's promise.
RICH_TEXT_TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "a", "b", "strong", "i", "em", "br"}
RICH_TEXT_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}


# --- instance -------------------------------------------------------------------------------


def base_url() -> str:
    """This instance's public address without a trailing slash.

    ``CITIES_CMS_FEDERATION_BASE_URL`` when set, else the default Wagtail site's root URL.
    """
    configured = settings.CITIES_CMS_FEDERATION_BASE_URL
    if configured:
        return configured.rstrip("/")
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return "http://localhost"
    return site.root_url.rstrip("/")


def absolute(url: str) -> str:
    if not url:
        return url
    if urlsplit(url).scheme:
        return url
    return urljoin(base_url() + "/", url)


def instance_city():
    city = settings.CITIES_CMS_FEDERATION_CITY
    if not city:
        return None
    return {"name": str(city.get("name", "")), "country": str(city.get("country", ""))}


def origin(page=None, key_id=None) -> dict:
    from .identity import current_identity

    city = instance_city()
    if page is not None and page.city_id:
        city_page = page.city
        city = {"name": city_page.title, "country": str(city_page.country or "")}
    return {
        "base_url": base_url(),
        "key_id": key_id or current_identity().key_id,
        "city": city,
    }


def now_iso() -> str:
    return timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- which pages may leave ------------------------------------------------------------------


# The page types that travel: practice models, and seminars open to partner cities.
TRAVELLING = (PracticeModelPage, SeminarPage)


def pages_of(global_id, model=None):
    """Every page (any locale, aliases excluded) of one practice model or seminar (``model``:
    which, when known), default locale first."""
    for candidate in [model] if model else TRAVELLING:
        pages = list(
            candidate.objects.filter(translation_key=global_id, alias_of__isnull=True)
            .select_related("locale")
            .order_by("pk")
        )
        if pages:
            break
    from wagtail.models import Locale

    default = Locale.get_default()
    pages.sort(key=lambda p: (p.locale_id != default.pk, p.pk))
    return pages


def is_public(page) -> bool:
    """No view restriction on the page or any ancestor (Wagtail's ``.public()``)."""
    return not PageViewRestriction.objects.filter(
        page__path__in=[
            page.path[:i] for i in range(Page.steplen, len(page.path) + 1, Page.steplen)
        ]
    ).exists()


def needs_network_approval(page) -> bool:
    workflow = page.get_workflow()
    if workflow is None or not workflow.active:
        return False
    return workflow.tasks.filter(pk__in=NetworkApprovalTask.objects.values("pk")).exists()


def is_network_approved(page) -> bool:
    if not needs_network_approval(page):
        return True
    return (
        page.live_revision_id is not None
        and approved_revisions().filter(revision_id=page.live_revision_id).exists()
    )


def is_copy(global_id) -> bool:
    from .models import FederatedCopy

    return FederatedCopy.objects.filter(global_id=global_id).exists()


def withdrawal_reason(pages) -> str | None:
    """Why the practice model must not (or no longer) be shared; None when it may be.

    "unapproved" is not a tombstone reason: the last approved document stays shared until a
    coordinator approves the new content (or the page is unshared, unpublished ...).
    """
    if not pages:
        return "deleted"
    source = pages[0]
    if not source.live:
        return "unpublished"
    if not source.shared or is_copy(source.translation_key):
        return "unshared"
    if not is_public(source):
        return "private"
    if not is_network_approved(source):
        return "unapproved"
    return None


# --- documents ------------------------------------------------------------------------------


def clean_html(html: str) -> str:
    """Stored rich text as it leaves: internal links absolute, only harmless markup left."""
    if not html:
        return ""
    return nh3.clean(
        expand_db_html(html),
        tags=RICH_TEXT_TAGS,
        clean_content_tags={"script", "style"},
        attributes=RICH_TEXT_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        url_relative=("rewrite_with_base", base_url() + "/"),
    )


def sha256_of_file(field_file) -> str:
    """SHA-256 of a stored file, cached by name, size and modification time."""
    storage, name = field_file.storage, field_file.name
    size = storage.size(name)
    try:
        stamp = storage.get_modified_time(name).timestamp()
    except (NotImplementedError, AttributeError):
        stamp = 0
    key = (
        "cities_cms_federation:sha256:"
        + hashlib.sha1(  # noqa: S324 - a cache key
            f"{storage.__class__.__name__}|{name}|{size}|{stamp}".encode()
        ).hexdigest()
    )
    digest = cache.get(key)
    if digest is None:
        hasher = hashlib.sha256()
        with storage.open(name, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                hasher.update(chunk)
        digest = hasher.hexdigest()
        cache.set(key, digest, None)
    return digest


class MediaList:
    """Images referred to by a document, each once, as ``m1``, ``m2`` ..."""

    def __init__(self):
        self.refs = {}
        self.items = []

    def ref(self, image) -> str:
        if image.pk in self.refs:
            return self.refs[image.pk]
        ref = f"m{len(self.items) + 1}"
        self.refs[image.pk] = ref
        file = image.file
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self.items.append(
            {
                "ref": ref,
                "url": absolute(file.url),
                "sha256": sha256_of_file(file),
                "bytes": int(image.file_size or file.storage.size(file.name)),
                "content_type": content_type,
                "width": int(image.width),
                "height": int(image.height),
                "alt": {},
                "credit": None,
            }
        )
        return ref

    def note_alt(self, image, language_code) -> str:
        """Record the image's own alternative text for this locale; return it."""
        alt = str(getattr(image, "default_alt_text", None) or image.title)
        ref = self.refs.get(image.pk)
        if ref is not None:
            self.items[int(ref[1:]) - 1]["alt"].setdefault(language_code, alt)
        return alt


def json_scalar(value):
    """Numbers travel as integers or strings, so that canonical JSON is exact."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list):
        return [json_scalar(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_scalar(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class BlockExporter:
    """StreamField values as JSON with media references and absolute links."""

    def __init__(self, media: MediaList, language_code: str, share_contact: bool):
        self.media = media
        self.language_code = language_code
        self.share_contact = share_contact

    def stream(self, stream_value):
        return [
            {
                "type": child.block_type,
                "value": self.value(child.block, child.value),
                "id": child.id,
            }
            for child in stream_value
        ]

    def image(self, image, extra=None):
        """``{"media": ref}`` (an image chooser) plus ``extra``; None without an image."""
        if image is None:
            return None
        result = {"media": self.media.ref(image)}
        self.media.note_alt(image, self.language_code)
        result.update(extra or {})
        return result

    def image_use(self, image):
        """A listing image as an ``ImageUse``: the page holds no text of its own for it, so
        the image's alternative text goes with it (not decorative)."""
        if image is None:
            return None
        ref = self.media.ref(image)
        alt = self.media.note_alt(image, self.language_code)
        return {"media": ref, "alt_text": alt[:500], "decorative": False}

    def value(self, block, value):
        if isinstance(block, ImageBlock):
            return self.image(
                value,
                {
                    "alt_text": getattr(value, "contextual_alt_text", None) or "",
                    "decorative": bool(getattr(value, "decorative", False)),
                },
            )
        if isinstance(block, ImageChooserBlock):
            return self.image(value)
        if isinstance(block, DocumentChooserBlock):
            return absolute(value.url) if value is not None else None
        if isinstance(block, blocks.PageChooserBlock):
            if value is None or not value.live or not is_public(value):
                return None
            return absolute(value.localized.get_url() or "") or None
        if isinstance(block, SnippetChooserBlock):
            return self.snippet(value)
        if isinstance(block, blocks.RichTextBlock):
            source = value.source if isinstance(value, RichText) else (value or "")
            return clean_html(source)
        if isinstance(block, blocks.StreamBlock):
            return self.stream(value)
        if isinstance(block, blocks.ListBlock):
            return [
                {
                    "type": "item",
                    "value": self.value(block.child_block, child.value),
                    "id": child.id,
                }
                for child in value.bound_blocks
            ]
        if isinstance(block, blocks.StructBlock):
            return {
                name: self.value(child_block, value.get(name))
                for name, child_block in block.child_blocks.items()
            }
        return json_scalar(block.get_prep_value(value))

    def snippet(self, value):
        # Snippets carry people's data: a contact card travels only when the editor agreed.
        from ..snippets import Person

        if isinstance(value, Person) and self.share_contact:
            return contact_of(value)
        return None


def contact_of(person):
    if person is None:
        return None
    return {"name": person.name, "role": person.job_title or "", "email": person.email or ""}


def locale_fields(page, media: MediaList, share_contact: bool) -> dict:
    code = page.locale.language_code
    exporter = BlockExporter(media, code, share_contact)
    with translation.override(code):
        fields = {name: getattr(page, name) or "" for name in TEXT_FIELDS}
        for name in RICH_TEXT_FIELDS:
            fields[name] = clean_html(getattr(page, name))
        for name in STREAM_FIELDS:
            fields[name] = exporter.stream(getattr(page, name))
        fields["listing_image"] = exporter.image_use(page.listing_image)
        fields["stakeholders"] = [
            {
                "kind": s.kind,
                "name": s.name or (s.organisation.name if s.organisation else ""),
                "contribution": s.contribution,
            }
            for s in page.stakeholders.select_related("organisation").order_by("sort_order")
        ]
    return fields


def share_contact_for(global_id) -> bool:
    from .models import SharedPage

    return SharedPage.objects.filter(translation_key=global_id, share_contact=True).exists()


def build_document(page) -> dict | None:
    """The practice-model document of ``page`` (any of its locales), or None if not shared.

    ``version`` is left 0 and ``updated_at`` empty: ``records.refresh`` fills them in.
    """
    page = page.specific
    if isinstance(page, SeminarPage):
        from .outbound_seminar import build_seminar_document

        return build_seminar_document(page)
    if not isinstance(page, PracticeModelPage):
        return None
    pages = pages_of(page.translation_key, PracticeModelPage)
    if withdrawal_reason(pages) is not None:
        return None
    source = pages[0]
    share_contact = share_contact_for(source.translation_key)
    media = MediaList()
    locales, canonical = {}, {}
    for translated in pages:
        if not translated.live or not is_public(translated):
            continue
        code = translated.locale.language_code
        with translation.override(code):
            url = translated.get_url()
        if not url:
            continue
        canonical[code] = absolute(url)
        locales[code] = locale_fields(translated, media, share_contact)
    organisation = source.city.title if source.city_id else (base_url())
    return {
        "protocol": PROTOCOL,
        "type": "practice-model",
        "id": str(source.translation_key),
        "version": 0,
        "origin": origin(source),
        "updated_at": "",
        "source_locale": source.locale.language_code,
        "canonical": canonical,
        "licence": source.licence,
        "attribution": {
            "organisation": organisation,
            "contact": contact_of(source.contact) if share_contact else None,
        },
        "themes": sorted({t.key for t in source.themes.all()}),
        "fields": {
            "status": source.status,
            "start_year": source.start_year,
            "end_year": source.end_year,
            "evidence_level": source.evidence_level,
            "budget": str(source.budget) if source.budget is not None else None,
        },
        "locales": locales,
        "media": media.items,
    }


def build_tombstone(global_id, version, reason) -> dict:
    """The document that withdraws a practice model from every peer."""
    if reason not in TOMBSTONE_REASONS:
        raise ValueError(f"unknown tombstone reason {reason!r}")
    return {
        "protocol": PROTOCOL,
        "type": "tombstone",
        "id": str(global_id),
        "version": int(version),
        "origin": origin(),
        "reason": reason,
        "updated_at": now_iso(),
    }


def content_hash(document: dict) -> str:
    """Hash of what the document says: without version, time and signing key."""
    content = {k: v for k, v in document.items() if k not in ("version", "updated_at")}
    content["origin"] = {k: v for k, v in document.get("origin", {}).items() if k != "key_id"}
    return hashlib.sha256(canonical_json(content)).hexdigest()
