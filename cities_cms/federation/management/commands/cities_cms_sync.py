"""``manage.py cities_cms_sync [--peer URL] [--force]``: pull approved peers now.

Without ``--peer``, every approved peer whose back-off is over (``--force``: all of them).
Shows progress (documents, documents per second, counts); ``-v0`` prints nothing.
Exit status 1 when a peer could not be synced.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ...models import Peer, PeerStatus
from ...sync import due_peers, sync_peer
from ...validate import normalise_base_url


class Command(BaseCommand):
    help = "Pull the feeds of approved federation peers and import what they share."

    def add_arguments(self, parser):
        parser.add_argument("--peer", help="The address of one peer (its base URL).")
        parser.add_argument(
            "--force", action="store_true", help="Also peers that are waiting for a retry."
        )

    def handle(self, *args, peer=None, force=False, verbosity=1, **options):
        if peer:
            base = normalise_base_url(peer)
            found = Peer.objects.filter(base_url__in=[base, base + "/"]).first()
            if found is None:
                raise CommandError(_("No peer with the address %(url)s.") % {"url": peer})
            if found.status != PeerStatus.APPROVED:
                raise CommandError(
                    _("%(url)s is not approved: nothing is fetched from it.") % {"url": peer}
                )
            peers = [found]
        else:
            # Trusted coordinators' member lists first: they may approve or pause peers.
            from ...members import sync_member_lists

            sync_member_lists()
            peers = list(Peer.objects.filter(status=PeerStatus.APPROVED) if force else due_peers())
        failed = False
        for current in peers:
            started = time.monotonic()
            interactive = verbosity >= 1 and self.stdout.isatty()

            def progress(result, current=current, started=started, interactive=interactive):
                if not interactive:
                    return
                elapsed = max(time.monotonic() - started, 1e-6)
                self.stdout.write(
                    "\r"
                    + ngettext(
                        "%(peer)s: %(received)s document (%(rate).1f/s), %(imported)s "
                        "imported, %(unchanged)s unchanged, %(tombstones)s withdrawn, "
                        "%(refused)s refused",
                        "%(peer)s: %(received)s documents (%(rate).1f/s), %(imported)s "
                        "imported, %(unchanged)s unchanged, %(tombstones)s withdrawn, "
                        "%(refused)s refused",
                        result.received,
                    )
                    % {
                        "peer": current.base_url,
                        "received": result.received,
                        "rate": result.received / elapsed,
                        "imported": result.imported,
                        "unchanged": result.unchanged,
                        "tombstones": result.tombstones,
                        "refused": result.refused,
                    },
                    ending="",
                )
                self.stdout.flush()

            result = sync_peer(current, progress=progress)
            if interactive and result.received:
                self.stdout.write("")
            failed = failed or result.failed
            if verbosity >= 1:
                rate = result.received / result.seconds if result.seconds else 0
                summary = ngettext(
                    "%(peer)s: %(received)s document in %(seconds).1f s (%(rate).1f/s, HTTP "
                    "requests: %(requests)s): %(imported)s imported or updated, %(unchanged)s "
                    "unchanged, %(tombstones)s withdrawn, %(refused)s refused.",
                    "%(peer)s: %(received)s documents in %(seconds).1f s (%(rate).1f/s, HTTP "
                    "requests: %(requests)s): %(imported)s imported or updated, %(unchanged)s "
                    "unchanged, %(tombstones)s withdrawn, %(refused)s refused.",
                    result.received,
                ) % {
                    "peer": current.base_url,
                    "received": result.received,
                    "seconds": result.seconds,
                    "rate": rate,
                    "requests": result.requests,
                    "imported": result.imported,
                    "unchanged": result.unchanged,
                    "tombstones": result.tombstones,
                    "refused": result.refused,
                }
                if result.failed:
                    self.stderr.write(
                        summary + " " + _("Failed: %(error)s") % {"error": result.error}
                    )
                else:
                    self.stdout.write(summary)
        if not peers and verbosity >= 1:
            self.stdout.write(_("No approved peer is due for a sync."))
        # Push notifications that failed earlier and are due for a retry (push.py).
        from ...push import push_due

        push_due()
        if failed:
            raise CommandError(_("At least one peer could not be synced."))
