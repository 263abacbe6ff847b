"""A seminar open to partner cities, as it travels (docs/federation.md §4, "Seminars").

The enumerations (``common.py``) are the seminar model's own choices. What does not
travel, by design: registrations and anything computed from them (places left, waiting
list), registration settings (capacity, deadline, questions) and participating cities'
pages. Visitors register on the origin's page (``canonical``), which is the authority on
whether places are left; a count would tell partners how many people registered and would
make a new version at every registration.
"""

from typing import Annotated, Literal

from pydantic import Field

from .common import (
    ATTENDANCE_MODES,
    EVENT_STATUSES,
    PROTOCOL,
    SEMINAR_KINDS,
    LanguageCode,
    ThemeKey,
    Timestamp,
    Uuid,
    Version,
    WireModel,
    choices,
    text,
    url,
)
from .documents import MAX_MEDIA, MAX_THEMES, Blocks, City, ImageUse, MediaItem, Origin, RichText

MAX_LANGUAGES = 20

# Each locale's fields, by kind (outbound, validate and importer loop over these).
SEMINAR_TEXT_FIELDS = (
    "title",
    "slug",
    "search_description",
    "summary",
    "venue_name",
    "venue_address",
)
SEMINAR_RICH_TEXT_FIELDS = ("intro", "outcomes")
SEMINAR_STREAM_FIELDS = ("agenda", "body", "materials")

SeminarKindChoice = choices(SEMINAR_KINDS, "What kind of event the seminar is.")
EventStatusChoice = choices(
    EVENT_STATUSES, "Whether it takes place as announced; a cancelled seminar still travels."
)
AttendanceModeChoice = choices(
    ATTENDANCE_MODES,
    "How people take part: it follows from the venue and the online link (informative).",
)
TimeZoneName = Annotated[
    text(64, min_length=1),
    Field(description="An IANA time zone name such as Europe/Riga: where the seminar is held."),
]


class SeminarFields(WireModel):
    """Fields that do not depend on the language."""

    kind: SeminarKindChoice | None = "seminar"
    status: EventStatusChoice | None = "scheduled"
    mode: AttendanceModeChoice | None = None
    start: Annotated[Timestamp, Field(description="The start, RFC 3339 in UTC.")]
    end: Annotated[Timestamp, Field(description="The end, RFC 3339 in UTC; not before start.")]
    timezone: TimeZoneName
    online_url: Annotated[
        url(500) | None,
        Field(description="Where participants join online (http or https, a public host)."),
    ] = None
    host_city: Annotated[City | None, Field(description="The city where it is held.")] = None
    languages: (
        Annotated[
            list[LanguageCode],
            Field(max_length=MAX_LANGUAGES, description="Languages spoken or interpreted."),
        ]
        | None
    ) = []


class SeminarLocaleContent(WireModel):
    """The seminar in one language."""

    title: text(255, min_length=1)
    slug: text(255) | None = ""
    search_description: text(1000) | None = ""
    summary: text(400) | None = ""
    venue_name: text(200) | None = ""
    venue_address: text(300) | None = ""
    intro: RichText | None = ""
    outcomes: RichText | None = ""
    agenda: Blocks | None = []
    body: Blocks | None = []
    materials: Blocks | None = []
    listing_image: ImageUse | None = None


class SeminarDocument(WireModel):
    """A seminar open to partner cities in every live, public locale. ``canonical`` is the
    seminar's page at the origin in each language: where visitors register (on the origin's
    host)."""

    protocol: Literal[PROTOCOL]
    type: Literal["seminar"]
    id: Uuid
    version: Version
    origin: Origin
    updated_at: Timestamp | None = ""
    source_locale: LanguageCode | None = None
    canonical: dict[LanguageCode, url(500) | None] | None = {}
    themes: Annotated[list[ThemeKey], Field(max_length=MAX_THEMES)] | None = []
    fields: SeminarFields
    locales: Annotated[dict[LanguageCode, SeminarLocaleContent], Field(min_length=1)]
    media: Annotated[list[MediaItem], Field(max_length=MAX_MEDIA)] | None = []
