"""Seminar documents as a partner instance (``factories.RemoteSite``) would send them."""

import uuid


def seminar_locale(title, **changes):
    fields = {
        "title": title,
        "slug": "",
        "search_description": "",
        "summary": f"{title}: a summary.",
        "venue_name": "City hall",
        "venue_address": "Rātslaukums 1",
        "intro": f"<p>{title}: what it is about.</p>",
        "outcomes": "",
        "agenda": [
            {
                "type": "session",
                "id": str(uuid.uuid4()),
                "value": {
                    "start_time": "09:30:00",
                    "end_time": "10:30:00",
                    "title": "Welcome",
                    "kind": "talk",
                    "description": "",
                    "location": "",
                    "speakers": [],
                },
            }
        ],
        "body": [],
        "materials": [],
        "listing_image": None,
    }
    fields.update(changes)
    return fields


def seminar_document(
    remote,
    *,
    global_id=None,
    version=1,
    titles=None,
    fields=None,
    locale_changes=None,
    **changes,
) -> dict:
    """A seminar of ``remote``'s city in English and Latvian (by default), 1 March 2027."""
    global_id = str(global_id or uuid.uuid4())
    titles = titles or {"en": "Participatory budgets", "lv": "Līdzdalības budžets"}
    document = {
        "protocol": "cities-cms/1",
        "type": "seminar",
        "id": global_id,
        "version": version,
        "origin": remote.origin(),
        "updated_at": "2026-11-24T08:00:00Z",
        "source_locale": next(iter(titles)),
        "canonical": {
            code: f"{remote.base_url}/{'' if code == 'en' else code + '/'}s/{global_id[:8]}/"
            for code in titles
        },
        "themes": ["participatory-democracy"],
        "fields": {
            "kind": "workshop",
            "status": "scheduled",
            "mode": "mixed",
            "start": "2027-03-01T08:00:00Z",
            "end": "2027-03-01T15:00:00Z",
            "timezone": "Europe/Riga",
            "online_url": "https://meet.example.org/budgets",
            "host_city": dict(remote.city),
            "languages": ["en", "lv"],
            **(fields or {}),
        },
        "locales": {
            code: seminar_locale(title, **(locale_changes or {}).get(code, {}))
            for code, title in titles.items()
        },
        "media": [],
    }
    document.update(changes)
    return document
