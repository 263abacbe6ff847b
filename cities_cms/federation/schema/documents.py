"""Signed documents about content: a practice model and its tombstone (docs §4), the envelope.

``outbound.py`` builds these objects, ``validate.py`` checks what arrives against them and
``importer/`` reads the result; the published JSON Schema is generated from them.
"""

from typing import Annotated, Any, Literal

from pydantic import Field

from .common import (
    PROTOCOL,
    ClosedModel,
    DecimalString,
    Email,
    EvidenceLevelChoice,
    ImageType,
    KeyId,
    LanguageCode,
    LicenceChoice,
    MediaRefText,
    SignatureValue,
    StakeholderKind,
    Status,
    ThemeKey,
    Timestamp,
    TombstoneReason,
    Uuid,
    Version,
    WireModel,
    Year,
    text,
    url,
)

MAX_BLOCKS = 200
MAX_MEDIA = 100
MAX_THEMES = 50
MAX_STAKEHOLDERS = 100
MAX_RICH_TEXT = 200_000


class City(WireModel):
    """A city: its name (in the document's source locale) and ISO 3166 country code."""

    name: text(200) = ""
    country: text(10) = ""


class Origin(WireModel):
    """Who wrote the document. A tombstone carries the same object as the documents it
    withdraws (its ``city`` may be the instance's own city, or null)."""

    base_url: Annotated[url(300), Field(description="The author's address, no trailing slash.")]
    key_id: KeyId
    city: City | None = None


class Contact(WireModel):
    """A contact person, only when the editor allowed sharing it. No phone, no photo."""

    name: text(200) | None = ""
    role: text(200) | None = ""
    email: Email | None = ""


class Attribution(WireModel):
    organisation: text(200) | None = ""
    contact: Contact | None = None


class PracticeFields(WireModel):
    """Fields that do not depend on the language."""

    status: Status | None = "implemented"
    start_year: Year | None = None
    end_year: Year | None = None
    evidence_level: EvidenceLevelChoice | None = "described"
    budget: DecimalString | None = None


class MediaRef(WireModel):
    """An image chooser's value: which image of ``media``."""

    media: MediaRefText


class ImageUse(MediaRef):
    """An image with the text that goes with it where it is used (Wagtail's ``ImageBlock``,
    and a locale's ``listing_image``)."""

    alt_text: text(500) | None = ""
    decorative: bool = False


class Block(WireModel):
    """One StreamField block, as Wagtail stores it (``value`` per type: ``blocks.py``)."""

    type: text(100, min_length=1)
    value: Any = None
    id: text(100) | None = None


class StakeholderItem(WireModel):
    kind: StakeholderKind
    name: text(200) | None = ""
    contribution: text(300) | None = ""


Blocks = Annotated[list[Block], Field(max_length=MAX_BLOCKS)]
RichText = Annotated[
    text(MAX_RICH_TEXT),
    Field(description="HTML: p, h2-h4, ul, ol, li, a[href], b, strong, i, em, br."),
]

# Each locale's fields, by kind (outbound, validate and importer loop over these).
TEXT_FIELDS = ("title", "slug", "search_description", "summary", "staff", "duration")
RICH_TEXT_FIELDS = ("challenge", "approach", "results", "evidence", "transferability", "resources")
STREAM_FIELDS = ("indicators", "body", "gallery", "documents")


class LocaleContent(WireModel):
    """The practice model in one language."""

    title: text(255, min_length=1)
    slug: text(255) | None = ""
    search_description: text(1000) | None = ""
    summary: text(400) | None = ""
    staff: text(200) | None = ""
    duration: text(200) | None = ""
    challenge: RichText | None = ""
    approach: RichText | None = ""
    results: RichText | None = ""
    evidence: RichText | None = ""
    transferability: RichText | None = ""
    resources: RichText | None = ""
    indicators: Blocks | None = []
    body: Blocks | None = []
    gallery: Blocks | None = []
    documents: Blocks | None = []
    listing_image: ImageUse | None = None
    stakeholders: Annotated[list[StakeholderItem], Field(max_length=MAX_STAKEHOLDERS)] | None = []


class MediaItem(WireModel):
    """An image the document uses, fetched by URL and checked against its hash."""

    ref: MediaRefText
    url: url(500)
    sha256: KeyId
    bytes: Annotated[int, Field(ge=1, le=2**40)]
    content_type: ImageType
    width: Annotated[int, Field(ge=1, le=100_000)]
    height: Annotated[int, Field(ge=1, le=100_000)]
    alt: Annotated[dict[LanguageCode, text(500)], Field(max_length=20)] | None = {}
    credit: text(300) | None = None


class PracticeModelDocument(WireModel):
    """A shared practice model in every live, public locale (docs §4)."""

    protocol: Literal[PROTOCOL]
    type: Literal["practice-model"]
    id: Uuid
    version: Version
    origin: Origin
    updated_at: Timestamp | None = ""
    source_locale: LanguageCode | None = None
    canonical: dict[LanguageCode, url(500) | None] | None = {}
    licence: LicenceChoice
    attribution: Attribution | None = None
    themes: Annotated[list[ThemeKey], Field(max_length=MAX_THEMES)] | None = []
    fields: PracticeFields | None = None
    locales: Annotated[dict[LanguageCode, LocaleContent], Field(min_length=1)]
    media: Annotated[list[MediaItem], Field(max_length=MAX_MEDIA)] | None = []


class Tombstone(WireModel):
    """The withdrawal of a practice model; its version is higher than every one before."""

    protocol: Literal[PROTOCOL]
    type: Literal["tombstone"]
    id: Uuid
    version: Version
    origin: Origin
    reason: TombstoneReason
    updated_at: Timestamp | None = ""


class Signature(ClosedModel):
    alg: Literal["ed25519"]
    key_id: KeyId
    value: SignatureValue


class Envelope(ClosedModel):
    """Every signed object travels in one: the signature is over the RFC 8785 canonical JSON
    of ``document``."""

    document: dict[str, Any]
    signature: Signature
