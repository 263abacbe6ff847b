"""What the end-to-end test does inside each instance (``manage.py shell -c`` calls these).

Each function prints one JSON line that the test reads.
"""

import json

from django.db import transaction


def _out(value):
    print("E2E " + json.dumps(value, default=str))


def prepare(port):
    """A network site as the default site's root (the tests' builder), at 127.0.0.1:port."""
    from wagtail.models import Site

    from cities_cms.federation.identity import current_identity, ensure_key
    from tests.utils import build_site

    ensure_key()
    tree = build_site()
    Site.objects.filter(pk=tree.site.pk).update(hostname="127.0.0.1", port=int(port))
    _out({"key_id": current_identity().key_id, "fingerprint": current_identity().fingerprint})


def share():
    """A shared, network-approved practice model in English and Latvian with an image."""
    from cities_cms.federation import records
    from cities_cms.pages import PracticeModelIndexPage
    from tests.utils import make_image, make_shared_practice_model, translate

    index = PracticeModelIndexPage.objects.get(locale__language_code="en")
    image = make_image("Night bus at the depot", width=64, height=48, colour=(200, 40, 40))
    page = make_shared_practice_model(
        index,
        title="Night buses",
        slug="night-buses",
        summary="Buses all night long.",
        listing_image=image,
        gallery=json.dumps(
            [
                {
                    "type": "gallery",
                    "value": {
                        "heading": "",
                        "images": [
                            {
                                "image": {
                                    "image": image.pk,
                                    "alt_text": "A red night bus",
                                    "decorative": False,
                                },
                                "caption": "At the depot",
                            }
                        ],
                    },
                }
            ]
        ),
    )
    translate(
        page, "lv", title="Nakts autobusi", slug="nakts-autobusi", summary="Autobusi visu nakti."
    )
    records.refresh(page.translation_key)
    _out({"page_id": page.pk, "global_id": str(page.translation_key)})


def edit(title):
    """Publish a new title (through network approval), as an editor would."""
    from cities_cms.pages import PracticeModelPage
    from tests.utils import approve_for_network

    page = PracticeModelPage.objects.get(slug="night-buses", locale__language_code="en")
    page.title = title
    page.summary = "Buses all night long, now every 20 minutes."
    approve_for_network(page)
    _out({"title": title})


def unshare():
    from cities_cms.pages import PracticeModelPage

    page = PracticeModelPage.objects.get(slug="night-buses", locale__language_code="en")
    page.shared = False
    page.save_revision().publish()
    _out({"shared": False})


def share_seminar():
    """A workshop open to partner cities, in English and Latvian."""
    from cities_cms.pages import SeminarIndexPage
    from tests.utils import make_seminar, translate

    index = SeminarIndexPage.objects.get(locale__language_code="en")
    page = make_seminar(
        index,
        title="Night bus planning workshop",
        slug="night-bus-workshop",
        kind="workshop",
        shared=True,
        venue_name="Bus depot, hall 2",
        online_url="https://meet.example.org/night-buses",
        languages=["en", "lv"],
    )
    translate(page, "lv", title="Nakts autobusu darbnīca", slug="nakts-autobusu-darbnica")
    _out({"page_id": page.pk, "global_id": str(page.translation_key), "url": page.full_url})


def seminar_change(status=None, shared=None):
    """Publish the workshop with a new status (postponed, cancelled) or unshare it."""
    from cities_cms.pages import SeminarPage

    page = SeminarPage.objects.get(slug="night-bus-workshop", locale__language_code="en")
    if status is not None:
        page.status = status
    if shared is not None:
        page.shared = shared
    page.save_revision().publish()
    _out({"status": page.status, "shared": page.shared})


def add_peer(base_url):
    """Add and approve another instance (as a coordinator would after comparing keys)."""
    from cities_cms.federation import peers

    with transaction.atomic():
        peer = peers.add_peer(base_url, is_local=True)
        peers.approve(peer)
    _out({"peer": peer.pk, "fingerprint": peer.key_fingerprint})


def state():
    """What this instance has received: copies, their pages and the peers' status."""
    from cities_cms.federation.models import FederatedCopy, Peer, PeerEvent
    from cities_cms.pages import PracticeModelPage, SeminarPage

    copies = []
    for copy in FederatedCopy.objects.order_by("pk"):
        model = SeminarPage if copy.kind == "seminar" else PracticeModelPage
        pages = model.objects.filter(translation_key=copy.global_id)
        copies.append(
            {
                "global_id": str(copy.global_id),
                "kind": copy.kind,
                "version": copy.version,
                "withdrawn": copy.withdrawn,
                "origin_city": copy.origin_city,
                "canonical_urls": copy.canonical_urls,
                "pages": {
                    p.locale.language_code: {
                        "title": p.title,
                        "live": p.live,
                        "url": p.full_url,
                        "parent_url": p.get_parent().full_url,
                        "status": getattr(p, "status", ""),
                    }
                    for p in pages.select_related("locale")
                },
            }
        )
    peers = [
        {
            "base_url": peer.base_url,
            "status": peer.status,
            "items_received": peer.items_received,
            "last_error": peer.last_error,
            "push_pending": peer.push_pending,
            "push_failures": peer.push_failures,
            "events": list(PeerEvent.objects.filter(peer=peer).values_list("code", flat=True)),
        }
        for peer in Peer.objects.all()
    ]
    _out({"copies": copies, "peers": peers})
