"""The validate stage of the inbound path: document rules and sanitising.

fetch → parse → verify → **validate** → apply (docs/federation.md §5). :func:`validate` takes
the verify stage's :class:`~cities_cms.federation.verify.Verified` and gives the apply stage a
:class:`CleanDocument`. :func:`validate_document` checks the document against its model in
``schema/`` (types, lengths, forms, enumerations; one row of :data:`DOCUMENT_TYPES` per
document type) and returns a clean, normalised :class:`CleanDocument`, or raises
``ProtocolError`` (code "invalid") with a message an editor can read.
What this instance cannot use is dropped with a warning rather than refused, since peers may
be newer than us: unknown fields, locales this site lacks, values outside an enumeration of
``fields`` or of a stakeholder, images of other types, blocks whose value does not follow
their type. Rich text fields are sanitised here; rich text inside blocks when the blocks are
converted (``importer/blocks.py``), where the block definitions say which values are rich text.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ValidationError
from wagtail.models import Locale

from ..conf import settings
from . import sanitise
from .schema import (
    EVIDENCE_LEVELS,
    IMAGE_TYPES,
    PROTOCOL,
    RICH_TEXT_FIELDS,
    STAKEHOLDER_KINDS,
    STATUSES,
    STREAM_FIELDS,
    TEXT_FIELDS,
    PracticeModelDocument,
    ProtocolError,
    SeminarDocument,
    Tombstone,
)
from .schema.errors import from_validation_error
from .validate_seminar import clean_seminar, soften_seminar


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


def _fail(message):
    raise ProtocolError("invalid", message)


def normalise_base_url(url: str) -> str:
    return url.rstrip("/")


def local_language_codes() -> set[str]:
    return set(Locale.objects.values_list("language_code", flat=True))


# --- lenient values: dropped with a warning before the document is checked -------------------


def _soften(document: dict, warnings: list, lenient=None) -> dict:
    """A copy of ``document`` without the values a newer peer may send that this version does
    not know (enumerations of ``fields`` and stakeholders, image types); each one is noted.

    ``lenient``: (name, allowed values) of ``fields`` (default: a practice model's)."""
    document = dict(document)
    fields = document.get("fields")
    if isinstance(fields, dict):
        fields = dict(fields)
        for name, allowed in lenient or (("status", STATUSES), ("evidence_level", EVIDENCE_LEVELS)):
            value = fields.get(name)
            if value in (None, ""):
                fields.pop(name, None)
            elif isinstance(value, str) and value not in allowed:
                warnings.append(
                    ("unknown-value", f"Unknown {name} {value[:30]!r}: the default is used.")
                )
                fields.pop(name)
        document["fields"] = fields
    media = document.get("media")
    if isinstance(media, list):
        kept = []
        for item in media:
            content_type = item.get("content_type") if isinstance(item, dict) else None
            if isinstance(content_type, str) and content_type not in IMAGE_TYPES:
                warnings.append(
                    (
                        "unknown-media",
                        f"Ignored {str(item.get('ref'))[:10]}: {str(content_type)[:50]!r} is "
                        "not a JPEG, PNG, WebP or GIF.",
                    )
                )
                continue
            kept.append(item)
        document["media"] = kept
    locales = document.get("locales")
    if isinstance(locales, dict):
        document["locales"] = {
            code: _soften_locale(code, value, warnings) for code, value in locales.items()
        }
    return document


def _soften_locale(code, data, warnings):
    stakeholders = data.get("stakeholders") if isinstance(data, dict) else None
    if not isinstance(stakeholders, list):
        return data
    kept = []
    for item in stakeholders:
        kind = item.get("kind") if isinstance(item, dict) else None
        if isinstance(kind, str) and kind not in STAKEHOLDER_KINDS:
            warnings.append(
                (
                    "unknown-value",
                    f"locales.{code}: ignored a stakeholder of unknown kind {kind[:30]!r}.",
                )
            )
            continue
        kept.append(item)
    return {**data, "stakeholders": kept}


def _unknown_fields(model: BaseModel, where: str, warnings: list):
    """A warning for each object that carries fields this version does not define."""
    if model.model_extra:
        names = ", ".join(sorted(str(k)[:50] for k in model.model_extra)[:10])
        place = where or "the document"
        warnings.append(("unknown-field", f"Ignored unknown fields in {place}: {names}."))
    prefix = f"{where}." if where else ""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name == "value":
            continue  # block values: checked against their block type (_blocks)
        if isinstance(value, BaseModel):
            _unknown_fields(value, f"{prefix}{name}", warnings)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    _unknown_fields(item, f"{prefix}{name}.{key}", warnings)


# --- parts ----------------------------------------------------------------------------------


def _origin(origin) -> dict:
    city = origin.city
    if city is not None:
        city = {"name": sanitise.clean_text(city.name), "country": city.country.upper()}
    return {
        "base_url": normalise_base_url(origin.base_url),
        "key_id": origin.key_id,
        "city": city,
    }


def _attribution(attribution) -> dict:
    if attribution is None:
        return {"organisation": "", "contact": None}
    contact = attribution.contact
    if contact is not None:
        contact = {
            "name": sanitise.clean_text(contact.name or ""),
            "role": sanitise.clean_text(contact.role or ""),
            "email": contact.email or "",
        }
    return {"organisation": sanitise.clean_text(attribution.organisation or ""), "contact": contact}


def _fields(fields) -> dict:
    if fields is None:
        from .schema.documents import PracticeFields

        fields = PracticeFields()
    if fields.start_year and fields.end_year and fields.end_year < fields.start_year:
        _fail("fields.end_year is before fields.start_year.")
    return {
        "status": fields.status or "implemented",
        "start_year": fields.start_year,
        "end_year": fields.end_year,
        "evidence_level": fields.evidence_level or "described",
        "budget": Decimal(fields.budget).quantize(Decimal("0.01")) if fields.budget else None,
    }


def _media(media) -> list:
    result, refs = [], set()
    max_bytes = settings.CITIES_CMS_FEDERATION_MAX_IMAGE_BYTES
    for index, item in enumerate(media or []):
        if item.ref in refs:
            _fail(f"media[{index}].ref must be unique in the document.")
        if item.bytes > max_bytes:
            _fail(f"media[{index}] is {item.bytes} bytes, more than the limit of {max_bytes}.")
        refs.add(item.ref)
        result.append(
            {
                "ref": item.ref,
                "url": item.url,
                "sha256": item.sha256,
                "bytes": item.bytes,
                "content_type": item.content_type,
                "width": item.width,
                "height": item.height,
                "alt": {code: sanitise.clean_text(alt) for code, alt in (item.alt or {}).items()},
                "credit": sanitise.clean_text(item.credit or ""),
            }
        )
    return result


def _blocks(blocks, where, warnings, page_class=None) -> list:
    """Blocks as dicts; a known type whose value does not follow its definition (on
    ``page_class``, default a practice model) is dropped."""
    from ..pages import PracticeModelPage
    from .schema.blocks import value_adapter

    field_name = where.rsplit(".", 1)[-1]
    result = []
    for block in blocks or []:
        adapter = value_adapter(page_class or PracticeModelPage, field_name, block.type)
        if adapter is not None:
            try:
                adapter.validate_python(block.value, strict=True)
            except ValidationError as exc:
                problem = from_validation_error(exc).message
                warnings.append(
                    ("invalid-block", f"{where}: dropped an invalid {block.type} block ({problem})")
                )
                continue
        result.append({"type": block.type, "value": block.value, "id": block.id})
    return result


def _locale(code, data, refs, warnings) -> dict:
    result = {}
    for name in TEXT_FIELDS:
        result[name] = sanitise.clean_text(getattr(data, name) or "")
    if not result["title"]:
        _fail(f"locales.{code}.title must not be empty.")
    for name in RICH_TEXT_FIELDS:
        result[name] = sanitise.clean_html(getattr(data, name) or "")
    for name in STREAM_FIELDS:
        result[name] = _blocks(getattr(data, name), f"locales.{code}.{name}", warnings)
    listing = data.listing_image
    result["listing_image"] = (
        {
            "media": listing.media,
            "alt_text": sanitise.clean_text(listing.alt_text or ""),
            "decorative": listing.decorative,
        }
        if listing is not None and listing.media in refs
        else None  # an image this document does not carry (or that was dropped)
    )
    result["stakeholders"] = [
        {
            "kind": item.kind,
            "name": sanitise.clean_text(item.name or ""),
            "contribution": sanitise.clean_text(item.contribution or ""),
        }
        for item in data.stakeholders or []
    ]
    return result


# --- the document ---------------------------------------------------------------------------


def validate(verified, *, languages=None) -> CleanDocument:
    """The stage's entry: ``verified.document`` checked and cleaned, or ``ProtocolError``
    (carrying the document's id, so the refusal is logged against it).

    The author was found by the document's ``origin.base_url``; the clean origin must still
    name that author once normalised (a relay cannot re-attribute a document).
    """
    try:
        clean = validate_document(verified.document, languages=languages)
    except ProtocolError as exc:
        exc.global_id = verified.global_id
        raise
    if clean.origin["base_url"] != normalise_base_url(verified.author.base_url):
        raise ProtocolError(
            "invalid", _("The document's origin does not match its author."), global_id=clean.id
        )
    return clean


def _tombstone(parsed, common, warnings, languages) -> CleanDocument:
    return CleanDocument(**common, reason=parsed.reason, warnings=warnings)


def clean_locales(parsed, canonical_in, refs, warnings, languages, clean_locale):
    """A document's locales this site has, each cleaned by ``clean_locale(code, value, refs,
    warnings)``: ``(locales, canonical, source_locale)``. Locales this site does not have are
    dropped with an ``unknown-locale`` warning; none left refuses the document."""
    if languages is None:
        languages = local_language_codes()
    locales, canonical, unknown = {}, {}, []
    for code, value in parsed.locales.items():
        if code not in languages:
            unknown.append(code)
            continue
        locales[code] = clean_locale(code, value, refs, warnings)
        canonical[code] = canonical_in.get(code)
    if unknown:
        warnings.append(
            (
                "unknown-locale",
                f"Ignored locales this site does not have: {', '.join(sorted(unknown)[:20])}.",
            )
        )
    if not locales:
        _fail("The document has no locale this site has.")
    source_locale = parsed.source_locale if parsed.source_locale in locales else next(iter(locales))
    return locales, canonical, source_locale


def _practice_model(parsed, common, warnings, languages) -> CleanDocument:
    media = _media(parsed.media)
    refs = {item["ref"] for item in media}
    locales, canonical, source_locale = clean_locales(
        parsed, parsed.canonical or {}, refs, warnings, languages, _locale
    )
    return CleanDocument(
        **common,
        source_locale=source_locale,
        canonical=canonical,
        licence=parsed.licence,
        attribution=_attribution(parsed.attribution),
        themes=sorted(set(parsed.themes or [])),
        fields=_fields(parsed.fields),
        locales=locales,
        media=media,
        warnings=warnings,
    )


@dataclass(frozen=True)
class DocumentRules:
    """How one document type is checked: its schema model, a lenient pass that drops (with a
    warning) what a newer peer may send before the model sees it, and the cleaner that turns
    the parsed model into a :class:`CleanDocument` (``(parsed, common, warnings, languages)``)."""

    model: type[BaseModel]
    soften: Callable | None
    clean: Callable


# The document types this instance accepts, by the document's ``type``: one row per type.
DOCUMENT_TYPES = {
    "practice-model": DocumentRules(PracticeModelDocument, _soften, _practice_model),
    "tombstone": DocumentRules(Tombstone, None, _tombstone),
    # A seminar open to partner cities (its own checks: validate_seminar.py).
    "seminar": DocumentRules(SeminarDocument, soften_seminar, clean_seminar),
}


def validate_document(document, *, languages=None) -> CleanDocument:
    """A clean copy of ``document`` or ``ProtocolError``.

    ``languages``: the language codes this instance has (default: its ``Locale`` objects).
    """
    if not isinstance(document, dict):
        _fail("The document must be a JSON object.")
    if document.get("protocol") != PROTOCOL:
        _fail(f"Unknown protocol: {str(document.get('protocol'))[:50]!r}.")
    kind = document.get("type")
    rules = DOCUMENT_TYPES.get(kind) if isinstance(kind, str) else None
    if rules is None:
        _fail(f"Unknown document type: {str(kind)[:50]!r}.")
    warnings = []
    data = rules.soften(document, warnings) if rules.soften else document
    try:
        parsed = rules.model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc) from None
    _unknown_fields(parsed, "", warnings)
    common = {
        "type": kind,
        "id": parsed.id.lower(),
        "version": parsed.version,
        "origin": _origin(parsed.origin),
        "updated_at": parsed.updated_at or "",
    }
    return rules.clean(parsed, common, warnings, languages)
