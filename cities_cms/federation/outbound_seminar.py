"""The seminar document (docs/federation.md §4, "Seminars"): a seminar open to partner cities.

Built like a practice model's document (``outbound.py``: which pages may leave, rich text,
blocks, images) from the seminar's own fields. A postponed or cancelled seminar stays in the
feed with its status (partners show it as such); unsharing, unpublishing, privacy and deletion
withdraw it with a tombstone (``records.py``). Registrations never travel: see
``schema/seminars.py`` for what is left out and why.
"""

import datetime

from django.utils import translation

from ..pages import SeminarPage
from .outbound import (
    BlockExporter,
    MediaList,
    absolute,
    clean_html,
    is_public,
    origin,
    pages_of,
    withdrawal_reason,
)
from .schema import PROTOCOL, SEMINAR_RICH_TEXT_FIELDS, SEMINAR_STREAM_FIELDS, SEMINAR_TEXT_FIELDS


def utc(value) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def city_of(city_page):
    if city_page is None:
        return None
    return {"name": city_page.title, "country": str(city_page.country or "")}


def seminar_locale(page, media: MediaList) -> dict:
    code = page.locale.language_code
    # Contact cards in blocks carry people's data: a seminar has no "share contact" choice.
    exporter = BlockExporter(media, code, share_contact=False)
    with translation.override(code):
        fields = {name: getattr(page, name) or "" for name in SEMINAR_TEXT_FIELDS}
        for name in SEMINAR_RICH_TEXT_FIELDS:
            fields[name] = clean_html(getattr(page, name))
        for name in SEMINAR_STREAM_FIELDS:
            fields[name] = exporter.stream(getattr(page, name))
        fields["listing_image"] = exporter.image_use(page.listing_image)
    return fields


def build_seminar_document(page) -> dict | None:
    """The seminar document of ``page`` (any of its locales), or None if it is not open to
    partner cities (or not live, not public, a copy received from elsewhere).

    ``version`` is left 0 and ``updated_at`` empty: ``records.refresh`` fills them in.
    """
    pages = pages_of(page.translation_key, SeminarPage)
    if withdrawal_reason(pages) is not None:
        return None
    source = pages[0]
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
        # Where visitors of partner sites read and register: the page in their language.
        canonical[code] = absolute(url)
        locales[code] = seminar_locale(translated, media)
    host_city = city_of(source.host_city) if source.host_city_id else None
    author = origin()
    if author["city"] is None:
        author["city"] = host_city
    return {
        "protocol": PROTOCOL,
        "type": "seminar",
        "id": str(source.translation_key),
        "version": 0,
        "origin": author,
        "updated_at": "",
        "source_locale": source.locale.language_code,
        "canonical": canonical,
        "themes": sorted({t.key for t in source.themes.all()}),
        "fields": {
            "kind": source.kind,
            "status": source.status,
            "mode": str(source.attendance_mode),
            "start": utc(source.start),
            "end": utc(source.end),
            "timezone": source.timezone,
            "online_url": source.online_url or None,
            "host_city": host_city,
            "languages": list(source.languages or []),
        },
        "locales": locales,
        "media": media.items,
    }
