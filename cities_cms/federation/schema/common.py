"""Building blocks of the wire objects: the protocol name, string forms, enumerations.

The enumerations are the page models' own choices (``pages/practice.py``,
``pages/seminar.py``): what a peer may send is exactly what a page here can hold, so the
schema cannot drift from the models.
"""

from typing import Annotated, Literal
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from ...conf import DEFAULTS
from ...pages.practice import EvidenceLevel, Licence, PracticeStatus, Stakeholder
from ...pages.seminar import AttendanceMode, EventStatus, SeminarKind
from .errors import PATTERN_TEXT

PROTOCOL = "cities-cms/1"
MAX_VERSION = 2**63 - 1  # versions, sequences and cursors fit a signed 64-bit integer


class WireModel(BaseModel):
    """A JSON object of the protocol: exact JSON types (no "3" for 3, no true for 1), and
    fields this version does not know are kept (``model_extra``) so a receiver can warn about
    them and go on: peers may be newer."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)


class ClosedModel(WireModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def pattern(regex: str, what: str, **constraints):
    """A string matching ``regex``, described as ``what`` in error messages and the docs."""
    PATTERN_TEXT[regex] = what
    return Annotated[
        str,
        StringConstraints(pattern=regex, **constraints),
        Field(description=what[0].upper() + what[1:] + "."),
    ]


def text(max_length: int, *, min_length: int = 0):
    if min_length:
        return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length)]
    return Annotated[str, StringConstraints(max_length=max_length)]


Hex64 = pattern(r"^[0-9a-f]{64}$", "64 lowercase hex characters")
KeyId = Hex64
# base64url without padding: 43 characters for 32 bytes (a key), 86 for 64 (a signature)
PublicKey = pattern(r"^[A-Za-z0-9_-]{43}$", "a base64url Ed25519 public key (43 characters)")
SignatureValue = pattern(r"^[A-Za-z0-9_-]{86}$", "a base64url Ed25519 signature (86 characters)")
# The canonical textual form; receivers accept upper case too and use lower case.
Uuid = pattern(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "a UUID in its 36-character hyphenated form (8-4-4-4-12 hex digits)",
)
LanguageCode = pattern(
    r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$", "a language code such as en or pt-br"
)
MediaRefText = pattern(r"^m[0-9]{1,4}$", "a media reference such as m1")
ThemeKey = pattern(r"^[-a-zA-Z0-9_]{1,64}$", "a theme key (a slug of at most 64 characters)")
DecimalString = pattern(
    r"^[0-9]{1,12}(\.[0-9]{1,2})?$",
    "a decimal string such as 120000.00 (at most 12 digits, 2 decimals, not negative)",
)
Cursor = pattern(r"^[0-9]{1,19}$", "a decimal string of at most 19 digits")
Timestamp = Annotated[
    str,
    StringConstraints(max_length=40),
    Field(
        description="RFC 3339 time in UTC, e.g. 2026-11-24T08:00:00Z.",
        json_schema_extra={"format": "date-time"},
    ),
]
Version = Annotated[int, Field(ge=1, le=MAX_VERSION)]
Year = Annotated[int, Field(ge=1900, le=2100)]


def _check_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise PydanticCustomError("url", "is not a valid URL") from None
    if not parts.hostname:
        raise PydanticCustomError("url", "must be an http or https URL")
    return value


def url(max_length: int = 500):
    """An absolute http(s) URL without spaces or control characters."""
    return Annotated[
        pattern(
            r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#@]+[^\s]*$",
            "an http or https URL",
            max_length=max_length,
        ),
        AfterValidator(_check_url),
        Field(json_schema_extra={"format": "uri"}),
    ]


def _check_email(value: str) -> str:
    if value:
        try:
            EmailValidator()(value)
        except DjangoValidationError:
            raise PydanticCustomError("email", "is not an email address") from None
    return value


Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(_check_email),
    Field(description="An email address, or empty."),
]


# --- enumerations -----------------------------------------------------------------------------


def choices(values, description):
    """A closed set of strings: a ``Literal`` for pydantic, an ``enum`` in JSON Schema."""
    values = tuple(values)
    return Annotated[Literal[values], Field(description=description)]  # type: ignore[valid-type]


STATUSES = tuple(PracticeStatus.values)
EVIDENCE_LEVELS = tuple(EvidenceLevel.values)
LICENCES = tuple(Licence.values)
STAKEHOLDER_KINDS = tuple(value for value, _label in Stakeholder._meta.get_field("kind").choices)
TOMBSTONE_REASONS = ("unshared", "unpublished", "private", "deleted")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
# The network's theme keys (the themes ``cities_cms_setup`` creates). The set is open: an
# instance may add themes, and a key the receiver lacks maps to no theme.
NETWORK_THEME_KEYS = tuple(key for key, _name in DEFAULTS["CITIES_CMS_DEFAULT_THEMES"])
SEMINAR_KINDS = tuple(SeminarKind.values)
EVENT_STATUSES = tuple(EventStatus.values)
ATTENDANCE_MODES = tuple(AttendanceMode.values)

Status = choices(STATUSES, "Stage of the practice model.")
EvidenceLevelChoice = choices(EVIDENCE_LEVELS, "How the results are known.")
LicenceChoice = choices(LICENCES, "Terms of reuse of the text (SPDX-style code).")
StakeholderKind = choices(STAKEHOLDER_KINDS, "Who took part.")
TombstoneReason = choices(TOMBSTONE_REASONS, "Why the document was withdrawn.")
ImageType = choices(IMAGE_TYPES, "The image's real format.")

# (name, values, where) of every enumeration: docs/federation.md's table follows from it.
ENUMERATIONS = [
    ("status", STATUSES, "fields.status"),
    ("evidence_level", EVIDENCE_LEVELS, "fields.evidence_level"),
    ("licence", LICENCES, "licence"),
    ("stakeholders[].kind", STAKEHOLDER_KINDS, "locales.*.stakeholders[].kind"),
    ("reason", TOMBSTONE_REASONS, "tombstone reason"),
    ("content_type", IMAGE_TYPES, "media[].content_type"),
    ("themes[] (network keys; open set)", NETWORK_THEME_KEYS, "themes"),
    ("kind (seminar)", SEMINAR_KINDS, "seminar fields.kind"),
    ("status (seminar)", EVENT_STATUSES, "seminar fields.status"),
    ("mode (seminar)", ATTENDANCE_MODES, "seminar fields.mode"),
]
