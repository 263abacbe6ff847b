"""Checking a document from a peer against docs/federation.md §4 before anything is imported.

:func:`parse_json` turns bytes into JSON (refusing duplicate keys, NaN and absurd nesting);
:func:`validate_document` checks types, lengths and values and returns a clean, normalised
:class:`CleanDocument`, or raises :class:`DocumentInvalid` with a message an editor can read.
What this instance cannot use (locales it does not have, fields it does not know) is dropped
with a warning rather than refused: peers may be newer than us. Rich text fields are
sanitised here; rich text inside blocks is sanitised when the blocks are converted
(``importer.py``), where the block definitions say which values are rich text.
"""

import json
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from wagtail.models import Locale

from ..conf import settings
from ..pages.practice import EvidenceLevel, Licence, PracticeStatus, Stakeholder
from . import sanitise

PROTOCOL = "cities-cms/1"
HEX64 = re.compile(r"^[0-9a-f]{64}\Z")
REF = re.compile(r"^m[0-9]{1,4}\Z")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?\Z", re.IGNORECASE)
MAX_VERSION = 2**63 - 1
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
TOMBSTONE_REASONS = {"unshared", "unpublished", "private", "deleted"}
# The page model's own choices: what a peer may send is what a page here can hold.
LICENCES = set(Licence.values)
STATUSES = set(PracticeStatus.values)
EVIDENCE_LEVELS = set(EvidenceLevel.values)
STAKEHOLDER_KINDS = {value for value, _label in Stakeholder._meta.get_field("kind").choices}

TOP_FIELDS_DOCUMENT = {
    "protocol",
    "type",
    "id",
    "version",
    "origin",
    "updated_at",
    "source_locale",
    "canonical",
    "licence",
    "attribution",
    "themes",
    "fields",
    "locales",
    "media",
}
TOP_FIELDS_TOMBSTONE = {"protocol", "type", "id", "version", "origin", "reason", "updated_at"}
TEXT_FIELDS = {  # name: (max length, required)
    "title": (255, True),
    "slug": (255, False),
    "search_description": (1000, False),
    "summary": (400, False),
    "staff": (200, False),
    "duration": (200, False),
}
RICH_TEXT_FIELDS = ("challenge", "approach", "results", "evidence", "transferability", "resources")
MAX_RICH_TEXT = 200_000
STREAM_FIELDS = ("indicators", "body", "gallery", "documents")
MAX_BLOCKS = 200
LOCALE_FIELDS = {
    *TEXT_FIELDS,
    *RICH_TEXT_FIELDS,
    *STREAM_FIELDS,
    "listing_image",
    "stakeholders",
}
MAX_MEDIA = 100
MAX_THEMES = 50
MAX_STAKEHOLDERS = 100


class DocumentInvalid(Exception):
    """The document cannot be used. ``code``: "bad-json" or "invalid"."""

    def __init__(self, message, code="invalid"):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self):
        return self.message


@dataclass
class CleanDocument:
    type: str
    id: str
    version: int
    origin: dict
    updated_at: str = ""
    reason: str = ""
    source_locale: str = ""
    canonical: dict = field(default_factory=dict)
    licence: str = ""
    attribution: dict = field(default_factory=dict)
    themes: list = field(default_factory=list)
    fields: dict = field(default_factory=dict)
    locales: dict = field(default_factory=dict)
    media: list = field(default_factory=list)
    # (code, message): things ignored on the way ("unknown-locale", "unknown-field" ...)
    warnings: list = field(default_factory=list)

    @property
    def is_tombstone(self):
        return self.type == "tombstone"


# --- JSON -----------------------------------------------------------------------------------


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise DocumentInvalid(f"Duplicate key {key[:50]!r} in JSON.", "bad-json")
        result[key] = value
    return result


def _no_constant(name):
    raise DocumentInvalid(f"{name} is not valid JSON.", "bad-json")


def parse_json(data: bytes):
    """Strict JSON: UTF-8, no duplicate keys, no NaN/Infinity, not nested absurdly deep."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except DocumentInvalid:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError, TypeError) as exc:
        raise DocumentInvalid(f"The response is not valid JSON: {exc}"[:300], "bad-json") from None


# --- small checks ---------------------------------------------------------------------------


def _fail(message):
    raise DocumentInvalid(message)


def _dict(value, what):
    if not isinstance(value, dict):
        _fail(f"{what} must be a JSON object.")
    return value


def _str(value, what, max_length, *, required=False, allow_none=False):
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        _fail(f"{what} must be a string.")
    if len(value) > max_length:
        _fail(f"{what} is longer than {max_length} characters.")
    if required and not value.strip():
        _fail(f"{what} must not be empty.")
    return value


def _int(value, what, minimum, maximum, *, allow_none=False):
    if value is None and allow_none:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        _fail(f"{what} must be an integer.")
    if not minimum <= value <= maximum:
        _fail(f"{what} must be between {minimum} and {maximum}.")
    return value


def _url(value, what, *, allow_none=False, max_length=500):
    if value is None and allow_none:
        return None
    _str(value, what, max_length, required=True)
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        _fail(f"{what} is not a valid URL.")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        _fail(f"{what} must be an http or https URL.")
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        _fail(f"{what} must not contain spaces or control characters.")
    return value


def _is_choice(value, choices) -> bool:
    return isinstance(value, str) and value in choices


def _unknown(data, known, where, warnings):
    extra = sorted(str(k)[:50] for k in data if k not in known)
    if extra:
        warnings.append(
            ("unknown-field", f"Ignored unknown fields in {where}: {', '.join(extra[:10])}.")
        )


def normalise_base_url(url: str) -> str:
    return url.rstrip("/")


def local_language_codes() -> set[str]:
    return set(Locale.objects.values_list("language_code", flat=True))


# --- parts ----------------------------------------------------------------------------------


def _origin(value):
    origin = _dict(value, "origin")
    base_url = normalise_base_url(_url(origin.get("base_url"), "origin.base_url", max_length=300))
    key_id = origin.get("key_id")
    if not isinstance(key_id, str) or not HEX64.match(key_id):
        _fail("origin.key_id must be 64 lowercase hex characters.")
    city = origin.get("city")
    if city is not None:
        _dict(city, "origin.city")
        city = {
            "name": sanitise.clean_text(_str(city.get("name", ""), "origin.city.name", 200)),
            "country": _str(city.get("country", ""), "origin.city.country", 10).upper(),
        }
    return {"base_url": base_url, "key_id": key_id, "city": city}


def _attribution(value):
    if value is None:
        return {"organisation": "", "contact": None}
    attribution = _dict(value, "attribution")
    organisation = sanitise.clean_text(
        _str(attribution.get("organisation") or "", "attribution.organisation", 200)
    )
    contact = attribution.get("contact")
    if contact is not None:
        _dict(contact, "attribution.contact")
        email = _str(contact.get("email") or "", "attribution.contact.email", 254)
        if email:
            try:
                EmailValidator()(email)
            except DjangoValidationError:
                _fail("attribution.contact.email is not an email address.")
        contact = {
            "name": sanitise.clean_text(_str(contact.get("name") or "", "contact name", 200)),
            "role": sanitise.clean_text(_str(contact.get("role") or "", "contact role", 200)),
            "email": email,
        }
    return {"organisation": organisation, "contact": contact}


def _fields(value, warnings):
    data = _dict(value, "fields")
    _unknown(
        data,
        {"status", "start_year", "end_year", "evidence_level", "budget"},
        "fields",
        warnings,
    )
    status = data.get("status") or "implemented"
    if not _is_choice(status, STATUSES):
        warnings.append(("unknown-field", f"Unknown status {str(status)[:30]!r}: left empty."))
        status = "implemented"
    evidence = data.get("evidence_level") or "described"
    if not _is_choice(evidence, EVIDENCE_LEVELS):
        warnings.append(("unknown-field", f"Unknown evidence level {str(evidence)[:30]!r}."))
        evidence = "described"
    start = _int(data.get("start_year"), "fields.start_year", 1900, 2100, allow_none=True)
    end = _int(data.get("end_year"), "fields.end_year", 1900, 2100, allow_none=True)
    if start and end and end < start:
        _fail("fields.end_year is before fields.start_year.")
    budget = data.get("budget")
    if budget is not None:
        _str(budget, "fields.budget", 20)
        try:
            amount = Decimal(budget)
        except InvalidOperation:
            _fail("fields.budget is not a decimal number.")
        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
            _fail("fields.budget is out of range.")
        budget = amount.quantize(Decimal("0.01"))
    return {
        "status": status,
        "start_year": start,
        "end_year": end,
        "evidence_level": evidence,
        "budget": budget,
    }


def _blocks(value, what):
    if value is None:
        return []
    if not isinstance(value, list):
        _fail(f"{what} must be a list of blocks.")
    if len(value) > MAX_BLOCKS:
        _fail(f"{what} has more than {MAX_BLOCKS} blocks.")
    for index, block in enumerate(value):
        _dict(block, f"{what}[{index}]")
        _str(block.get("type"), f"{what}[{index}].type", 100, required=True)
        if "id" in block and block["id"] is not None:
            _str(block["id"], f"{what}[{index}].id", 100)
    return value


def _media_use(value, what, refs):
    """``{"media": "m1", "alt_text": …, "decorative": …}`` or None."""
    if value is None:
        return None
    data = _dict(value, what)
    ref = data.get("media")
    if not isinstance(ref, str) or ref not in refs:
        return None  # an image this document does not carry (or that was dropped)
    return {
        "media": ref,
        "alt_text": sanitise.clean_text(_str(data.get("alt_text") or "", f"{what}.alt", 500)),
        "decorative": bool(data.get("decorative") is True),
    }


def _stakeholders(value):
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_STAKEHOLDERS:
        _fail(f"stakeholders must be a list of at most {MAX_STAKEHOLDERS}.")
    result = []
    for index, item in enumerate(value):
        _dict(item, f"stakeholders[{index}]")
        kind = item.get("kind")
        if not _is_choice(kind, STAKEHOLDER_KINDS):
            continue
        result.append(
            {
                "kind": kind,
                "name": sanitise.clean_text(_str(item.get("name") or "", "stakeholder", 200)),
                "contribution": sanitise.clean_text(
                    _str(item.get("contribution") or "", "stakeholder contribution", 300)
                ),
            }
        )
    return result


def _locale(code, value, refs, warnings):
    data = _dict(value, f"locales.{code}")
    _unknown(data, LOCALE_FIELDS, f"locales.{code}", warnings)
    result = {}
    for name, (max_length, required) in TEXT_FIELDS.items():
        text = _str(
            data.get(name) if data.get(name) is not None else "",
            f"locales.{code}.{name}",
            max_length,
            required=required,
        )
        result[name] = sanitise.clean_text(text, max_length)
    if not result["title"]:
        _fail(f"locales.{code}.title must not be empty.")
    for name in RICH_TEXT_FIELDS:
        html = data.get(name)
        html = _str(html if html is not None else "", f"locales.{code}.{name}", MAX_RICH_TEXT)
        result[name] = sanitise.clean_html(html)
    for name in STREAM_FIELDS:
        result[name] = _blocks(data.get(name), f"locales.{code}.{name}")
    result["listing_image"] = _media_use(
        data.get("listing_image"), f"locales.{code}.listing_image", refs
    )
    result["stakeholders"] = _stakeholders(data.get("stakeholders"))
    return result


def _media(value, warnings):
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_MEDIA:
        _fail(f"media must be a list of at most {MAX_MEDIA} images.")
    result, refs = [], set()
    max_bytes = settings.CITIES_CMS_FEDERATION_MAX_IMAGE_BYTES
    for index, item in enumerate(value):
        what = f"media[{index}]"
        _dict(item, what)
        ref = item.get("ref")
        if not isinstance(ref, str) or not REF.match(ref) or ref in refs:
            _fail(f"{what}.ref must be a unique reference like m1.")
        sha256 = item.get("sha256")
        if not isinstance(sha256, str) or not HEX64.match(sha256):
            _fail(f"{what}.sha256 must be 64 lowercase hex characters.")
        content_type = item.get("content_type")
        if not _is_choice(content_type, IMAGE_TYPES):
            warnings.append(
                (
                    "unknown-media",
                    f"Ignored {ref}: {str(content_type)[:50]!r} is not a JPEG, PNG, WebP or GIF.",
                )
            )
            continue
        size = _int(item.get("bytes"), f"{what}.bytes", 1, 2**40)
        if size > max_bytes:
            _fail(f"{what} is {size} bytes, more than the limit of {max_bytes}.")
        alt = item.get("alt") or {}
        _dict(alt, f"{what}.alt")
        refs.add(ref)
        result.append(
            {
                "ref": ref,
                "url": _url(item.get("url"), f"{what}.url"),
                "sha256": sha256,
                "bytes": size,
                "content_type": content_type,
                "width": _int(item.get("width"), f"{what}.width", 1, 100_000),
                "height": _int(item.get("height"), f"{what}.height", 1, 100_000),
                "alt": {
                    str(k)[:10]: sanitise.clean_text(_str(v, f"{what}.alt", 500))
                    for k, v in list(alt.items())[:20]
                },
                "credit": sanitise.clean_text(
                    _str(item.get("credit") or "", f"{what}.credit", 300)
                ),
            }
        )
    return result


# --- the document ---------------------------------------------------------------------------


def validate_document(document, *, languages=None) -> CleanDocument:
    """A clean copy of ``document`` or :class:`DocumentInvalid`.

    ``languages``: the language codes this instance has (default: its ``Locale`` objects).
    """
    _dict(document, "The document")
    warnings = []
    if document.get("protocol") != PROTOCOL:
        _fail(f"Unknown protocol: {str(document.get('protocol'))[:50]!r}.")
    kind = document.get("type")
    if not _is_choice(kind, {"practice-model", "tombstone"}):
        _fail(f"Unknown document type: {str(kind)[:50]!r}.")
    try:
        global_id = str(uuid.UUID(_str(document.get("id"), "id", 36, required=True)))
    except ValueError:
        _fail("id must be a UUID.")
    version = _int(document.get("version"), "version", 1, MAX_VERSION)
    origin = _origin(document.get("origin"))
    updated_at = _str(document.get("updated_at") or "", "updated_at", 40)
    if kind == "tombstone":
        _unknown(document, TOP_FIELDS_TOMBSTONE, "the tombstone", warnings)
        reason = document.get("reason")
        if not _is_choice(reason, TOMBSTONE_REASONS):
            _fail(f"Unknown tombstone reason: {str(reason)[:50]!r}.")
        return CleanDocument(
            type=kind,
            id=global_id,
            version=version,
            origin=origin,
            updated_at=updated_at,
            reason=reason,
            warnings=warnings,
        )

    _unknown(document, TOP_FIELDS_DOCUMENT, "the document", warnings)
    if languages is None:
        languages = local_language_codes()
    licence = document.get("licence")
    if not _is_choice(licence, LICENCES):
        _fail(f"Unknown licence: {str(licence)[:50]!r}.")
    themes = document.get("themes") or []
    if not isinstance(themes, list) or len(themes) > MAX_THEMES:
        _fail(f"themes must be a list of at most {MAX_THEMES} keys.")
    themes = sorted({_str(key, "themes[]", 64) for key in themes})
    media = _media(document.get("media"), warnings)
    refs = {item["ref"] for item in media}

    locales_in = _dict(document.get("locales"), "locales")
    if not locales_in:
        _fail("The document has no locale.")
    canonical_in = _dict(document.get("canonical") or {}, "canonical")
    locales, canonical, unknown = {}, {}, []
    for code, value in locales_in.items():
        if not isinstance(code, str) or not LANGUAGE.match(code):
            _fail(f"{str(code)[:20]!r} is not a language code.")
        if code not in languages:
            unknown.append(code)
            continue
        locales[code] = _locale(code, value, refs, warnings)
        url = canonical_in.get(code)
        canonical[code] = _url(url, f"canonical.{code}", allow_none=True)
    if unknown:
        warnings.append(
            (
                "unknown-locale",
                f"Ignored locales this site does not have: {', '.join(sorted(unknown)[:20])}.",
            )
        )
    if not locales:
        _fail("The document has no locale this site has.")
    source_locale = document.get("source_locale")
    if not isinstance(source_locale, str) or source_locale not in locales:
        source_locale = next(iter(locales))
    return CleanDocument(
        type=kind,
        id=global_id,
        version=version,
        origin=origin,
        updated_at=updated_at,
        source_locale=source_locale,
        canonical=canonical,
        licence=licence,
        attribution=_attribution(document.get("attribution")),
        themes=themes,
        fields=_fields(document.get("fields") or {}, warnings),
        locales=locales,
        media=media,
        warnings=warnings,
    )
