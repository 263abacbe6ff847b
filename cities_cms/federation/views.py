"""Public federation endpoints of the outbound side: the descriptor, the feed, the schema
(a hub's relay feed, relay.py, answers through :func:`feed_response`).

They answer JSON without a language prefix (docs/federation.md §3, §5). Every input is
checked: a bad cursor or limit gets a 400 with a JSON error, never a 500. They take no
cookies and change nothing, so CSRF does not apply: any method but GET and HEAD is answered
405 with a JSON error (not Django's CSRF page).
"""

import functools
import hashlib
import json

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from wagtail.models import Locale, Site

from ..conf import settings
from . import identity, outbound
from .models import OutboundRecord
from .schema import PROTOCOL, ProtocolError
from .schema.jsonschema import published
from .signing import sign_document

MAX_LIMIT = 500
# Largest cursor accepted: sequences are PositiveBigIntegerField (signed 64-bit in PostgreSQL).
MAX_CURSOR = 2**63 - 1


def json_error(status, code, message):
    return ProtocolError(code, message).response(status)


def public_get(view):
    """GET and HEAD only, without CSRF (nothing changes; no cookies are read)."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = json_error(
                405,
                "method-not-allowed",
                _("Only GET and HEAD are answered here."),
            )
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _etag_matches(request, etag):
    header = request.headers.get("If-None-Match", "")
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in candidates or "*" in candidates


def instance_name():
    if settings.CITIES_CMS_FEDERATION_NAME:
        return str(settings.CITIES_CMS_FEDERATION_NAME)
    site = Site.objects.filter(is_default_site=True).first()
    return (site.site_name or site.hostname) if site else ""


def descriptor_document() -> dict:
    current = identity.current_identity()
    base = outbound.base_url()
    return {
        "protocol": PROTOCOL,
        "type": "descriptor",
        "base_url": base,
        "name": instance_name(),
        "city": outbound.instance_city(),
        "public_key": current.public_key,
        "key_id": current.key_id,
        "previous_keys": [
            {"public_key": key.public_key, "key_id": key.key_id, "handover": key.handover}
            for key in identity.retired_keys()
        ],
        "languages": list(Locale.objects.order_by("pk").values_list("language_code", flat=True)),
        "feed_url": f"{base}/federation/feed/",
        "inbox_url": f"{base}/federation/inbox/",
        "schema_url": f"{base}/federation/schema.json",
        "member_list_url": (
            f"{base}/federation/members/"
            if settings.CITIES_CMS_FEDERATION_PUBLISH_MEMBER_LIST
            else None
        ),
        "relay_url": f"{base}/federation/relay/" if settings.CITIES_CMS_FEDERATION_RELAY else None,
        "max_document_bytes": int(settings.CITIES_CMS_FEDERATION_MAX_DOCUMENT_BYTES),
    }


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@public_get
def descriptor(request):
    """``/.well-known/cities-cms.json``: who this instance is, signed by its own key."""
    try:
        document = descriptor_document()
    except Exception as exc:  # no key file yet: say so instead of a 500
        from django.core.exceptions import ImproperlyConfigured

        if not isinstance(exc, ImproperlyConfigured):
            raise
        return json_error(503, "no-key", _("This site has no federation key yet."))
    # The ETag covers the content, not the signature's bytes, so it is stable between requests.
    etag = '"' + hashlib.sha256(_json_bytes(document)).hexdigest()[:32] + '"'
    if _etag_matches(request, etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(
            _json_bytes(sign_document(document)), content_type="application/json"
        )
    response["ETag"] = etag
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=300)
    return response


def _parse_int(value, name, *, minimum, maximum, default):
    if value is None or value == "":
        return default, None
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        return None, json_error(
            400,
            f"bad-{name}",
            _("%(name)s must be a whole number from %(min)s to %(max)s.")
            % {"name": name, "min": minimum, "max": maximum},
        )
    number = int(value)
    if not minimum <= number <= maximum:
        return None, json_error(
            400,
            f"bad-{name}",
            _("%(name)s must be a whole number from %(min)s to %(max)s.")
            % {"name": name, "min": minimum, "max": maximum},
        )
    return number, None


def feed_response(request, rows_after, *, salt=""):
    """A feed page (§5; the relay feed, §7, too): ``rows_after(after, limit + 1)`` gives
    (sequence, envelope) pairs after the cursor in sequence order; ``salt`` keeps the ETags of
    two feeds of one instance apart."""
    after, error = _parse_int(
        request.GET.get("after"), "after", minimum=0, maximum=MAX_CURSOR, default=0
    )
    if error:
        return error
    limit, error = _parse_int(
        request.GET.get("limit"),
        "limit",
        minimum=1,
        maximum=MAX_LIMIT,
        default=min(int(settings.CITIES_CMS_FEDERATION_FEED_PAGE_SIZE), MAX_LIMIT),
    )
    if error:
        return error
    rows = rows_after(after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = str(rows[-1][0]) if rows else str(after)
    # The same cursor and limit serve the same items until one of them changes, and any change
    # gives the changed record a new (higher) sequence: the sequences identify the response.
    fingerprint = f"{salt}{after}|{limit}|{more}|" + ",".join(str(seq) for seq, _env in rows)
    etag = '"' + hashlib.sha256(fingerprint.encode()).hexdigest()[:32] + '"'
    if _etag_matches(request, etag):
        response = HttpResponseNotModified()
    else:
        body = {
            "protocol": PROTOCOL,
            "items": [envelope for _seq, envelope in rows],
            "next": next_cursor,
            "more": more,
        }
        response = HttpResponse(_json_bytes(body), content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, no_cache=True)
    return response


def own_rows_after(after, count):
    return list(
        OutboundRecord.objects.filter(sequence__gt=after)
        .order_by("sequence")
        .values_list("sequence", "envelope")[:count]
    )


@public_get
def feed(request):
    """``/federation/feed/?after=<cursor>&limit=<n>``: the latest envelope of each changed id."""
    return feed_response(request, own_rows_after)


@public_get
def schema(request):
    """``/federation/schema.json``: the protocol as JSON Schema, the same on every instance of
    this version (the committed file generated from ``schema/``)."""
    body = published().encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    response = (
        HttpResponseNotModified()
        if _etag_matches(request, etag)
        else HttpResponse(body, content_type="application/schema+json")
    )
    response["ETag"] = etag
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=86400)
    return response
