"""The safe HTTP client, against real servers on 127.0.0.1 (no request leaves the machine)."""

import socket
import time

import pytest
from django.test import override_settings

from cities_cms.federation import fetch as fetch_module
from cities_cms.federation.fetch import fetch, is_disallowed
from cities_cms.federation.schema import ProtocolError

from .factories import FeedServer, close_mid_body, dribble


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "0.0.0.0",  # noqa: S104 - an address to refuse, not to bind
        "224.0.0.1",
        "240.0.0.1",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:0001::1",  # 6to4 of 127.0.0.1
        "ff02::1",
        "::",
    ],
)
def test_disallowed_addresses(address):
    assert is_disallowed(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2a00:1450:4001:80b::200e", "8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert not is_disallowed(address)


def test_fetches_from_a_local_peer(server):
    server.routes["/hello"] = (
        200,
        b'{"ok": true}',
        {"Content-Type": "application/json", "X-A": "b"},
    )
    response = fetch(server.base_url + "/hello", allow_private=True, max_bytes=100)
    assert response.status == 200 and response.json() == {"ok": True}
    assert response.headers["x-a"] == "b"
    method, path, headers = server.requests[-1]
    assert (method, path) == ("GET", "/hello")
    assert headers["Host"] == server.base_url.removeprefix("http://")


def test_loopback_is_refused_unless_the_peer_is_local(server):
    server.routes["/hello"] = (200, b"{}", {})
    with pytest.raises(ProtocolError) as caught:
        fetch(server.base_url + "/hello", max_bytes=100)
    assert caught.value.code == "private-address"
    assert server.requests == []  # refused before connecting


def test_a_name_resolving_to_a_private_address_is_refused(server, monkeypatch):
    """The name is resolved by fetch itself; every address it returns is checked."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "partner.example":
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    port = server.base_url.rsplit(":", 1)[1]
    with pytest.raises(ProtocolError) as caught:
        fetch(f"http://partner.example:{port}/x", max_bytes=100)
    assert caught.value.code == "private-address"
    assert server.requests == []


def test_connects_to_the_checked_address_not_a_second_lookup(server, monkeypatch):
    """DNS rebinding: the name is resolved once and the connection goes to that address."""
    real = socket.getaddrinfo
    answers = []

    def changing(host, port, *args, **kwargs):
        if host == "rebind.example":
            answers.append(host)
            # first answer: our loopback server; any later lookup would get a dead address
            target = "127.0.0.1" if len(answers) == 1 else "127.0.0.2"
            return real(target, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", changing)
    server.routes["/x"] = (200, b"pinned", {})
    port = server.base_url.rsplit(":", 1)[1]
    response = fetch(f"http://rebind.example:{port}/x", allow_private=True, max_bytes=100)
    assert response.body == b"pinned"
    assert answers == ["rebind.example"]
    assert server.requests[-1][2]["Host"] == f"rebind.example:{port}"


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "file:///etc/passwd", "javascript:alert(1)", "http://", "x"]
)
def test_bad_urls(url):
    with pytest.raises(ProtocolError) as caught:
        fetch(url, max_bytes=10)
    assert caught.value.code == "bad-url"


def test_credentials_in_urls_are_refused():
    with pytest.raises(ProtocolError) as caught:
        fetch("http://user:pw@127.0.0.1/", allow_private=True, max_bytes=10)
    assert caught.value.code == "bad-url"


def test_content_length_over_the_limit_is_refused_before_reading(server):
    server.routes["/big"] = (200, b"x" * 5000, {})
    with pytest.raises(ProtocolError) as caught:
        fetch(server.base_url + "/big", allow_private=True, max_bytes=1000)
    assert caught.value.code == "too-large"


def test_streamed_body_over_the_limit_stops_reading(server):
    def no_length(handler):
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        try:
            for _ in range(200):
                handler.wfile.write(b"y" * 1024)
        except OSError:
            pass

    server.routes["/stream"] = no_length
    with pytest.raises(ProtocolError) as caught:
        fetch(server.base_url + "/stream", allow_private=True, max_bytes=10_000)
    assert caught.value.code == "too-large"


def test_a_slow_peer_hits_the_overall_deadline(server):
    server.routes["/slow"] = dribble(b"x" * 200, 0.05)  # 10 s in all, a byte every 50 ms
    started = time.monotonic()
    with pytest.raises(ProtocolError) as caught:
        fetch(server.base_url + "/slow", allow_private=True, max_bytes=1000, timeout=1)
    assert caught.value.code == "timeout"
    assert time.monotonic() - started < 3


def test_a_peer_that_never_answers_times_out(server):
    def silent(handler):
        time.sleep(3)

    server.routes["/silent"] = silent
    started = time.monotonic()
    with pytest.raises(ProtocolError) as caught:
        fetch(server.base_url + "/silent", allow_private=True, max_bytes=1000, timeout=0.5)
    assert caught.value.code == "timeout"
    assert time.monotonic() - started < 2.5


def test_connection_closed_mid_body(server):
    server.routes["/cut"] = close_mid_body(b'{"items": [' + b"1," * 500 + b"1]}")
    with pytest.raises(ProtocolError) as caught:
        fetch(server.base_url + "/cut", allow_private=True, max_bytes=100_000)
    assert caught.value.code == "connection"


def test_connection_refused():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(ProtocolError) as caught:
        fetch(f"http://127.0.0.1:{port}/", allow_private=True, max_bytes=10)
    assert caught.value.code == "connection"


def test_redirects_are_followed_by_hand_and_checked(server):
    server.routes["/a"] = (302, b"", {"Location": "/b"})
    server.routes["/b"] = (301, b"", {"Location": server.base_url + "/c"})
    server.routes["/c"] = (200, b"end", {})
    response = fetch(server.base_url + "/a", allow_private=True, max_bytes=100)
    assert response.body == b"end" and response.url == server.base_url + "/c"


def test_more_than_three_redirects_are_refused(server):
    for name, target in (("/1", "/2"), ("/2", "/3"), ("/3", "/4"), ("/4", "/5")):
        server.routes[name] = (307, b"", {"Location": target})
    server.routes["/5"] = (200, b"end", {})
    with pytest.raises(ProtocolError) as caught:
        fetch(server.base_url + "/1", allow_private=True, max_bytes=100)
    assert caught.value.code == "redirect"


def test_redirect_to_a_private_address_is_refused(server, monkeypatch):
    """A public peer (allow_private=False) redirecting to loopback: refused at the hop."""
    real = fetch_module.resolve
    port = server.base_url.rsplit(":", 1)[1]

    def public_first(host, port_, *, allow_private):
        if host == "public.example":
            return "127.0.0.1"  # pretend the first hop is public (its check passed)
        return real(host, port_, allow_private=allow_private)

    monkeypatch.setattr(fetch_module, "resolve", public_first)
    server.routes["/go"] = (302, b"", {"Location": f"http://127.0.0.1:{port}/secret"})
    server.routes["/secret"] = (200, b"internal", {})
    with pytest.raises(ProtocolError) as caught:
        fetch(f"http://public.example:{port}/go", max_bytes=100)
    assert caught.value.code == "private-address"
    assert [path for _m, path, _h in server.requests] == ["/go"]


def test_redirect_to_another_scheme_is_refused(server):
    server.routes["/go"] = (302, b"", {"Location": "file:///etc/passwd"})
    with pytest.raises(ProtocolError) as caught:
        fetch(server.base_url + "/go", allow_private=True, max_bytes=100)
    assert caught.value.code == "bad-url"


def test_error_statuses_are_returned_not_raised(server):
    server.routes["/err"] = (500, b"oops", {})
    response = fetch(server.base_url + "/err", allow_private=True, max_bytes=100)
    assert response.status == 500 and response.body == b"oops"


@override_settings(CITIES_CMS_FEDERATION_READ_TIMEOUT=0.5)
def test_default_deadline_comes_from_the_settings(server):
    server.routes["/slow"] = dribble(b"x" * 100, 0.05)
    with pytest.raises(ProtocolError) as caught:
        fetch(server.base_url + "/slow", allow_private=True, max_bytes=1000)
    assert caught.value.code == "timeout"
