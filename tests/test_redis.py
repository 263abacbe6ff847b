"""Redis for the cache and the task queue (REDIS_URL), tested live against a throwaway
``redis-server`` on loopback (tests/harness/redis.py).

Without ``redis-server`` these tests skip; with ``CITIES_CMS_REQUIRE_REDIS=1`` (CI) they fail.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings

from cities_cms.federation.models import Peer, PeerStatus
from cities_cms.federation.tasks import sync_peer_task
from cities_cms.tasks import enqueue_on_commit

from .federation.loopback import LoopbackPeer, other_identity
from .harness import redis as harness

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def redis_url():
    try:
        with harness.redis_server() as url:
            yield url
    except harness.Unavailable as exc:
        if harness.required():
            pytest.fail(f"{exc} ({harness.REQUIRE_ENV}=1)", pytrace=False)
        pytest.skip(str(exc))


def production_settings(redis_url, code):
    """Run ``code`` in a new process with the production settings and REDIS_URL; its JSON."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DJANGO_SETTINGS_MODULE": "site_project.settings.production",
        "SECRET_KEY": "redis-test-not-secret",
        "ALLOWED_HOSTS": "city.example",
        "REDIS_URL": redis_url,
    }
    env.pop("DATABASE_URL", None)
    script = f"import django, json; django.setup(); {code}"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_redis_url_switches_the_cache_and_the_task_queue(redis_url):
    """Production settings with REDIS_URL: Django's Redis cache and the RQ task backend; a
    value cached by another process (another web process) is seen here, and back."""
    redis_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": redis_url,
    }
    with override_settings(CACHES={"default": redis_cache}):
        caches["default"].set("from-the-test", "visible to every process", 60)
        seen = production_settings(
            redis_url,
            "from django.conf import settings; from django.core.cache import cache; "
            "from django_tasks import task_backends; b = task_backends['default']; "
            "cache.set('from-another-process', 'hello', 60); "
            "print(json.dumps([settings.CACHES['default']['BACKEND'], type(b).__name__, "
            "cache.get('from-the-test')]))",
        )
        assert seen == [
            "django.core.cache.backends.redis.RedisCache",
            "RQBackend",
            "visible to every process",
        ]
        assert caches["default"].get("from-another-process") == "hello"
        caches["default"].clear()


@pytest.mark.django_db
def test_the_redis_worker_pulls_what_the_inbox_queued(
    redis_url, settings, django_capture_on_commit_callbacks
):
    """A pull queued in Redis after the commit, run by an RQ worker (in this process, so it
    sees the test's database): the peer's feed server is asked only by the worker."""
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default", job_class=Job)
    queue.empty()
    with LoopbackPeer() as remote:
        remote.serve("/federation/feed/", {"items": [], "next": "0", "more": False})
        peer = Peer.objects.create(
            base_url=remote.base_url,
            status=PeerStatus.APPROVED,
            public_key=other_identity().public_key,
            is_local=True,
        )
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_on_commit(sync_peer_task, peer.pk)
            assert queue.count == 0  # Redis is outside the transaction: only after commit
        assert queue.count == 1
        assert remote.requests == []

        worker = django_rq.get_worker("default", job_class=Job, worker_class=SimpleWorker)
        assert worker.work(burst=True)
        assert [r["path"].split("?")[0] for r in remote.requests] == ["/federation/feed/"]
    assert queue.count == 0
    peer.refresh_from_db()
    assert peer.last_success_at is not None
