"""The other instances of the network benchmark (bench/network.py), all in this one process.

``python -m bench.network_instances WORKDIR TEMPLATE COUNT PUBLISHER_URL PUBLISHER_KEY CURSOR``
builds COUNT instances, prints one JSON line (their addresses, keys and feed sequences),
then answers commands, one JSON line each, read from stdin: ``counters``, ``events``,
``state GLOBAL_ID``, ``hold`` and ``release`` (the workers' queues), ``relay on|off`` (the
hub's ``CITIES_CMS_FEDERATION_RELAY``), ``stop``.

Each instance is a site of its own as far as the federation code can tell:

- its own SQLite database, a copy of TEMPLATE (the publisher's database right after
  ``migrate`` and ``cities_cms_setup``: the reference site's ten languages, synchronised
  trees);
- its own HTTP server on 127.0.0.1 (a port each) answering through Django's WSGI handler: the
  real feed, inbox and member-list views;
- its own task worker: django-tasks-db's ``Worker`` loop, polling every second as ``manage.py
  db_worker`` does by default;
- its own Ed25519 key for the documents it serves.

Django keeps database connections and caches per thread, so a request's thread and a worker's
thread bind ``default`` to their instance's database and a cache of its own (``bind``): the
instances share code, never data. Shared, and the figures say so: the CPU (two cores and one
GIL for all of them) and the process's key file (the hub's), which the others' code only
consults to refuse documents signed with it.

Instance 0 is the coordinator (hub): it has approved the others and the publisher, serves the
member list and, while relaying is on, its relay feed (docs/federation.md §7): every member's
envelope is kept there as the package's relay keeps what a member serves it
(``relay.keep``), beside the hub's own record. The setting is the process's, so every
instance "relays" while it is on; only the hub has members' documents, and ``relay off``
before the propagation keeps the others from relaying the publisher's change. Instances
1 ... COUNT-1 serve one shared practice model each. Every instance has the
publisher as an approved peer whose cursor is CURSOR, the publisher's latest sequence (as if
it had pulled everything before), so a change the publisher makes is all its next pull brings.
"""

import json
import os
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

WORKER_INTERVAL = 1.0  # seconds: manage.py db_worker's default
_local = threading.local()
_lock = threading.Lock()
_events = []
_held = threading.Event()  # set: the workers leave their queues alone ("hold")


class Instance:
    def __init__(self, index, path):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from cities_cms.federation.identity import Identity, raw_public_key

        key = Ed25519PrivateKey.generate()
        self.index, self.path = index, path
        self.identity = Identity(key, raw_public_key(key.public_key()))
        self.counters = {"requests": 0, "bytes_in": 0, "bytes_out": 0}
        self.server = self.worker = None
        self.base_url = ""
        self.queued = threading.Event()  # something was queued since the worker last looked


def bind(instance):
    """Point this thread's ``default`` database and cache at ``instance``'s own."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache
    from django.db import connections
    from django.db.utils import load_backend

    current = getattr(_local, "instance", None)
    if current is instance:
        return
    if current is not None:
        connections["default"].close()
    settings_dict = {**connections.settings["default"], "NAME": str(instance.path)}
    backend = load_backend(settings_dict["ENGINE"])
    connections["default"] = backend.DatabaseWrapper(settings_dict, "default")
    caches["default"] = LocMemCache(f"bench-network-{instance.index}", {})
    _local.instance = instance


def record(kind, **values):
    instance = getattr(_local, "instance", None)
    with _lock:
        _events.append(
            {"kind": kind, "at": time.time(), "instance": instance and instance.index, **values}
        )


class _Counting:
    """A socket file that adds what passes through it to its instance's byte counters."""

    def __init__(self, raw, counters, name):
        self.raw, self.counters, self.name = raw, counters, name

    def _add(self, size):
        with _lock:
            self.counters[self.name] += size

    def read(self, *args):
        data = self.raw.read(*args)
        self._add(len(data))
        return data

    def readline(self, *args):
        data = self.raw.readline(*args)
        self._add(len(data))
        return data

    def write(self, data):
        self._add(len(data))
        return self.raw.write(data)

    def __getattr__(self, name):
        return getattr(self.raw, name)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _Handler(QuietHandler):
    def setup(self):
        super().setup()
        counters = self.server.instance.counters
        with _lock:
            counters["requests"] += 1
        self.rfile = _Counting(self.rfile, counters, "bytes_in")
        self.wfile = _Counting(self.wfile, counters, "bytes_out")


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # a hundred peers may knock at once


def serve(instance, django_app):
    """Start ``instance``'s HTTP server on a free loopback port (a thread per request)."""

    def app(environ, start_response):
        bind(instance)
        cpu = time.thread_time()
        status = []

        def recording_start_response(line, headers, *args):
            status.append(int(line.split()[0]))
            return start_response(line, headers, *args)

        result = django_app(environ, recording_start_response)
        try:
            body = b"".join(result)
        finally:
            result.close()  # request_finished: Django closes the connection
        if environ["PATH_INFO"] == "/federation/inbox/":
            record("inbox", status=status[0], cpu=round(time.thread_time() - cpu, 4))
        return [body]

    server = make_server("127.0.0.1", 0, app, server_class=Server, handler_class=_Handler)
    server.instance = instance
    instance.server = server
    instance.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()


def work(instance):
    """``manage.py db_worker`` for ``instance``, in a thread of its own.

    The real worker polls its queue every second. Ninety-nine threads doing so in one process
    would spend the GIL on empty polls that, on ninety-nine machines, cost nothing to anyone
    else; so this worker keeps the one-second ticks (a task waits for the next tick, as with
    db_worker) but only queries the queue on a tick after something was queued in this
    instance (``task_enqueued``, once committed). The tasks then run in django-tasks-db's own
    ``Worker`` loop (``--batch``: until the queue is empty).
    """
    import random

    from django_tasks_db.management.commands.db_worker import Worker

    bind(instance)
    instance.worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"bench-network-{instance.index}",
    )
    time.sleep(random.random() * WORKER_INTERVAL)  # as db_worker's startup delay
    while instance.worker.running:
        if instance.queued.is_set() and not _held.is_set():
            instance.queued.clear()
            instance.worker.run()
        time.sleep(WORKER_INTERVAL)


def _task_enqueued(sender, task_result, **kwargs):
    from django.db import transaction

    instance = getattr(_local, "instance", None)
    if instance is not None:
        transaction.on_commit(instance.queued.set)


def _task_started(sender, task_result, **kwargs):
    _local.task_cpu = time.thread_time()


def _task_finished(sender, task_result, **kwargs):
    cpu = time.thread_time() - getattr(_local, "task_cpu", time.thread_time())
    value = task_result.return_value if task_result.status == "SUCCESSFUL" else None
    record(
        "task",
        name=task_result.task.name,
        status=str(task_result.status),
        cpu=round(cpu, 4),
        value=value,
    )


def member_document(instance, number):
    """One small shared practice model, signed by ``instance`` (a valid protocol document)."""
    from cities_cms.federation.schema import PROTOCOL

    title = f"Practice {number} of member {instance.index}"
    return {
        "protocol": PROTOCOL,
        "type": "practice-model",
        "id": str(uuid.uuid4()),
        "version": 1,
        "origin": {
            "base_url": instance.base_url,
            "key_id": instance.identity.key_id,
            "city": {"name": f"Member {instance.index}", "country": "LV"},
        },
        "updated_at": "2026-12-01T08:00:00Z",
        "source_locale": "en",
        "canonical": {"en": f"{instance.base_url}/en/practice-models/{number}/"},
        "licence": "CC-BY-4.0",
        "attribution": {"organisation": f"City {instance.index}", "contact": None},
        "themes": ["housing"],
        "fields": {
            "status": "implemented",
            "start_year": 2020,
            "end_year": None,
            "evidence_level": "monitored",
            "budget": "1000.00",
        },
        "locales": {
            "en": {
                "title": title,
                "slug": "",
                "search_description": "",
                "summary": f"{title}: a summary.",
                "challenge": "<p>The challenge.</p>",
                "approach": "<p>The approach.</p>",
                "results": "<p>Results.</p>",
                "evidence": "",
                "transferability": "",
                "resources": "",
                "staff": "",
                "duration": "",
                "indicators": [],
                "body": [],
                "gallery": [],
                "documents": [],
                "listing_image": None,
                "stakeholders": [],
            }
        },
        "media": [],
    }


def _add_records(envelopes):
    from cities_cms.federation.models import OutboundCounter, OutboundRecord

    for sequence, envelope in enumerate(envelopes, start=1):
        document = envelope["document"]
        OutboundRecord.objects.create(
            global_id=document["id"],
            version=document["version"],
            sequence=sequence,
            envelope=envelope,
        )
    OutboundCounter.objects.update_or_create(pk=1, defaults={"value": len(envelopes)})
    return len(envelopes)


def _relay(peers, envelopes, own_envelope):
    """The hub: its own record, then each member's envelope kept for its relay feed."""
    from cities_cms.federation.models import OutboundCounter
    from cities_cms.federation.relay import keep

    _add_records([own_envelope])  # sequence 1; the counter follows
    for index, envelope in envelopes.items():
        assert keep(peers[index], peers[index], envelope), index
    return OutboundCounter.objects.get(pk=1).value


def _approved_peer(base_url, public_key, **extra):
    from cities_cms.federation.identity import format_fingerprint
    from cities_cms.federation.models import Peer, PeerStatus
    from cities_cms.federation.signing import key_id_of

    return Peer.objects.create(
        base_url=base_url,
        name=extra.pop("name", base_url),
        status=PeerStatus.APPROVED,
        offered_public_key=public_key,
        public_key=public_key,
        key_fingerprint=format_fingerprint(key_id_of(public_key)),
        is_local=True,
        **extra,
    )


def build(workdir, template, count, publisher_url, publisher_key, cursor):
    """One copy of ``template`` per instance, each instance's server, peers, feed and worker."""
    from django.db import connection

    started = time.perf_counter()
    instances = []
    for index in range(count):
        path = Path(workdir) / f"instance-{index}.sqlite3"
        shutil.copyfile(template, path)
        instances.append(Instance(index, path))
    from django.core.wsgi import get_wsgi_application

    from cities_cms.federation.identity import current_identity

    # The hub signs its member list with the process's key (members.py signs with this
    # instance's own key, current_identity()).
    instances[0].identity = current_identity()
    django_app = get_wsgi_application()
    for instance in instances:
        serve(instance, django_app)
    hub, members = instances[0], instances[1:]
    envelopes = {}
    from cities_cms.federation.signing import sign_document

    for member in members:
        envelopes[member.index] = sign_document(member_document(member, 1), member.identity)
    sequences = {}
    from wagtail.models import Site

    for instance in instances:
        bind(instance)
        # Its address (outbound.base_url(): the default site's, as no setting gives one here).
        Site.objects.filter(is_default_site=True).update(
            hostname="127.0.0.1", port=instance.server.server_address[1]
        )
        _approved_peer(publisher_url, publisher_key, name="Publisher", cursor=str(cursor))
        if instance is hub:
            peers = {
                member.index: _approved_peer(member.base_url, member.identity.public_key)
                for member in members
            }
            own = sign_document(member_document(hub, 1), hub.identity)
            sequences[0] = _relay(peers, envelopes, own)
        else:
            sequences[instance.index] = _add_records([envelopes[instance.index]])
    connection.close()
    _local.instance = None
    for instance in instances:
        threading.Thread(target=work, args=(instance,), daemon=True).start()
    return instances, {
        "setup_seconds": round(time.perf_counter() - started, 1),
        "instances": [
            {
                "index": instance.index,
                "base_url": instance.base_url,
                "public_key": instance.identity.public_key,
                "last_sequence": sequences[instance.index],
            }
            for instance in instances
        ],
    }


def state(instances, global_id):
    """Per instance: the version of ``global_id`` it holds (None: not received)."""
    from django.db import connection

    from cities_cms.federation.models import FederatedCopy

    versions = {}
    for instance in instances:
        bind(instance)
        versions[instance.index] = (
            FederatedCopy.objects.filter(global_id=global_id)
            .values_list("version", flat=True)
            .first()
        )
    connection.close()
    _local.instance = None
    return versions


def main(argv):
    workdir, template, count, publisher_url, publisher_key, cursor = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    # A hundred instances' threads share one GIL here: a thread waking from I/O (a request,
    # a query) waits up to the switch interval for a busy one to yield, once per I/O. 5 ms
    # (Python's default) made an inbox answer take half a second; machines of their own
    # would not wait at all.
    sys.setswitchinterval(0.0005)
    from django.test import override_settings
    from django_tasks.signals import task_enqueued, task_finished, task_started

    from cities_cms.federation.identity import ensure_key

    # The hub serves its member list (docs/federation.md §8) and relays (§7).
    override_settings(CITIES_CMS_FEDERATION_PUBLISH_MEMBER_LIST=True).enable()
    relay_off = override_settings(CITIES_CMS_FEDERATION_RELAY=False)
    override_settings(CITIES_CMS_FEDERATION_RELAY=True).enable()
    relaying_off = False
    ensure_key()
    task_enqueued.connect(_task_enqueued)
    task_started.connect(_task_started)
    task_finished.connect(_task_finished)
    instances, ready = build(
        workdir, template, int(count), publisher_url, publisher_key, int(cursor)
    )
    print(json.dumps(ready), flush=True)
    for line in sys.stdin:
        command, _sep, argument = line.strip().partition(" ")
        if command == "counters":
            with _lock:
                answer = {i.index: dict(i.counters) for i in instances}
                for instance in instances:
                    instance.counters.update(requests=0, bytes_in=0, bytes_out=0)
        elif command == "events":
            with _lock:
                answer = list(_events)
                _events.clear()
        elif command in ("hold", "release"):
            _held.set() if command == "hold" else _held.clear()
            answer = command
        elif command == "relay":
            if (argument == "off") != relaying_off:
                relay_off.enable() if argument == "off" else relay_off.disable()
                relaying_off = argument == "off"
            answer = argument
        elif command == "state":
            answer = state(instances, argument)
        else:
            break
        print(json.dumps(answer), flush=True)
    for instance in instances:
        if instance.worker is not None:
            instance.worker.running = False
        instance.server.shutdown()
        instance.server.server_close()
    print(json.dumps({"stopped": True}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
