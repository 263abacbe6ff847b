"""The verify stage of the inbound path: who wrote an envelope, and did they sign it?

fetch → parse → **verify** → validate → apply (docs/federation.md §5, §7). A :class:`Verifier`
is made once per run of envelopes served by one peer; called on each envelope it checks, in
this order, and raises ``ProtocolError`` at the first failure:

1. the envelope's size (its RFC 8785 canonical JSON, as the sender counts it);
2. its shape (``document`` + ``signature``; a missing or malformed signature is "bad-signature");
3. its author: the approved peer at ``document.origin.base_url``, whoever served it (relays),
   and not this instance itself;
4. the signature, against the author's **pinned** key only. When the serving peer signs with a
   key other than the pinned one ("wrong-key"), its descriptor is re-read once per run: a
   handover signed by the pinned key re-pins the new key (``peers.follow_rotation``) and the
   envelope is checked again; any other key change leaves the peer pending and the document
   refused.

The result, :class:`Verified`, is all the later stages get: they never look at signatures.
"""

import logging
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ..conf import settings
from .models import Peer, PeerStatus
from .schema import ProtocolError
from .signing import canonical_json, envelope_parts, key_id_of, verify_envelope
from .validate import normalise_base_url

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verified:
    """An envelope whose signature is the author's: what the validate stage gets."""

    author: Peer  # the approved peer at the document's origin (not always the one serving it)
    document: dict  # still unchecked apart from ``origin.base_url``
    global_id: str  # the document's id as sent (for refusals before it is validated)


def pinned_key_for_author(origin_base_url, key_id=None) -> Peer | None:
    """The approved peer whose address is ``origin_base_url`` (and whose pinned key has
    ``key_id``, when given): the only key a document by that author may be signed with."""
    if not isinstance(origin_base_url, str) or "\x00" in origin_base_url:
        return None  # no peer has that address (and PostgreSQL refuses NUL in a query)
    base = normalise_base_url(origin_base_url)
    for peer in Peer.objects.filter(status=PeerStatus.APPROVED, base_url__in=[base, base + "/"]):
        if not peer.public_key:
            continue
        if key_id is None:
            return peer
        try:
            if key_id_of(peer.public_key) == key_id:
                return peer
        except ValueError:
            continue
    return None


def own_identity():
    """(base_url, key id or None) of this instance."""
    from .identity import current_identity
    from .outbound import base_url

    try:
        key_id = current_identity().key_id
    except (ImproperlyConfigured, OSError, ValueError):
        key_id = None
    return normalise_base_url(base_url()), key_id


def envelope_size(envelope) -> int:
    """Bytes of the envelope's RFC 8785 canonical JSON (UTF-8): how the sender and the
    receiver both count a document against the size limit (docs §4)."""
    try:
        return len(canonical_json(envelope))
    except Exception:  # rfc8785 raises its own errors, and TypeError/ValueError/RecursionError
        raise ProtocolError("bad-json", _("The envelope is not JSON.")) from None


def _global_id_of(document) -> str:
    value = document.get("id") if isinstance(document, dict) else None
    return value[:100] if isinstance(value, str) else ""


class Verifier:
    """The verify stage for the envelopes one peer serves in one run (a sync, a demo load).

    It keeps what does not change during the run: this instance's identity (asked once: its
    address may come from the default Site, a query) and whether the serving peer's key
    rotation was already looked for (at most one descriptor request per run).
    """

    def __init__(self, served_by: Peer):
        self.served_by = served_by
        self._own = None
        self._rotation_checked = False

    def own_identity(self):
        if self._own is None:
            self._own = own_identity()
        return self._own

    def __call__(self, envelope) -> Verified:
        """:class:`Verified` for a correctly signed envelope; else ``ProtocolError``."""
        max_bytes = int(settings.CITIES_CMS_FEDERATION_MAX_DOCUMENT_BYTES)
        if envelope_size(envelope) > max_bytes:
            raise ProtocolError(
                "too-large",
                _("The document is larger than %(limit)s.") % {"limit": filesizeformat(max_bytes)},
                global_id=_global_id_of(
                    envelope.get("document") if isinstance(envelope, dict) else None
                ),
            )
        try:
            document, signature = envelope_parts(envelope)
        except ProtocolError as exc:
            code = "bad-signature" if exc.code == "bad-envelope" else exc.code
            raise ProtocolError(code, exc.message) from None
        global_id = _global_id_of(document)
        author = self._author(document, signature, global_id)
        try:
            verify_envelope(envelope, author.public_key)
        except ProtocolError as exc:
            if exc.code != "wrong-key" or not self._follow_rotation(author):
                raise ProtocolError(exc.code, exc.message, global_id=global_id) from None
            author = self.served_by
            try:
                verify_envelope(envelope, author.public_key)
            except ProtocolError as again:
                raise ProtocolError(again.code, again.message, global_id=global_id) from None
        return Verified(author, document, global_id)

    def _author(self, document, signature, global_id) -> Peer:
        origin = document.get("origin")
        base_url = origin.get("base_url") if isinstance(origin, dict) else None
        if not isinstance(base_url, str):
            raise ProtocolError("invalid", _("The document names no origin."), global_id=global_id)
        own_url, own_key = self.own_identity()
        if normalise_base_url(base_url) == own_url or (own_key and signature["key_id"] == own_key):
            raise ProtocolError(
                "own-document",
                _("The document was written by this site itself."),
                global_id=global_id,
            )
        author = pinned_key_for_author(base_url)
        if author is None:
            raise ProtocolError(
                "unknown-author",
                _("The document's author %(url)s is not an approved peer.")
                % {"url": base_url[:200]},
                global_id=global_id,
            )
        return author

    def _follow_rotation(self, author) -> bool:
        """True when the serving peer (the author here) moved to a new key that a handover
        signed by its pinned key vouches for; looked for once per run."""
        if author.pk != self.served_by.pk or self._rotation_checked:
            # A relayed author's rotation is followed when that peer itself is pulled.
            return False
        self._rotation_checked = True
        from .peers import refresh_descriptor

        peer = self.served_by
        old_key = peer.public_key
        try:
            refresh_descriptor(peer)
        except (ProtocolError, ValueError) as exc:
            logger.info("Descriptor of %s not refreshed: %s", peer.base_url, exc)
            return False
        peer.refresh_from_db()
        return peer.public_key != old_key and peer.status == PeerStatus.APPROVED
