"""Peers: other instances this one knows, added by address and trusted once approved.

- ``fetch_descriptor(base_url)`` reads ``/.well-known/cities-cms.json`` through ``fetch.py``
  (which refuses private addresses unless the peer is local) and checks it: a
  ``cities-cms/1`` descriptor, self-signed with the key it announces, for the address asked.
- ``add_peer(base_url)`` stores the instance as *pending* with the key it offers; nothing is
  imported from it until a person compares the fingerprint and ``approve``\\ s it, which pins
  the key (who approved it and when are kept).
- ``pause`` / ``resume`` / ``remove``: a removed peer's copies stay, with their attribution.
- ``refresh_descriptor`` re-reads the descriptor; ``follow_rotation`` re-pins a new key only
  when a handover signed by the pinned key vouches for it (docs/federation.md §1). Any other
  key change sends the peer back to *pending* and flags it.
"""

import json
import logging
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from ..conf import settings
from .identity import current_identity, format_fingerprint
from .models import Peer, PeerEvent, PeerStatus
from .schema import PROTOCOL, Descriptor, ProtocolError
from .schema.errors import from_validation_error
from .signing import envelope_parts, key_id_of, verify_envelope

logger = logging.getLogger(__name__)

DESCRIPTOR_PATH = "/.well-known/cities-cms.json"
INBOX_PATH = "/federation/inbox/"
MAX_DESCRIPTOR_BYTES = 256 * 1024


def normalise_base_url(url: str) -> str:
    """``https://City.example/`` -> ``https://city.example``; refuses anything but a site root."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProtocolError("bad-url", _("Enter the address of a site, starting with https://."))
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ProtocolError(
            "bad-url", _("Enter the address of the site only, without a query or a login.")
        )
    try:
        port = parts.port
    except ValueError:
        raise ProtocolError("bad-url", _("The address has an invalid port.")) from None
    netloc = parts.hostname.lower()
    if ":" in netloc:  # IPv6 literal
        netloc = f"[{netloc}]"
    if port:
        netloc = f"{netloc}:{port}"
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{netloc}{path}"


def own_base_url() -> str:
    """This instance's public address, as its descriptor announces it (outbound.py)."""
    from .outbound import base_url

    return base_url()


def _fetch(url, *, allow_private, max_bytes, **kwargs):
    from .fetch import fetch

    try:
        return fetch(url, allow_private=allow_private, max_bytes=max_bytes, **kwargs)
    except ProtocolError as exc:
        messages = {
            "private-address": _(
                "The address resolves to a private or local network address. Only a peer "
                "marked as local may use one."
            ),
            "too-large": _("The site answered with more data than a descriptor may have."),
            "timeout": _("The site did not answer in time."),
            "connection": _("The site cannot be reached."),
            "redirect": _("The site redirected too often or to an address that is not allowed."),
            "bad-url": _("The address is not valid."),
        }
        code = exc.code if exc.code in messages else "connection"
        raise ProtocolError(code, messages[code]) from exc


def parse_descriptor(envelope, base_url: str) -> dict:
    """Check a descriptor envelope; return its document or raise ``ProtocolError``."""
    not_ours = _("The address does not answer as a cities_cms site (no valid descriptor).")
    try:
        document, _signature = envelope_parts(envelope)
    except ProtocolError:
        raise ProtocolError("not-cities-cms", not_ours) from None
    if document.get("protocol") != PROTOCOL or document.get("type") != "descriptor":
        raise ProtocolError("not-cities-cms", not_ours)
    try:
        Descriptor.model_validate(document)
    except ValidationError as exc:
        raise ProtocolError(
            "not-cities-cms",
            _("The descriptor is not valid: %(problem)s")
            % {"problem": from_validation_error(exc).message},
        ) from None
    public_key = document["public_key"]
    try:
        verify_envelope(envelope, public_key)
        key_id = key_id_of(public_key)
    except (ProtocolError, ValueError):
        raise ProtocolError(
            "bad-signature",
            _("The descriptor's signature does not match the key it announces."),
        ) from None
    if document.get("key_id") != key_id:
        raise ProtocolError(
            "bad-signature", _("The descriptor's key id does not match its public key.")
        )
    announced = document.get("base_url")
    try:
        same_site = isinstance(announced, str) and normalise_base_url(announced) == base_url
    except ProtocolError:
        same_site = False
    if not same_site:
        raise ProtocolError(
            "base-url-mismatch",
            _("The descriptor announces another address (%(url)s).")
            % {"url": str(announced)[:200]},
        )
    return document


def fetch_descriptor(base_url: str, *, allow_private: bool = False) -> dict:
    """Fetch and verify the descriptor of the instance at ``base_url`` (normalised)."""
    base_url = normalise_base_url(base_url)
    response = _fetch(
        base_url + DESCRIPTOR_PATH, allow_private=allow_private, max_bytes=MAX_DESCRIPTOR_BYTES
    )
    if response.status != 200:
        raise ProtocolError(
            "not-cities-cms",
            _("The address does not answer as a cities_cms site (HTTP %(status)s).")
            % {"status": response.status},
        )
    try:
        envelope = json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError(
            "not-cities-cms", _("The address does not answer as a cities_cms site (not JSON).")
        ) from None
    return parse_descriptor(envelope, base_url)


def city_name_of(document) -> str:
    city = document.get("city")
    name = city.get("name") if isinstance(city, dict) else None
    return str(name)[:200] if isinstance(name, str) else ""


def log(peer, code, message, *, level=PeerEvent.Level.INFO, global_id=""):
    PeerEvent.objects.create(
        peer=peer, level=level, code=code, message=message, global_id=global_id
    )


def add_peer(base_url: str, *, is_local: bool = False) -> Peer:
    """Add the instance at ``base_url`` as a pending peer with the key its descriptor offers."""
    base_url = normalise_base_url(base_url)
    if Peer.objects.filter(base_url=base_url).exists():
        raise ProtocolError("exists", _("This instance is already a peer."))
    document = fetch_descriptor(base_url, allow_private=is_local)
    if document["key_id"] == current_identity().key_id:
        raise ProtocolError("self", _("This is the address of this instance itself."))
    with transaction.atomic():
        peer = Peer.objects.create(
            base_url=base_url,
            name=str(document.get("name") or "")[:200],
            city_name=city_name_of(document),
            is_local=is_local,
            status=PeerStatus.PENDING,
            offered_public_key=document["public_key"],
            key_fingerprint=format_fingerprint(document["key_id"]),
        )
        log(peer, "added", _("Added; waiting for approval."))
    return peer


def approve(peer: Peer, user=None, *, via: Peer | None = None) -> Peer:
    """Pin the key the peer offers (compare its fingerprint first) and trust it."""
    if not peer.offered_public_key:
        raise ProtocolError("no-key", _("The peer has offered no key to approve."))
    now = timezone.now()
    peer.public_key = peer.offered_public_key
    peer.key_fingerprint = format_fingerprint(key_id_of(peer.public_key))
    peer.status = PeerStatus.APPROVED
    peer.approved_at = now
    peer.approved_by = user if user is not None and user.is_authenticated else None
    peer.approved_via = via
    peer.next_retry_at = None
    peer.save()
    if via is not None:
        message = _("Approved through the member list of %(peer)s.") % {"peer": via}
    elif peer.approved_by is not None:
        message = _("Approved by %(user)s; key pinned.") % {"user": peer.approved_by}
    else:
        message = _("Approved; key pinned.")
    log(peer, "approved", message)
    return peer


def pause(peer: Peer, user=None, *, reason="") -> Peer:
    peer.status = PeerStatus.PAUSED
    peer.save(update_fields=["status"])
    log(peer, "paused", reason or _("Paused: nothing is imported from it until resumed."))
    return peer


def resume(peer: Peer, user=None) -> Peer:
    if not peer.public_key:
        raise ProtocolError("not-approved", _("The peer was never approved: approve it instead."))
    peer.status = PeerStatus.APPROVED
    peer.consecutive_failures = 0
    peer.next_retry_at = None
    peer.save(update_fields=["status", "consecutive_failures", "next_retry_at"])
    log(peer, "resumed", _("Resumed."))
    return peer


def remove(peer: Peer) -> int:
    """Delete the peer; the practice models received from it stay (with their attribution).

    Returns how many copies stay.
    """
    kept = peer.copies.count()
    peer.delete()
    return kept


def _valid_handovers(document) -> dict:
    """{old public key: new public key} for each handover in ``previous_keys`` that verifies."""
    handovers = {}
    previous = document.get("previous_keys")
    if not isinstance(previous, list):
        return handovers
    for entry in previous[:20]:
        if not isinstance(entry, dict):
            continue
        old_key = entry.get("public_key")
        if not isinstance(old_key, str):
            continue
        try:
            handover = verify_envelope(entry.get("handover"), old_key)
            old_key_id = key_id_of(old_key)
            new_key = handover.get("new_public_key")
            if (
                handover.get("type") != "key-handover"
                or handover.get("old_key_id") != old_key_id
                or not isinstance(new_key, str)
                or handover.get("new_key_id") != key_id_of(new_key)
            ):
                continue
        except (ProtocolError, ValueError, AttributeError):
            continue
        handovers[old_key] = new_key
    return handovers


def follow_rotation(peer: Peer, descriptor: dict) -> str:
    """Follow a key change announced by ``descriptor`` (already verified, see above).

    Returns "same" (no change), "offered" (a pending peer's offered key was updated),
    "rotated" (a handover chain from the pinned key vouches for the new key: re-pinned) or
    "refused" (any other change: the peer goes back to pending, flagged, until approved again).
    """
    new_key = descriptor["public_key"]
    if not peer.public_key:
        if new_key != peer.offered_public_key:
            peer.offered_public_key = new_key
            peer.key_fingerprint = format_fingerprint(key_id_of(new_key))
            peer.save(update_fields=["offered_public_key", "key_fingerprint"])
            return "offered"
        return "same"
    if new_key == peer.public_key:
        if peer.offered_public_key != new_key and peer.status != PeerStatus.PENDING:
            peer.offered_public_key = new_key
            peer.save(update_fields=["offered_public_key"])
        return "same"
    handovers = _valid_handovers(descriptor)
    key, seen = peer.public_key, set()
    while key in handovers and key not in seen and key != new_key:
        seen.add(key)
        key = handovers[key]
    now = timezone.now()
    if key == new_key:
        old_fingerprint = format_fingerprint(key_id_of(peer.public_key))
        peer.public_key = peer.offered_public_key = new_key
        peer.key_fingerprint = format_fingerprint(key_id_of(new_key))
        peer.save(update_fields=["public_key", "offered_public_key", "key_fingerprint"])
        log(
            peer,
            "key-rotated",
            _("Followed a key rotation signed by the pinned key: %(old)s -> %(new)s.")
            % {"old": old_fingerprint, "new": peer.key_fingerprint},
        )
        return "rotated"
    if peer.offered_public_key == new_key and peer.status == PeerStatus.PENDING:
        return "refused"  # already flagged
    message = _(
        "The peer now offers another key (%(new)s) without a handover signed by the pinned "
        "key. Nothing is imported until a person compares the fingerprint and approves it."
    ) % {"new": format_fingerprint(key_id_of(new_key))}
    peer.offered_public_key = new_key
    peer.key_fingerprint = format_fingerprint(key_id_of(new_key))
    peer.status = PeerStatus.PENDING
    peer.last_error = message
    peer.last_error_at = now
    peer.save(
        update_fields=[
            "offered_public_key",
            "key_fingerprint",
            "status",
            "last_error",
            "last_error_at",
        ]
    )
    log(peer, "key-changed", message, level=PeerEvent.Level.ERROR)
    logger.warning("Peer %s changed its key without a handover", peer.base_url)
    return "refused"


def refresh_descriptor(peer: Peer) -> dict:
    """Re-read the peer's descriptor: name, city, and key rotation (``follow_rotation``)."""
    document = fetch_descriptor(peer.base_url, allow_private=peer.is_local)
    changed = []
    name, city = str(document.get("name") or "")[:200], city_name_of(document)
    if name and name != peer.name:
        peer.name = name
        changed.append("name")
    if city and city != peer.city_name:
        peer.city_name = city
        changed.append("city_name")
    if changed:
        peer.save(update_fields=changed)
    follow_rotation(peer, document)
    return document


def is_coordinator() -> bool:
    return bool(settings.CITIES_CMS_FEDERATION_PUBLISH_MEMBER_LIST)
