"""Signed envelopes: Ed25519 over the RFC 8785 (JCS) canonical JSON of a document.

An envelope is ``{"document": {...}, "signature": {"alg": "ed25519", "key_id": .., "value": ..}}``.
A relay passes it on unchanged, so the receiver still verifies who wrote the document.
"""

import base64
import binascii
import hashlib

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from .schema import Envelope, ProtocolError

ALGORITHM = "ed25519"


def b64u_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    if not isinstance(text, str) or len(text) > 200:
        raise ValueError("not a base64url string")
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("not a base64url string") from exc


def canonical_json(value) -> bytes:
    """RFC 8785 canonical form: the bytes that are signed and verified."""
    return rfc8785.dumps(value)


def public_key_from_text(text: str) -> Ed25519PublicKey:
    try:
        raw = b64u_decode(text)
    except ValueError:
        raise ProtocolError("bad-key", "The public key is not base64url.") from None
    if len(raw) != 32:
        raise ProtocolError("bad-key", "An Ed25519 public key has 32 bytes.")
    return Ed25519PublicKey.from_public_bytes(raw)


def key_id_of(public_key_text: str) -> str:
    """Key id (lowercase hex SHA-256 of the raw bytes) of a base64url public key."""
    raw = b64u_decode(public_key_text)
    return hashlib.sha256(raw).hexdigest()


def sign_document(document: dict, identity=None) -> dict:
    """Wrap ``document`` in an envelope signed by ``identity`` (default: this instance)."""
    if identity is None:
        from .identity import current_identity

        identity = current_identity()
    signature = identity.sign(canonical_json(document))
    return {
        "document": document,
        "signature": {"alg": ALGORITHM, "key_id": identity.key_id, "value": b64u_encode(signature)},
    }


def envelope_parts(envelope) -> tuple[dict, dict]:
    """Check the envelope's shape; return (document, signature) or raise ProtocolError."""
    if not isinstance(envelope, dict) or set(envelope) != {"document", "signature"}:
        raise ProtocolError("bad-envelope", "Not a signed envelope (document and signature).")
    try:
        Envelope.model_validate(envelope)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        if first["loc"][:1] == ("signature",) and len(first["loc"]) > 1:
            raise ProtocolError(
                "bad-signature", f"The signature is malformed ({first['loc'][1]})."
            ) from None
        raise ProtocolError(
            "bad-envelope", "Document and signature must be JSON objects."
        ) from None
    return envelope["document"], envelope["signature"]


def verify_envelope(envelope, public_key_text: str) -> dict:
    """Return the envelope's document if it is signed by ``public_key_text``; else raise.

    The key is the one pinned for the author; the key id in the envelope must match it too.
    """
    document, signature = envelope_parts(envelope)
    public_key = public_key_from_text(public_key_text)
    if signature["key_id"] != key_id_of(public_key_text):
        raise ProtocolError(
            "wrong-key", "The document is signed with a key other than the pinned one."
        )
    try:
        value = b64u_decode(signature["value"])
    except ValueError:
        raise ProtocolError("bad-signature", "The signature is not base64url.") from None
    try:
        data = canonical_json(document)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, OverflowError):
        raise ProtocolError("bad-envelope", "The document cannot be canonicalised.") from None
    try:
        public_key.verify(value, data)
    except InvalidSignature:
        raise ProtocolError("bad-signature", "The signature does not match the document.") from None
    return document
