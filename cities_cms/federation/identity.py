"""This instance's Ed25519 identity: the key pair, its public form and its fingerprint.

The private key is a PKCS#8 PEM file at ``CITIES_CMS_FEDERATION_KEY_FILE`` (mode 0600),
created by ``manage.py cities_cms_setup``. It is never stored in the database, so database
dumps do not carry it, and the reference site keeps it under ``var/``, which git ignores.
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from ..conf import settings
from .signing import b64u_encode


def key_id_for(public_raw: bytes) -> str:
    """The key id (fingerprint): lowercase hex SHA-256 of the 32 raw public key bytes."""
    return hashlib.sha256(public_raw).hexdigest()


def format_fingerprint(key_id: str) -> str:
    """``3f2a9b01…`` as ``3f2a 9b01 …``: easier to read aloud and compare."""
    return " ".join(key_id[i : i + 4] for i in range(0, len(key_id), 4))


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Identity:
    private_key: Ed25519PrivateKey
    public_raw: bytes

    @property
    def public_key(self) -> str:
        """The public key as it travels: base64url of the raw bytes, no padding."""
        return b64u_encode(self.public_raw)

    @property
    def key_id(self) -> str:
        return key_id_for(self.public_raw)

    @property
    def fingerprint(self) -> str:
        return format_fingerprint(self.key_id)

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)


def key_path() -> Path:
    path = settings.CITIES_CMS_FEDERATION_KEY_FILE
    if not path:
        raise ImproperlyConfigured(
            _("CITIES_CMS_FEDERATION_KEY_FILE is not set: federation needs a key file path.")
        )
    return Path(path)


def write_private_key(path: Path, private_key: Ed25519PrivateKey) -> None:
    """Write a PEM file readable by its owner only (created with mode 0600, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.replace(tmp, path)


def ensure_key() -> bool:
    """Create the key file if it does not exist. Returns True when it was created."""
    path = key_path()
    if path.exists():
        return False
    write_private_key(path, Ed25519PrivateKey.generate())
    _cache.clear()
    return True


_cache: dict = {}


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise ImproperlyConfigured(
            _("The federation key file %(path)s does not exist: run manage.py cities_cms_setup.")
            % {"path": path}
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(
            _("The federation key file %(path)s does not hold an Ed25519 key.") % {"path": path}
        )
    return key


def current_identity() -> Identity:
    """The instance's identity, re-read when the key file changes (rotation)."""
    path = key_path()
    try:
        stamp = (str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        stamp = None
    cached = _cache.get("identity")
    if cached and stamp and cached[0] == stamp:
        return cached[1]
    private_key = load_private_key(path)
    identity = Identity(private_key, raw_public_key(private_key.public_key()))
    if stamp:
        _cache["identity"] = (stamp, identity)
    return identity


# --- rotation -------------------------------------------------------------------------------

RETIRED_MARK = ".retired-"
HANDOVER_SUFFIX = ".handover.json"


@dataclass(frozen=True)
class RetiredKey:
    public_key: str
    key_id: str
    handover: dict | None
    path: Path


def retired_key_path(path: Path, key_id: str) -> Path:
    return path.with_name(f"{path.name}{RETIRED_MARK}{key_id}")


def handover_path(retired: Path) -> Path:
    return retired.with_name(retired.name + HANDOVER_SUFFIX)


def retired_keys() -> list[RetiredKey]:
    """Keys this instance used before, newest first, each with its signed handover.

    The private keys stay on disk beside the current one (``<file>.retired-<key id>``) and
    are never served; the descriptor lists their public halves (docs/federation.md §1).
    """
    import json

    path = key_path()
    found = []
    for candidate in path.parent.glob(path.name + RETIRED_MARK + "*"):
        if candidate.name.endswith((HANDOVER_SUFFIX, ".tmp")):
            continue
        try:
            private_key = load_private_key(candidate)
        except ImproperlyConfigured:
            continue
        public_raw = raw_public_key(private_key.public_key())
        try:
            handover = json.loads(handover_path(candidate).read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            handover = None
        found.append(
            (
                candidate.stat().st_mtime_ns,
                RetiredKey(b64u_encode(public_raw), key_id_for(public_raw), handover, candidate),
            )
        )
    found.sort(key=lambda item: item[0], reverse=True)
    return [key for _stamp, key in found]


def handover_document(old: Identity, new: Identity, at: str) -> dict:
    return {
        "type": "key-handover",
        "old_key_id": old.key_id,
        "new_key_id": new.key_id,
        "new_public_key": new.public_key,
        "at": at,
    }


def rotate_key() -> tuple[Identity, Identity, dict]:
    """Make a new current key; keep the old one as retired, with the handover it signed.

    Returns (old identity, new identity, handover envelope). The order of the file operations
    keeps a usable current key on disk at every moment.
    """
    import datetime
    import json

    from django.utils import timezone

    from .signing import sign_document

    path = key_path()
    old = current_identity()
    new_private = Ed25519PrivateKey.generate()
    new = Identity(new_private, raw_public_key(new_private.public_key()))
    at = timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    envelope = sign_document(handover_document(old, new, at), old)

    retired = retired_key_path(path, old.key_id)
    write_private_key(retired, old.private_key)
    fd = os.open(handover_path(retired), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(envelope, handle)
    write_private_key(path, new_private)
    _cache.clear()
    return old, new, envelope
