"""Applying a seminar document: read-only SeminarPage copies under this site's seminar index.

The same path as a practice model's (``pages.py``: one page per locale both sides have, with
the origin's ``translation_key``, synchronised-tree aliases in the other locales, Wagtail's
publish signals, unpublishing for a tombstone); only the model, the index and the fields
differ (:data:`SEMINARS`). The host city is this site's page of that city, found as a practice
model's city is. Visitors register at the origin: the copy's ``FederatedCopy.canonical_urls``.
"""

from django.utils.translation import gettext as _
from wagtail.models import Locale

from ...pages import PracticeModelPage, SeminarIndexPage, SeminarPage
from ..models import CopyKind
from ..schema import SEMINAR_RICH_TEXT_FIELDS, SEMINAR_STREAM_FIELDS, ProtocolError
from .blocks import BlockImporter
from .pages import CopyType, _apply_document, _withdraw

# The wire's text fields but ``slug``: a copy's slug is made free under its parent.
TEXT_FIELDS = ("title", "search_description", "summary", "venue_name", "venue_address")


def seminar_index() -> SeminarIndexPage:
    """The first seminar index of the default locale: received seminars go under it."""
    page = SeminarIndexPage.objects.filter(locale=Locale.get_default()).order_by("path").first()
    if page is None:
        raise ProtocolError("no-parent", _("This site has no seminar index to import into."))
    return page


def fill_seminar(page, clean, code, locale, images, warnings, cache):
    data = clean.locales[code]
    for name in TEXT_FIELDS:
        setattr(page, name, data[name])
    for name in SEMINAR_RICH_TEXT_FIELDS:
        setattr(page, name, data[name])
    fields = clean.fields
    page.kind = fields["kind"]
    page.status = fields["status"]
    page.start = fields["start"]
    page.end = fields["end"]
    page.timezone = fields["timezone"]
    page.online_url = fields["online_url"]
    page.languages = fields["languages"]
    page.shared = False  # copies are never re-shared
    page.host_city = cache.city(fields["host_city"], locale)
    listing = data["listing_image"]
    page.listing_image = images.get(listing["media"]) if listing else None
    for name in SEMINAR_STREAM_FIELDS:
        stream_block = page._meta.get_field(name).stream_block
        importer = BlockImporter(images, warnings, f"{code}.{name}")
        setattr(page, name, importer.stream(stream_block, data[name], top=True))
    page.themes.set(cache.themes(clean.themes, locale))


SEMINARS = CopyType(SeminarPage, seminar_index, fill_seminar)


def apply_seminar(clean, copy, images, warnings, cache) -> None:
    """Create or update the seminar's copies (inside the document's transaction)."""
    if copy.kind != CopyKind.SEMINAR:
        if PracticeModelPage.objects.filter(translation_key=clean.id).exists():
            raise ProtocolError(
                "conflict",
                _("The document's id already belongs to a practice model received earlier."),
                global_id=clean.id,
            )
        copy.kind = CopyKind.SEMINAR
        copy.save(update_fields=["kind"])
    _apply_document(clean, copy, images, warnings, cache, SEMINARS)


def withdraw_seminar(global_id) -> None:
    _withdraw(global_id, SeminarPage)
