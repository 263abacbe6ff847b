"""Seminars the demo partner Havenwaard opens to the network (``federation.py`` plays it).

Signed ``seminar`` documents in English, Latvian and Polish, imported by the real importer
like the partner's practice models: the seminar index lists them "in partner cities" and
visitors are sent to Havenwaard's (fictional) site to register. Their dates follow today, so
the demo always has partner seminars coming up; one of them is cancelled, as partners see a
cancellation.
"""

import datetime as dt
import uuid
import zoneinfo

from django.utils import timezone

TIME_ZONE = "Europe/Amsterdam"

# (slug, kind, status, days from today, start "HH:MM", hours, online, themes,
#  {locale: (title, summary, intro)})
SEMINARS = [
    (
        "study-visit-harbour-quarter",
        "study_visit",
        "scheduled",
        35,
        "10:00",
        6,
        False,
        ["participatory-democracy", "regeneration"],
        {
            "en": (
                "Study visit: the harbour quarter and its residents' panel",
                "Walk the old harbour with the residents who advised on its new uses.",
                "A day in Havenwaard's harbour quarter: the sites, the panel's recommendations "
                "and the council's written answers.",
            ),
            "lv": (
                "Mācību vizīte: ostas kvartāls un tā iedzīvotāju padome",
                "Pastaiga pa veco ostu kopā ar iedzīvotājiem, kuri konsultēja par tās jauno "
                "izmantojumu.",
                "Diena Havenvārdas ostas kvartālā: vietas, padomes ieteikumi un domes rakstiskās "
                "atbildes.",
            ),
            "pl": (
                "Wizyta studyjna: dzielnica portowa i panel mieszkańców",
                "Spacer po starym porcie z mieszkańcami, którzy doradzali w sprawie jego nowych "
                "funkcji.",
                "Dzień w dzielnicy portowej Havenwaard: miejsca, rekomendacje panelu i pisemne "
                "odpowiedzi rady.",
            ),
        },
    ),
    (
        "webinar-residents-chosen-by-lot",
        "webinar",
        "scheduled",
        60,
        "14:00",
        2,
        True,
        ["participatory-democracy"],
        {
            "en": (
                "Webinar: residents chosen by lot",
                "How Havenwaard draws its residents' panel each year, and what it costs.",
                "One hour on the drawing, the invitations and the support that keeps forty "
                "residents coming every month, then questions.",
            ),
            "lv": (
                "Vebinārs: ar izlozi izvēlēti iedzīvotāji",
                "Kā Havenvārda ik gadu izlozē iedzīvotāju padomi un cik tas maksā.",
                "Stunda par izlozi, ielūgumiem un atbalstu, kas ik mēnesi pulcē četrdesmit "
                "iedzīvotājus, pēc tam jautājumi.",
            ),
            "pl": (
                "Webinar: mieszkańcy wybrani w losowaniu",
                "Jak Havenwaard co roku losuje panel mieszkańców i ile to kosztuje.",
                "Godzina o losowaniu, zaproszeniach i wsparciu, dzięki któremu czterdziestu "
                "mieszkańców przychodzi co miesiąc, potem pytania.",
            ),
        },
    ),
    (
        "workshop-quay-walls-and-floods",
        "workshop",
        "cancelled",
        80,
        "09:30",
        5,
        False,
        ["climate"],
        {
            "en": (
                "Workshop: quay walls and high water",
                "Cancelled: the workshop on the harbour's quay walls will be held next year.",
                "Engineers and residents on raising the quay walls without closing the harbour "
                "to the city.",
            ),
            "lv": (
                "Darbnīca: krastmalas sienas un augsts ūdens",
                "Atcelta: darbnīca par ostas krastmalas sienām notiks nākamgad.",
                "Inženieri un iedzīvotāji par krastmalas sienu paaugstināšanu, nenošķirot ostu "
                "no pilsētas.",
            ),
            "pl": (
                "Warsztaty: nabrzeża i wysoka woda",
                "Odwołane: warsztaty o nabrzeżach portu odbędą się w przyszłym roku.",
                "Inżynierowie i mieszkańcy o podnoszeniu nabrzeży bez odcinania portu od miasta.",
            ),
        },
    ),
]


def _utc(value) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def seminar_documents(origin: dict, base_url: str, namespace, version: int, now=None):
    """The partner's seminar documents (``origin``: the partner's ``origin`` object)."""
    tz = zoneinfo.ZoneInfo(TIME_ZONE)
    today = (now or timezone.now()).astimezone(tz).date()
    result = []
    for slug, kind, status, days, start_time, hours, online, themes, texts in SEMINARS:
        start = dt.datetime.combine(
            today + dt.timedelta(days=days), dt.time.fromisoformat(start_time), tzinfo=tz
        )
        global_id = str(uuid.uuid5(namespace, "seminar:" + slug))
        result.append(
            {
                "protocol": "cities-cms/1",
                "type": "seminar",
                "id": global_id,
                "version": version,
                "origin": origin,
                "updated_at": "2026-11-24T08:00:00Z",
                "source_locale": "en",
                "canonical": {
                    code: f"{base_url}/{'' if code == 'en' else code + '/'}seminars/{slug}/"
                    for code in texts
                },
                "themes": themes,
                "fields": {
                    "kind": kind,
                    "status": status,
                    "mode": "online" if online else "offline",
                    "start": _utc(start),
                    "end": _utc(start + dt.timedelta(hours=hours)),
                    "timezone": TIME_ZONE,
                    "online_url": f"https://meet.example.org/havenwaard/{slug}" if online else None,
                    "host_city": dict(origin["city"]),
                    "languages": ["en", "nl"],
                },
                "locales": {
                    code: {
                        "title": title,
                        "slug": slug if code == "en" else "",
                        "summary": summary,
                        "venue_name": "" if online else "Harbour office, quay 4",
                        "venue_address": "" if online else "Kade 4, Havenwaard (fictional)",
                        "intro": f"<p>{intro}</p>",
                        "agenda": [],
                        "body": [],
                        "materials": [],
                        "listing_image": None,
                    }
                    for code, (title, summary, intro) in texts.items()
                },
                "media": [],
            }
        )
    return result
