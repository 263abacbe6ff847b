"""Wire objects about instances and exchanges: descriptor (§3), key handover (§1), member
list (§8), push notification (§6), feed page (§5), relay feed page (§7) and the error
answer."""

from typing import Annotated, Literal

from pydantic import Field

from .common import (
    MAX_VERSION,
    PROTOCOL,
    ClosedModel,
    Cursor,
    KeyId,
    LanguageCode,
    PublicKey,
    Timestamp,
    WireModel,
    text,
    url,
)
from .documents import City, Envelope

MAX_MEMBERS = 2000
MAX_PREVIOUS_KEYS = 20


class Handover(WireModel):
    """Signed by the old key: "my successor is this key" (docs §1)."""

    type: Literal["key-handover"]
    old_key_id: KeyId
    new_key_id: KeyId
    new_public_key: PublicKey
    at: Timestamp


class PreviousKey(WireModel):
    public_key: PublicKey
    key_id: KeyId
    handover: Envelope | None = None


class Descriptor(WireModel):
    """``/.well-known/cities-cms.json``: who the instance is, self-signed with its key."""

    protocol: Literal[PROTOCOL]
    type: Literal["descriptor"]
    base_url: Annotated[url(300), Field(description="The instance's address, no trailing slash.")]
    name: text(200) | None = ""
    city: City | None = None
    public_key: PublicKey
    key_id: KeyId
    previous_keys: Annotated[list[PreviousKey], Field(max_length=MAX_PREVIOUS_KEYS)] = []
    languages: list[LanguageCode] = []
    feed_url: url(500)
    inbox_url: url(500) | None = None
    member_list_url: url(500) | None = None
    relay_url: Annotated[
        url(500) | None,
        Field(description="The relay feed (§7) when the instance relays its members' documents."),
    ] = None
    schema_url: url(500) | None = None
    max_document_bytes: Annotated[int, Field(ge=1)]


class Member(WireModel):
    base_url: url(300)
    key_id: KeyId
    public_key: PublicKey
    name: text(200) | None = ""
    city: City | None = None


class MemberList(WireModel):
    """A coordinator's signed list of the network's instances (docs §8)."""

    protocol: Literal[PROTOCOL]
    type: Literal["member-list"]
    version: Annotated[int, Field(ge=0, le=MAX_VERSION)]
    issued_at: Timestamp
    members: Annotated[list[Member], Field(max_length=MAX_MEMBERS)]
    relay_url: Annotated[
        url(500) | None,
        Field(
            description="The coordinator's relay feed (§7), on its own address: its members' "
            "documents can be pulled there instead of from each member."
        ),
    ] = None


class PushNotification(WireModel):
    """The body of a signed ``POST /federation/inbox/``: "come and pull" (docs §6)."""

    protocol: Literal[PROTOCOL]
    type: Literal["changed"]
    base_url: url(300)
    sequence: Annotated[int, Field(ge=0, le=MAX_VERSION)] | None = None


class FeedPage(WireModel):
    """One page of ``GET /federation/feed/`` (docs §5)."""

    protocol: Literal[PROTOCOL] | None = PROTOCOL
    items: list[Envelope]
    next: Cursor
    more: bool


class RelayFeedPage(WireModel):
    """One page of a hub's ``GET /federation/relay/`` (docs §7): the hub's own envelopes and
    those its members sent it, each exactly as its author signed it, in one cursor order."""

    protocol: Literal[PROTOCOL] | None = PROTOCOL
    items: Annotated[
        list[Envelope],
        Field(description="Envelopes by the hub or a member; each verified against its author."),
    ]
    next: Cursor
    more: bool


class ErrorDetail(ClosedModel):
    code: text(50, min_length=1)
    message: text(1000) = ""


class ErrorAnswer(ClosedModel):
    """The body of every error answer of the federation endpoints."""

    error: ErrorDetail
