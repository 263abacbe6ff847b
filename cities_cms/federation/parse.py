"""The parse stage of the inbound path: the bytes of a feed page → its envelopes.

fetch → **parse** → verify → validate → apply (docs/federation.md §5). :func:`parse_json` is
the one strict JSON reader of the federation (also for descriptors, member lists and push
bodies); :func:`parse_feed_page` checks a page's frame against ``schema.FeedPage``. Each item
stays the JSON object it was: an item that is not a signed envelope is refused by the verify
stage on its own, so one bad envelope does not cost the others on the page.
"""

import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .schema import FeedPage, ProtocolError


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ProtocolError("bad-json", f"Duplicate key {key[:50]!r} in JSON.")
        result[key] = value
    return result


def _no_constant(name):
    raise ProtocolError("bad-json", f"{name} is not valid JSON.")


def parse_json(data: bytes):
    """Strict JSON: UTF-8, no duplicate keys, no NaN/Infinity, not nested absurdly deep."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except ProtocolError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError, TypeError) as exc:
        raise ProtocolError("bad-json", f"The response is not valid JSON: {exc}"[:300]) from None


@dataclass(frozen=True)
class ParsedPage:
    items: list  # the envelopes, each still unchecked JSON
    next: str  # the cursor after this page
    more: bool


def parse_feed_page(body: bytes, *, limit: int) -> ParsedPage:
    """The page of a feed answer asked with ``limit``; else ``ProtocolError`` (the run stops)."""
    data = parse_json(body)  # ProtocolError "bad-json"
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ProtocolError("bad-json", _("The feed is not a JSON object with a list of items."))
    # The page's frame only: each item is checked on its own (see the module doc).
    try:
        FeedPage.model_validate({**data, "items": []})
    except ValueError:
        raise ProtocolError(
            "bad-json", _("The feed's next cursor or more flag is invalid.")
        ) from None
    if len(data["items"]) > limit:
        raise ProtocolError("invalid", _("The feed sent more items than asked for."))
    return ParsedPage(data["items"], data["next"], data["more"])
