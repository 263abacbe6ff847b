"""The federation protocol ``cities-cms/1``: one definition of every wire object.

pydantic models (``documents.py``, ``seminars.py``, ``instance.py``, block values in
``blocks.py``) from which the outbound encoder, the validator, the importer, the published
JSON Schema (``jsonschema.py``, served at ``/federation/schema.json``) and the tables of
docs/federation.md all follow; one error type (``errors.ProtocolError``).
"""

from .common import (
    ATTENDANCE_MODES,
    EVENT_STATUSES,
    EVIDENCE_LEVELS,
    IMAGE_TYPES,
    LICENCES,
    MAX_VERSION,
    NETWORK_THEME_KEYS,
    PROTOCOL,
    SEMINAR_KINDS,
    STAKEHOLDER_KINDS,
    STATUSES,
    TOMBSTONE_REASONS,
)
from .documents import (
    MAX_BLOCKS,
    RICH_TEXT_FIELDS,
    STREAM_FIELDS,
    TEXT_FIELDS,
    Envelope,
    ImageUse,
    LocaleContent,
    MediaItem,
    PracticeModelDocument,
    Tombstone,
)
from .errors import CODES, WARNING_CODES, ProtocolError
from .instance import (
    Descriptor,
    ErrorAnswer,
    FeedPage,
    Handover,
    MemberList,
    PushNotification,
    RelayFeedPage,
)
from .seminars import (
    SEMINAR_RICH_TEXT_FIELDS,
    SEMINAR_STREAM_FIELDS,
    SEMINAR_TEXT_FIELDS,
    SeminarDocument,
    SeminarFields,
    SeminarLocaleContent,
)

__all__ = [
    "ATTENDANCE_MODES",
    "CODES",
    "EVENT_STATUSES",
    "EVIDENCE_LEVELS",
    "IMAGE_TYPES",
    "LICENCES",
    "MAX_BLOCKS",
    "MAX_VERSION",
    "NETWORK_THEME_KEYS",
    "PROTOCOL",
    "RICH_TEXT_FIELDS",
    "SEMINAR_KINDS",
    "SEMINAR_RICH_TEXT_FIELDS",
    "SEMINAR_STREAM_FIELDS",
    "SEMINAR_TEXT_FIELDS",
    "STAKEHOLDER_KINDS",
    "STATUSES",
    "STREAM_FIELDS",
    "TEXT_FIELDS",
    "TOMBSTONE_REASONS",
    "WARNING_CODES",
    "Descriptor",
    "Envelope",
    "ErrorAnswer",
    "FeedPage",
    "Handover",
    "ImageUse",
    "LocaleContent",
    "MediaItem",
    "MemberList",
    "PracticeModelDocument",
    "ProtocolError",
    "PushNotification",
    "RelayFeedPage",
    "SeminarDocument",
    "SeminarFields",
    "SeminarLocaleContent",
    "Tombstone",
]
