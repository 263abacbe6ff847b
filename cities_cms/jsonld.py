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


LICENCE_URLS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
}


def _datetime(value):
    return value.isoformat(timespec="seconds") if value else None


def _geo(city):
    if city.latitude is None or city.longitude is None:
        return None
    return {
        "@type": "GeoCoordinates",
        "latitude": float(city.latitude),
        "longitude": float(city.longitude),
    }


def city_organisation(city, request):
    """The municipality of a city page, as the author of what the city publishes."""
    data = {
        "@type": "GovernmentOrganization",
        "name": city.title,
        "url": city.get_full_url(request),
    }
    if city.website:
        data["sameAs"] = city.website
    return data


def city_place(city, request):
    """A city page as a schema.org City: where it is, in which country, its official site."""
    data = {
        "@type": "City",
        "name": city.title,
        "url": city.get_full_url(request),
    }
    geo = _geo(city)
    if geo:
        data["geo"] = geo
    if city.country:
        data["containedInPlace"] = {
            "@type": "Country",
            "name": str(city.country.name),
            "identifier": city.country.code,
        }
    if city.website:
        data["sameAs"] = city.website
    return data


def city_page(city, request):
    """schema.org City JSON-LD for a city page."""
    data = {"@context": "https://schema.org", **city_place(city, request)}
    data["inLanguage"] = city.locale.language_code
    description = city.summary or strip_tags(city.intro)
    if description:
        data["description"] = description
    return data


def practice_model(page, request, themes=None):
    """schema.org Article JSON-LD for a practice model page.

    ``themes`` are the page's themes named in its language (the page template has them
    already: passing them saves a query); without them the page's own themes are used.
    """
    if themes is None:
        themes = list(page.themes.all())
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": page.title,
        "name": page.title,
        "url": page.get_full_url(request),
        "inLanguage": page.locale.language_code,
        "creativeWorkStatus": str(page.get_status_display()),
    }
    description = page.summary or strip_tags(page.challenge)
    if description:
        data["description"] = description
    if page.first_published_at:
        data["datePublished"] = _datetime(page.first_published_at)
    modified = page.last_published_at or page.first_published_at
    if modified:
        data["dateModified"] = _datetime(modified)
    if page.licence in LICENCE_URLS:
        data["license"] = LICENCE_URLS[page.licence]
    if themes:
        data["about"] = [
            {"@type": "DefinedTerm", "name": theme.name, "termCode": theme.key} for theme in themes
        ]
    if page.start_year:
        data["temporalCoverage"] = (
            f"{page.start_year}/{page.end_year}" if page.end_year else f"{page.start_year}/.."
        )
    city = page.city if page.city_id else None
    if city is not None and city.live:
        data["spatialCoverage"] = city_place(city, request)
        organisation = city_organisation(city, request)
        data["author"] = organisation
        data["publisher"] = organisation
    return data


def dumps(data):
    """JSON for a <script type="application/ld+json"> element, safe against </script>."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return mark_safe(  # noqa: S308  (escaped below like Django's json_script)
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )


def _defined_term(theme, url, set_url=None):
    data = {"@type": "DefinedTerm", "name": theme.name, "termCode": theme.key, "url": url}
    if theme.description:
        data["description"] = theme.description
    if set_url:
        data["inDefinedTermSet"] = set_url
    return data


def theme_index(themes, context, request):
    """schema.org CollectionPage of the theme index: the themes as a DefinedTermSet."""
    from .absolute_urls import absolute_url

    url = context["page_languages"]["canonical"]
    return {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "url": url,
        "inLanguage": context["page"].locale.language_code,
        "mainEntity": {
            "@type": "DefinedTermSet",
            "url": url,
            "hasDefinedTerm": [
                _defined_term(theme, absolute_url(request, theme.url)) for theme in themes
            ],
        },
    }


def theme_page(theme, context, request):
    """schema.org CollectionPage of a theme page: about the theme, listing its practice models
    (those of the page of results shown) and its upcoming seminars."""
    from .absolute_urls import absolute_url

    url = context["theme_url"]
    index_url = absolute_url(request, context["theme_index_url"])
    parts = [
        {"@type": "Article", "name": item.title, "url": item.get_full_url(request)}
        for item in context["practice_models"]
    ] + [seminar_event(seminar, request) for seminar in context["upcoming_seminars"]]
    for part in parts:
        part.pop("@context", None)
    data = {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": theme.name,
        "url": url,
        "inLanguage": context["page"].locale.language_code,
        "about": _defined_term(theme, url, index_url),
        "isPartOf": {"@type": "CollectionPage", "url": index_url},
    }
    if theme.description:
        data["description"] = theme.description
    if parts:
        data["hasPart"] = parts
    return data
