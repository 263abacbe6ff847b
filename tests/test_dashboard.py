"""The admin dashboard, seen by each role (cities_cms.dashboard and the sub-apps' panels).

Users get nothing but their group, as ``run_setup`` creates them; pages go through the real
workflows. The budget test builds the same kinds of content N and 3N times over and holds the
dashboard of every role to the same number of queries.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupPagePermission, Locale, Page, WorkflowState

from cities_cms.federation.models import Peer, PeerStatus
from cities_cms.registration.models import Registration, RegistrationSettings
from cities_cms.translation import status

from .utils import make_member, make_practice_model, make_role_users, make_seminar, translate

DASHBOARD = "/admin/"


@pytest.fixture
def people(site_tree):
    return make_role_users()


def dashboard(client, user):
    client.force_login(user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.content.decode()


def panel(html, panel_id):
    """The HTML of one dashboard panel ("" if it is not there)."""
    start = html.find(f'id="{panel_id}-section"')
    if start == -1:
        return ""
    return html[start : html.find("</section>", start)]


def draft_by(user, index, **kw):
    page = make_practice_model(index, live=False, **kw)
    page.save_revision(user=user)
    return page


def submit(page, user):
    page = Page.objects.get(pk=page.pk).specific
    page.save_revision(user=user)
    return page.get_workflow().start(page, user)


def registration(settings_obj, n, **kw):
    kw.setdefault("status", Registration.Status.CONFIRMED)
    return Registration.objects.create(
        settings=settings_obj,
        name=f"Person {n}",
        email=f"person{n}-{settings_obj.pk}@example.org",
        language="en",
        consent_at=timezone.now(),
        **kw,
    )


def test_editor_sees_their_drafts_and_their_pages_in_review(client, site_tree, people):
    editor = people["editor"]
    draft = draft_by(editor, site_tree.practices, title="Night buses")
    sent = draft_by(editor, site_tree.practices, title="School streets")
    submit(sent, editor)
    draft_by(people["reviewer"], site_tree.practices, title="Someone else's draft")

    html = dashboard(client, editor)
    drafts = panel(html, "cc_drafts")
    assert "Night buses" in drafts
    assert reverse("wagtailadmin_pages:edit", args=[draft.pk]) in drafts
    assert "School streets" not in drafts  # in review: listed there, not as a draft
    assert "Someone else" not in drafts
    in_review = panel(html, "cc_in_review")
    assert "School streets" in in_review and "Waiting at “City review”" in in_review
    # An editor reviews nothing and approves nothing for the network.
    assert not panel(html, "cc_to_review") and not panel(html, "cc_network_approval")
    assert not panel(html, "cc_peers")  # nor manages peers


def test_changes_requested_show_as_such(client, site_tree, people):
    editor, reviewer = people["editor"], people["reviewer"]
    page = draft_by(editor, site_tree.practices, title="Tram lanes")
    state = submit(page, editor)
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, reviewer, "reject")
    assert WorkflowState.objects.get(pk=state.pk).status == WorkflowState.STATUS_NEEDS_CHANGES

    in_review = panel(dashboard(client, editor), "cc_in_review")
    assert "Tram lanes" in in_review and "Changes requested at “City review”" in in_review


def test_reviewer_sees_what_waits_for_them_with_actions(client, site_tree, people):
    page = draft_by(people["editor"], site_tree.practices, title="Green courtyards")
    state = submit(page, people["editor"])

    waiting = panel(dashboard(client, people["reviewer"]), "cc_to_review")
    assert "Awaiting your review" in waiting
    assert "Green courtyards" in waiting and "submitted by Editor" in waiting
    approve = reverse(
        "wagtailadmin_pages:workflow_action",
        args=[page.pk, "approve", state.current_task_state.pk],
    )
    assert f'data-workflow-action-url="{approve}"' in waiting
    # Nothing waits for the coordinator at the city's step: the network step has its panel.
    coordinator = dashboard(client, people["coordinator"])
    assert "Green courtyards" in panel(coordinator, "cc_to_review")  # coordinators review too
    assert "Green courtyards" not in panel(coordinator, "cc_network_approval")


def test_coordinator_sees_network_approvals_and_peers_with_problems(client, site_tree, people):
    from .test_roles import approve_current_task

    shared = draft_by(people["editor"], site_tree.practices, title="Shared bikes", shared=True)
    submit(shared, people["editor"])
    approve_current_task(shared, people["reviewer"])  # City review passed
    now = timezone.now()
    Peer.objects.create(
        base_url="https://brugmeer.example.org",
        name="Brugmeer",
        status=PeerStatus.APPROVED,
        consecutive_failures=3,
        last_error="The peer did not answer within 10 seconds.",
        last_error_at=now,
    )
    Peer.objects.create(base_url="https://new.example.org", name="Vejalaukis")  # pending
    Peer.objects.create(
        base_url="https://fine.example.org",
        name="Havenwaard",
        status=PeerStatus.APPROVED,
        last_success_at=now,
        last_error="refused once",
        last_error_at=now - timedelta(hours=1),  # older than the last good sync
    )

    html = dashboard(client, people["coordinator"])
    network = panel(html, "cc_network_approval")
    assert "Shared bikes" in network and "Network approval" in network
    assert "Shared bikes" not in panel(html, "cc_to_review")
    peers = panel(html, "cc_peers")
    assert "Brugmeer" in peers and "3 failed syncs in a row" in peers
    assert "did not answer" in peers
    assert "Vejalaukis" in peers and "Waiting for your approval" in peers
    assert "Havenwaard" not in peers
    # The city reviewer approves nothing for the network.
    reviewer = dashboard(client, people["reviewer"])
    assert not panel(reviewer, "cc_network_approval")
    assert "Shared bikes" not in reviewer


def test_translator_sees_their_languages_backlog_as_the_status_view_does(client, site_tree, people):
    done = make_practice_model(site_tree.practices, title="Done in Latvian")
    translate(done, "lv", title="Pabeigts latviski")
    outdated = make_practice_model(site_tree.practices, title="Outdated in Latvian")
    translate(outdated, "lv", title="Novecojis")
    outdated.title = "Outdated in Latvian, second edition"
    outdated.save_revision().publish()
    missing = make_practice_model(site_tree.practices, title="Missing in Latvian")

    html = dashboard(client, people["translator"])
    backlog = panel(html, "cc_backlog_0")
    assert "Translations into" in backlog
    en, lv = Locale.objects.get(language_code="en"), Locale.objects.get(language_code="lv")
    counts = status.summarise(status.compute(status.source_pages(en), [en, lv], en))[lv.pk]
    for key in ("missing", "outdated", "in_progress"):
        assert f"?state={key}&amp;locale={lv.pk}" in backlog
    assert f"<strong>{counts['outdated']}</strong>" in backlog and counts["outdated"] >= 1
    assert "Outdated in Latvian" in backlog
    assert reverse("wagtail_localize:submit_page_translation", args=[missing.pk]) in backlog
    assert "Done in Latvian" not in backlog
    # The summary at the top counts the same backlog.
    total = counts["missing"] + counts["outdated"] + counts["in_progress"]
    assert f"{total} pages to translate into Latvian" in html
    # A Latvian translator has no Polish backlog, and no review or drafts of others.
    assert "cc_backlog_1" not in html
    assert "Translations into Polish" not in html


def test_translator_without_a_tree_in_their_language_gets_an_explanation(client, site_tree, people):
    translator = people["translator"]
    GroupPagePermission.objects.filter(group__name="Translators (lv)").delete()
    translator = User.objects.get(pk=translator.pk)
    backlog = panel(dashboard(client, translator), "cc_backlog_0")
    assert "You may not edit any page in" in backlog


def test_drafts_only_where_the_editor_may_edit(client, site_tree):
    # A group that may edit the cities section only.
    group = Group.objects.create(name="Cities only")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in ("add_page", "change_page"):
        GroupPagePermission.objects.create(
            group=group,
            page=site_tree.cities,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    user = make_member("cities-only", "Cities only")
    from .utils import make_city

    city = make_city(site_tree.cities, title="Brugmeer", live=False)
    city.save_revision(user=user)
    elsewhere = draft_by(user, site_tree.practices, title="Not mine to edit")
    assert not elsewhere.permissions_for_user(user).can_edit()

    drafts = panel(dashboard(client, user), "cc_drafts")
    assert "Brugmeer" in drafts and "Not mine to edit" not in drafts


def test_upcoming_seminars_with_places_left_for_everyone(client, site_tree, people):
    soon = make_seminar(site_tree.seminars, title="Participatory budgets")
    settings_obj = RegistrationSettings.objects.create(seminar=soon, is_open=True, capacity=10)
    for n in range(3):
        registration(settings_obj, n)
    registration(settings_obj, 9, party_size=2)  # five people confirmed in all
    past = make_seminar(
        site_tree.seminars,
        title="Last year's seminar",
        start=timezone.now() - timedelta(days=400),
    )
    RegistrationSettings.objects.create(seminar=past, is_open=True)

    for role in ("editor", "translator", "coordinator"):
        seminars = panel(dashboard(client, people[role]), "cc_seminars")
        assert "Participatory budgets" in seminars, role
        assert "Places left: 5 of 10" in seminars, seminars
        assert "Last year" not in seminars
        assert reverse("cities_cms_registration:seminar", args=[soon.pk]) in seminars
    # Only those who may edit the seminar get its edit link.
    edit = reverse("wagtailadmin_pages:edit", args=[soon.pk])
    assert edit in panel(dashboard(client, people["editor"]), "cc_seminars")
    assert edit not in panel(dashboard(client, people["translator"]), "cc_seminars")


def test_user_in_no_group_gets_a_helpful_empty_dashboard(client, site_tree):
    user = User.objects.create_user("newcomer", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    html = dashboard(client, User.objects.get(pk=user.pk))
    welcome = panel(html, "cc_welcome")
    assert "You are not a member of any group yet" in welcome
    assert "City editors" in welcome and "Translators (language code)" in welcome
    for other in ("cc_drafts", "cc_to_review", "cc_network_approval", "cc_backlog_0"):
        assert not panel(html, other)


def test_empty_states(client, site_tree, people):
    html = dashboard(client, people["reviewer"])
    assert "Nothing waits for your review." in panel(html, "cc_to_review")
    assert "You have no unpublished changes." in panel(html, "cc_drafts")
    assert "None of your pages is in review." in panel(html, "cc_in_review")
    assert "No upcoming seminar takes registrations." in panel(html, "cc_seminars")
    assert "Every peer is in order." in panel(dashboard(client, people["coordinator"]), "cc_peers")


def test_dashboard_queries_do_not_grow_with_content(client, site_tree, people):
    """N, then 3N drafts, pages in review, network approvals, seminars, registrations, peers:
    every role's dashboard makes the same number of queries."""
    from .test_roles import approve_current_task

    editor, reviewer = people["editor"], people["reviewer"]

    def build(n):
        for _i in range(n):
            draft_by(editor, site_tree.practices)
            submit(draft_by(editor, site_tree.practices), editor)
            shared = draft_by(editor, site_tree.practices, shared=True)
            submit(shared, editor)
            approve_current_task(shared, reviewer)
            seminar = make_seminar(site_tree.seminars, fast=True)
            settings_obj = RegistrationSettings.objects.create(seminar=seminar, capacity=50)
            for n_reg in range(3):
                registration(settings_obj, n_reg)
            page = make_practice_model(site_tree.practices, fast=True)
            Peer.objects.create(
                base_url=f"https://{page.slug}.example.org",
                status=PeerStatus.APPROVED,
                consecutive_failures=1,
                last_error="timed out",
                last_error_at=timezone.now(),
            )

    def queries(user):
        client.force_login(user)
        client.get(DASHBOARD)  # per-process caches (content types, locales, sites)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(DASHBOARD).status_code == 200
        return captured

    roles = ("editor", "reviewer", "coordinator", "translator")
    # N below what a panel lists (8) and 3N above it: a query per listed item shows, and
    # so does one per item that is not listed.
    n = 3
    build(n)
    small = {role: queries(people[role]) for role in roles}
    build(2 * n)
    large = {role: queries(people[role]) for role in roles}
    for role in roles:
        extra = [q["sql"] for q in large[role].captured_queries[len(small[role]) :]]
        assert len(small[role]) == len(large[role]), (
            f"{role}: {len(small[role])} queries with N, {len(large[role])} with 3N; "
            "extra:\n" + "\n".join(extra)
        )
        assert len(large[role]) <= 80, f"{role}: {len(large[role])} queries"
