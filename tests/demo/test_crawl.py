"""The multilingual crawl: every public address of the demo, from the home page of each of
the ten languages, as a visitor (and a crawler) would follow them.

From each language's home page the crawl follows every internal link and ``<link>`` of the
pages it reaches (pages, listings and their pagination, the filters of every listing form,
one value at a time, ICS calendars, RSS/Atom feeds, the search page and its facets), and
then the read API's list endpoints and the sitemap files. Filters and facets: every value in
the default language; in each other language, every filter and facet with two of its values
(the same views with the same options, named in that language: all of them in ten languages
would cost two thirds of the crawl's time for little more). It fails on:

- any answer 5xx, and any internal link that answers 404 (or 400);
- an HTML page whose ``<html lang>`` is not the language of its address;
- menu, breadcrumb, site name or footer text in another language than the page, unless the
  element says so with a ``lang`` attribute that is right (a page not translated yet keeps
  its source's title, marked ``lang="en"``): the language of a linked title is the language
  of the linked page's text, the site's texts' language is the one they were written in;
- interface text of the page frame (skip link, search label) not in the page's language;
- an ICS file that ``icalendar`` cannot read, or a seminar with different UIDs in different
  languages; a feed that ``feedparser`` cannot read; an API answer that is not JSON; an
  absolute address that does not start with the site's root URL (cities_cms.absolute_urls).

The SQLite pass crawls all ten languages. The PostgreSQL pass (``make test`` runs both side by
side) crawls English, Latvian and Polish, the languages of the README's checks, whose pages
exercise every query the others do: texts and plural forms do not depend on the database,
search in each of the ten languages is tested on PostgreSQL by tests/test_search_languages.py,
and crawling the other seven again on PostgreSQL cost four minutes of the suite.

The figures (addresses per language, time) are printed: ``pytest -s tests/demo/test_crawl.py``.
"""

import json
import sys
import time
from collections import Counter, defaultdict
from urllib.parse import parse_qsl, urlencode, urlsplit

import feedparser
import lxml.html
import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from icalendar import Calendar
from lxml import etree
from wagtail.models import Page, Site

from cities_cms.branding import BrandingText
from cities_cms.conf import NETWORK_LANGUAGES

LANGUAGES = [code for code, _name in NETWORK_LANGUAGES]


def _crawled_languages():
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return LANGUAGES
    return ["en", "lv", "pl"]


SKIP_PREFIXES = ("/admin/", "/static/", "/media/", "/federation/", "/.well-known/")
# Addresses without a language: every crawl may follow them.
NEUTRAL_PREFIXES = ("/api/", "/sitemap", "/robots.txt", "/documents/")
# Listing filters and search facets combine without end; one filter (with a page) at a time.
MAX_PARAMETERS = 2
FIGURES = {}


def language_of(path):
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in LANGUAGES else "en"


def effective_language(element):
    found = element.xpath("ancestor-or-self::*[@lang][1]/@lang")
    return found[0] if found else ""


class Crawl:
    def __init__(self, client, base, language=None, *, follow_pages=True):
        self.client = client
        self.base = base
        self.language = language  # None: follow every language
        self.filter_values = Counter()  # (path, parameter names) -> addresses queued
        self.sample_filters = language not in (None, "en")
        self.follow_pages = follow_pages  # False: check a page, not the links on it
        self.seen = set()
        self.queue = []
        self.problems = []
        self.kinds = Counter()
        self.uids = defaultdict(set)  # UID -> summaries' URLs
        self.pages_by_url = {}
        for page in Page.objects.live().filter(depth__gt=1).select_related("alias_of__locale"):
            url = page.get_url()
            if url:
                self.pages_by_url[url] = page
        self.content_language = {}
        locale_codes = dict(Page.objects.values_list("locale_id", "locale__language_code"))
        for url, page in self.pages_by_url.items():
            source = page.alias_of if page.alias_of_id else page
            self.content_language[url] = locale_codes.get(source.locale_id)
        self.add_theme_routes()
        self.site_texts = {
            code: (bool(name), bool(footer))
            for code, name, footer in BrandingText.objects.values_list(
                "locale__language_code", "site_name", "footer_text"
            )
        }

    def add_theme_routes(self):
        """Theme pages are routes of the network home (cities_cms.pages.themes), not pages:
        the index's link says "Themes" in the page's language, a theme's its name in the
        language of its text (the default language's until the theme is translated)."""
        from wagtail.models import Locale

        from cities_cms.pages import NetworkHomePage
        from cities_cms.pages.themes import route_url, themes_for_locale

        codes = {locale.pk: locale.language_code for locale in Locale.objects.all()}
        for home in NetworkHomePage.objects.live().select_related("locale"):
            index = route_url(home, None, "themes")
            self.content_language[index] = home.locale.language_code
            for key, theme in themes_for_locale(home.locale).items():
                self.content_language[f"{index}{key}/"] = codes.get(theme.locale_id)

    # the queue ---------------------------------------------------------------------------

    def add(self, url, referrer):
        if not url or url.startswith(("#", "mailto:", "tel:", "javascript:")):
            return
        if url.startswith(("http://", "https://")):
            if not url.startswith(self.base + "/"):
                return  # another site (a city's own website, an online meeting)
            url = url[len(self.base) :]
        if not url.startswith("/") or url.startswith(SKIP_PREFIXES):
            return
        if (
            self.language
            and language_of(url) != self.language
            and not url.startswith(NEUTRAL_PREFIXES)
        ):
            return  # the switcher's links: that language's crawl follows them
        url = url.split("#", 1)[0]
        parts = urlsplit(url)
        parameters = [(k, v) for k, v in parse_qsl(parts.query) if k != "page"]
        if len(parameters) > MAX_PARAMETERS:
            return
        if self.sample_filters and parameters and url not in self.seen:
            key = (parts.path, tuple(sorted(name for name, _value in parameters)))
            if self.filter_values[key] >= 2:
                return
            self.filter_values[key] += 1
        if url not in self.seen:
            self.seen.add(url)
            self.queue.append((url, referrer))

    def run(self, start):
        self.add(start, None)
        while self.queue:
            url, referrer = self.queue.pop(0)
            self.visit(url, referrer)

    def problem(self, url, message, referrer=None):
        where = f" (linked from {referrer})" if referrer else ""
        self.problems.append(f"{url}{where}: {message}")

    # one address -------------------------------------------------------------------------

    def visit(self, url, referrer):
        response = self.client.get(url)
        status = response.status_code
        if status >= 500:
            self.problem(url, f"answered {status}", referrer)
            return
        if status in (301, 302, 303, 307, 308):
            self.kinds["redirect"] += 1
            self.add(response["Location"], url)
            return
        if status != 200:
            self.problem(url, f"answered {status}", referrer)
            return
        content_type = response.get("Content-Type", "").split(";")[0]
        if response.streaming:  # a document: found, and that is all
            b"".join(response.streaming_content)  # (the test client's wrapper closes it)
            self.kinds["document"] += 1
            return
        body = response.content
        if content_type == "text/html":
            self.kinds["html"] += 1
            self.check_html(url, body.decode())
        elif content_type == "text/calendar":
            self.kinds["ics"] += 1
            self.check_calendar(url, body)
        elif content_type in ("application/rss+xml", "application/atom+xml"):
            self.kinds["feed"] += 1
            self.check_feed(url, body)
        elif content_type == "application/json":
            self.kinds["api"] += 1
            self.check_json(url, body)
        elif content_type == "application/xml":
            self.kinds["sitemap"] += 1
            self.check_sitemap(url, body)
        else:
            self.kinds["other"] += 1

    # checks -----------------------------------------------------------------------------

    def check_html(self, url, html):
        tree = lxml.html.fromstring(html)
        language = language_of(urlsplit(url).path)
        page_language = tree.get("lang")
        if page_language != language:
            self.problem(url, f'<html lang="{page_language}"> on a page of language {language}')
        self.check_frame(url, tree, language)
        if not self.follow_pages:
            return
        for element in tree.xpath("//a[@href] | //link[@href]"):
            if element.tag == "link" and element.get("rel") in ("stylesheet", "icon"):
                continue
            self.add(element.get("href"), url)
        for form in tree.xpath("//main//form[not(@method) or @method='get' or @method='GET']"):
            self.add_filters(url, form)

    def check_frame(self, url, tree, language):
        """Menu, breadcrumbs, site name and footer in the page's language (or marked)."""
        for link in tree.xpath(
            "//nav[contains(@class, 'cc-nav')]//a | //nav[contains(@class, 'cc-breadcrumbs')]//a"
        ):
            href = urlsplit(link.get("href", "")).path
            expected = self.content_language.get(href)
            if expected is None:
                self.problem(url, f"menu or breadcrumb link to {href}, not a live page")
                continue
            said = effective_language(link)
            if said != expected:
                self.problem(
                    url,
                    f"'{link.text_content().strip()}' ({href}) is {expected} text, "
                    f"marked as {said or 'nothing'}",
                )
        has_name, has_footer = self.site_texts.get(language, (False, False))
        for css, written in (("cc-brand__name", has_name), ("cc-footer__text", has_footer)):
            for element in tree.xpath(f"//*[contains(@class, '{css}')]"):
                expected = language if written else "en"
                if effective_language(element) != expected:
                    self.problem(url, f"{css} in {expected}, marked {effective_language(element)}")
        with translation.override(language):
            frame = [gettext("Skip to main content"), gettext("Search the site")]
        text = tree.text_content()
        for message in frame:
            if message not in text:
                self.problem(url, f"the page frame lacks '{message}' ({language})")

    def add_filters(self, url, form):
        """Each value of each filter of a listing or search form, alone."""
        action = form.get("action") or urlsplit(url).path
        for select in form.xpath(".//select[@name]"):
            for value in select.xpath(".//option/@value"):
                if value:
                    self.add(f"{action}?{urlencode({select.get('name'): value})}", url)
        for box in form.xpath(".//input[@type='checkbox' or @type='radio'][@name]"):
            self.add(f"{action}?{urlencode({box.get('name'): box.get('value', 'on')})}", url)

    def check_calendar(self, url, body):
        try:
            calendar = Calendar.from_ical(body)
        except ValueError as exc:
            self.problem(url, f"not a calendar: {exc}")
            return
        for event in calendar.walk("VEVENT"):
            self.uids[str(event["UID"])].add(str(event["URL"]).split("/")[-2])
            if not str(event["URL"]).startswith(self.base + "/"):
                self.problem(url, f"event URL {event['URL']} is not on {self.base}")

    def check_feed(self, url, body):
        feed = feedparser.parse(body)
        if feed.bozo:
            self.problem(url, f"the feed does not parse: {feed.bozo_exception}")
        for entry in feed.entries:
            if not entry.link.startswith(self.base + "/"):
                self.problem(url, f"item link {entry.link} is not on {self.base}")
            self.add(entry.link, url)

    def check_json(self, url, body):
        try:
            data = json.loads(body)
        except ValueError:
            self.problem(url, "not JSON")
            return
        for item in data.get("items", []):
            html_url = item.get("meta", {}).get("html_url", "")
            if html_url and not html_url.startswith(self.base + "/"):
                self.problem(url, f"html_url {html_url} is not on {self.base}")
            self.add(html_url, url)

    def check_sitemap(self, url, body):
        try:
            root = etree.fromstring(body)
        except etree.XMLSyntaxError as exc:
            self.problem(url, f"not XML: {exc}")
            return
        namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        for location in root.xpath("//s:loc/text()", namespaces=namespace):
            if not location.startswith(self.base + "/"):
                self.problem(url, f"<loc>{location}</loc> is not on {self.base}")
            self.add(location, url)


@pytest.fixture
def crawler(demo, db, settings):
    settings.CITIES_CMS_LISTING_PAGE_SIZE = 5  # listings of several pages
    base = Site.objects.get(is_default_site=True).root_url
    return lambda language=None, **kw: Crawl(Client(), base, language, **kw)


def home_of(code):
    return "/" if code == "en" else f"/{code}/"


@pytest.mark.parametrize("code", _crawled_languages())
def test_every_public_address_of_a_language(crawler, code):
    crawl = crawler(code)
    started = time.monotonic()
    crawl.add(f"{'' if code == 'en' else '/' + code}/search/?q=city", None)
    crawl.run(home_of(code))
    FIGURES[code] = (len(crawl.seen), dict(crawl.kinds), round(time.monotonic() - started, 1))
    print(f"\ncrawl {code}: {FIGURES[code]}", file=sys.stderr)
    assert crawl.problems == [], "\n".join(crawl.problems[:50])
    # Every page of the language was reached (each page of the demo has a version in it).
    reached = {urlsplit(url).path for url in crawl.seen}
    pages = {url for url in crawl.pages_by_url if language_of(url) == code}
    assert pages - reached == set()
    assert crawl.kinds["ics"] >= 10 and crawl.kinds["feed"] >= 4


def test_read_api_sitemap_and_calendars_across_languages(crawler):
    from cities_cms.pages import SeminarIndexPage, SeminarPage

    crawl = crawler(follow_pages=False)
    for code in LANGUAGES:
        for endpoint in ("pages", "cities", "seminars", "practice-models"):
            crawl.add(f"/api/v2/{endpoint}/?locale={code}&limit=20", None)
    crawl.add("/sitemap.xml", None)
    crawl.add("/robots.txt", None)
    for seminar in [*SeminarIndexPage.objects.live(), *SeminarPage.objects.live()]:
        crawl.add(seminar.get_url() + "ics/", None)
    crawl.run("/sitemap.xml")
    assert crawl.problems == [], "\n".join(crawl.problems[:50])
    assert crawl.kinds["api"] >= 40 and crawl.kinds["sitemap"] >= 2
    # One UID per seminar in every language: each UID names one seminar (translation key).
    keys = {
        f"seminar-{key}"
        for key in SeminarPage.objects.live().values_list("translation_key", flat=True)
    }
    assert {uid.split("@")[0] for uid in crawl.uids} == keys
    assert len(crawl.uids) == len(keys)
