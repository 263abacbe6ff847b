"""Run a command (or tests) against a throwaway Redis server.

    python -m tests.harness.redis -- .venv/bin/python -m pytest tests/test_redis.py

The harness starts ``redis-server`` (``$CITIES_CMS_REDIS_SERVER``, else ``redis-server`` on
``PATH``; Debian's package ``redis-server``) listening only on 127.0.0.1 on a free port, with
no persistence and its working directory in a fresh temporary directory, and runs the command
with ``REDIS_URL=redis://127.0.0.1:PORT/0`` in its environment. The server is always stopped
and the directory removed afterwards; the harness exits with the command's exit code.

Tests take the server from :func:`redis_server` (tests/test_redis.py has a fixture): without
``redis-server`` they skip, unless ``CITIES_CMS_REQUIRE_REDIS=1`` (CI): then they fail.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

PREFIX = "redis harness:"
REQUIRE_ENV = "CITIES_CMS_REQUIRE_REDIS"
SERVER_ENV = "CITIES_CMS_REDIS_SERVER"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


class Unavailable(Exception):
    """Redis cannot be used here (no redis-server)."""


class HarnessError(Exception):
    """redis-server is installed but did not start."""


def log(message: str) -> None:
    print(f"{PREFIX} {message}", file=sys.stderr, flush=True)


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def find_server() -> str:
    candidate = os.environ.get(SERVER_ENV) or shutil.which("redis-server")
    if candidate and os.access(candidate, os.X_OK):
        return candidate
    raise Unavailable(
        f"no redis-server found (${SERVER_ENV} or PATH). Install it, e.g. "
        "`apt-get install redis-server`."
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ping(port: int) -> bool:
    """Whether a Redis server answers PING on 127.0.0.1:port (RESP, no client library)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A fresh Redis server on loopback for the block; yields its ``redis://`` URL.

    Raises ``Unavailable`` without ``redis-server`` and ``HarnessError`` if it does not start.
    """
    binary = find_server()
    workdir = tempfile.mkdtemp(prefix="cities_cms_redis_")
    port = free_port()
    log_path = os.path.join(workdir, "redis.log")
    command = [
        binary,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        workdir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "yes",
        "--daemonize",
        "no",
        "--logfile",
        log_path,
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _ping(port):
            if process.poll() is not None or time.monotonic() > deadline:
                text = ""
                with contextlib.suppress(OSError), open(log_path) as file:
                    text = file.read()[-2000:]
                raise HarnessError(f"redis-server did not start on port {port}:\n{text}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command to run")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    try:
        with redis_server() as url:
            log(f"Redis at {url}")
            return subprocess.call(command, env={**os.environ, "REDIS_URL": url})
    except Unavailable as exc:
        log(str(exc))
        if required():
            log(f"{REQUIRE_ENV}=1, so a missing Redis is a failure.")
            return 1
        log(f"(set {REQUIRE_ENV}=1 to make this a failure); not running the command")
        return 0


if __name__ == "__main__":
    sys.exit(main())
