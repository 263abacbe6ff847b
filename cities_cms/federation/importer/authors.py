"""Who wrote a document: the envelope's size and signature against the pinned key of the
approved peer at ``origin.base_url`` (docs/federation.md §7), whoever served it.
"""

from django.core.exceptions import ImproperlyConfigured
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ...conf import settings
from ..models import Peer, PeerStatus
from ..schema import ProtocolError
from ..signing import canonical_json, envelope_parts, verify_envelope
from ..validate import normalise_base_url

# --- authors --------------------------------------------------------------------------------


def pinned_key_for_author(origin_base_url, key_id=None) -> Peer | None:
    """The approved peer whose address is ``origin_base_url`` (and whose pinned key has
    ``key_id``, when given): the only key a document by that author may be signed with."""
    from ..signing import key_id_of

    if not isinstance(origin_base_url, str):
        return None
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
    from ..identity import current_identity
    from ..outbound import base_url

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


def verify(envelope, *, own=None) -> tuple[Peer, dict, str]:
    """(author peer, document, global id) of a correctly signed envelope; else ProtocolError.

    ``own``: this instance's (base_url, key id), when the caller already knows it.
    """
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
    origin = document.get("origin")
    base_url = origin.get("base_url") if isinstance(origin, dict) else None
    if not isinstance(base_url, str):
        raise ProtocolError("invalid", _("The document names no origin."), global_id=global_id)
    own_url, own_key = own or own_identity()
    if normalise_base_url(base_url) == own_url or (own_key and signature["key_id"] == own_key):
        raise ProtocolError(
            "own-document", _("The document was written by this site itself."), global_id=global_id
        )
    author = pinned_key_for_author(base_url)
    if author is None:
        raise ProtocolError(
            "unknown-author",
            _("The document's author %(url)s is not an approved peer.") % {"url": base_url[:200]},
            global_id=global_id,
        )
    try:
        verify_envelope(envelope, author.public_key)
    except ProtocolError as exc:
        raise ProtocolError(exc.code, exc.message, global_id=global_id) from None
    return author, document, global_id
