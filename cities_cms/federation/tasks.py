"""Background tasks of the federation (django_tasks).

``sync_peer_task(peer_id)``: pull one approved peer now (scheduled by a push notification,
by the admin's "sync now", or by a periodic ``manage.py cities_cms_sync``).
"""

from django_tasks import task


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
