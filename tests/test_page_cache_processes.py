"""The page cache shared by several web processes, from the visitor's side.

The in-process tests (tests/test_page_cache.py) run the site in the test's own process with
one local-memory cache. Here the reference site runs as in production: two gunicorn servers
(one sync worker each) with the production settings, behind an imagined proxy that sends them
the same public host name, one SQLite file database and one cache that both share (the files
in ``var/cache``, or Redis with ``REDIS_URL``). An editor in a third process publishes and
unpublishes a page; the very next request to either server must show it, and a page that one
server stored must be served by the other.

Redis needs ``redis-server`` (tests/harness/redis.py): without it that case skips, unless
``CITIES_CMS_REQUIRE_REDIS=1`` (CI), where it fails.
"""

import contextlib
import http.client
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .harness import redis as redis_harness
from .harness.served_site import PREFIX

# Its own database and servers, whatever the test database is: run once, in the SQLite pass.
pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parent.parent
HOST = "cities.test"  # the public name that the proxy in front passes on to every server
SERVED_SITE = "tests.harness.served_site"
START_TIMEOUT = 120  # seconds for a server or the editor to start (a busy 2-core machine)
SETUP_TIMEOUT = 600  # migrating a fresh database and collecting static files
STOP_TIMEOUT = 15
# What a process of the site may inherit from ours: nothing that configures it (DATABASE_URL,
# REDIS_URL, DJANGO_SETTINGS_MODULE, CITIES_CMS_* ...), which each case sets itself.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")


def site_env(var_dir, redis_url=None):
    """The reference site's production settings, its database and file cache in ``var_dir``."""
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="site_project.settings.production",
        SECRET_KEY="page-cache-processes-test-not-secret",
        ALLOWED_HOSTS=HOST,
        CITIES_CMS_VAR_DIR=str(var_dir),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


class Processes:
    """The processes a test starts; ``stop()`` ends every one of them (also after a failure)."""

    def __init__(self, log_dir):
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.started = []

    def start(self, name, args, env, stdout=subprocess.DEVNULL, **kwargs):
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115 (closed in stop())
        process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=stdout, stderr=log, **kwargs
        )
        process.name, process.log = name, log
        self.started.append(process)
        return process

    def log_tail(self, process):
        process.log.flush()
        return (self.log_dir / f"{process.name}.log").read_text(errors="replace")[-3000:]

    def stop(self):
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        for process in self.started:
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
            if process.stdin is not None:
                process.stdin.close()
            process.log.close()  # (stdout, when piped, is closed by its reader: Answers)


class Answers:
    """The ``served_site`` answers of a process, read in a thread: waited for with a timeout."""

    def __init__(self, processes, process):
        self.processes, self.process = processes, process
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        with self.process.stdout as stdout:  # closed here, when the process has ended
            for line in iter(stdout.readline, ""):
                if line.startswith(PREFIX):
                    self.lines.put(json.loads(line[len(PREFIX) :]))
        self.lines.put(None)

    def next(self, timeout):
        try:
            value = self.lines.get(timeout=timeout)
        except queue.Empty:
            value = None
        if value is None:
            pytest.fail(
                f"{self.process.name} gave no answer:\n{self.processes.log_tail(self.process)}"
            )
        return value


@dataclass
class Site:
    var_dir: Path
    index_url: str
    pages: dict


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A fresh SQLite database, migrated once, with a page for each case; static files
    collected (the production settings' manifest storage needs them)."""
    var_dir = tmp_path_factory.mktemp("page_cache_processes") / "var"
    processes = Processes(var_dir.parent / "logs")
    env = site_env(var_dir)
    try:
        static = processes.start(
            "collectstatic", ["manage.py", "collectstatic", "--noinput", "-v0"], env
        )
        setup = processes.start(
            "setup",
            ["-m", SERVED_SITE, "setup", "files", "redis"],
            env,
            stdout=subprocess.PIPE,
            text=True,
        )
        answers = Answers(processes, setup)
        built = answers.next(timeout=SETUP_TIMEOUT)
        assert setup.wait(timeout=STOP_TIMEOUT) == 0, processes.log_tail(setup)
        assert static.wait(timeout=SETUP_TIMEOUT) == 0, processes.log_tail(static)
    finally:
        processes.stop()
    return Site(var_dir, built["index_url"], built["pages"])


@contextlib.contextmanager
def cache_for(case):
    """``None`` for the file cache; for Redis, a throwaway server's URL (or skip/fail)."""
    if case == "files":
        yield None
        return
    try:
        with redis_harness.redis_server() as url:
            yield url
    except redis_harness.Unavailable as exc:
        if redis_harness.required():
            pytest.fail(f"{exc} ({redis_harness.REQUIRE_ENV}=1)", pytrace=False)
        pytest.skip(str(exc))


@dataclass
class Response:
    status: int
    cache: str
    etag: str
    body: str

    @property
    def title(self):
        match = re.search(r"<title>([^<]*?) – ", self.body)
        return match and match.group(1)

    def listed(self, url):
        """The title under which a listing links to ``url`` (None when it does not)."""
        match = re.search(rf'href="{re.escape(url)}"[^>]*>([^<]*)</a>', self.body)
        return match and match.group(1)


class Server:
    def __init__(self, name, port):
        self.name, self.port = name, port

    def get(self, path):
        """GET ``path`` as an anonymous visitor's request through the proxy (HTTPS, English)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(
                "GET",
                path,
                headers={"Host": HOST, "X-Forwarded-Proto": "https", "Accept-Language": "en"},
            )
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            return Response(
                response.status,
                response.getheader("X-Cities-Cache", ""),
                response.getheader("ETag", ""),
                body,
            )
        finally:
            connection.close()


class Editor:
    def __init__(self, process, answers):
        self.process, self.answers = process, answers

    def send(self, command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        assert self.answers.next(timeout=START_TIMEOUT) == {"done": command}

    def publish(self, page_id, title):
        self.send({"publish": page_id, "title": title})

    def unpublish(self, page_id):
        self.send({"unpublish": page_id})


def wait_until_serving(processes, process, server):
    """Until the server answers (a 404, which no cache keeps): its worker has loaded the site."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            if server.get("/no-such-page-ready-probe/").status == 404:
                return
        except (OSError, http.client.HTTPException):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{process.name} did not start:\n{processes.log_tail(process)}")
        time.sleep(0.2)


@dataclass
class Served:
    case: str
    page: dict  # id, url and title
    index_url: str  # the listing of the page
    a: Server
    b: Server
    editor: Editor


@pytest.fixture(params=["files", "redis"])
def served(request, tmp_path):
    """Servers A and B and an editor, all with the same settings and cache."""
    case = request.param
    with cache_for(case) as redis_url:
        site = request.getfixturevalue("site")  # after a skip for want of Redis, not before
        env = site_env(site.var_dir, redis_url)
        processes = Processes(tmp_path / "logs")
        try:
            servers = []
            for name in ("A", "B"):
                port = redis_harness.free_port()
                process = processes.start(
                    f"server-{name}",
                    [
                        "-m",
                        "gunicorn",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "1",
                        "--worker-class",
                        "sync",
                        "--log-level",
                        "warning",
                        "site_project.wsgi:application",
                    ],
                    env,
                )
                servers.append((process, Server(name, port)))
            editor_process = processes.start(
                "editor",
                ["-m", SERVED_SITE, "edit"],
                env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            answers = Answers(processes, editor_process)
            for process, server in servers:
                wait_until_serving(processes, process, server)
            assert answers.next(timeout=START_TIMEOUT) == {"ready": True}
            (_, a), (_, b) = servers
            yield Served(
                case, site.pages[case], site.index_url, a, b, Editor(editor_process, answers)
            )
        finally:
            processes.stop()


def test_every_server_shows_a_change_made_in_another_process_at_once(served):
    a, b, editor, page, index_url = served.a, served.b, served.editor, served.page, served.index_url
    url, old, new = page["url"], page["title"], f"{served.case} gardens"

    first = a.get(url)
    assert (first.status, first.cache, first.title) == (200, "MISS", old)
    shared = b.get(url)  # the page that A stored
    assert (shared.status, shared.cache, shared.title) == (200, "HIT", old)
    assert shared.etag == first.etag
    listing = a.get(index_url)
    assert (listing.cache, listing.listed(url)) == ("MISS", old)
    listing = b.get(index_url)
    assert (listing.cache, listing.listed(url)) == ("HIT", old)

    editor.publish(page["id"], new)
    after = a.get(url)
    assert (after.status, after.cache, after.title) == (200, "MISS", new)
    shared = b.get(url)
    assert (shared.status, shared.cache, shared.title) == (200, "HIT", new)
    listing = b.get(index_url)  # B first this time
    assert (listing.cache, listing.listed(url)) == ("MISS", new)
    listing = a.get(index_url)
    assert (listing.cache, listing.listed(url)) == ("HIT", new)

    editor.unpublish(page["id"])
    assert a.get(url).status == 404
    assert b.get(url).status == 404
    listing = a.get(index_url)
    assert (listing.cache, listing.listed(url)) == ("MISS", None)
    listing = b.get(index_url)
    assert (listing.cache, listing.listed(url)) == ("HIT", None)
