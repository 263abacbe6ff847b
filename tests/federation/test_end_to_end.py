"""Two real instances of the reference site on loopback ports, each its own process, SQLite
database, media folder and key file.

A shares a practice model in English and Latvian with an image; B adds A as a local peer,
approves it, syncs (``manage.py cities_cms_sync``) and serves the copy in both languages with
the image and the attribution. A edits it: A's push reaches B's inbox, which pulls the update
(each instance runs its task worker, ``manage.py db_worker``, beside its server).
A unshares it: B unpublishes its copy. A fake peer relaying a tampered copy of A's document is
refused. Then a seminar: A opens a workshop to partner cities, B shows it (in its seminar index
too) with A's page as the place to register; A cancels it, B shows it cancelled; A unshares it,
B's copy is gone. Both servers are stopped at the end, whatever happens.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cities_cms.federation.signing import sign_document

from .loopback import LoopbackPeer, descriptor_envelope, other_identity

# It never uses the test database: run once, in the SQLite pass (Makefile).
pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(url, *, timeout=20):
    assert url.startswith("http://127.0.0.1:")  # loopback only
    request = urllib.request.Request(url, headers={"Accept-Language": "en"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Instance:
    def __init__(self, name, city, workdir):
        self.name = name
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.dir = workdir / name
        self.dir.mkdir()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
            "DJANGO_SETTINGS_MODULE": "tests.federation.e2e_settings",
            "DATABASE_URL": f"sqlite:///{self.dir / 'db.sqlite3'}",
            "CITIES_CMS_VAR_DIR": str(self.dir),
            "CITIES_CMS_MEDIA_ROOT": str(self.dir / "media"),
            "CITIES_CMS_FEDERATION_KEY_FILE": str(self.dir / "keys" / "federation.pem"),
            "CITIES_CMS_FEDERATION_BASE_URL": self.base_url,
            "E2E_NAME": f"Cities of change – {city}",
            "E2E_CITY": city,
            "PYTHONUNBUFFERED": "1",
        }
        self.server = self.worker = None
        self.log = self.dir / "server.log"
        self.worker_log = self.dir / "worker.log"

    def manage(self, *args, timeout=120):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"{self.name} {args}:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def act(self, call):
        return self.result(self.act_async(call))

    def act_async(self, call):
        """Start an action in its own process; ``result()`` waits for it."""
        return subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                f"from tests.federation.e2e_actions import *; {call}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def result(self, process, timeout=120):
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        assert process.returncode == 0, f"{self.name}:\n{out}\n{err}"
        lines = [line[4:] for line in out.splitlines() if line.startswith("E2E ")]
        assert lines, out
        return json.loads(lines[-1])

    def start(self):
        self.server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        # The task worker beside the server, as in production and `make demo`: pushes and
        # the pulls they trigger are its work, never the requests'.
        self.worker = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.2",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.worker_log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, deadline=30):
        until = time.monotonic() + deadline
        while time.monotonic() < until:
            assert self.server.poll() is None, self.log.read_text()[-3000:]
            try:
                status, _ = http(self.base_url + "/.well-known/cities-cms.json", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self):
        for process in (self.server, self.worker):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)

    def worker_tasks(self):
        """The names of the tasks this instance's worker finished (from its log)."""
        return self.worker_log.read_text(errors="replace") if self.worker_log.exists() else ""


def wait_for(check, what, deadline=30):
    until = time.monotonic() + deadline
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > until:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


@pytest.fixture
def instances(tmp_path):
    a = Instance("a", "Daugavpils", tmp_path)
    b = Instance("b", "Poznań", tmp_path)
    try:
        # One migration, copied: the two databases start equal and then live apart.
        a.manage("migrate", "--noinput", "-v0", timeout=300)
        shutil.copy(a.dir / "db.sqlite3", b.dir / "db.sqlite3")
        # Both instances get their site and key at once (two processes, two cores).
        preparing = [(a, a.act_async(f"prepare({a.port})")), (b, b.act_async(f"prepare({b.port})"))]
        for instance, process in preparing:
            instance.result(process)
        a.start()
        b.start()
        a.wait_ready()
        b.wait_ready()
        yield a, b
    finally:
        a.stop()
        b.stop()


def page_html(url):
    status, body = http(url)
    return status, body.decode("utf-8", "replace")


def test_two_instances_share_update_withdraw_and_refuse_tampering(instances):
    a, b = instances
    shared = a.act("share()")

    # B adds A (pending, then approved after comparing fingerprints); A adds B, to push to it.
    b.act(f"add_peer({a.base_url!r})")
    a.act(f"add_peer({b.base_url!r})")
    out = b.manage("cities_cms_sync")
    assert a.base_url in out

    state = b.act("state()")
    [copy] = state["copies"]
    assert copy["global_id"] == shared["global_id"]
    assert copy["origin_city"] == "Daugavpils"
    assert set(copy["pages"]) == {"en", "lv"}
    english_url, latvian_url = copy["pages"]["en"]["url"], copy["pages"]["lv"]["url"]
    assert english_url.startswith(b.base_url)

    # B serves both languages, with the image and the attribution.
    status, english = page_html(english_url)
    assert status == 200
    assert "Night buses" in english
    assert "Daugavpils" in english  # "shared by" attribution
    assert a.base_url + "/practice-models/night-buses/" in english  # canonical link
    status, latvian = page_html(latvian_url)
    assert status == 200 and "Nakts autobusi" in latvian
    image_paths = [
        part.split('"')[0] for part in english.split('src="')[1:] if "/media/" in part.split('"')[0]
    ]
    assert image_paths, "no image on B's page"
    image_url = image_paths[0] if image_paths[0].startswith("http") else b.base_url + image_paths[0]
    assert image_url.startswith(b.base_url)  # served by B itself, not hot-linked from A
    status, image = http(image_url)
    assert status == 200 and len(image) > 100

    # A edits: A's worker sends the notification, B's inbox queues a pull, B's worker pulls
    # the new version.
    a.act('edit("Night buses every 20 minutes")')
    wait_for(
        lambda: "Night buses every 20 minutes" in page_html(english_url)[1],
        "B to receive A's edit through push",
    )
    assert "push_task" in a.worker_tasks()
    assert "sync_peer_task" in b.worker_tasks()
    b_state, a_state = b.act_async("state()"), a.act_async("state()")
    assert b.result(b_state)["copies"][0]["version"] > copy["version"]
    [b_peer] = a.result(a_state)["peers"]
    assert b_peer["push_failures"] == 0 and not b_peer["push_pending"]

    # A unshares: the tombstone reaches B, which unpublishes its copy.
    a.act("unshare()")

    wait_for(lambda: page_html(english_url)[0] == 404, "B to unpublish the withdrawn copy")
    assert page_html(latvian_url)[0] == 404
    [copy] = b.act("state()")["copies"]
    assert copy["withdrawn"] and not any(page["live"] for page in copy["pages"].values())

    # A fake peer relays A's document with a changed title: refused, nothing changes on B.
    status, body = http(a.base_url + "/federation/feed/")
    envelopes = json.loads(body)["items"]
    assert envelopes
    with LoopbackPeer() as fake:
        fake.identity = other_identity()
        fake.serve(
            "/.well-known/cities-cms.json", descriptor_envelope(fake.identity, fake.base_url)
        )
        tampered = json.loads(json.dumps(envelopes[-1]))
        document = tampered["document"]
        document["version"] = document["version"] + 100
        document["type"] = "practice-model"
        document.setdefault("locales", {}).setdefault("en", {})["title"] = "Tampered"
        fake.serve(
            "/federation/feed/",
            {"protocol": "cities-cms/1", "items": [tampered], "next": "1", "more": False},
        )
        # Also one the fake signs itself but claims A wrote: the key is not A's pinned key.
        forged = sign_document(dict(document), fake.identity)
        fake.serve(
            "/federation/feed/",
            {"protocol": "cities-cms/1", "items": [tampered, forged], "next": "2", "more": False},
        )
        b.act(f"add_peer({fake.base_url!r})")
        b.manage("cities_cms_sync", "--peer", fake.base_url)
    state = b.act("state()")
    [copy] = state["copies"]
    assert all(page["title"] != "Tampered" for page in copy["pages"].values())
    assert copy["withdrawn"]
    fake_peer = next(p for p in state["peers"] if p["base_url"] == fake.base_url)
    assert {"bad-signature", "wrong-key", "unknown-author"} & set(fake_peer["events"])

    # --- a seminar: shared, cancelled, unshared; each reaches B through push and pull ---------
    seminar = a.act("share_seminar()")

    def seminar_copy():
        copies = [c for c in b.act("state()")["copies"] if c["kind"] == "seminar"]
        # A publishes English, then Latvian: two versions, B may pull them one by one.
        return copies[0] if copies and set(copies[0]["pages"]) == {"en", "lv"} else None

    copy = wait_for(seminar_copy, "B to receive A's seminar through push", deadline=60)
    assert copy["global_id"] == seminar["global_id"] and copy["origin_city"] == "Daugavpils"
    assert set(copy["pages"]) == {"en", "lv"}
    # Registration is at A: the copy's canonical address is A's page.
    assert copy["canonical_urls"]["en"] == seminar["url"]
    english_url, latvian_url = copy["pages"]["en"]["url"], copy["pages"]["lv"]["url"]
    assert english_url.startswith(b.base_url)
    status, english = page_html(english_url)
    assert status == 200 and "Night bus planning workshop" in english
    assert seminar["url"] in english  # canonical link to A's page
    status, latvian = page_html(latvian_url)
    assert status == 200 and "Nakts autobusu darbnīca" in latvian
    status, index = page_html(copy["pages"]["en"]["parent_url"])
    assert status == 200 and "Night bus planning workshop" in index  # upcoming, in the calendar

    a.act('seminar_change(status="cancelled")')
    wait_for(
        lambda: "This event will not take place." in page_html(english_url)[1],
        "B to show the seminar cancelled",
        deadline=60,
    )
    [copy] = [c for c in b.act("state()")["copies"] if c["kind"] == "seminar"]
    assert {page["status"] for page in copy["pages"].values()} == {"cancelled"}
    assert not copy["withdrawn"]

    a.act("seminar_change(shared=False)")
    wait_for(lambda: page_html(english_url)[0] == 404, "B to remove the unshared seminar", 60)
    assert page_html(latvian_url)[0] == 404
    [copy] = [c for c in b.act("state()")["copies"] if c["kind"] == "seminar"]
    assert copy["withdrawn"] and not any(page["live"] for page in copy["pages"].values())
