"""The federation's dashboard panel: peers that need a network coordinator's attention.

Registered from this app's ``wagtail_hooks``, so a site that does not federate has no such
panel; shown to those who may manage peers. One query for the peers, one for their count.
"""

from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks

from ..dashboard import LIMIT, DashboardPanel, Item, Listing
from .admin_views import can_manage_peers
from .models import Peer, PeerStatus

# A peer needs attention when it waits for approval, its syncs or notifications fail, or
# the last thing it sent was refused (an error newer than its last good sync).
NEEDS_ATTENTION = (
    Q(status=PeerStatus.PENDING)
    | Q(consecutive_failures__gt=0)
    | Q(push_failures__gt=0)
    | Q(last_error_at__isnull=False, last_success_at__isnull=True)
    | Q(last_error_at__gt=F("last_success_at"))
)


def _detail(peer):
    if peer.status == PeerStatus.PENDING:
        return str(_("Waiting for your approval: compare its key's fingerprint first."))
    parts = []
    if peer.consecutive_failures:
        parts.append(
            ngettext(
                "%(count)d failed sync",
                "%(count)d failed syncs in a row",
                peer.consecutive_failures,
            )
            % {"count": peer.consecutive_failures}
        )
    if peer.push_failures:
        parts.append(
            ngettext(
                "%(count)d failed notification",
                "%(count)d failed notifications",
                peer.push_failures,
            )
            % {"count": peer.push_failures}
        )
    if peer.last_error:
        parts.append(peer.last_error[:160])
    return " · ".join(parts)


def peers_needing_attention():
    peers = Peer.objects.filter(NEEDS_ATTENTION).order_by("-last_error_at", "name", "pk")
    items = [
        Item(
            title=str(peer),
            url=reverse("cities_cms_federation:peer", args=[peer.pk]),
            detail=_detail(peer),
            when=peer.last_error_at or peer.created_at,
        )
        for peer in peers[:LIMIT]
    ]
    return Listing(items, peers.count())


class PeersPanel(DashboardPanel):
    name = "cc_peers"
    order = 107
    heading = _("Federation: peers that need attention")
    help_text = _("Partner sites waiting for approval, or whose exchanges fail.")
    empty_text = _("Every peer is in order.")
    more_url_name = "cities_cms_federation:peers"

    def listing(self, board):
        return peers_needing_attention()


@hooks.register("construct_homepage_panels")
def construct_panels(request, panels):
    if can_manage_peers(request.user):
        panels.append(PeersPanel())
