"""Seminars as calendar entries (RFC 5545) with the icalendar library."""

from django.http import HttpResponse
from django.utils.html import strip_tags
from django.utils.http import content_disposition_header
from icalendar import Calendar, Event, vText

from .conf import settings


def seminar_event(seminar, request):
    event = Event()
    host = request.get_host().split(":")[0]
    # One UID for the seminar in every language: calendars treat the versions as one event.
    event.add("uid", f"seminar-{seminar.translation_key}@{host}")
    event.add("summary", seminar.title)
    event.add("dtstart", seminar.local_start)
    event.add("dtend", seminar.local_end)
    event.add("dtstamp", seminar.last_published_at or seminar.first_published_at)
    if seminar.last_published_at:
        event.add("last-modified", seminar.last_published_at)
    event.add("url", seminar.get_full_url(request))
    event.add("status", "CANCELLED" if seminar.status == "cancelled" else "CONFIRMED")
    event.add("categories", [seminar.get_kind_display()])
    description = seminar.summary or strip_tags(seminar.intro)
    if seminar.online_url:
        description = f"{description}\n\n{seminar.online_url}".strip()
    if description:
        event.add("description", description)
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
    for seminar in seminars:
        calendar.add_component(seminar_event(seminar, request))
    # VTIMEZONE components for every TZID used, so clients need no time zone database.
    calendar.add_missing_timezones()
    return calendar


def calendar_response(seminars, request, name, filename):
    calendar = build_calendar(seminars, request, name)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response
