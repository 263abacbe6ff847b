"""Feed sequences under concurrent writers (cities_cms.federation.records).

A module of its own: it needs real transactions in two threads, and the other outbound tests
hold a module-wide transaction (``site_tree``) that would keep SQLite's write lock.
"""

import uuid

import pytest

from cities_cms.federation import records
from cities_cms.federation.models import OutboundRecord


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_commit_in_sequence_order(federation_key):
    """A writer waits for the counter's lock: sequences are handed out in commit order."""
    import threading
    import time

    from django.db import connection, transaction

    def document(key):
        return {
            "protocol": "cities-cms/1",
            "type": "tombstone",
            "id": key,
            "version": 0,
            "origin": {},
            "reason": "deleted",
            "updated_at": "",
        }

    first_key, second_key = str(uuid.uuid4()), str(uuid.uuid4())
    first_locked = threading.Event()
    done = {}

    def first():
        try:
            with transaction.atomic():
                record = records._store(first_key, document(first_key), "a", None)
                first_locked.set()
                time.sleep(0.6)  # hold the lock: the second writer must wait
            done["first"] = (record.sequence, time.monotonic())
        finally:
            first_locked.set()
            connection.close()

    def second():
        try:
            first_locked.wait(5)
            with transaction.atomic():
                record = records._store(second_key, document(second_key), "b", None)
            done["second"] = (record.sequence, time.monotonic())
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert set(done) == {"first", "second"}
    assert done["second"][0] > done["first"][0]
    assert done["second"][1] >= done["first"][1]
    assert OutboundRecord.objects.count() == 2
