"""Every public page type of the demo site, in a real browser, with axe-core.

The demo content (``manage.py load_demo``) is loaded into the test database and served by
pytest-django's ``live_server``. For each page type the test checks the HTTP status,
``<html lang>``, that there is exactly one ``<h1>``, that axe-core finds no WCAG 2.1 A/AA
violations, that the page makes no third-party requests and that its own assets load.

Then, in a second browser context with JavaScript disabled, it uses the filter forms of the
three listings (choose options, press "Apply filters") and checks that the results narrow to
what the database says, and that an impossible combination shows the empty state.

Design: ``live_server`` needs ``transaction=True``, and pytest-django flushes the database after
every such test, so data cannot be shared between tests, and loading the demo takes ~10 s.
So a single test loads it once, visits every page type, collects every problem and fails once
at the end with all of them, grouped by page type. Run with ``-s`` to see the table of
results (HTTP status, lang, number of h1, number of axe violations per page type).
"""

from __future__ import annotations

import io
import re
import time
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from wagtail.models import Locale

from cities_cms.conf import settings as cities_settings
from cities_cms.pages import (
    CityIndexPage,
    CityPage,
    NetworkHomePage,
    PracticeModelIndexPage,
    PracticeModelPage,
    PracticeStatus,
    SeminarIndexPage,
    SeminarPage,
)

from .pages_conftest import (
    audit_page,
    ensure_wagtail_baseline,
    format_problems,
    format_table,
    guarded_context,
    serve_media,
)

DEMO_PASSWORD = "demo-Pa55word"

pytestmark = pytest.mark.django_db(transaction=True)


def load_demo() -> float:
    """The demo as `make demo` loads it: in the network's ten languages."""
    from django.test import override_settings

    from cities_cms.conf import NETWORK_LANGUAGES

    started = time.monotonic()
    ensure_wagtail_baseline()
    with override_settings(CITIES_CMS_LANGUAGES=[code for code, _name in NETWORK_LANGUAGES]):
        call_command("load_demo", password=DEMO_PASSWORD, stdout=io.StringIO())
    return time.monotonic() - started


def path_of(page) -> str:
    """The page's URL path (Wagtail gives a full URL when there are several sites)."""
    url = page.get_url()
    assert url, f"{page!r} has no URL"
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def locale(code):
    return Locale.objects.get(language_code=code)


def english(model):
    return model.objects.live().public().filter(locale=locale("en"))


def titles(queryset) -> list[str]:
    return list(queryset.values_list("title", flat=True))


# --- what the listings should show, worked out from the database -------------------------


def practice_model_filters(index):
    """Filters for the practice model listing: one that narrows it, one that empties it.

    Returns ``(narrowing, empty)``, each ``(params, expected titles)``; params are the filter
    form's field names and values (city by slug, status by value).
    """
    models = list(PracticeModelPage.objects.child_of(index).live().public().select_related("city"))
    assert len(models) >= 2, "the demo needs at least two practice models"
    statuses = sorted({m.status for m in models})
    narrowing = None
    for status in statuses:
        matching = [m for m in models if m.status == status]
        if 0 < len(matching) < len(models):
            narrowing = ({"status": status}, matching)
            break
    if narrowing is None:
        cities = sorted({m.city.slug for m in models if m.city})
        for slug in cities:
            matching = [m for m in models if m.city and m.city.slug == slug]
            if len(matching) < len(models):
                narrowing = ({"city": slug}, matching)
                break
    assert narrowing, "no filter value narrows the demo's practice models"
    empty = None
    for city in english(CityPage).order_by("title"):
        for status in PracticeStatus.values:
            if not any(m.city_id == city.pk and m.status == status for m in models):
                empty = ({"city": city.slug, "status": status}, [])
                break
        if empty:
            break
    assert empty, "every city has practice models of every status: no empty combination"
    return narrowing, empty


def demo_targets():
    """(label, path, expected status, expected lang) for every public page type."""
    en, lv, pl = locale("en"), locale("lv"), locale("pl")
    home = NetworkHomePage.objects.get(locale=en)
    cities = CityIndexPage.objects.get(locale=en)
    seminars = SeminarIndexPage.objects.get(locale=en)
    practices = PracticeModelIndexPage.objects.get(locale=en)
    poznan = english(CityPage).get(slug="poznan")
    daugavpils = english(CityPage).get(slug="daugavpils")
    daugavpils_lv = CityPage.objects.get(translation_key=daugavpils.translation_key, locale=lv)
    assert daugavpils_lv.alias_of_id is None, "the lv Daugavpils page should be a translation"

    all_seminars = list(english(SeminarPage).order_by("start"))
    in_person = next(s for s in all_seminars if s.attendance_mode == "offline")
    webinar = next(s for s in all_seminars if s.kind == "webinar")

    translated_practices = [
        p
        for p in english(PracticeModelPage)
        if PracticeModelPage.objects.filter(
            translation_key=p.translation_key, locale=lv, alias_of=None, live=True
        ).exists()
    ]
    rich = [p for p in translated_practices if p.indicators and p.gallery and p.documents]
    assert rich, "no practice model with indicators, gallery, documents and a lv translation"
    practice = rich[0]
    (narrow_params, _), (empty_params, _) = practice_model_filters(practices)

    targets = [
        ("Network home (en)", path_of(home), 200, "en"),
        ("Network home (lv)", path_of(home.get_translation(lv)), 200, "lv"),
        ("Network home (pl)", path_of(home.get_translation(pl)), 200, "pl"),
        ("City index", path_of(cities), 200, "en"),
        ("City page: Poznań", path_of(poznan), 200, "en"),
        ("City page: Daugavpils", path_of(daugavpils), 200, "en"),
        ("City page: Daugavpils (lv)", path_of(daugavpils_lv), 200, "lv"),
        ("Seminar index (upcoming)", path_of(seminars), 200, "en"),
        ("Seminar index (past)", path_of(seminars) + "?when=past", 200, "en"),
        (f"Seminar page: in person ({in_person.slug})", path_of(in_person), 200, "en"),
        (f"Seminar page: webinar ({webinar.slug})", path_of(webinar), 200, "en"),
        ("Practice model index", path_of(practices), 200, "en"),
        (
            "Practice model index (filtered)",
            path_of(practices) + "?" + urlencode(narrow_params),
            200,
            "en",
        ),
        (
            "Practice model index (no results)",
            path_of(practices) + "?" + urlencode(empty_params),
            200,
            "en",
        ),
        (f"Practice model page ({practice.slug})", path_of(practice), 200, "en"),
        (
            "Practice model page (lv)",
            path_of(practice.get_translation(lv)),
            200,
            "lv",
        ),
        ("404 page", "/no-such-page/", 404, "en"),
        ("Search (results, a facet selected)", "/search/?q=housing&type=practice_model", 200, "en"),
        ("Search (results, lv)", "/lv/search/?q=Daugavpils", 200, "lv"),
        ("Search (no results)", "/search/?q=xylophonezzz", 200, "en"),
    ]
    return targets


def card_titles(tab) -> list[str]:
    """The titles of the result cards: headings of the articles in the results region."""
    results = tab.get_by_role("region", name=RESULTS_HEADING)
    cards = results.get_by_role("article").get_by_role("heading")
    return [title.strip() for title in cards.all_inner_texts()]


# The results region is named by its heading: "12 practice models", "1 seminar", "0 cities".
RESULTS_HEADING = re.compile(r"^\d+ ")


def apply_filters(tab, choices: dict[str, str]):
    """Choose options by their visible labels, then press the form's submit button."""
    form = tab.get_by_role("region", name=re.compile("^Filter"))
    for label, option in choices.items():
        form.get_by_label(label, exact=True).select_option(label=option)
    with tab.expect_navigation():
        form.get_by_role("button", name="Apply filters").click()


def check_filters_without_javascript(tab, base_url) -> list[str]:
    """Use the filter forms of the three listings with JavaScript off; return the problems."""
    problems = []

    def check(condition, message):
        if not condition:
            problems.append(message)

    en = locale("en")
    page_size = cities_settings.CITIES_CMS_LISTING_PAGE_SIZE
    practices = PracticeModelIndexPage.objects.get(locale=en)
    (narrow_params, narrow_expected), (empty_params, _) = practice_model_filters(practices)
    status_labels = {value: str(label) for value, label in PracticeStatus.choices}
    city_titles = dict(english(CityPage).values_list("slug", "title"))

    # Practice models: one filter narrows the list.
    tab.goto(base_url + path_of(practices))
    everything = card_titles(tab)
    # The listing's own queryset and order (newest first, including the practice models that
    # partner cities share into it): the first page shows the first page_size of them.
    expected = titles(practices.get_listing_queryset(None))
    check(
        everything == expected[:page_size],
        f"practice models: {everything} != {expected[:page_size]}",
    )
    choices = {}
    if "status" in narrow_params:
        choices["Status"] = status_labels[narrow_params["status"]]
    if "city" in narrow_params:
        choices["City"] = city_titles[narrow_params["city"]]
    apply_filters(tab, choices)
    narrowed = card_titles(tab)
    check(
        sorted(narrowed) == sorted(m.title for m in narrow_expected),
        f"practice models filtered by {narrow_params}: {narrowed}, expected "
        f"{[m.title for m in narrow_expected]} (URL {tab.url})",
    )
    check(0 < len(narrowed) < len(everything), "the practice model filter did not narrow")

    # Practice models: a combination without results shows the empty state.
    tab.goto(base_url + path_of(practices))
    apply_filters(
        tab,
        {
            "City": city_titles[empty_params["city"]],
            "Status": status_labels[empty_params["status"]],
        },
    )
    check(card_titles(tab) == [], f"no results expected for {empty_params}: {card_titles(tab)}")
    empty_state = tab.get_by_role("status")
    check(
        "No practice models match these filters." in " ".join(empty_state.all_inner_texts()),
        f"no empty state message for {empty_params} (URL {tab.url})",
    )
    check(
        tab.get_by_role("link", name="Clear all filters").count() == 1,
        "the empty state has no 'Clear all filters' link",
    )

    # Seminars: upcoming ones by default, past ones after choosing "Past".
    seminars = SeminarIndexPage.objects.get(locale=en)
    seminar_qs = SeminarPage.objects.child_of(seminars).live().public()
    now = timezone.now()
    tab.goto(base_url + path_of(seminars))
    upcoming = card_titles(tab)
    expected_upcoming = titles(seminar_qs.filter(end__gte=now).order_by("start")[:page_size])
    check(upcoming == expected_upcoming, f"upcoming seminars: {upcoming} != {expected_upcoming}")
    apply_filters(tab, {"When": "Past"})
    past = card_titles(tab)
    expected_past = titles(seminar_qs.filter(end__lt=now).order_by("-start")[:page_size])
    check(past == expected_past, f"past seminars: {past} != {expected_past}")

    # Cities: by country.
    cities = CityIndexPage.objects.get(locale=en)
    tab.goto(base_url + path_of(cities))
    all_cities = card_titles(tab)
    apply_filters(tab, {"Country": "Latvia"})
    latvian = card_titles(tab)
    expected_latvian = titles(CityPage.objects.child_of(cities).live().filter(country="LV"))
    check(sorted(latvian) == sorted(expected_latvian), f"Latvian cities: {latvian}")
    check(0 < len(latvian) < len(all_cities), "the country filter did not narrow the cities")
    return problems


def check_search_suggestions(tab, base_url) -> list[str]:
    """Typing in the search box offers suggestions (a <datalist>) and says how many."""
    tab.goto(f"{base_url}/search/")
    tab.locator("#id_q").press_sequentially("daugav", delay=40)
    try:
        tab.wait_for_function(
            "(list => list && list.options.length)(document.querySelector('datalist'))",
            timeout=10_000,
        )
    except PlaywrightTimeoutError:
        return ["typing 'daugav' in the search box offered no suggestions"]
    options = tab.eval_on_selector_all("datalist option", "options => options.map(o => o.value)")
    status = (tab.locator("form[data-cc-suggest] [role=status]").text_content() or "").strip()
    problems = []
    if not any("Daugavpils" in option for option in options):
        problems.append(f"suggestions for 'daugav' without Daugavpils: {options}")
    expected = f"{len(options)} suggestion" + ("" if len(options) == 1 else "s")
    if status != expected:
        problems.append(f"the status says {status!r}, expected {expected!r}")
    return problems


def test_every_public_page_type(page, browser, live_server):
    """All page types (JavaScript on), then the listing filters with JavaScript off."""
    load_time = load_demo()
    serve_media(page)
    started = time.monotonic()
    audits = [
        audit_page(page, live_server.url, path, label=label, status=status, lang=lang)
        for label, path, status, lang in demo_targets()
    ]
    audit_time = time.monotonic() - started
    suggestion_problems = check_search_suggestions(page, live_server.url)

    started = time.monotonic()
    nojs_external: list[str] = []
    with guarded_context(browser, nojs_external, java_script_enabled=False) as nojs:
        tab = nojs.new_page()
        serve_media(tab)
        nojs_problems = check_filters_without_javascript(tab, live_server.url)
    if nojs_external:
        nojs_problems.append(f"third-party requests (blocked): {nojs_external}")
    nojs_time = time.monotonic() - started

    print(
        f"\n\nPublic pages: load_demo {load_time:.1f} s; {len(audits)} page types audited "
        f"in {audit_time:.1f} s; filters without JavaScript checked in {nojs_time:.1f} s"
    )
    print(format_table(audits))
    print("Filters without JavaScript:", nojs_problems or "ok")

    failed = [audit for audit in audits if not audit.ok]
    report = []
    if failed:
        report.append(f"{len(failed)} of {len(audits)} page types have problems:")
        report.append(format_problems(audits))
    if suggestion_problems:
        report.append("Search suggestions:")
        report.extend(f"  - {problem}" for problem in suggestion_problems)
    if nojs_problems:
        report.append("Listing filters without JavaScript:")
        report.extend(f"  - {problem}" for problem in nojs_problems)
    assert not report, "\n".join(report)
