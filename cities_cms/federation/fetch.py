"""The one HTTP client of the federation: every request to a peer goes through :func:`fetch`.

What it guarantees (docs/federation.md §9), whatever the peer does:

- only ``http``/``https`` URLs; the host is resolved here and **every** address it resolves
  to is checked: loopback, private, link-local, multicast, reserved and unspecified addresses
  (IPv4-mapped IPv6 included) are refused unless ``allow_private`` (a peer marked local);
- the connection goes to the address that was checked (the URL is rewritten to the IP, the
  ``Host`` header, TLS SNI and certificate check keep the name), so a DNS answer that changes
  between the check and the connection (DNS rebinding) cannot reach an internal address;
- redirects are never followed automatically: at most 3, each checked like the first URL;
- the body is streamed and reading stops at ``max_bytes`` (a ``Content-Length`` over the limit
  is refused before reading); the whole response must arrive before one overall deadline, so a
  peer that dribbles bytes cannot hold a worker;
- errors become a ``ProtocolError`` with a short code ("bad-url", "private-address",
  "too-large", "timeout", "connection", "redirect"), never another exception.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import requests
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError as Urllib3HTTPError

from ..conf import settings
from .schema.errors import ProtocolError

MAX_REDIRECTS = 3
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
CHUNK = 16 * 1024
USER_AGENT = "cities-cms-federation/1"


@dataclass
class FetchResponse:
    status: int
    headers: dict = field(default_factory=dict)  # lowercased names
    body: bytes = b""
    url: str = ""

    def json(self):
        import json

        return json.loads(self.body)


def is_disallowed(address) -> bool:
    """True for addresses a public peer must never make us connect to."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address)
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None and is_disallowed(mapped):
            return True
        if address.teredo is not None:
            return True
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to, after checking every address the name resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ProtocolError("connection", f"Cannot resolve {host}: {exc}") from None
    addresses = []
    for info in infos:
        text = info[4][0].split("%", 1)[0]  # drop an IPv6 zone id
        try:
            addresses.append(ipaddress.ip_address(text))
        except ValueError:
            continue
    if not addresses:
        raise ProtocolError("connection", f"{host} has no address.")
    if not allow_private:
        for address in addresses:
            if is_disallowed(address):
                raise ProtocolError(
                    "private-address",
                    f"{host} resolves to {address}, a private or reserved address.",
                )
    return str(addresses[0])


class _PinnedAdapter(HTTPAdapter):
    """Connects to the checked IP while TLS still verifies the host name."""

    def __init__(self, hostname, **kwargs):
        self.hostname = hostname
        super().__init__(max_retries=0, **kwargs)

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        pool_kwargs["server_hostname"] = self.hostname
        pool_kwargs["assert_hostname"] = self.hostname
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)


def _check_url(url: str):
    if not isinstance(url, str) or len(url) > 2000:
        raise ProtocolError("bad-url", "Not a URL.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ProtocolError("bad-url", f"Not a valid URL: {url[:200]}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProtocolError("bad-url", f"Only http and https URLs are fetched: {url[:200]}")
    if parts.username or parts.password:
        raise ProtocolError("bad-url", "URLs with credentials are refused.")
    return parts, port or (443 if parts.scheme == "https" else 80)


def _one_request(url, *, allow_private, max_bytes, method, headers, data, connect, deadline):
    parts, port = _check_url(url)
    hostname = parts.hostname
    address = resolve(hostname, port, allow_private=allow_private)
    host_for_url = f"[{address}]" if ":" in address else address
    pinned_url = urlunsplit(
        (parts.scheme, f"{host_for_url}:{port}", parts.path or "/", parts.query, "")
    )
    default_port = 443 if parts.scheme == "https" else 80
    host_header = hostname if port == default_port else f"{hostname}:{port}"
    if ":" in hostname and not hostname.startswith("["):
        host_header = f"[{hostname}]" if port == default_port else f"[{hostname}]:{port}"
    request_headers = {
        "User-Agent": USER_AGENT,
        "Accept-Encoding": "identity",
        **(headers or {}),
        "Host": host_header,
    }
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ProtocolError("timeout", "The peer took too long to answer.")
    session = requests.Session()
    session.trust_env = False  # no proxies from the environment: we connect where we checked
    session.mount("https://", _PinnedAdapter(hostname))
    session.mount("http://", HTTPAdapter(max_retries=0))
    try:
        response = session.request(
            method,
            pinned_url,
            headers=request_headers,
            data=data,
            stream=True,
            allow_redirects=False,
            timeout=(min(connect, remaining), remaining),
        )
    except requests.exceptions.Timeout:
        session.close()
        raise ProtocolError("timeout", "The peer did not answer in time.") from None
    except (requests.exceptions.RequestException, Urllib3HTTPError, OSError) as exc:
        session.close()
        raise ProtocolError("connection", f"Cannot connect to {hostname}: {exc}") from None
    try:
        lowered = {name.lower(): value for name, value in response.headers.items()}
        if response.status_code in REDIRECT_STATUSES:
            return response.status_code, lowered, b""
        length = lowered.get("content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                raise ProtocolError(
                    "connection", "The peer sent an invalid Content-Length."
                ) from None
            if declared > max_bytes:
                raise ProtocolError(
                    "too-large",
                    f"The response is {declared} bytes, more than the limit of {max_bytes}.",
                )
        chunks, total = [], 0
        raw = response.raw
        while True:
            if time.monotonic() > deadline:
                raise ProtocolError("timeout", "The peer sent its answer too slowly.")
            try:
                chunk = raw.read1(CHUNK, decode_content=True)
            except (requests.exceptions.Timeout, TimeoutError):
                raise ProtocolError("timeout", "The peer sent its answer too slowly.") from None
            except (Urllib3HTTPError, OSError, requests.exceptions.RequestException) as exc:
                if "timed out" in str(exc).lower():
                    raise ProtocolError("timeout", "The peer sent its answer too slowly.") from None
                raise ProtocolError(
                    "connection", f"The connection broke while reading: {exc}"
                ) from None
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise ProtocolError(
                    "too-large", f"The response is larger than the limit of {max_bytes} bytes."
                )
            chunks.append(chunk)
        if length is not None and total != int(length):
            raise ProtocolError("connection", "The peer closed the connection before the end.")
        return response.status_code, lowered, b"".join(chunks)
    finally:
        response.close()
        session.close()


def fetch(
    url,
    *,
    allow_private=False,
    max_bytes,
    method="GET",
    headers=None,
    data=None,
    timeout=None,
) -> FetchResponse:
    """Make one request (following at most 3 checked redirects); see the module's docstring.

    ``timeout`` is the overall deadline in seconds for the whole exchange, redirects included
    (default ``CITIES_CMS_FEDERATION_READ_TIMEOUT``); connecting has its own, shorter limit
    (``CITIES_CMS_FEDERATION_CONNECT_TIMEOUT``).
    """
    total = float(timeout if timeout is not None else settings.CITIES_CMS_FEDERATION_READ_TIMEOUT)
    connect = float(settings.CITIES_CMS_FEDERATION_CONNECT_TIMEOUT)
    deadline = time.monotonic() + total
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        status, response_headers, body = _one_request(
            current,
            allow_private=allow_private,
            max_bytes=max_bytes,
            method=method,
            headers=headers,
            data=data,
            connect=connect,
            deadline=deadline,
        )
        if status not in REDIRECT_STATUSES:
            return FetchResponse(status, response_headers, body, current)
        location = response_headers.get("location")
        if not location:
            raise ProtocolError("redirect", "A redirect without a Location header.")
        current = urljoin(current, location)
        _check_url(current)
        if status == 303 or (status in (301, 302) and method == "POST"):
            method, data = "GET", None
    raise ProtocolError("redirect", f"More than {MAX_REDIRECTS} redirects.")


# --- the fetch stage of the inbound path: one page of a peer's feed --------------------------

FEED_PATH = "/federation/feed/"


def feed_url(peer, cursor, limit, *, address=None) -> str:
    """The feed page's URL: ``address`` (a hub's relay feed, relay.py) or the peer's feed."""
    query = urlencode({"after": cursor, "limit": limit})
    return (address or peer.base_url.rstrip("/") + FEED_PATH) + "?" + query


def stored_etag(cursor: str, etag: str) -> str:
    """What ``Peer.etag`` keeps: the ETag of the feed page after ``cursor`` ("" if unusable).
    The cursor travels with it because an ETag only describes the address it came with."""
    return f"{cursor} {etag}"[:200] if etag and len(etag) < 180 else ""


def fetch_feed_page(peer, cursor: str, limit: int, *, address=None) -> FetchResponse:
    """The feed page after ``cursor``: a 200 (body still unparsed) or a 304 when ``peer.etag``
    was stored for this very cursor and nothing changed; else ``ProtocolError``. ``address``:
    another feed of the peer with the same frame (a hub's relay feed)."""
    max_document = int(settings.CITIES_CMS_FEDERATION_MAX_DOCUMENT_BYTES)
    headers = {"Accept": "application/json"}
    etag_cursor, _sep, etag = (peer.etag or "").partition(" ")
    if etag and etag_cursor == cursor:
        headers["If-None-Match"] = etag
    response = fetch(
        feed_url(peer, cursor, limit, address=address),
        allow_private=peer.is_local,
        max_bytes=limit * max_document + 64 * 1024,
        headers=headers,
    )
    if response.status not in (200, 304):
        raise ProtocolError(
            "http-error",
            _("The feed answered HTTP %(status)s.") % {"status": response.status},
        )
    return response
