"""Seminars as calendar entries (RFC 5545) with the icalendar library.

A seminar may be an alias (wagtail-localize keeps one in every language until the seminar is
translated): it shows its source's text and has no publication dates of its own, so its dates
and its text's language are the source's. Querysets passed in select ``alias_of`` for that.

A seminar received from a partner's site (``cities_cms.pages.received``) keeps its origin's
UID, so a person subscribed to the calendars of two partners sees it once. Every instance
writes ``seminar-<translation key>@<its host>``, where the host is that of
``CITIES_CMS_FEDERATION_BASE_URL`` (what partners know the instance by: a copy's
``origin_url``), else of the Wagtail site (docs/network-calendar.md).
"""

import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from icalendar import Calendar, Event, vText

from . import content_cache
from .absolute_urls import hostname
from .conf import settings
from .pages.received import origin_host, with_origin


def _published_at(seminar):
    """When the seminar's text was last published (its source's, for an alias)."""
    source = seminar.alias_of if seminar.alias_of_id else seminar
    return source.last_published_at or source.first_published_at


def instance_host(request):
    """The host name in the UIDs of this instance's own seminars."""
    configured = settings.CITIES_CMS_FEDERATION_BASE_URL
    return origin_host(configured) if configured else hostname(request)


# RFC 5545 has no "postponed": the dates are not valid any more, the event may still happen.
STATUSES = {"cancelled": "CANCELLED", "postponed": "TENTATIVE"}


def seminar_event(seminar, request):
    event = Event()
    received_from = origin_host(getattr(seminar, "origin_url", None))
    # One UID for the seminar in every language and on every instance that shows it:
    # calendars treat the versions and the partners' copies as one event.
    host = received_from or instance_host(request)
    event.add("uid", f"seminar-{seminar.translation_key}@{host}")
    # The text's language: the source's for an alias (RFC 5545 LANGUAGE parameter).
    language = {"language": (seminar.alias_of or seminar).locale.language_code}
    event.add("summary", seminar.title, parameters=language)
    event.add("dtstart", seminar.local_start)
    event.add("dtend", seminar.local_end)
    published_at = _published_at(seminar)
    # DTSTAMP is required; a page published by a data import may lack dates.
    event.add("dtstamp", published_at or timezone.now())
    if published_at:
        event.add("last-modified", published_at)
    # This site's page, for received seminars too (every address the package writes is on
    # the site, cities_cms.absolute_urls): it says who shared it and links to registration.
    event.add("url", seminar.get_full_url(request))
    event.add("status", STATUSES.get(seminar.status, "CONFIRMED"))
    event.add("categories", [seminar.get_kind_display()])
    description = seminar.summary or strip_tags(seminar.intro)
    if seminar.online_url:
        description = f"{description}\n\n{seminar.online_url}".strip()
    if description:
        event.add("description", description, parameters=language)
    location = ", ".join(p for p in (seminar.venue_name, seminar.venue_address) if p)
    if location:
        event.add("location", vText(location))
    elif seminar.online_url:
        event.add("location", vText(seminar.online_url))
    return event


def build_calendar(seminars, request, name):
    calendar = Calendar()
    calendar.add("prodid", settings.CITIES_CMS_ICS_PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", str(name))
    if hasattr(seminars, "select_related"):
        # The text's language and dates of aliases: no query per seminar.
        seminars = seminars.select_related("locale", "alias_of__locale")
        if "origin_url" not in seminars.query.annotations:
            seminars = with_origin(seminars)  # received ones: their origin's UID and page
    starts, ends = [], []
    for seminar in seminars:
        calendar.add_component(seminar_event(seminar, request))
        starts.append(seminar.local_start)
        ends.append(seminar.local_end or seminar.local_start)
    # VTIMEZONE components for every TZID used, so clients need no time zone database. Their
    # transitions cover the calendar's years, a year either side: icalendar's default span
    # (1970-2038) made each zone about 140 transitions, 60 % of the network calendar's time.
    if starts:
        first = min(starts).date() - datetime.timedelta(days=366)
        last = max(ends).date() + datetime.timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar


def calendar_response(seminars, request, name, filename, *, page=None, vary=()):
    """The calendar as an ``.ics`` file.

    ``page``: the page whose calendar this is, when its seminars are the same for every visitor
    (live and public ones). The file of a public page is then built once per content
    generation (``content_cache.fragment``) for each host, scheme and interface language and
    the given ``vary`` (what else chose the seminars), like the pages' shared parts; a private
    page's calendar is built on every request.
    """

    def render():
        return build_calendar(seminars, request, name).to_ical()

    if page is None or content_cache.is_restricted(page):
        body = render()
    else:
        vary = (
            page.pk,
            vary,
            get_language(),
            request.scheme,
            request.get_host(),
        )
        body = content_cache.fragment("calendar", vary, render)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response
