"""Background tasks of the federation (django_tasks), run by the task worker.

- ``sync_peer_task(peer_id)``: pull one approved peer (queued by a push notification that
  the inbox accepted, and by the admin's "sync now").
- ``push_task()``: send the due push notifications (queued when the outbound feed changes,
  and periodically for the retries).
- ``sync_due_task()``: the periodic pull: the trusted member lists, then a ``sync_peer_task``
  for each approved peer whose back-off is over.

The periodic jobs are declared in ``wagtail_hooks.py`` (``cities_cms.tasks.Periodic``).
"""

from django_tasks import task

from ..tasks import prompt


@task()
def sync_peer_task(peer_id):
    """Pull one peer; returns the counts of the run (nothing for unknown or unapproved peers)."""
    from .models import Peer
    from .sync import sync_peer

    peer = Peer.objects.filter(pk=peer_id).first()
    if peer is None:
        return None
    result = sync_peer(peer)
    return {
        "received": result.received,
        "imported": result.imported,
        "unchanged": result.unchanged,
        "refused": result.refused,
        "tombstones": result.tombstones,
        "requests": result.requests,
        "failed": result.failed,
    }


@task()
def sync_due_task():
    """Queue a pull of every peer that is due (after the trusted member lists are read)."""
    from .members import sync_member_lists
    from .sync import due_peers

    # Member lists first: they may approve or pause peers.
    sync_member_lists()
    # One task per peer: several workers pull several peers at once, and one slow peer does
    # not hold up the others.
    peer_ids = list(due_peers().order_by("pk").values_list("pk", flat=True))
    for peer_id in peer_ids:
        prompt(sync_peer_task).enqueue(peer_id)
    return peer_ids
