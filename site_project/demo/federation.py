"""Practice models "shared by partner cities" in the demo, received through federation (and
the partner's seminars: ``partner_seminars.py``).

The demo imagines that Havenwaard (a fictional partner city of the demo network) runs its own
cities_cms site. This module plays that site: it has its own Ed25519 key (derived from a
fixed demo-only seed, so every run gives the same key; never use it for anything real),
builds a few signed practice-model documents in English, Latvian and Polish, and hands them
to this site's real importer (``cities_cms.federation.sync.import_envelope``), exactly as
a sync would after downloading them. No network is needed: the documents carry no images.

The partner is added as an approved peer (its key pinned) and then paused: it has no real
address to sync from. Its copies stay, read-only in the admin, and the network home lists
them under "Shared by partner cities". Running the demo again imports nothing new (same
versions). For two real instances talking to each other, see ``make demo-peer`` (README).
"""

import hashlib
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cities_cms.federation.identity import Identity, format_fingerprint, raw_public_key
from cities_cms.federation.models import Peer, PeerStatus
from cities_cms.federation.signing import sign_document

PARTNER_URL = "https://havenwaard.example"
PARTNER_CITY = {"name": "Havenwaard", "country": "NL"}
# 2: the documents say how their results are known ("described": evidence_level was "",
# which the protocol schema does not allow); a demo built before takes the new version.
VERSION = 2
NAMESPACE = uuid.UUID("0b7c1d4e-5a1f-4c3e-9f0a-6d2b8e4c1a77")


def partner_identity() -> Identity:
    seed = hashlib.sha256(b"cities_cms demo partner Havenwaard - not a secret").digest()
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    return Identity(private_key, raw_public_key(private_key.public_key()))


def _p(text):
    return f"<p>{text}</p>"


# (slug, status, start year, themes, {locale: (title, summary, challenge, approach, results)})
PRACTICE_MODELS = [
    (
        "harbour-quarter-residents-panel",
        "implemented",
        2014,
        ["participatory-democracy", "regeneration"],
        {
            "en": (
                "Harbour quarter residents' panel",
                "Forty residents chosen by lot advise the city on the old harbour's new uses.",
                "The old harbour emptied when the port moved, and plans drawn by the city "
                "alone had twice been rejected by the neighbourhood.",
                "A panel of forty residents, drawn by lot each year, meets monthly with "
                "planners and votes recommendations that the council must answer in writing.",
                "The third plan for the harbour quarter was adopted without objections.",
            ),
            "lv": (
                "Ostas kvartāla iedzīvotāju padome",
                "Četrdesmit ar izlozi izvēlēti iedzīvotāji konsultē pilsētu par vecās ostas "
                "jauno izmantojumu.",
                "Kad osta pārcēlās, vecā osta iztukšojās, un pilsētas vienpusēji izstrādātos "
                "plānus apkaime divreiz noraidīja.",
                "Ik gadu ar izlozi izvēlēta četrdesmit iedzīvotāju padome reizi mēnesī tiekas "
                "ar plānotājiem un balso par ieteikumiem, uz kuriem dome atbild rakstiski.",
                "Trešo ostas kvartāla plānu pieņēma bez iebildumiem.",
            ),
            "pl": (
                "Panel mieszkańców dzielnicy portowej",
                "Czterdziestu mieszkańców wybranych w losowaniu doradza miastu w sprawie "
                "nowych funkcji starego portu.",
                "Po przeniesieniu portu stary port opustoszał, a plany miasta dwukrotnie "
                "odrzuciła okolica.",
                "Panel czterdziestu mieszkańców, losowany co roku, spotyka się co miesiąc z "
                "planistami i przyjmuje rekomendacje, na które rada odpowiada na piśmie.",
                "Trzeci plan dzielnicy portowej przyjęto bez sprzeciwów.",
            ),
        },
    ),
    (
        "cargo-bike-logistics-hub",
        "pilot",
        2019,
        ["mobility", "climate"],
        {
            "en": (
                "Cargo bike logistics hub",
                "Parcels for the historic centre arrive at one hub and leave by cargo bike.",
                "Delivery vans blocked the narrow streets of the centre every morning.",
                "Carriers deliver to a shared hub at the edge of the centre; a cooperative of "
                "riders takes parcels the last kilometre by electric cargo bike.",
                "Van trips into the centre fell by a third in the pilot's first year.",
            ),
            "lv": (
                "Kravas velosipēdu loģistikas centrs",
                "Sūtījumi vēsturiskajam centram nonāk vienā centrā un tālāk dodas ar kravas "
                "velosipēdu.",
                "Piegādes furgoni katru rītu aizšķērsoja centra šaurās ielas.",
                "Pārvadātāji piegādā sūtījumus kopīgam centram centra malā; braucēju "
                "kooperatīvs pēdējo kilometru veic ar elektriskiem kravas velosipēdiem.",
                "Pirmajā izmēģinājuma gadā furgonu braucienu uz centru kļuva par trešdaļu mazāk.",
            ),
            "pl": (
                "Centrum logistyczne rowerów towarowych",
                "Przesyłki do historycznego centrum trafiają do jednego punktu i dalej "
                "jadą rowerem towarowym.",
                "Furgonetki dostawcze co rano blokowały wąskie ulice centrum.",
                "Przewoźnicy dostarczają do wspólnego punktu na skraju centrum; spółdzielnia "
                "kurierów wiezie paczki ostatni kilometr elektrycznymi rowerami towarowymi.",
                "W pierwszym roku pilotażu kursów furgonetek do centrum było o jedną "
                "trzecią mniej.",
            ),
        },
    ),
]


def _locale(slug, title, summary, challenge, approach, results):
    return {
        "title": title,
        "slug": slug,
        "search_description": "",
        "summary": summary,
        "challenge": _p(challenge),
        "approach": _p(approach),
        "results": _p(results),
        "evidence": "",
        "transferability": "",
        "resources": "",
        "staff": "",
        "duration": "",
        "indicators": [],
        "body": [],
        "gallery": [],
        "documents": [],
        "stakeholders": [],
    }


def documents(identity: Identity) -> list[dict]:
    origin = {"base_url": PARTNER_URL, "key_id": identity.key_id, "city": PARTNER_CITY}
    result = []
    for slug, status, start_year, themes, texts in PRACTICE_MODELS:
        global_id = str(uuid.uuid5(NAMESPACE, slug))
        result.append(
            {
                "protocol": "cities-cms/1",
                "type": "practice-model",
                "id": global_id,
                "version": VERSION,
                "origin": origin,
                "updated_at": "2026-11-24T08:00:00Z",
                "source_locale": "en",
                "canonical": {
                    code: f"{PARTNER_URL}/{'' if code == 'en' else code + '/'}practice-models/"
                    f"{slug}/"
                    for code in texts
                },
                "licence": "CC-BY-4.0",
                "attribution": {"organisation": "City of Havenwaard", "contact": None},
                "themes": themes,
                "fields": {
                    "status": status,
                    "start_year": start_year,
                    "end_year": None,
                    "evidence_level": "described",
                    "budget": None,
                },
                "locales": {
                    code: _locale(slug if code == "en" else "", *values)
                    for code, values in texts.items()
                },
                "media": [],
            }
        )
    return result


def load_partner_copies(count=None):
    """Import the partner's practice models (idempotent). Returns the import outcomes."""
    from cities_cms.federation.sync import import_envelope

    identity = partner_identity()
    peer, created = Peer.objects.get_or_create(
        base_url=PARTNER_URL,
        defaults={
            "name": "Cities of change – Havenwaard (demo partner)",
            "city_name": PARTNER_CITY["name"],
            "offered_public_key": identity.public_key,
            "public_key": identity.public_key,
            "key_fingerprint": format_fingerprint(identity.key_id),
            "status": PeerStatus.APPROVED,
        },
    )
    if peer.public_key != identity.public_key:
        return []  # someone re-pinned it by hand: leave their decision alone
    was = peer.status
    if was != PeerStatus.APPROVED:
        Peer.objects.filter(pk=peer.pk).update(status=PeerStatus.APPROVED)
        peer.status = PeerStatus.APPROVED
    from .partner_seminars import seminar_documents

    origin = {"base_url": PARTNER_URL, "key_id": identity.key_id, "city": PARTNER_CITY}
    sent = documents(identity) + seminar_documents(origin, PARTNER_URL, NAMESPACE, VERSION)
    outcomes = [import_envelope(peer, sign_document(doc, identity)) for doc in sent]
    # It has no real address: paused, so syncs leave it alone; its copies stay.
    Peer.objects.filter(pk=peer.pk).update(status=PeerStatus.PAUSED)
    if count is not None:
        for outcome in outcomes:
            kind = {"imported": "created", "updated": "updated"}.get(outcome.status, "unchanged")
            count.add("shared by partners", kind)
    return outcomes


def approve_shared_practice_models(user, count=None):
    """Network approval of the demo's own shared practice models, as a coordinator would give it.

    A shared practice model leaves the site (the federation feed, at /federation/feed/) only
    once its live revision passed the practice model section's network approval step. The
    demo approves every such step as ``user`` (the demo's superuser), so that a second
    instance (``make demo-peer``) that adds this one as a peer receives them at once.
    Idempotent: an approved practice model is left alone.
    """
    from wagtail.models import Locale

    from cities_cms.federation.outbound import is_copy, is_network_approved
    from cities_cms.pages import PracticeModelPage
    from cities_cms.workflows import approve_every_step

    default = Locale.get_default()
    pages = PracticeModelPage.objects.live().filter(shared=True, locale=default).order_by("pk")
    for page in pages:
        if is_copy(page.translation_key) or is_network_approved(page):
            if count is not None:
                count.add("approved for the network", "unchanged")
            continue
        approve_every_step(page, user)
        if count is not None:
            count.add("approved for the network", "created")
