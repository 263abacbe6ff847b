"""The translation status view (pages x locales) and machine-drafted translations."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Locale, Page
from wagtail_localize.models import StringTranslation, Translation, TranslationSource

from cities_cms.translation import status
from cities_cms.translation.current import pending_revision
from cities_cms.translation.machine import OfflineDraftTranslator, machine_draft

from .utils import make_city, make_practice_model, run_tasks, translate

STATUS_URL = "/admin/cities-cms/translations/"


def localize(page, language_code, *, translate_all=False, user=None):
    """Start a wagtail-localize translation of ``page``; optionally fill every segment."""
    locale = Locale.objects.get(language_code=language_code)
    source, _created = TranslationSource.get_or_create_from_instance(page)
    translation, _created = Translation.objects.get_or_create(source=source, target_locale=locale)
    translation.save_target(publish=True)
    if translate_all:
        for segment in source.stringsegment_set.select_related("string", "context"):
            StringTranslation.objects.get_or_create(
                translation_of=segment.string,
                locale=locale,
                context=segment.context,
                defaults={
                    "data": f"{language_code}: {segment.string.data}",
                    "translation_type": "manual",
                },
            )
        translation.save_target(publish=True)
    return translation


def matrix(response):
    """The pages-by-languages table of the status view (not the filter form)."""
    html = response.content.decode()
    return (
        html.split('class="listing cc-status-matrix"', 1)[1] if "cc-status-matrix" in html else ""
    )


def cells_by_language(rows, page):
    row = next(r for r in rows if r.page["id"] == page.pk)
    return {cell.locale.language_code: cell for cell in row.cells}


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("chief", "chief@example.org", "pw")


def test_every_state_is_recognised(site_tree):
    practice = make_practice_model(site_tree.practices, title="Open budget")
    by_hand = make_practice_model(site_tree.practices, title="Tram lanes")
    localize(practice, "lv", translate_all=True)
    localize(practice, "pl")
    translate(by_hand, "pl", title="Buspasy")
    en, lv, pl = (Locale.objects.get(language_code=code) for code in ("en", "lv", "pl"))
    locales = [en, lv, pl]

    def cells(page):
        return cells_by_language(status.compute(status.source_pages(en), locales, en), page)

    assert cells(practice)["en"].state == "source"
    assert cells(practice)["lv"].state == "up_to_date"
    assert cells(practice)["lv"].percent == 100
    assert cells(practice)["pl"].state == "in_progress"
    assert 0 <= cells(practice)["pl"].percent < 100
    assert cells(by_hand)["pl"].state == "up_to_date"  # translated by hand, nothing changed since
    assert cells(by_hand)["lv"].state == "missing"  # an alias shows the source

    # The sources change and are published again: both kinds of translation are outdated.
    for page in (practice, by_hand):
        page.title += ", second edition"
        page.save_revision().publish()
    assert cells(practice)["lv"].state == "outdated"
    assert cells(by_hand)["pl"].state == "outdated"
    assert cells(by_hand)["lv"].state == "missing"

    # Syncing the wagtail-localize source brings lv back: the new title is a new segment.
    source = TranslationSource.objects.get(pk=cells(practice)["lv"].source_id)
    source.update_from_db()
    assert cells(practice)["lv"].state == "in_progress"

    summary = status.summarise(status.compute(status.source_pages(en), locales, en))
    untranslated = [
        page
        for page in status.source_pages(en)
        if not Page.objects.filter(
            translation_key=page.translation_key, locale=lv, alias_of__isnull=True
        ).exists()
    ]
    assert summary[lv.pk]["missing"] == len(untranslated) > 0


def test_view_shows_matrix_and_links(client, admin_user, site_tree):
    practice = make_practice_model(site_tree.practices, title="Green courtyards")
    localize(practice, "pl")
    client.force_login(admin_user)
    response = client.get(STATUS_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Green courtyards" in html
    assert reverse("wagtail_localize:submit_page_translation", args=[practice.pk]) in html
    pl_page = Page.objects.get(translation_key=practice.translation_key, locale__language_code="pl")
    assert reverse("wagtailadmin_pages:edit", args=[pl_page.pk]) in html
    assert "cc-state--in_progress" in html


def test_view_filters(client, admin_user, site_tree):
    riga_like = make_city(site_tree.cities, title="Daugavpils", slug="daugavpils")
    other = make_city(site_tree.cities, title="Poznań", slug="poznan")
    mine = make_practice_model(site_tree.practices, title="River park", city=riga_like)
    theirs = make_practice_model(site_tree.practices, title="Tram lanes", city=other)
    localize(theirs, "lv", translate_all=True)
    client.force_login(admin_user)

    html = matrix(client.get(STATUS_URL, {"city": riga_like.pk}))
    assert "River park" in html and "Tram lanes" not in html and "Daugavpils" in html

    html = matrix(client.get(STATUS_URL, {"page_type": "cities_cms.practicemodelpage"}))
    assert "River park" in html and "Tram lanes" in html and "Poznań" not in html

    lv = Locale.objects.get(language_code="lv")
    html = matrix(client.get(STATUS_URL, {"state": "up_to_date", "locale": lv.pk}))
    assert "Tram lanes" in html and "River park" not in html

    html = matrix(client.get(STATUS_URL, {"section": site_tree.practices.pk}))
    assert "River park" in html and "Poznań" not in html
    assert mine.pk


def test_view_rejects_bad_input(client, admin_user, site_tree):
    client.force_login(admin_user)
    response = client.get(STATUS_URL, {"section": "not-a-page", "state": "<script>"})
    assert response.status_code == 200
    assert "No pages match these filters." in response.content.decode()
    assert "<script>" not in response.content.decode().split("<form", 1)[1].split("</form>")[0]
    for page_number in ("999", "-1", "abc"):
        assert client.get(STATUS_URL, {"p": page_number}).status_code == 404


def test_view_needs_admin_access(client, site_tree):
    assert client.get(STATUS_URL).status_code == 302  # to the login page
    # force_login: django-axes (the reference site's settings) needs the request that
    # Client.login does not pass to authenticate().
    client.force_login(User.objects.create_user("visitor", password="pw"))
    assert client.get(STATUS_URL).status_code == 302


def test_status_query_count_does_not_grow_with_pages(client, admin_user, site_tree):
    client.force_login(admin_user)

    def count_queries():
        client.get(STATUS_URL)  # warm per-process caches (content types, locales)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(STATUS_URL).status_code == 200
        return len(queries)

    first = make_practice_model(site_tree.practices, title="Practice 0")
    localize(first, "lv")
    small = count_queries()
    for number in range(1, 25):
        page = make_practice_model(site_tree.practices, title=f"Practice {number}", fast=True)
        if number % 3 == 0:
            translate(page, "pl")
    large = count_queries()
    assert small == large, f"{small} queries with 1 practice model, {large} with 25"
    assert large <= 30


def test_offline_translator_labels_and_keeps_markup():
    from wagtail_localize.strings import StringValue

    lv = Locale(language_code="lv")
    en = Locale(language_code="en")
    source = StringValue('Read <a id="a1">the report</a> on <b>housing</b>')
    result = OfflineDraftTranslator({}).translate(en, lv, [source])
    assert result[source].data == '[MT lv] Read <a id="a1">the report</a> on <b>housing</b>'
    assert not OfflineDraftTranslator({}).can_translate(en, en)


def test_machine_draft_of_a_subtree(client, admin_user, site_tree):
    """Every page of the subtree gets a draft; the public keeps what it had."""
    models = [
        make_practice_model(site_tree.practices, title="Shared mobility hubs"),
        make_practice_model(site_tree.practices, title="Citizens' budget"),
    ]
    lv, pl = Locale.objects.filter(language_code__in=["lv", "pl"]).order_by("language_code")
    keys = [page.translation_key for page in [site_tree.practices, *models]]
    before = {
        page.pk: (page.alias_of_id, page.live, page.title, page.slug, page.live_revision_id)
        for page in Page.objects.filter(translation_key__in=keys, locale__in=[lv, pl])
    }
    assert len(before) == 6  # the index and two practice models, in two languages
    client.force_login(admin_user)
    url = reverse("cities_cms:machine_draft", args=[site_tree.practices.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"locales": [lv.pk, pl.pk], "include_subtree": "on"})
    assert response.status_code == 302
    [result] = run_tasks()  # one task for the subtree, run by the worker
    counts = result.return_value
    assert counts["drafted"] + counts["unchanged"] == 6 and not counts["skipped"]

    for page in Page.objects.filter(translation_key__in=keys, locale__in=[lv, pl]):
        assert (
            page.alias_of_id,
            page.live,
            page.title,
            page.slug,
            page.live_revision_id,
        ) == before[page.pk], "machine drafts must wait for review"
    for model in models:
        for locale in (lv, pl):
            page = Page.objects.get(translation_key=model.translation_key, locale=locale)
            revision = pending_revision(page)
            assert revision is not None
            draft = revision.as_object()
            assert draft.title == f"[MT {locale.language_code}] {model.title}"
            assert draft.slug == model.slug


def test_machine_draft_needs_permission_and_valid_input(client, site_tree, settings):
    editor = User.objects.create_user("editor", password="pw")
    # Admin access, but not the right to start translations.
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    url = reverse("cities_cms:machine_draft", args=[site_tree.practices.pk])
    denied = client.get(url)  # Wagtail's admin answers PermissionDenied with a redirect home
    assert denied.status_code == 302 and denied["Location"] == reverse("wagtailadmin_home")

    editor.user_permissions.add(Permission.objects.get(codename="submit_translation"))
    editor = User.objects.get(pk=editor.pk)
    client.force_login(editor)
    before = Page.objects.count()
    response = client.post(url, {"locales": ["999999"]})
    assert response.status_code == 200  # the form again, with an error
    assert Page.objects.count() == before

    settings.WAGTAILLOCALIZE_MACHINE_TRANSLATOR = None
    response = client.get(url)
    assert response.status_code == 302
    assert Page.objects.count() == before


def test_machine_draft_reports_failures_per_page(site_tree, admin_user, settings):
    settings.WAGTAILLOCALIZE_MACHINE_TRANSLATOR = None
    with pytest.raises(ValueError):
        machine_draft(site_tree.practices, [], admin_user)


def test_translator_drafts_edits_submits_and_reviewer_publishes(client, site_tree):
    """The translation workflow end to end, from each role's side."""
    from wagtail.models import WorkflowState

    from cities_cms.setup import run_setup

    practice = make_practice_model(site_tree.practices, title="School streets")
    translate(site_tree.practices, "lv", title="Prakses modeļi")  # the Latvian tree
    run_setup(site_tree.home)  # translators get the Latvian tree, sections get workflows
    lv = Locale.objects.get(language_code="lv")
    translator = User.objects.create_user("tulkotajs", password="pw")
    translator.groups.add(Group.objects.get(name="Translators (lv)"))
    reviewer = User.objects.create_user("reviewer", password="pw")
    reviewer.groups.add(Group.objects.get(name="City reviewers"))

    client.force_login(translator)
    assert client.get(STATUS_URL).status_code == 200
    url = reverse("cities_cms:machine_draft", args=[practice.pk])
    assert client.post(url, {"locales": [lv.pk]}).status_code == 302
    run_tasks()  # the worker prepares the draft
    latvian = Page.objects.get(translation_key=practice.translation_key, locale=lv)
    # The alias still shows the English page to the public; the draft waits for review.
    assert latvian.alias_of_id == practice.pk and latvian.title == "School streets"
    assert pending_revision(latvian).as_object().title == "[MT lv] School streets"

    # The translator corrects one segment, as wagtail-localize's editor does.
    translation = Translation.objects.get(
        source__object_id=practice.translation_key, target_locale=lv
    )
    title = StringTranslation.objects.get(
        locale=lv, context__path="title", context__object_id=practice.translation_key
    )
    title.data = "Skolu ielas"
    title.translation_type = StringTranslation.TRANSLATION_TYPE_MANUAL
    title.save()
    # (no save_target here: the editor does not write segments into the page for
    # translators; submitting for review must, or the reviewer would publish the old text)
    assert translation.pk

    html = matrix(client.get(STATUS_URL))
    submit = reverse("cities_cms:submit_for_review", args=[latvian.pk])
    assert submit in html
    assert client.post(submit).status_code == 302
    html = matrix(client.get(STATUS_URL))
    assert submit not in html and "In review" in html  # no second submission
    state = WorkflowState.objects.get(object_id=str(latvian.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert not Page.objects.get(pk=latvian.pk).permissions_for_user(translator).can_publish()

    # The reviewer approves: City review, then network approval passes (not shared).
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, reviewer, "approve")
    latvian = Page.objects.get(pk=latvian.pk)
    assert latvian.live and latvian.alias_of_id is None
    assert latvian.title == "Skolu ielas"
    assert latvian.slug == practice.slug


def test_submit_for_review_refuses_what_it_should(client, site_tree):
    practice = make_practice_model(site_tree.practices, title="Published already")
    outsider = User.objects.create_user("outsider", password="pw")
    outsider.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(outsider)
    url = reverse("cities_cms:submit_for_review", args=[practice.pk])
    assert client.post(url)["Location"] == reverse("wagtailadmin_home")  # permission denied
    assert client.get(url).status_code == 405

    admin = User.objects.create_superuser("chief2", "c2@example.org", "pw")
    client.force_login(admin)
    response = client.post(url, {"next": "https://evil.example/"}, follow=True)
    assert response.redirect_chain[0][0] == STATUS_URL  # no open redirect
    assert "no changes to review" in response.content.decode()
