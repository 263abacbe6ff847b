"""Roles, moderation workflows and per-locale translators, tested from each role's side."""

import pytest
from django.contrib.auth.models import User
from wagtail.models import Locale, Page, TaskState, WorkflowState

from cities_cms.pages import PracticeModelPage
from cities_cms.snippets import Theme
from cities_cms.workflows import network_approved

from .utils import make_practice_model, make_role_users, translate


@pytest.fixture
def people(site_tree):
    return make_role_users()


def approve_current_task(page, user):
    state = WorkflowState.objects.get(
        base_content_type=page.get_base_content_type(),
        object_id=str(page.pk),
        status=WorkflowState.STATUS_IN_PROGRESS,
    )
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, user, "approve")
    return WorkflowState.objects.get(pk=state.pk)


def test_workflows_are_assigned(site_tree):
    practice = make_practice_model(site_tree.practices, live=False)
    assert practice.get_workflow().name == "Network approval"
    assert site_tree.home.get_workflow().name == "City review"
    assert site_tree.cities.get_workflow().name == "City review"


def test_editor_submits_and_reviewer_publishes(site_tree, people):
    editor, reviewer = people["editor"], people["reviewer"]
    page = make_practice_model(site_tree.practices, title="Night buses", live=False)
    assert page.permissions_for_user(editor).can_edit()
    assert not page.permissions_for_user(editor).can_publish()
    assert page.permissions_for_user(reviewer).can_publish()

    page.save_revision(user=editor)
    page.get_workflow().start(page, editor)
    state = approve_current_task(page, reviewer)  # City review
    # Not shared: the network approval step passes at once and the page is published.
    assert state.status == WorkflowState.STATUS_APPROVED
    page.refresh_from_db()
    assert page.live
    assert not network_approved(PracticeModelPage.objects.filter(pk=page.pk)).get().network_approved


def test_shared_practice_model_waits_for_the_coordinator(site_tree, people):
    editor, reviewer, coordinator = people["editor"], people["reviewer"], people["coordinator"]
    page = make_practice_model(site_tree.practices, title="Shared bikes", live=False, shared=True)
    page.save_revision(user=editor)
    page.get_workflow().start(page, editor)
    state = approve_current_task(page, reviewer)
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.current_task_state.task.name == "Network approval"
    page.refresh_from_db()
    assert not page.live

    # A city reviewer cannot approve the network's step.
    task = state.current_task_state.task.specific
    assert not task.user_can_access_editor(page, reviewer)
    assert [name for name, *_rest in task.get_actions(page, reviewer)] == []
    assert "approve" in [name for name, *_rest in task.get_actions(page, coordinator)]

    state = approve_current_task(page, coordinator)
    assert state.status == WorkflowState.STATUS_APPROVED
    page.refresh_from_db()
    assert page.live
    assert network_approved(PracticeModelPage.objects.filter(pk=page.pk)).get().network_approved

    # Published again without the workflow: no longer approved for the network.
    page.title = "Shared bikes, changed"
    page.save_revision(user=coordinator).publish()
    assert not network_approved(PracticeModelPage.objects.filter(pk=page.pk)).get().network_approved


def test_unshared_pages_pass_network_approval_without_a_person(site_tree, people):
    page = make_practice_model(site_tree.practices, live=False, shared=False)
    page.save_revision(user=people["editor"])
    page.get_workflow().start(page, people["editor"])
    approve_current_task(page, people["reviewer"])
    auto = TaskState.objects.filter(task__name="Network approval", revision__object_id=str(page.pk))
    assert auto.get().finished_by is None
    assert auto.get().status == TaskState.STATUS_APPROVED


def test_translator_edits_only_their_language(site_tree, people):
    translator = people["translator"]
    page = make_practice_model(site_tree.practices, title="Green roofs")
    latvian = translate(page, "lv", title="Zaļie jumti")
    from cities_cms.setup import run_setup

    run_setup(site_tree.home)  # the Latvian tree exists now: translators get their permissions
    translator = User.objects.get(pk=translator.pk)
    assert Page.objects.get(pk=latvian.pk).permissions_for_user(translator).can_edit()
    assert not Page.objects.get(pk=page.pk).permissions_for_user(translator).can_edit()
    assert not Page.objects.get(pk=latvian.pk).permissions_for_user(translator).can_publish()


def test_translator_changes_snippets_of_their_language_only(client, site_tree, people):
    translator = people["translator"]
    lv = Locale.objects.get(language_code="lv")
    housing = site_tree.themes["housing"]
    housing_lv = housing.copy_for_translation(lv)
    housing_lv.name = "Mājokļi"
    housing_lv.save()
    client.force_login(translator)

    edit = "/admin/snippets/cities_cms/theme/edit/{}/"
    assert client.get(edit.format(housing_lv.pk)).status_code == 200
    response = client.post(
        edit.format(housing_lv.pk),
        {
            "name": "Mājokļi un kopienas",
            "key": "housing",
            "description": "",
            "sort_order": 6,
        },
    )
    assert response.status_code == 302
    assert Theme.objects.get(pk=housing_lv.pk).name == "Mājokļi un kopienas"

    denied = client.get(edit.format(housing.pk))
    assert denied.status_code == 302 and denied["Location"] == "/admin/"
    client.post(
        edit.format(housing.pk),
        {"name": "Hacked", "key": "housing", "description": "", "sort_order": 6},
    )
    assert Theme.objects.get(pk=housing.pk).name == "Housing"
    listing = client.get("/admin/snippets/cities_cms/theme/")
    assert listing.status_code == 200
    assert "Mājokļi un kopienas" in listing.content.decode()


def test_editor_cannot_manage_themes_but_coordinator_can(client, site_tree, people):
    housing = site_tree.themes["housing"]
    client.force_login(people["editor"])
    assert client.get(f"/admin/snippets/cities_cms/theme/edit/{housing.pk}/").status_code == 302
    client.force_login(people["coordinator"])
    assert client.get(f"/admin/snippets/cities_cms/theme/edit/{housing.pk}/").status_code == 200
