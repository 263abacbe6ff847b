"""Checking a seminar document from a peer beyond its schema (docs/federation.md §4,
"Seminars"), the seminar counterpart of ``validate._locale`` and ``validate._fields``.

:func:`clean_seminar` turns a parsed :class:`~.schema.SeminarDocument` into a
:class:`~.validate.CleanDocument` or raises ``ProtocolError``. Refused, whole: an end before
the start, a time zone this instance does not know, a webinar without an online link, an
online link to a private, loopback or reserved address (visitors' browsers would open their
own network), a registration page (``canonical``) on another host than the origin (visitors
would register somewhere the origin did not say). Languages the network does not have are
dropped with a warning.
"""

import datetime
import ipaddress
import re
import socket
import zoneinfo
from functools import cache
from urllib.parse import urlsplit

from ..conf import NETWORK_LANGUAGES
from . import sanitise
from .fetch import is_disallowed
from .schema import (
    ATTENDANCE_MODES,
    EVENT_STATUSES,
    SEMINAR_KINDS,
    SEMINAR_RICH_TEXT_FIELDS,
    SEMINAR_STREAM_FIELDS,
    SEMINAR_TEXT_FIELDS,
    ProtocolError,
)

NETWORK_CODES = {code for code, _name in NETWORK_LANGUAGES}
LENIENT_FIELDS = (("kind", SEMINAR_KINDS), ("status", EVENT_STATUSES), ("mode", ATTENDANCE_MODES))
# Host names that never name a public site (RFC 6761, RFC 6762, RFC 8375 and ICANN's .internal).
PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")


def _fail(message):
    raise ProtocolError("invalid", message)


@cache
def _time_zones() -> frozenset:
    return frozenset(zoneinfo.available_timezones())


def _instant(value: str, where: str) -> datetime.datetime:
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        _fail(f"{where} is not an RFC 3339 time.")
    if parsed.tzinfo is None:
        _fail(f"{where} has no UTC offset.")
    if not 1900 <= parsed.year <= 2200:  # also keeps astimezone() from overflowing
        _fail(f"{where} is not between the years 1900 and 2200.")
    return parsed.astimezone(datetime.UTC)


def _address(host: str):
    """The IP address a browser would read ``host`` as, or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    # Browsers also read 2130706433, 0x7f.1 and 127.1 as IPv4 addresses (WHATWG URL).
    if re.fullmatch(r"[0-9a-fx.]+", host) and re.search(r"(^|\.)(0x[0-9a-f]*|[0-9]+)$", host):
        try:
            return ipaddress.ip_address(socket.inet_aton(host))
        except OSError:
            return ipaddress.ip_address("0.0.0.0")  # noqa: S104 - unreadable: refused below
    return None


def check_public_link(url: str, where: str) -> str:
    """``url`` if a visitor may be sent there: a public host, no credentials."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.username or parts.password:
        _fail(f"{where} must not carry a user name or password.")
    address = _address(host)
    private = (
        is_disallowed(address)
        if address is not None
        else (host == "localhost" or host.endswith(PRIVATE_SUFFIXES) or "." not in host)
    )
    if private:
        raise ProtocolError(
            "private-address",
            f"{where} points to {host[:100]}, a private, loopback or reserved address.",
        )
    return url


def _same_host(url: str, origin_base_url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() == (
        urlsplit(origin_base_url).hostname or ""
    ).lower()


def clean_fields(fields, warnings) -> dict:
    start = _instant(fields.start, "fields.start")
    end = _instant(fields.end, "fields.end")
    if end < start:
        _fail("fields.end is before fields.start.")
    if fields.timezone not in _time_zones():
        _fail(f"fields.timezone: {fields.timezone[:64]!r} is not a known time zone.")
    online_url = fields.online_url or ""
    if online_url:
        check_public_link(online_url, "fields.online_url")
    kind = fields.kind or "seminar"
    if kind == "webinar" and not online_url:
        _fail("fields.online_url is missing: a webinar needs an online link.")
    languages, unknown = [], []
    for code in fields.languages or []:
        code = code.lower()
        if code in NETWORK_CODES:
            if code not in languages:
                languages.append(code)
        else:
            unknown.append(code)
    if unknown:
        warnings.append(
            (
                "unknown-value",
                f"fields.languages: ignored {', '.join(sorted(unknown)[:10])} (not a language "
                "of the network).",
            )
        )
    city = fields.host_city
    return {
        "kind": kind,
        "status": fields.status or "scheduled",
        "start": start,
        "end": end,
        "timezone": fields.timezone,
        "online_url": online_url,
        "host_city": (
            {"name": sanitise.clean_text(city.name), "country": city.country.upper()}
            if city is not None and city.name
            else None
        ),
        "languages": languages,
    }


def clean_locale(code, data, refs, warnings) -> dict:
    from ..pages import SeminarPage
    from .validate import _blocks

    result = {name: sanitise.clean_text(getattr(data, name) or "") for name in SEMINAR_TEXT_FIELDS}
    if not result["title"]:
        _fail(f"locales.{code}.title must not be empty.")
    for name in SEMINAR_RICH_TEXT_FIELDS:
        result[name] = sanitise.clean_html(getattr(data, name) or "")
    for name in SEMINAR_STREAM_FIELDS:
        result[name] = _blocks(
            getattr(data, name), f"locales.{code}.{name}", warnings, page_class=SeminarPage
        )
    listing = data.listing_image
    result["listing_image"] = (
        {
            "media": listing.media,
            "alt_text": sanitise.clean_text(listing.alt_text or ""),
            "decorative": listing.decorative,
        }
        if listing is not None and listing.media in refs
        else None
    )
    return result


def check_canonical(canonical: dict, origin_base_url: str) -> dict:
    """The seminar's pages at the origin, where visitors register: on the origin's host."""
    for code, url in canonical.items():
        if url and not _same_host(url, origin_base_url):
            _fail(
                f"canonical.{code} ({url[:200]}), where visitors register, is not on the "
                "origin's host."
            )
    return canonical


def soften_seminar(document: dict, warnings: list) -> dict:
    """Values of ``fields`` a newer peer may send (kind, status, mode) and image types this
    version does not know: dropped with a warning, so the defaults apply."""
    from .validate import _soften

    return _soften(document, warnings, LENIENT_FIELDS)


def clean_seminar(parsed, common: dict, warnings, languages):
    """The :class:`~.validate.CleanDocument` of a parsed seminar document."""
    from .validate import CleanDocument, _media, clean_locales

    fields = clean_fields(parsed.fields, warnings)
    media = _media(parsed.media)
    refs = {item["ref"] for item in media}
    canonical_in = check_canonical(parsed.canonical or {}, common["origin"]["base_url"])
    locales, canonical, source_locale = clean_locales(
        parsed, canonical_in, refs, warnings, languages, clean_locale
    )
    return CleanDocument(
        **common,
        source_locale=source_locale,
        canonical=canonical,
        attribution={"organisation": "", "contact": None},
        themes=sorted(set(parsed.themes or [])),
        fields=fields,
        locales=locales,
        media=media,
        warnings=warnings,
    )
