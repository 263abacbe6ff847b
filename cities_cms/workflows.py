"""Moderation: the network approval task that guards what a city shares with the network."""

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import AbstractGroupApprovalTask, TaskState


class NetworkApprovalTask(AbstractGroupApprovalTask):
    """The network coordinators approve a practice model before it is shared.

    Pages that are not marked *shared* in the revision under review pass this step at once,
    so the same workflow serves every practice model. A shared practice model counts as
    approved for the network only while its live revision is one that a coordinator
    approved at this step (see :func:`network_approved`).
    """

    class Meta:
        verbose_name = _("Network approval task")
        verbose_name_plural = _("Network approval tasks")

    def start(self, workflow_state, user=None):
        task_state = super().start(workflow_state, user=user)
        revision = task_state.revision
        content = revision.as_object() if revision is not None else None
        if not getattr(content, "shared", False):
            # Returning a finished task state makes Wagtail move on to the next task.
            task_state.status = TaskState.STATUS_APPROVED
            task_state.finished_at = timezone.now()
            task_state.comment = str(_("Not shared with the network: no approval needed."))
            task_state.save(update_fields=["status", "finished_at", "comment"])
        return task_state


def approved_revisions():
    """Revisions that a person approved at a network approval step."""
    return TaskState.objects.filter(
        task__in=NetworkApprovalTask.objects.all(),
        status=TaskState.STATUS_APPROVED,
        finished_by__isnull=False,
    )


def network_approved(queryset):
    """Annotate pages with ``network_approved``: their live revision passed network approval."""
    return queryset.annotate(
        network_approved=Exists(
            approved_revisions().filter(revision_id=OuterRef("live_revision_id"))
        )
    )


def approve_every_step(page, user):
    """Save ``page`` as a new revision and run it through its workflow, approving each step
    as ``user`` (who must be allowed to: a coordinator or a superuser).

    For content loaded by code rather than by editors (the demo, fixtures, tests); editors
    go through the admin. Returns the finished workflow state.
    """
    from wagtail.models import WorkflowState

    page.save_revision(user=user)
    state = page.get_workflow().start(page, user)
    while state.status == WorkflowState.STATUS_IN_PROGRESS:
        task_state = state.current_task_state
        task_state.task.specific.on_action(task_state, user, "approve")
        state = WorkflowState.objects.get(pk=state.pk)
    return state
