"""schema.org JSON-LD for the page types."""

import json

from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

SCHEMA_ATTENDANCE = {
    "offline": "https://schema.org/OfflineEventAttendanceMode",
    "online": "https://schema.org/OnlineEventAttendanceMode",
    "mixed": "https://schema.org/MixedEventAttendanceMode",
}
SCHEMA_STATUS = {
    "scheduled": "https://schema.org/EventScheduled",
    "postponed": "https://schema.org/EventPostponed",
    "cancelled": "https://schema.org/EventCancelled",
}


def seminar_event(seminar, request):
    """A schema.org Event for a seminar page."""
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": seminar.title,
        "url": seminar.get_full_url(request),
        "startDate": seminar.local_start.isoformat(timespec="seconds"),
        "endDate": seminar.local_end.isoformat(timespec="seconds"),
        "eventStatus": SCHEMA_STATUS[seminar.status],
        "eventAttendanceMode": SCHEMA_ATTENDANCE[seminar.attendance_mode],
        "inLanguage": seminar.languages or [seminar.locale.language_code],
    }
    description = seminar.summary or strip_tags(seminar.intro)
    if description:
        data["description"] = description
    locations = []
    if seminar.attendance_mode in ("offline", "mixed"):
        place = {"@type": "Place", "name": seminar.venue_name or seminar.venue_address}
        if seminar.venue_address:
            place["address"] = seminar.venue_address
        locations.append(place)
    if seminar.online_url:
        locations.append({"@type": "VirtualLocation", "url": seminar.online_url})
    if locations:
        data["location"] = locations[0] if len(locations) == 1 else locations
    if seminar.host_city_id and seminar.host_city:
        data["organizer"] = {
            "@type": "GovernmentOrganization",
            "name": seminar.host_city.title,
            "url": seminar.host_city.get_full_url(request),
        }
    return data


def dumps(data):
    """JSON for a <script type="application/ld+json"> element, safe against </script>."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return mark_safe(  # noqa: S308  (escaped below like Django's json_script)
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )
