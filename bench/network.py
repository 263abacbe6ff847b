"""A network of a hundred (issue 12, item 5): one instance and 99 others on loopback.

This process is the measured instance (its own SQLite database and key; its web server,
``manage.py runserver`` on 127.0.0.1, and for the push its task worker, ``manage.py
db_worker``, are processes of their own, as ``make demo`` runs them); the 99 others run in
one more process (bench/network_instances.py: each with its own database, server, task worker
and key), instance 0 of them the coordinator hub. All are built from one template: ``migrate``
and ``cities_cms_setup`` with the reference site's defaults (ten languages, synchronised
trees). Everything is stopped at the end.

(a) **A no-change round** of this instance's pulls, measured on this instance: requests and
bytes (both directions, counted at the other instances' sockets), wall and CPU seconds of
this process, and its database queries. Each round follows a warm-up round, so it is the
steady state: every peer already pulled, its cursor and ETag stored.

- ``direct``: 99 peers approved by hand; the periodic pull (``sync_due_task``) queues one
  ``sync_peer_task`` per peer and the worker loop (django-tasks-db's ``Worker``) runs them.
- ``hub_list``: the hub's member list trusted, the 98 members approved through it, the hub
  not relaying (``relay off``): the periodic pull reads the member list and then still
  pulls every member directly (and the hub).
- ``hub_relay``: the same with the hub relaying (docs/federation.md §7): the periodic pull
  reads the member list, which names the hub's relay feed, and pulls that feed alone (its
  members are left out while the hub answers); the relay feed carries every member's signed
  envelope, kept by the hub's ``relay.keep``.

(b) **Propagation**: this instance publishes a change (an editor's edit of a shared practice
model, approved for the network through its workflow); its task worker sends the push
notifications (``push_task``), each receiver's inbox queues a pull, each receiver's worker
pulls and imports it. Measured: the time from the commit of the publication to each
receiver's inbox accepting the notification and to each receiver having imported the
document (its ``sync_peer_task`` done with one document imported), and the state of every
receiver at the end. Before it, ``push_only`` sends the same 99 notifications with nothing
changed, from this process, to time the sender's fan-out alone.

On one machine the 99 imports share two cores and the others' process shares one GIL, so the
measured "all have it" is this machine's; ``separate_machines`` models a network where
each instance has its own machine: the sender's measured fan-out time, plus at most one
worker poll interval on each side, plus the median CPU time of one receiver's pull and import.

``python -m bench --only network`` runs it (a subprocess, so ``python -m bench``'s own
database is not involved); alone: ``python -m bench.network [COUNT]`` (COUNT instances in
all, 100 by default) prints the figures as JSON. It takes a few minutes with 100, most of it
the 99 imports sharing two cores.
"""

import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COUNT = 100
WAIT_SECONDS = 600  # give up waiting for the propagation after this long
ROOT = Path(__file__).resolve().parent.parent


class Network:
    """The other instances' process (bench/network_instances.py), driven by JSON lines."""

    def __init__(self, workdir, template, count, publisher_url, publisher_key, cursor):
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{template}",
            "CITIES_CMS_FEDERATION_KEY_FILE": str(Path(workdir) / "keys" / "hub.pem"),
            "CITIES_CMS_FEDERATION_BASE_URL": "",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.network_instances", str(workdir), str(template)]
            + [str(count), publisher_url, publisher_key, str(cursor)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.ready = self._answer()
        self.instances = self.ready["instances"]

    def _answer(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the network's process ended early (see its stderr)")
        return json.loads(line)

    def ask(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._answer()

    def counters(self):
        """Requests and bytes of each instance since the last call."""
        return self.ask("counters")

    def close(self):
        if self.process.poll() is None:
            try:
                self.ask("stop")
                self.process.wait(timeout=30)
            except (OSError, RuntimeError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _drain_queue():
    """This instance's worker: django-tasks-db's loop until the queue is empty (``--batch``)."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="bench-network",
    ).run()


def _periodic_pull():
    from cities_cms.federation.tasks import sync_due_task

    sync_due_task.enqueue()
    _drain_queue()


def _measure(network, action):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    action()  # warm-up: cursors, ETags and member list as a running network has them
    network.counters()
    with CaptureQueriesContext(connection) as queries:
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    counters = network.counters().values()
    return {
        "requests": sum(c["requests"] for c in counters),
        "bytes_sent": sum(c["bytes_in"] for c in counters),
        "bytes_received": sum(c["bytes_out"] for c in counters),
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "queries": len(queries),
    }


def no_change_rounds(network):
    from cities_cms.federation.models import Peer, PeerStatus

    peers = []
    for instance in network.instances:
        peers.append(
            Peer.objects.create(
                base_url=instance["base_url"],
                name=f"Instance {instance['index']}",
                status=PeerStatus.APPROVED,
                offered_public_key=instance["public_key"],
                public_key=instance["public_key"],
                is_local=True,
                cursor=str(instance["last_sequence"]),  # it has everything they serve
            )
        )
    hub, members = peers[0], peers[1:]
    figures = {"direct": _measure(network, _periodic_pull)}
    Peer.objects.filter(pk=hub.pk).update(publishes_member_list=True)
    Peer.objects.filter(pk__in=[m.pk for m in members]).update(approved_via=hub)
    network.ask("relay off")
    figures["hub_list"] = _measure(network, _periodic_pull)
    network.ask("relay on")
    # As if this instance had read the relay feed before (starting to use it starts it from
    # the beginning, which would import every member's document here in the warm-up).
    Peer.objects.filter(pk=hub.pk).update(
        relay_url=network.instances[0]["base_url"] + "/federation/relay/",
        cursor=str(network.instances[0]["last_sequence"]),
        etag="",
    )
    figures["hub_relay"] = _measure(network, _periodic_pull)
    # Back to 99 peers approved by hand, nobody relaying, for the propagation.
    network.ask("relay off")
    Peer.objects.update(approved_via=None, publishes_member_list=False, relay_url="")
    return figures


def _collect(network, count, accept, since):
    """Wait until ``count`` receivers finished a pull that ``accept`` takes (at most
    WAIT_SECONDS); return the first such pull and the first inbox acceptance of each, by
    instance, from the events recorded after ``since``."""
    pulls, inboxes = {}, {}
    deadline = time.time() + WAIT_SECONDS
    while len(pulls) < count and time.time() < deadline:
        for event in network.ask("events"):
            if event["at"] < since:
                continue
            if event["kind"] == "inbox" and event["status"] == 202:
                inboxes.setdefault(event["instance"], event)
            elif event["kind"] == "task" and event["name"] == "sync_peer_task" and accept(event):
                pulls.setdefault(event["instance"], event)
        time.sleep(0.2)
    return pulls, inboxes


def push_only(network):
    """The sender's fan-out alone: 99 notifications with nothing new, sent from here."""
    from django.utils import timezone

    from cities_cms.federation.models import Peer
    from cities_cms.federation.push import push_due

    Peer.objects.update(push_pending=True, next_push_at=timezone.now())
    # The receivers' pulls wait until every notification is out: sharing this machine's two
    # cores with them would time the simulation, not the sender.
    network.ask("hold")
    since = time.time()
    wall, cpu = time.perf_counter(), time.process_time()
    sent = push_due()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    network.ask("release")
    pulls, inboxes = _collect(network, len(network.instances), lambda event: True, since)
    inbox_cpu = [event["cpu"] for event in inboxes.values()]
    pull_cpu = [event["cpu"] for event in pulls.values()]
    return {
        "notifications": sent["sent"],
        "failed": sent["failed"],
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "ms_per_notification": round(1000 * wall / max(sent["sent"], 1), 1),
        "sender_cpu_ms_per_notification": round(1000 * cpu / max(sent["sent"], 1), 1),
        "accepted": len(inboxes),
        "receiver_inbox_cpu_ms_median": (
            round(1000 * statistics.median(inbox_cpu), 1) if inbox_cpu else None
        ),
        "pulls_done": len(pulls),
        "pull_cpu_ms_median": round(1000 * statistics.median(pull_cpu), 1) if pull_cpu else None,
    }


def _worker_process(workdir):
    """This instance's task worker, as ``make demo`` runs it (``manage.py db_worker``)."""
    log = open(Path(workdir) / "worker.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "1"],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _server_process(workdir, base_url):
    """This instance's web server, a process of its own as in production (``runserver``,
    threaded); returns once it answers."""
    import urllib.request

    log = open(Path(workdir) / "server.log", "w")  # noqa: SIM115 - closed with the process
    address = base_url.removeprefix("http://")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", address, "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base_url + "/federation/feed/", timeout=5):  # noqa: S310
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the publisher's server did not start")


def _wait_for_worker():
    """Until the worker has run a task (it takes a few seconds to start)."""
    from django_tasks_db.models import DBTaskResult

    from cities_cms.federation.push import push_task

    result = push_task.enqueue()  # nothing is pending: it sends nothing
    deadline = time.time() + 120
    while time.time() < deadline:
        if DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL":
            return
        time.sleep(0.2)
    raise RuntimeError("the task worker did not start")


def _seconds(values, at):
    return round(values[at], 2) if values else None


def propagation(network, page, workdir):
    from cities_cms.federation.models import OutboundRecord
    from cities_cms.pages import PracticeModelPage

    receivers = len(network.instances)
    worker = _worker_process(workdir)
    try:
        _wait_for_worker()
        page = PracticeModelPage.objects.get(pk=page.pk)
        page.summary = "Changed for the network benchmark."
        since = time.time()
        _publish(page)  # committed: the push task is queued
        committed = time.time()
        pulls, inboxes = _collect(
            network, receivers, lambda event: (event["value"] or {}).get("imported"), since
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    imported = sorted(event["at"] - committed for event in pulls.values())
    notified = sorted(event["at"] - committed for event in inboxes.values())
    cpu = sorted(event["cpu"] for event in pulls.values())
    global_id = str(page.translation_key)
    version = OutboundRecord.objects.get(global_id=global_id).version
    versions = network.ask(f"state {global_id}")
    return {
        "publish_seconds": round(committed - since, 3),
        "receivers": receivers,
        "received": sum(1 for held in versions.values() if held == version),
        "notified_first_seconds": _seconds(notified, 0),
        "notified_last_seconds": _seconds(notified, -1),
        "imported_first_seconds": _seconds(imported, 0),
        "imported_median_seconds": _seconds(imported, len(imported) // 2),
        "all_have_it_seconds": _seconds(imported, -1) if len(imported) == receivers else None,
        "import_cpu_median_seconds": round(statistics.median(cpu), 3) if cpu else None,
        "import_cpu_max_seconds": round(cpu[-1], 3) if cpu else None,
    }


def _publish(page):
    """Publish ``page``'s current state as an editor does: through its workflow (network
    approval) when it has one, else at once."""
    from cities_cms.workflows import approve_every_step

    if page.get_workflow() is not None:
        approve_every_step(page, page.owner)
    else:
        page.save_revision(user=page.owner).publish()


def make_shared_practice_model():
    """The publisher's shared practice model, approved for the network (in its feed)."""
    from django.contrib.auth import get_user_model
    from wagtail.models import Locale

    from cities_cms.pages import PracticeModelIndexPage, PracticeModelPage

    user = get_user_model().objects.create_superuser("bench-network", "bench@example.org", None)
    index = PracticeModelIndexPage.objects.get(locale=Locale.get_default())
    page = PracticeModelPage(
        title="Night buses for the whole network",
        slug="night-buses-network",
        summary="Buses all night long.",
        challenge="<p>Night shifts had no way home.</p>",
        status="implemented",
        approach="<p>Buses every 20 minutes after midnight.</p>",
        shared=True,
        live=False,
        owner=user,
    )
    index.add_child(instance=page)
    _publish(page)
    return page


def run(count=COUNT):
    """Build the publisher and the network, measure (a) and (b), stop everything."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from cities_cms.federation.identity import current_identity
    from cities_cms.federation.models import OutboundRecord

    workdir = Path(os.environ["CITIES_CMS_VAR_DIR"])
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("cities_cms_setup", verbosity=0, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    template = workdir / "template.sqlite3"
    template.write_bytes(Path(connection.settings_dict["NAME"]).read_bytes())
    page = make_shared_practice_model()
    publisher_seconds = time.perf_counter() - started
    cursor = OutboundRecord.objects.order_by("-sequence").values_list("sequence", flat=True)[0]
    base_url = os.environ["CITIES_CMS_FEDERATION_BASE_URL"]
    server = _server_process(workdir, base_url)
    network = None
    try:
        network = Network(
            workdir, template, count - 1, base_url, current_identity().public_key, cursor
        )
        network_seconds = time.perf_counter() - started - publisher_seconds
        rounds = no_change_rounds(network)
        fanout = push_only(network)
        spread = propagation(network, page, workdir)
    finally:
        if network is not None:
            network.close()
        server.terminate()
        server.wait(timeout=30)
    return {
        "instances": count,
        "languages": len(settings.CITIES_CMS_LANGUAGES),
        "setup_seconds": {
            "publisher": round(publisher_seconds, 1),
            "network": round(network_seconds, 1),
        },
        "no_change_round": rounds,
        "push_only": fanout,
        "propagation": spread,
        "separate_machines": separate_machines(fanout, spread),
    }


def separate_machines(fanout, spread):
    """All 99 having the change when each instance has a machine of its own (a model).

    The sender sends one notification after the other, each waiting for the receiver's 202:
    ``push_only`` measured that fan-out with the receivers idle. The worker's poll adds up to
    one second on the sender and on each receiver. The last receiver notified then pulls and
    imports in the median CPU time one pull and import took here.
    """
    interval = 1.0  # db_worker's poll
    import_cpu = spread["import_cpu_median_seconds"] or 0
    return {
        "all_have_it_seconds": round(interval + fanout["seconds"] + interval + import_cpu, 2),
        "formula": "sender poll (1 s) + measured fan-out (push_only) + receiver poll (1 s) "
        "+ median pull-and-import CPU",
    }


def standalone(count):
    """A fresh temporary directory, database and key: the publisher's environment."""
    workdir = tempfile.mkdtemp(prefix="cities_cms_bench_network_")
    os.environ.update(
        CITIES_CMS_VAR_DIR=workdir,
        CITIES_CMS_MEDIA_ROOT=os.path.join(workdir, "media"),
        DATABASE_URL=f"sqlite:///{workdir}/publisher.sqlite3",
        CITIES_CMS_FEDERATION_KEY_FILE=os.path.join(workdir, "keys", "publisher.pem"),
        CITIES_CMS_FEDERATION_BASE_URL=f"http://127.0.0.1:{free_port()}",
        DJANGO_SETTINGS_MODULE="bench.settings",
    )
    os.environ.setdefault("BENCH_LANGUAGES", "all")
    import django
    from django.conf import settings

    django.setup()
    settings.MEDIA_ROOT = os.environ["CITIES_CMS_MEDIA_ROOT"]
    figures = run(count)
    # A hundred database copies: kept only when the run failed (with the servers' logs).
    shutil.rmtree(workdir, ignore_errors=True)
    return figures


def print_figures(figures):
    if "error" in figures:
        print(f"\nNetwork: {figures['error']}")
        return
    print(f"\nNetwork of {figures['instances']} instances (no-change round of one instance):")
    print(f"{'':<12}{'requests':>9}{'KB':>8}{'seconds':>9}{'CPU s':>8}{'queries':>9}")
    for name, row in figures["no_change_round"].items():
        kilobytes = (row["bytes_sent"] + row["bytes_received"]) / 1024
        print(
            f"{name:<12}{row['requests']:>9}{kilobytes:>8.1f}{row['seconds']:>9.2f}"
            f"{row['cpu_seconds']:>8.2f}{row['queries']:>9}"
        )
    push, spread = figures["push_only"], figures["propagation"]
    print(
        f"Push fan-out: {push['notifications']} notifications in {push['seconds']} s; "
        f"a change reached {spread['received']} of {spread['receivers']} in "
        f"{spread['all_have_it_seconds']} s on this machine, "
        f"{figures['separate_machines']['all_have_it_seconds']} s modelled on separate machines"
    )


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    figures = standalone(int(arguments[0]) if arguments else COUNT)
    # --json-line: one line, for python -m bench (bench/__main__.py)
    print(json.dumps(figures) if "--json-line" in sys.argv else json.dumps(figures, indent=2))
