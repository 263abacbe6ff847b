"""Signed member lists (docs/federation.md §8): trust one coordinator instead of every city.

A coordinator (``CITIES_CMS_FEDERATION_PUBLISH_MEMBER_LIST``) serves ``GET
/federation/members/``: its approved peers and itself, signed with its key. An instance that
marked an approved peer "trust its member list" (``Peer.publishes_member_list``) fetches that
list on every sync (``sync_member_list``), verifies it against the coordinator's pinned key,
approves the listed instances with the listed keys (``approved_via``) and pauses those that
left the list. A list older than the last one applied is refused, so a relay cannot bring
back an instance that left. Peers a person approved by hand are never changed by a list.
A relaying coordinator's list names its relay feed (``relay_url``, relay.py): it is kept on
the coordinator's ``Peer``, and its members are then pulled through it.
"""

import json
import logging
import time

from django.db import transaction
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from pydantic import ValidationError

from ..conf import settings
from .identity import current_identity
from .models import Peer, PeerEvent, PeerStatus
from .peers import (
    _fetch,
    approve,
    log,
    normalise_base_url,
    own_base_url,
    pause,
)
from .schema import PROTOCOL, MemberList, ProtocolError
from .signing import (
    key_id_of,
    public_key_from_text,
    sign_document,
    verify_envelope,
)
from .views import public_get

logger = logging.getLogger(__name__)

MEMBERS_PATH = "/federation/members/"
MAX_MEMBER_LIST_BYTES = 1024 * 1024


# --- Serving (coordinator) -----------------------------------------------------------------


def _member(base_url, public_key, name, city_name):
    return {
        "base_url": base_url,
        "key_id": key_id_of(public_key),
        "public_key": public_key,
        "name": name,
        "city": {"name": city_name} if city_name else None,
    }


def member_list_document(*, version=None) -> dict:
    from .outbound import instance_city
    from .views import instance_name

    own = current_identity()
    city = instance_city()
    members = [
        {
            "base_url": own_base_url(),
            "key_id": own.key_id,
            "public_key": own.public_key,
            "name": instance_name(),
            "city": city,
        }
    ]
    for peer in Peer.objects.filter(status=PeerStatus.APPROVED).exclude(public_key=""):
        members.append(_member(peer.base_url, peer.public_key, peer.name, peer.city_name))
    from .relay import RELAY_PATH, relaying

    return {
        "protocol": PROTOCOL,
        "type": "member-list",
        "relay_url": own_base_url() + RELAY_PATH if relaying() else None,
        # Milliseconds since the epoch: grows with every list issued, so receivers can
        # refuse an older one.
        "version": version if version is not None else int(time.time() * 1000),
        "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "members": members,
    }


@public_get
def member_list(request):
    """``GET /federation/members/`` on a coordinator; 404 elsewhere."""
    if not settings.CITIES_CMS_FEDERATION_PUBLISH_MEMBER_LIST:
        raise Http404
    response = JsonResponse(
        sign_document(member_list_document()), json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-store"
    return response


# --- Trusting (any instance) ---------------------------------------------------------------


def parse_member_list(envelope, coordinator: Peer) -> dict:
    """Verify against the coordinator's pinned key and check the shape; return the document."""
    try:
        document = verify_envelope(envelope, coordinator.public_key)
    except ProtocolError as exc:
        raise ProtocolError(
            "bad-signature" if exc.code != "wrong-key" else "wrong-key",
            _("The member list is not signed by the pinned key: %(reason)s")
            % {"reason": exc.message},
        ) from None
    try:
        MemberList.model_validate(document)
    except ValidationError:
        raise ProtocolError("invalid", _("Not a valid member list.")) from None
    from .relay import relay_url_of

    try:
        relay_url = relay_url_of(document, coordinator.base_url)
    except ValueError:
        raise ProtocolError(
            "invalid", _("The member list names a relay feed on another address.")
        ) from None
    version, cleaned = document["version"], []
    for member in document["members"]:
        try:
            base_url = normalise_base_url(member["base_url"])
            public_key = member["public_key"]
            if not isinstance(public_key, str) or member.get("key_id") != key_id_of(public_key):
                raise ValueError
            public_key_from_text(public_key)
        except (KeyError, TypeError, ValueError, ProtocolError):
            raise ProtocolError("invalid", _("The member list has an invalid entry.")) from None
        city = member.get("city")
        cleaned.append(
            {
                "base_url": base_url,
                "public_key": public_key,
                "name": str(member.get("name") or "")[:200],
                "city_name": str(city.get("name") or "")[:200] if isinstance(city, dict) else "",
            }
        )
    return {"version": version, "members": cleaned, "relay_url": relay_url}


def fetch_member_list(coordinator: Peer) -> dict:
    response = _fetch(
        coordinator.base_url + MEMBERS_PATH,
        allow_private=coordinator.is_local,
        max_bytes=MAX_MEMBER_LIST_BYTES,
    )
    if response.status != 200:
        raise ProtocolError(
            "http-error",
            _("The member list answered HTTP %(status)s.") % {"status": response.status},
        )
    try:
        envelope = json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError("bad-json", _("The member list is not JSON.")) from None
    return parse_member_list(envelope, coordinator)


@transaction.atomic
def apply_member_list(coordinator: Peer, parsed: dict) -> dict:
    """Approve listed instances, pause those that left. Returns counts."""
    counts = {"approved": 0, "rekeyed": 0, "paused": 0, "unchanged": 0}
    coordinator = Peer.objects.select_for_update().get(pk=coordinator.pk)
    if parsed["version"] < coordinator.member_list_version:
        raise ProtocolError(
            "old-version", _("The member list is older than the one already applied.")
        )
    if parsed["version"] == coordinator.member_list_version:
        return counts
    _follow_relay(coordinator, parsed.get("relay_url", ""))
    own_key = current_identity().public_key
    listed = set()
    # One query for the whole list: a coordinator issues a new version on every request, so
    # a network's periodic pull applies an unchanged list of a hundred members every time.
    known = {
        peer.base_url: peer
        for peer in Peer.objects.filter(base_url__in=[m["base_url"] for m in parsed["members"]])
    }
    for member in parsed["members"]:
        if member["public_key"] == own_key or member["base_url"] == coordinator.base_url:
            continue
        listed.add(member["base_url"])
        peer = known.get(member["base_url"])
        if peer is None:
            peer = Peer.objects.create(
                base_url=member["base_url"],
                name=member["name"],
                city_name=member["city_name"],
                # Members of a hub on this network are on it too (tests, a local demo).
                is_local=coordinator.is_local,
                offered_public_key=member["public_key"],
            )
            approve(peer, via=coordinator)
            known[peer.base_url] = peer  # listed twice: the second entry finds it
            counts["approved"] += 1
            continue
        by_hand = peer.public_key and peer.approved_via_id != coordinator.pk
        if by_hand and peer.status != PeerStatus.PENDING:
            if peer.public_key != member["public_key"]:
                log(
                    peer,
                    "member-list-key",
                    _(
                        "The member list of %(peer)s gives this instance another key; the key "
                        "approved here is kept."
                    )
                    % {"peer": coordinator},
                    level=PeerEvent.Level.WARNING,
                )
            counts["unchanged"] += 1
            continue
        if peer.status == PeerStatus.APPROVED and peer.public_key == member["public_key"]:
            counts["unchanged"] += 1
            continue
        rekeyed = bool(peer.public_key) and peer.public_key != member["public_key"]
        peer.offered_public_key = member["public_key"]
        approve(peer, via=coordinator)
        counts["rekeyed" if rekeyed else "approved"] += 1
    left = Peer.objects.filter(approved_via=coordinator, status=PeerStatus.APPROVED).exclude(
        base_url__in=listed
    )
    for peer in left:
        pause(
            peer,
            reason=_("Paused: no longer on the member list of %(peer)s.") % {"peer": coordinator},
        )
        counts["paused"] += 1
    coordinator.member_list_version = parsed["version"]
    coordinator.save(update_fields=["member_list_version"])
    if counts["approved"] or counts["rekeyed"] or counts["paused"]:  # else nothing to tell
        log(
            coordinator,
            "member-list",
            _("Member list version %(version)s applied: %(approved)s approved, %(paused)s paused.")
            % {"version": parsed["version"], **counts},
        )
    return counts


def _follow_relay(coordinator: Peer, relay_url: str):
    """Keep the relay address the list names. Starting to use a relay starts its feed from
    the beginning: the members' documents under the plain feed's cursor were never read."""
    if relay_url == coordinator.relay_url:
        return
    coordinator.relay_url = relay_url
    fields = ["relay_url"]
    if relay_url:
        coordinator.cursor, coordinator.etag = "", ""
        fields += ["cursor", "etag"]
        message = _("Its members' documents are pulled through its relay feed %(url)s.") % {
            "url": relay_url
        }
    else:
        message = _("It no longer relays: its members are pulled one by one again.")
    coordinator.save(update_fields=fields)
    log(coordinator, "relay", message)


def sync_member_list(coordinator: Peer) -> dict | None:
    """Fetch, verify and apply a trusted coordinator's member list; log refusals on it."""
    if not coordinator.publishes_member_list or coordinator.status != PeerStatus.APPROVED:
        return None
    try:
        return apply_member_list(coordinator, fetch_member_list(coordinator))
    except ProtocolError as exc:
        log(coordinator, exc.code, exc.message, level=PeerEvent.Level.ERROR)
        logger.warning("Member list of %s refused: %s", coordinator.base_url, exc.message)
        return None


def sync_member_lists() -> dict:
    """Apply the member list of every trusted coordinator (``cities_cms_sync`` calls it)."""
    results = {}
    for coordinator in Peer.objects.filter(publishes_member_list=True, status=PeerStatus.APPROVED):
        results[coordinator.base_url] = sync_member_list(coordinator)
    return results
