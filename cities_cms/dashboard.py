"""The admin dashboard, for each role (Wagtail's ``construct_homepage_*`` hooks).

Each role sees what waits for it: an editor their drafts and their pages in review, a
reviewer the pages waiting at their review step, a network coordinator the practice models
waiting for network approval, a translator the backlog of their language (the same states as
the translation status view, from :mod:`cities_cms.translation.status`). The optional apps add
their own panels from their ``wagtail_hooks`` (registration: upcoming seminars; federation:
peers with problems), so nothing here imports them.

Every list is capped and comes from a fixed number of queries, so the dashboard costs the
same with ten pages or ten thousand (tests/test_dashboard.py holds it to that). Wagtail's own
two moderation panels are replaced by ours: they list every task and every page in review,
however many (a reviewer with three hundred pages waiting got three hundred rows), and mix
the city's review with the network's approval, which are different people's work.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, IntegerField, OuterRef, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.site_summary import SummaryItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.home import (
    UserObjectsInWorkflowModerationPanel,
    WorkflowObjectsToModeratePanel,
)
from wagtail.models import GroupApprovalTask, Locale, Page, Task, TaskState, WorkflowState
from wagtail.permission_policies.pages import PagePermissionPolicy

from .conf import settings
from .translation import language_name, status
from .translation.groups import translator_locale_ids
from .workflows import NetworkApprovalTask

LIMIT = 8  # items per list; the rest is counted, not listed
BACKLOG_STATES = ("in_progress", "outdated", "missing")  # finish what was started first


@dataclass
class Item:
    """One line of a dashboard list."""

    title: str
    url: str = ""
    language: str = ""  # a language code, shown as a label
    detail: str = ""
    when: datetime | None = None
    actions: list = field(default_factory=list)  # (label, url) pairs
    review: dict | None = None  # a task waiting for the user: its workflow actions


@dataclass
class Listing:
    items: list
    total: int

    @property
    def more(self):
        return max(0, self.total - len(self.items))


def dashboard(request):
    """The request's :class:`Dashboard`, computed once for all its panels and summary items."""
    board = getattr(request, "_cities_cms_dashboard", None)
    if board is None:
        board = request._cities_cms_dashboard = Dashboard(request)
    return board


def _page_ct():
    return ContentType.objects.get_for_model(Page)


def _in_workflow():
    """Pages with an active workflow (object ids are strings: cast the page id to compare)."""
    return Exists(
        WorkflowState.objects.active().filter(
            base_content_type=_page_ct(),
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
        )
    )


class Dashboard:
    def __init__(self, request):
        self.request = request
        self.user = request.user

    # Roles: from what the user may do, not from group names, so a site's own groups work.

    @cached_property
    def is_editor(self):
        return PagePermissionPolicy().user_has_any_permission(self.user, {"add", "change"})

    @cached_property
    def is_reviewer(self):
        return self.user.is_superuser or (
            GroupApprovalTask.objects.filter(active=True, groups__user=self.user).exists()
        )

    @cached_property
    def is_coordinator(self):
        return self.user.is_superuser or (
            NetworkApprovalTask.objects.filter(active=True, groups__user=self.user).exists()
        )

    @cached_property
    def translator_locales(self):
        ids = translator_locale_ids(self.user)
        return list(Locale.objects.filter(pk__in=ids).order_by("language_code")) if ids else []

    @property
    def has_role(self):
        return (
            self.user.is_superuser
            or self.is_editor
            or self.is_reviewer
            or self.is_coordinator
            or bool(self.translator_locales)
        )

    # Lists.

    def _editable(self):
        return PagePermissionPolicy().instances_user_has_any_permission_for(self.user, {"change"})

    @cached_property
    def drafts(self):
        """The user's pages with unpublished changes that are in no workflow yet."""
        pages = (
            self._editable()
            .filter(depth__gt=1, has_unpublished_changes=True, alias_of__isnull=True)
            .filter(Q(owner=self.user) | Q(latest_revision__user=self.user))
            .exclude(_in_workflow())
            .select_related("locale")
            .order_by("-latest_revision_created_at", "-pk")
        )
        items = [
            Item(
                title=page.get_admin_display_title(),
                url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
                language=page.locale.language_code,
                detail=str(_("Published, with changes not yet published"))
                if page.live
                else str(_("Never published")),
                when=page.latest_revision_created_at,
            )
            for page in pages[:LIMIT]
        ]
        return Listing(items, pages.count())

    def _workflow_items(self, states, detail, extra=None):
        """Items for workflow or task states, with their pages read in one query.

        ``extra(item, state, page)`` completes an item (a reviewer's actions).
        """
        states = list(states)
        ids = {int(state.page_object_id) for state in states}
        pages = Page.objects.select_related("locale").in_bulk(ids)
        items = []
        for state in states:
            page = pages.get(int(state.page_object_id))
            if page is None:  # the page was deleted with its state still there
                continue
            item = Item(
                title=page.get_admin_display_title(),
                url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
                language=page.locale.language_code,
                detail=detail(state),
                when=state.since,
            )
            if extra is not None:
                extra(item, state, page)
            items.append(item)
        return items

    @cached_property
    def in_review(self):
        """The user's pages in a workflow: submitted by them, or theirs."""
        owned = Exists(
            Page.objects.filter(
                owner=self.user, pk=Cast(OuterRef("object_id"), output_field=IntegerField())
            )
        )
        states = (
            WorkflowState.objects.active()
            .filter(base_content_type=_page_ct())
            .filter(Q(requested_by=self.user) | owned)
            .select_related("current_task_state__task")
            .order_by("-current_task_state__started_at", "-pk")
        )

        def detail(state):
            task = state.current_task_state
            name = task.task.name if task else ""
            if state.status == WorkflowState.STATUS_NEEDS_CHANGES:
                return _("Changes requested at “%(task)s”") % {"task": name}
            return _("Waiting at “%(task)s”") % {"task": name}

        listed = list(states[:LIMIT])
        for state in listed:
            state.page_object_id = state.object_id
            state.since = state.current_task_state.started_at if state.current_task_state else None
        return Listing(self._workflow_items(listed, detail), states.count())

    def _to_review(self, network):
        """Task states waiting for this user, at network approval or at the other steps."""
        tasks = NetworkApprovalTask.objects.all()
        states = TaskState.objects.reviewable_by(self.user).filter(
            status=TaskState.STATUS_IN_PROGRESS,
            workflow_state__base_content_type=_page_ct(),
        )
        states = states.filter(task__in=tasks) if network else states.exclude(task__in=tasks)
        states = states.select_related("task", "workflow_state__requested_by").order_by(
            "started_at", "pk"
        )

        def detail(state):
            who = state.workflow_state.requested_by
            name = (who.get_full_name() or who.get_username()) if who else ""
            return _("“%(task)s”, submitted by %(name)s") % {"task": state.task.name, "name": name}

        listed = list(states[:LIMIT])
        # Each task's actions for this user (approve, request changes...), asked once per
        # task: Wagtail's GroupApprovalTask answers from the user's groups, whatever the page.
        tasks = Task.objects.filter(pk__in={s.task_id for s in listed}).specific().in_bulk()

        def review_actions(item, state, page):
            task = tasks[state.task_id]
            item.review = {
                "page_id": page.pk,
                "task_state_id": state.pk,
                "actions": task.get_actions(page, self.user),
                "preview_url": reverse(
                    "wagtailadmin_pages:workflow_preview", args=[page.pk, state.task_id]
                ),
                "compare_url": reverse(
                    "wagtailadmin_pages:revisions_compare",
                    args=[page.pk, "live", state.revision_id],
                )
                if page.live_revision_id and state.revision_id
                else "",
            }

        for state in listed:
            state.page_object_id = state.workflow_state.object_id
            state.since = state.started_at
        return Listing(self._workflow_items(listed, detail, review_actions), states.count())

    @cached_property
    def to_review(self):
        return self._to_review(network=False)

    @cached_property
    def network_approval(self):
        return self._to_review(network=True)

    @cached_property
    def backlogs(self):
        return [self._backlog(locale) for locale in self.translator_locales]

    def _backlog(self, locale):
        """What is left to translate into ``locale``, among the pages the user may edit there.

        The states are the translation status view's (``status.compute``), so the dashboard
        and the matrix always agree.
        """
        source_locale = Locale.get_default()
        editable = self._editable().filter(locale=locale).values("translation_key")
        pages = status.source_pages(source_locale).filter(translation_key__in=editable)
        rows = status.compute(pages, [source_locale, locale], source_locale)
        counts = status.summarise(rows)[locale.pk]
        waiting = [(row, row.cells[1]) for row in rows if row.cells[1].state in BACKLOG_STATES]
        waiting.sort(key=lambda pair: BACKLOG_STATES.index(pair[1].state))
        status.attach_urls([row for row, _cell in waiting[:LIMIT]], self.request)
        status_url = reverse("cities_cms:translation_status")
        return {
            "locale": locale,
            "language": language_name(locale),
            "counts": [
                (
                    key,
                    status.STATES[key],
                    counts[key],
                    f"{status_url}?state={key}&locale={locale.pk}",
                )
                for key in BACKLOG_STATES
            ],
            "total": sum(counts[key] for key in BACKLOG_STATES),
            "rows": waiting[:LIMIT],
            "more": max(0, len(waiting) - LIMIT),
            "editable": bool(rows),
            "status_url": f"{status_url}?locale={locale.pk}",
        }


# Panels ------------------------------------------------------------------------------------


class DashboardPanel(Component):
    """A dashboard panel over one list: the :class:`Dashboard`'s ``list_name``, or what the
    panel's own ``listing(board)`` gives (the optional apps' panels compute theirs).
    """

    name = ""
    order = 100
    template_name = "cities_cms/admin/dashboard/list_panel.html"
    heading = ""
    help_text = ""
    empty_text = ""
    when_label = _("Since")
    list_name = ""
    more_url_name = ""  # the view that lists them all, linked when the panel shows only LIMIT

    @property
    def more_url(self):
        return reverse(self.more_url_name) if self.more_url_name else ""

    def listing(self, board):
        return getattr(board, self.list_name)

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        listing = self.listing(dashboard(request))
        return {
            "request": request,
            "panel": self,
            "listing": listing,
            "more_text": ngettext("and %(count)d more", "and %(count)d more", listing.more)
            % {"count": listing.more},
        }


class _ReviewPanel(DashboardPanel):
    """A list of tasks with Wagtail's workflow actions (approve, request changes...)."""

    template_name = "cities_cms/admin/dashboard/review_panel.html"

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        request = context["request"]
        # Wagtail's workflow-action.js binds every action button on the page each time it is
        # loaded: the second panel must not load it again (one click, two approvals).
        loaded = getattr(request, "_cities_cms_workflow_js", False)
        context["load_script"] = bool(context["listing"].items) and not loaded
        request._cities_cms_workflow_js = loaded or context["load_script"]
        return context


class ReviewPanel(_ReviewPanel):
    name = "cc_to_review"
    list_name = "to_review"
    order = 100
    heading = _("Awaiting your review")  # Wagtail's own words (and translations)
    help_text = _("Pages submitted at a review step of your groups, oldest first.")
    empty_text = _("Nothing waits for your review.")


class NetworkApprovalPanel(_ReviewPanel):
    name = "cc_network_approval"
    list_name = "network_approval"
    order = 105
    heading = _("Practice models waiting for network approval")
    help_text = _(
        "Shared practice models reach partner cities only after a network coordinator "
        "approves them."
    )
    empty_text = _("No practice model waits for network approval.")


class DraftsPanel(DashboardPanel):
    name = "cc_drafts"
    list_name = "drafts"
    order = 110
    heading = _("Your drafts")
    help_text = _("Pages you changed and did not publish or submit for review yet.")
    empty_text = _("You have no unpublished changes.")


class InReviewPanel(DashboardPanel):
    name = "cc_in_review"
    list_name = "in_review"
    order = 115
    heading = _("Your pages in review")
    help_text = _("Pages you submitted, and where they wait.")
    empty_text = _("None of your pages is in review.")


class BacklogPanel(Component):
    order = 108  # a translator's main work: before their drafts
    template_name = "cities_cms/admin/dashboard/backlog_panel.html"

    def __init__(self, index):
        self.index = index
        self.name = f"cc_backlog_{index}"

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        return {
            "request": request,
            "panel_id": self.name,
            "backlog": dashboard(request).backlogs[self.index],
        }


class WelcomePanel(Component):
    """For a user in no group yet: what the dashboard will show, and whom to ask."""

    name = "cc_welcome"
    order = 50
    template_name = "cities_cms/admin/dashboard/welcome_panel.html"

    def get_context_data(self, parent_context):
        return {
            "request": parent_context["request"],
            "groups": [
                settings.CITIES_CMS_EDITOR_GROUP,
                settings.CITIES_CMS_REVIEWER_GROUP,
                settings.CITIES_CMS_TRANSLATOR_GROUP % {"code": _("language code")},
                settings.CITIES_CMS_COORDINATOR_GROUP,
            ],
        }


# Summary items (the counts at the top) -----------------------------------------------------


class CountSummaryItem(SummaryItem):
    template_name = "cities_cms/admin/dashboard/summary_item.html"
    icon = "doc-empty"

    def __init__(self, request, *, order, icon, text, url):
        super().__init__(request)
        self.order, self.icon, self.text, self.url = order, icon, text, url

    def get_context_data(self, parent_context):
        return {"icon": self.icon, "text": self.text, "url": self.url}


def construct_summary_items(request, items):
    board = dashboard(request)
    counts = []  # (order, icon, text, the panel it leads to)
    if board.is_reviewer:
        total = board.to_review.total
        text = ngettext("%(count)d page to review", "%(count)d pages to review", total)
        counts.append((10, "tasks", text % {"count": total}, "cc_to_review"))
    if board.is_coordinator:
        total = board.network_approval.total
        text = ngettext(
            "%(count)d practice model waiting for network approval",
            "%(count)d practice models waiting for network approval",
            total,
        )
        counts.append((15, "site", text % {"count": total}, "cc_network_approval"))
    for index, backlog in enumerate(board.backlogs):
        text = ngettext(
            "%(count)d page to translate into %(language)s",
            "%(count)d pages to translate into %(language)s",
            backlog["total"],
        ) % {"count": backlog["total"], "language": backlog["language"]}
        counts.append((20 + index, "globe", text, f"cc_backlog_{index}"))
    items.extend(
        CountSummaryItem(request, order=order, icon=icon, text=text, url=f"#{panel}-section")
        for order, icon, text, panel in counts
    )


def construct_panels(request, panels):
    """Our role panels instead of Wagtail's two moderation panels (uncapped, see above)."""
    replaced = (WorkflowObjectsToModeratePanel, UserObjectsInWorkflowModerationPanel)
    panels[:] = [panel for panel in panels if not isinstance(panel, replaced)]
    board = dashboard(request)
    if not board.has_role:
        panels.append(WelcomePanel())
        return
    if board.is_reviewer:
        panels.append(ReviewPanel())
    if board.is_coordinator:
        panels.append(NetworkApprovalPanel())
    if board.is_editor:
        panels.extend([DraftsPanel(), InReviewPanel()])
    panels.extend(BacklogPanel(index) for index in range(len(board.translator_locales)))
