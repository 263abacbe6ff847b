"""Machine drafts stay drafts, in a site with synchronised trees, from each role's side.

With synchronised trees an untranslated page stands in every other language as an alias that
shows the source with a "not translated yet" notice. A machine draft (or a PO import, or
"Submit for review") must leave that alias exactly as the public sees it until a reviewer
publishes the draft through the workflow, whatever happens to the source in the meantime.
"""

from django.contrib.auth.models import Group, User
from django.urls import reverse
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Locale, Page, WorkflowState
from wagtail_localize.synctree import create_aliases_for_new_page

from cities_cms.translation import status

from .utils import make_practice_model, queued_tasks, run_tasks, translate

STATUS_URL = "/admin/cities-cms/translations/"


def practice_in_every_language(site_tree, **kw):
    """A published practice model with its aliases in every other language, as the admin
    makes them (pages added by code get none until the trees are synchronised)."""
    page = make_practice_model(site_tree.practices, **kw)
    if not page.get_translations().exists():  # (the builder may have made them already)
        create_aliases_for_new_page(page)
    return page


def version(page, code):
    return Page.objects.get(translation_key=page.translation_key, locale__language_code=code)


def member(username, group):
    user = User.objects.create_user(username, f"{username}@example.org", "pw")
    user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)


def public_row(page):
    """What the public is served from: the page row (not its revisions)."""
    page = Page.objects.get(pk=page.pk)
    return {
        "alias_of_id": page.alias_of_id,
        "live": page.live,
        "title": page.title,
        "slug": page.slug,
        "url_path": page.url_path,
        "live_revision_id": page.live_revision_id,
    }


def approve_as(client, reviewer, page):
    """The reviewer approves every step of the page's workflow through the admin."""
    client.force_login(reviewer)
    state = WorkflowState.objects.get(object_id=str(page.pk), status="in_progress")
    while state.status == WorkflowState.STATUS_IN_PROGRESS:
        task_state = state.current_task_state
        url = reverse(
            "wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk]
        )
        response = client.post(url, {"comment": ""})
        assert response.status_code in (200, 302), response.content[:500]
        state.refresh_from_db()
        if state.current_task_state_id == task_state.pk and state.status == "in_progress":
            task_state.refresh_from_db()
            assert task_state.status != "in_progress", "the approval was not taken"
    return state


def test_machine_draft_of_an_alias_leaves_the_public_page_alone(client, site_tree):
    practice = practice_in_every_language(site_tree, title="School streets")
    english_url = practice.get_url()
    alias = version(practice, "lv")
    latvian_url = alias.specific.get_url()
    before = public_row(alias)
    redirects = Redirect.objects.count()
    translator = member("tulkotajs", "Translators (lv)")
    lv = Locale.objects.get(language_code="lv")

    client.force_login(translator)
    url = reverse("cities_cms:machine_draft", args=[practice.pk])
    response = client.post(url, {"locales": [lv.pk]}, follow=True)
    assert "1 machine draft is being prepared." in response.content.decode()
    # The machine translator is called by the task worker, not in the translator's request.
    assert Page.objects.get(pk=alias.pk).latest_revision_id is None
    assert queued_tasks() == ["machine_draft_task"]
    [result] = run_tasks()
    assert result.return_value == {"drafted": 1, "unchanged": 0, "skipped": []}

    # The public still gets the alias: same row, same address, no redirect, source text.
    assert public_row(alias) == before
    assert Redirect.objects.count() == redirects
    client.logout()
    public = client.get(latvian_url)
    assert public.status_code == 200
    html = public.content.decode()
    assert "School streets" in html and "[MT" not in html
    assert "cc-untranslated" in html  # "not translated yet"
    assert 'hreflang="lv"' not in client.get(english_url).content.decode()

    # The draft is a revision of that page, titled by the machine, with the page's slug.
    alias = Page.objects.get(pk=alias.pk)
    draft = alias.get_latest_revision().as_object()
    assert draft.title == "[MT lv] School streets"
    assert draft.slug == alias.slug == practice.slug

    # The admin marks it as a machine draft: in the status view and on the page's edit view.
    client.force_login(translator)
    html = client.get(STATUS_URL).content.decode()
    assert "Machine draft" in html
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[alias.pk]))
    assert edit.status_code == 200
    assert "Machine draft: this translation was made by a machine translator." in (
        edit.content.decode()
    )
    assert "School streets" in edit.content.decode()  # wagtail-localize's editor, on the draft


def test_draft_waits_while_the_source_is_republished_then_a_reviewer_publishes(client, site_tree):
    practice = practice_in_every_language(site_tree, title="Tram lanes")
    alias = version(practice, "pl")
    translator = member("tlumacz", "Translators (pl)")
    reviewer = member("recenzent", "City reviewers")
    pl = Locale.objects.get(language_code="pl")

    client.force_login(translator)
    client.post(reverse("cities_cms:machine_draft", args=[practice.pk]), {"locales": [pl.pk]})
    run_tasks()
    submit = reverse("cities_cms:submit_for_review", args=[alias.pk])
    response = client.post(submit, follow=True)
    notes = [str(m) for m in response.context["messages"]]
    assert any("was submitted to the workflow" in note for note in notes), notes

    # An editor changes the English page while the Polish draft waits for review: the alias
    # follows the source as before, and the draft stays.
    practice.title = "Tram lanes and bus lanes"
    practice.save_revision().publish()
    alias = Page.objects.get(pk=alias.pk)
    assert alias.alias_of_id == practice.pk
    assert alias.title == "Tram lanes and bus lanes"
    client.logout()
    assert "Tram lanes and bus lanes" in client.get(alias.specific.get_url()).content.decode()
    state = WorkflowState.objects.get(object_id=str(alias.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS

    # The reviewer previews the draft, then approves it: it becomes the Polish page.
    client.force_login(reviewer)
    task = state.current_task_state
    preview = client.get(
        reverse("wagtailadmin_pages:workflow_preview", args=[alias.pk, task.task_id])
    )
    assert preview.status_code == 200 and "[MT pl] Tram lanes" in preview.content.decode()
    approve_as(client, reviewer, alias)
    page = Page.objects.get(pk=alias.pk)
    assert page.alias_of_id is None
    assert page.live and page.title == "[MT pl] Tram lanes"
    assert page.slug == practice.slug  # never a machine-translated slug
    assert page.live_revision_id == task.revision_id

    # From now on the Polish page is a translation: it no longer follows the source.
    practice.title = "Tram lanes, third edition"
    practice.save_revision().publish()
    assert Page.objects.get(pk=alias.pk).title == "[MT pl] Tram lanes"
    client.logout()
    assert 'hreflang="pl"' in client.get(practice.get_url()).content.decode()


def test_machine_draft_keeps_the_human_translation_and_the_live_page(client, site_tree):
    practice = practice_in_every_language(
        site_tree, title="Open budget", summary="Residents decide on a share of the budget."
    )
    polish = translate(
        practice, "pl", title="Otwarty budżet", summary="Mieszkańcy decydują o części budżetu."
    )
    practice.summary = "Residents decide on a tenth of the budget."
    practice.save_revision().publish()
    pl = Locale.objects.get(language_code="pl")
    before = public_row(polish)
    admin = User.objects.create_superuser("chief", "chief@example.org", "pw")
    client.force_login(admin)
    client.post(reverse("cities_cms:machine_draft", args=[practice.pk]), {"locales": [pl.pk]})
    run_tasks()

    assert public_row(polish) == before
    polish = Page.objects.get(pk=polish.pk)
    draft = polish.get_latest_revision().as_object()
    assert draft.title == "Otwarty budżet"  # translated by a person: kept
    assert draft.summary == "[MT pl] Residents decide on a tenth of the budget."  # changed
    assert polish.specific.summary == "Mieszkańcy decydują o części budżetu."  # live


def test_status_counts_an_alias_with_a_draft_as_a_translation_in_progress(client, site_tree):
    practice = practice_in_every_language(site_tree, title="Green courtyards")
    lv = Locale.objects.get(language_code="lv")
    admin = User.objects.create_superuser("chief", "chief@example.org", "pw")
    client.force_login(admin)
    client.post(reverse("cities_cms:machine_draft", args=[practice.pk]), {"locales": [lv.pk]})
    run_tasks()
    en = Locale.get_default()
    rows = status.compute(status.source_pages(en).filter(pk=practice.pk), [en, lv], en)
    cell = rows[0].cells[1]
    assert cell.state != "missing"
    assert cell.draft and not cell.live and cell.machine
    assert cell.can_submit


def test_a_translator_drafts_only_into_their_language(client, site_tree):
    practice = practice_in_every_language(site_tree, title="Night buses")
    lv, pl = (Locale.objects.get(language_code=code) for code in ("lv", "pl"))
    polish = version(practice, "pl")
    before = public_row(polish)
    client.force_login(member("tulkotajs", "Translators (lv)"))
    url = reverse("cities_cms:machine_draft", args=[practice.pk])
    response = client.post(url, {"locales": [lv.pk, pl.pk]}, follow=True)
    notes = [str(m) for m in response.context["messages"]]
    assert any(n.startswith("1 machine draft is being prepared.") for n in notes)
    assert any("You may not translate this page into that language." in n for n in notes)
    [result] = run_tasks()
    assert result.return_value["drafted"] == 1
    assert public_row(polish) == before
    assert Page.objects.get(pk=polish.pk).latest_revision_id is None


def test_a_page_without_a_version_in_the_language_gets_an_unpublished_one(client, site_tree):
    practice = practice_in_every_language(site_tree, title="Repair cafés")
    version(practice, "lv").delete()  # as in a site whose trees are not synchronised
    lv = Locale.objects.get(language_code="lv")
    admin = User.objects.create_superuser("chief", "chief@example.org", "pw")
    client.force_login(admin)
    client.post(reverse("cities_cms:machine_draft", args=[practice.pk]), {"locales": [lv.pk]})
    run_tasks()
    latvian = version(practice, "lv")
    assert not latvian.live and latvian.alias_of_id is None
    assert latvian.get_latest_revision().as_object().title == "[MT lv] Repair cafés"
    assert latvian.slug == practice.slug
