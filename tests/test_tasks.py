"""Background work: the task queue of the reference site, the periodic schedule and the
system check that warns when a production site would run its tasks inline."""

import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from cities_cms.checks import check_task_backend
from cities_cms.federation.models import Peer, PeerStatus
from cities_cms.tasks import enqueue_due, enqueue_on_commit

from .federation.loopback import LoopbackPeer, other_identity
from .utils import queued_tasks, run_tasks

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

PERIODIC = ["federation-pull", "federation-push-retries", "registration-retention-purge"]


def test_the_reference_site_queues_in_the_database_and_does_not_warn(settings):
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert check_task_backend(None) == []


@pytest.mark.parametrize("tasks", [IMMEDIATE, DUMMY])
def test_production_with_inline_tasks_is_warned(tasks):
    # django_tasks forgets its backends when TASKS changes (its setting_changed receiver).
    with override_settings(TASKS=tasks, DEBUG=False):
        [warning] = check_task_backend(None)
        assert warning.id == "cities_cms.W020"
        assert "db_worker" in warning.hint
        with override_settings(DEBUG=True):
            assert check_task_backend(None) == []  # development may run tasks inline


@pytest.mark.django_db
def test_periodic_schedule_queues_what_is_due_once(settings):
    """One cron line (``cities_cms_periodic``) queues each job when its interval is over."""
    out = io.StringIO()
    call_command("cities_cms_periodic", "--list", stdout=out)
    assert [line.split(":")[0] for line in out.getvalue().splitlines()] == PERIODIC

    assert enqueue_due() == PERIODIC
    assert sorted(queued_tasks()) == ["purge_registrations", "push_task", "sync_due_task"]
    assert enqueue_due() == []  # not due again before its interval
    assert enqueue_due(force=True) == PERIODIC
    run_tasks()
    assert queued_tasks() == []


@pytest.mark.django_db
def test_periodic_pull_queues_one_pull_per_due_peer_and_the_worker_runs_them():
    with LoopbackPeer() as remote:
        remote.serve("/federation/feed/", {"items": [], "next": "0", "more": False})
        peer = Peer.objects.create(
            base_url=remote.base_url,
            status=PeerStatus.APPROVED,
            public_key=other_identity().public_key,
            is_local=True,
        )
        Peer.objects.create(base_url="https://pending.example")  # not approved: not pulled
        out = io.StringIO()
        call_command("cities_cms_periodic", "--force", stdout=out)
        assert "federation-pull" in out.getvalue()
        assert remote.requests == []  # the command only queues
        results = run_tasks()
        names = [result.task.name for result in results]
        assert "sync_due_task" in names and names.count("sync_peer_task") == 1
        assert len(remote.requests) == 1
    peer.refresh_from_db()
    assert peer.last_success_at is not None


@pytest.mark.django_db
def test_a_queue_outside_the_database_gets_the_task_after_the_commit(
    django_capture_on_commit_callbacks,
):
    from django_tasks import default_task_backend

    from cities_cms.registration.tasks import purge_registrations

    with override_settings(TASKS=DUMMY):
        default_task_backend.clear()
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_on_commit(purge_registrations)
            assert default_task_backend.results == []
        assert [r.task.name for r in default_task_backend.results] == ["purge_registrations"]
        default_task_backend.clear()
    # The database queue commits (or rolls back) with the change itself: queued at once.
    enqueue_on_commit(purge_registrations)
    assert queued_tasks() == ["purge_registrations"]
