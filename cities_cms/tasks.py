"""Background work through Django's tasks API (``django_tasks``), run by a worker process.

Nothing slow runs inside a request: pushes and pulls of the federation, registration e-mails,
machine drafts of a subtree and the retention purge are tasks, run by the worker of the
configured backend (``manage.py db_worker`` for the database queue of the embedded default,
``manage.py rqworker`` for Redis; README "Production").

- :func:`enqueue_on_commit` queues a task once the change that calls for it is committed, so
  the worker never runs ahead of the data and a rolled-back change queues nothing.
- The periodic work (retries of failed pushes, pulls of the peers, the retention purge) has
  one schedule: the sub-apps declare their :class:`Periodic` jobs through the Wagtail hook
  ``cities_cms_periodic_tasks``, and ``manage.py cities_cms_periodic`` (one cron line, or its
  ``--every`` loop) queues each one that is due.
"""

import datetime
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

PERIODIC_HOOK = "cities_cms_periodic_tasks"

# Work someone waits for (a peer's push and pull, a registrant's e-mail) goes ahead of bulk
# work in the queue, such as Wagtail's search index updates after an import (priority 0).
PROMPT = 10


def _queue_is_transactional(task, using=None):
    """Whether ``task`` is queued in the database of the current transaction.

    A row of django-tasks-db's queue commits or rolls back with the change itself, and the
    worker only sees it once committed: it can be queued at once (tests then need no
    on-commit capture). Any other queue (Redis) is outside the transaction.
    """
    try:
        from django_tasks_db import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - django-tasks-db is a dependency
        return False
    from django.db import router

    backend = task.get_backend()
    database = router.db_for_write(DBTaskResult)
    return isinstance(backend, DatabaseBackend) and database == (using or "default")


def prompt(task):
    """``task`` ahead of bulk work, where the backend orders by priority (the database queue;
    RQ has no priorities and refuses them)."""
    return task.using(priority=PROMPT) if task.get_backend().supports_priority else task


def enqueue_on_commit(task, *args, using=None, **kwargs):
    """Queue ``task(*args, **kwargs)`` when the current transaction commits (at once outside
    one). An error of the queue propagates, so a caller that must not fail catches it."""
    if _queue_is_transactional(task, using):
        return task.enqueue(*args, **kwargs)
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs), using=using)
    return None


@dataclass(frozen=True)
class Periodic:
    """A job of the periodic schedule: ``task`` (no arguments) at most once per ``every``.

    The task must be safe to run early or twice: "due" is remembered in the shared cache,
    and a cleared cache only makes the next run come sooner.
    """

    name: str
    every: datetime.timedelta
    task: object


def periodic_jobs():
    """Every :class:`Periodic` job that the installed apps declare, by name."""
    from wagtail import hooks

    jobs = {}
    for hook in hooks.get_hooks(PERIODIC_HOOK):
        for job in hook():
            jobs[job.name] = job
    return [jobs[name] for name in sorted(jobs)]


def enqueue_due(*, force=False):
    """Queue the periodic jobs whose time has come (all of them with ``force``).

    Returns:
        The names of the jobs queued.
    """
    queued = []
    for job in periodic_jobs():
        key = f"cities_cms:periodic:{job.name}"
        seconds = max(int(job.every.total_seconds()), 1)
        # cache.add is atomic in every shared cache: two cron runs at once queue a job once.
        if force:
            cache.set(key, True, seconds)
        elif not cache.add(key, True, seconds):
            continue
        try:
            job.task.enqueue()
        except Exception:
            cache.delete(key)  # due again on the next run
            raise
        queued.append(job.name)
    return queued
