"""Push notifications (docs/federation.md §6): "something changed, come and pull".

Sending: when the outbound feed changes (``signals.outbound_changed``) every approved peer is
marked ``push_pending`` and a task sends each one a small JSON body, signed as an RFC 9421
HTTP message signature (Ed25519, covering method, target URI and the RFC 9530
Content-Digest, with created/expires and a single-use nonce). A failed notification is
retried with exponential back-off (1 min, 2, 4 ... capped at 6 h) by ``push_due``: the
periodic schedule queues ``push_task`` every minute (``manage.py cities_cms_periodic``), and
``manage.py cities_cms_push`` and ``cities_cms_sync`` run it too. Nothing is sent inside the
request that published: the task is queued when the publication commits.

Receiving: ``inbox`` (``POST /federation/inbox/``) checks the size, the signature against
the pinned key of an approved peer (by ``keyid``), the validity window, the digest and the
nonce, then only queues a pull of that peer for the task worker and answers 202 at once.
The body is never content.
"""

import datetime
import json
import logging
import re
import secrets
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tasks import task
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)

from ..conf import settings
from ..tasks import enqueue_on_commit, prompt
from .identity import current_identity
from .models import Peer, PeerEvent, PeerStatus, SeenNonce
from .peers import INBOX_PATH, log, own_base_url
from .schema import PROTOCOL, ProtocolError, PushNotification
from .signing import canonical_json, key_id_of, public_key_from_text

logger = logging.getLogger(__name__)

MAX_INBOX_BYTES = 4096
COVERED = ("@method", "@target-uri", "content-digest")
FIRST_RETRY = datetime.timedelta(minutes=1)
MAX_RETRY = datetime.timedelta(hours=6)


# --- Sending -------------------------------------------------------------------------------


@dataclass
class _Message:
    """The request as http_message_signatures sees it (method, absolute URL, headers)."""

    method: str
    url: str
    headers: dict = field(default_factory=dict)


class _OwnKey(HTTPSignatureKeyResolver):
    def __init__(self, identity):
        self.identity = identity

    def resolve_private_key(self, key_id):
        return self.identity.private_key

    def resolve_public_key(self, key_id):  # pragma: no cover - signing only
        return self.identity.private_key.public_key()


def signed_notification(inbox_url, body: bytes, *, identity=None, now=None, nonce=None):
    """Headers (dict) of a signed POST of ``body`` to ``inbox_url``."""
    identity = identity or current_identity()
    now = now or timezone.now()
    window = datetime.timedelta(seconds=settings.CITIES_CMS_FEDERATION_PUSH_WINDOW)
    message = _Message("POST", inbox_url, {"Content-Type": "application/json"})
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_OwnKey(identity)).sign(
        message,
        key_id=identity.key_id,
        created=now,
        expires=now + window,
        nonce=nonce or secrets.token_urlsafe(16),  # 128 bits
        label="cities-cms",
        covered_component_ids=COVERED,
        body=body,
    )
    return message.headers


def notification_body(sequence=None) -> bytes:
    if sequence is None:
        from .models import OutboundRecord

        last = OutboundRecord.objects.order_by("-sequence").values_list("sequence", flat=True)
        sequence = last.first() or 0
    return canonical_json(
        {"protocol": PROTOCOL, "type": "changed", "base_url": own_base_url(), "sequence": sequence}
    )


def retry_delay(failures: int) -> datetime.timedelta:
    """1 min after the first failure, then 2, 4 ... at most 6 h."""
    delay = FIRST_RETRY * (2 ** min(max(failures - 1, 0), 20))
    return min(delay, MAX_RETRY)


def send_notification(peer: Peer, *, sequence=None) -> bool:
    """Send one notification to ``peer``'s inbox; record success or failure on the peer."""
    from .fetch import fetch

    url = peer.base_url + INBOX_PATH
    body = notification_body(sequence)
    error = None
    try:
        headers = signed_notification(url, body)
        response = fetch(
            url,
            allow_private=peer.is_local,
            max_bytes=MAX_INBOX_BYTES,
            method="POST",
            headers=headers,
            data=body,
            timeout=settings.CITIES_CMS_FEDERATION_CONNECT_TIMEOUT * 2,
        )
        if response.status not in (200, 202, 204):
            error = _("The inbox answered HTTP %(status)s.") % {"status": response.status}
    except ProtocolError as exc:
        error = _("The notification could not be delivered: %(reason)s") % {"reason": exc}
    except Exception as exc:  # a notification must never break what sent it
        logger.exception("Push to %s failed", peer.base_url)
        error = _("The notification could not be sent: %(reason)s") % {"reason": exc}
    now = timezone.now()
    if error is None:
        Peer.objects.filter(pk=peer.pk).update(
            push_pending=False, push_failures=0, next_push_at=None
        )
        peer.push_pending, peer.push_failures, peer.next_push_at = False, 0, None
        return True
    peer.push_failures += 1
    peer.next_push_at = now + retry_delay(peer.push_failures)
    Peer.objects.filter(pk=peer.pk).update(
        push_failures=peer.push_failures, next_push_at=peer.next_push_at
    )
    log(peer, "push-failed", error, level=PeerEvent.Level.WARNING)
    return False


def push_due(*, now=None, force=False) -> dict:
    """Send the pending notifications whose time has come (all pending ones with ``force``)."""
    now = now or timezone.now()
    peers = Peer.objects.filter(status=PeerStatus.APPROVED, push_pending=True)
    if not force:
        peers = peers.exclude(next_push_at__gt=now)
    sent = failed = 0
    for peer in peers.order_by("pk"):
        if send_notification(peer):
            sent += 1
        else:
            failed += 1
    return {"sent": sent, "failed": failed}


@task()
def push_task():
    """Send due push notifications (enqueued when the outbound feed changes)."""
    return push_due()


def on_outbound_changed(sender=None, **kwargs):
    """Mark every approved peer as waiting for a notification, and send them."""
    updated = Peer.objects.filter(status=PeerStatus.APPROVED).update(
        push_pending=True, next_push_at=timezone.now()
    )
    if updated:
        try:
            enqueue_on_commit(prompt(push_task))
        except Exception:  # the periodic retry (push_due) will send it
            logger.exception("Could not enqueue the push task")


# --- Receiving -----------------------------------------------------------------------------


class _PeerKeys(HTTPSignatureKeyResolver):
    """Resolve a ``keyid`` to the pinned key of a peer; remembers which peer it was."""

    def __init__(self):
        self.peer = None
        self.unapproved = None

    def resolve_private_key(self, key_id):  # pragma: no cover - verifying only
        raise HTTPMessageSignaturesException("not a signing resolver")

    def resolve_public_key(self, key_id):
        for peer in Peer.objects.exclude(public_key=""):
            if _key_id(peer.public_key) == key_id:
                if peer.status != PeerStatus.APPROVED:
                    self.unapproved = peer
                    return None
                self.peer = peer
                return public_key_from_text(peer.public_key)
        self.unapproved = next(
            (
                peer
                for peer in Peer.objects.exclude(offered_public_key="")
                if _key_id(peer.offered_public_key) == key_id
            ),
            None,
        )
        return None


def _key_id(public_key):
    try:
        return key_id_of(public_key)
    except ValueError:
        return None


_KEYID = re.compile(r'keyid="([0-9a-f]{64})"')


def _header(headers, name):
    return next((str(v) for k, v in headers.items() if k.lower() == name), "")[:2000]


def verify_notification(method, url, headers, body) -> tuple[Peer, dict]:
    """Check a notification's signature, window, digest and nonce; return (peer, params).

    Raises ``ProtocolError`` (``status`` 401). The nonce is recorded, so the same
    notification passes once.
    """
    window = datetime.timedelta(seconds=settings.CITIES_CMS_FEDERATION_PUSH_WINDOW)
    keys = _PeerKeys()
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=keys)
    verifier.max_clock_skew = window  # docs §6: ±window of clock skew
    try:
        results = verifier.verify(
            _Message(method, url, headers), max_age=window, require_components=COVERED, body=body
        )
    except HTTPMessageSignaturesException as exc:
        if keys.peer is None and keys.unapproved is None:
            # Refused before the key was looked up (e.g. expired): find whose it claims to be.
            claimed = _KEYID.search(_header(headers, "signature-input"))
            if claimed:
                keys.resolve_public_key(claimed.group(1))
        if keys.peer is None and keys.unapproved is not None:
            raise ProtocolError(
                "unapproved",
                _("The signing key is not approved on this site."),
                status=401,
                peer=keys.unapproved,
            ) from None
        if keys.peer is None:
            raise ProtocolError(
                "unknown-key", _("The signing key is not a known peer's."), status=401
            ) from None
        raise ProtocolError(
            "bad-signature",
            _("Invalid signature: %(reason)s") % {"reason": str(exc)[:200]},
            status=401,
            peer=keys.peer,
        ) from None
    peer = keys.peer
    params = results[0].parameters
    created, expires, nonce = params.get("created"), params.get("expires"), params.get("nonce")
    if expires is None or not isinstance(nonce, str):
        raise ProtocolError(
            "bad-signature", _("The signature has no expiry or nonce."), status=401, peer=peer
        )
    if expires - created > window.total_seconds():
        raise ProtocolError(
            "bad-signature", _("The signature is valid for too long."), status=401, peer=peer
        )
    if not 8 <= len(nonce) <= 200:
        raise ProtocolError(
            "bad-signature", _("The nonce is too short or too long."), status=401, peer=peer
        )

    now = timezone.now()
    SeenNonce.objects.filter(expires_at__lt=now).delete()
    # Kept until the signature could no longer pass the window check anyway.
    keep_until = (
        datetime.datetime.fromtimestamp(
            max(expires, created + window.total_seconds()), tz=datetime.UTC
        )
        + window
    )
    try:
        with transaction.atomic():
            SeenNonce.objects.create(
                key_id=str(params["keyid"])[:100], nonce=nonce, expires_at=keep_until
            )
    except IntegrityError:
        raise ProtocolError(
            "replay",
            _("This notification was already received (replay)."),
            status=401,
            peer=peer,
        ) from None
    return peer, params


def _refuse(status, code, message, peer=None):
    if peer is not None:
        log(peer, code, message, level=PeerEvent.Level.WARNING)
    logger.warning("Inbox refused a notification (%s): %s", code, message)
    return ProtocolError(code, message).response(status)


def schedule_pull(peer: Peer):
    """Queue a sync of ``peer`` for the task worker (once the current transaction commits)."""
    from .tasks import sync_peer_task

    enqueue_on_commit(prompt(sync_peer_task), peer.pk)


@csrf_exempt
@require_POST
def inbox(request):
    """``POST /federation/inbox/``: a signed "changed" notification schedules a pull."""
    length = request.META.get("CONTENT_LENGTH") or ""
    if not length.isdigit():
        return _refuse(411, "length-required", _("A notification needs a Content-Length."))
    if int(length) > MAX_INBOX_BYTES:
        return _refuse(413, "too-large", _("A notification is at most 4 KB."))
    body = request.read(MAX_INBOX_BYTES + 1)
    if len(body) > MAX_INBOX_BYTES:
        return _refuse(413, "too-large", _("A notification is at most 4 KB."))
    headers = dict(request.headers.items())
    try:
        peer, _params = verify_notification(
            request.method, request.build_absolute_uri(), headers, body
        )
    except ProtocolError as refusal:
        return _refuse(refusal.status, refusal.code, refusal.message, refusal.peer)
    try:
        PushNotification.model_validate(json.loads(body))
    except (ValueError, UnicodeDecodeError):  # pydantic's ValidationError is a ValueError
        return _refuse(400, "invalid", _("Not a change notification."), peer)
    schedule_pull(peer)
    return JsonResponse({"status": "scheduled"}, status=202)
