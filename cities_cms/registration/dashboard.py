"""The registration app's dashboard panel: upcoming seminars and their places left.

Registered from this app's ``wagtail_hooks``, so a site without registration has no such
panel. Counts are shown to every editor, as on the registrations index; the list is capped
and read in a fixed number of queries (seminars, counts, titles in the editor's language).
"""

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy

from ..dashboard import LIMIT, DashboardPanel, Item, Listing
from .admin_views import state_label
from .models import Registration, RegistrationSettings


def upcoming_seminars(user):
    """The next seminars that take registrations, with their places left."""
    upcoming = (
        RegistrationSettings.objects.filter(seminar__end__gte=timezone.now())
        .select_related("seminar__locale")
        .order_by("seminar__start", "pk")
    )
    listed = list(upcoming[:LIMIT])
    people = {
        (row["settings_id"], row["status"]): row["people"]
        for row in Registration.objects.filter(settings__in=listed)
        .values("settings_id", "status")
        .annotate(people=Sum("party_size"), n=Count("id"))
    }
    # Each seminar's title in the editor's interface language, where it is translated.
    titles = dict(
        Page.objects.filter(
            translation_key__in=[s.seminar.translation_key for s in listed],
            locale__language_code=(get_language() or "").split("-")[0],
        ).values_list("translation_key", "title")
    )
    # Which of them the user may edit, in one query (a permission tester per seminar would
    # also look up each page's workflow lock).
    editable = set(
        PagePermissionPolicy()
        .instances_user_has_any_permission_for(user, {"change"})
        .filter(pk__in=[s.seminar_id for s in listed])
        .values_list("pk", flat=True)
    )
    items = []
    for settings in listed:
        seminar = settings.seminar
        confirmed = people.get((settings.pk, Registration.Status.CONFIRMED), 0)
        waiting = people.get((settings.pk, Registration.Status.WAITING), 0)
        left = max(0, settings.capacity - confirmed)
        detail = [
            str(capfirst(state_label(settings.state()))),
            # The noun belongs to the capacity, the number left varies: no sentence fits both.
            _("Places left: %(left)d of %(capacity)d")
            % {"left": left, "capacity": settings.capacity},
        ]
        if waiting:
            detail.append(
                ngettext(
                    "%(count)d person on the waiting list",
                    "%(count)d people on the waiting list",
                    waiting,
                )
                % {"count": waiting}
            )
        url = reverse("cities_cms_registration:seminar", args=[seminar.pk])
        actions = [(_("Registrations"), url)]
        if seminar.pk in editable:
            actions.append((_("Edit"), reverse("wagtailadmin_pages:edit", args=[seminar.pk])))
        items.append(
            Item(
                title=titles.get(seminar.translation_key, seminar.title),
                url=url,
                detail=" · ".join(detail),
                when=seminar.start,
                actions=actions,
            )
        )
    return Listing(items, upcoming.count())


class UpcomingSeminarsPanel(DashboardPanel):
    name = "cc_seminars"
    order = 130
    heading = _("Upcoming seminars")
    help_text = _("Seminars that take registrations, the next first.")
    empty_text = _("No upcoming seminar takes registrations.")
    when_label = _("Starts")
    more_url_name = "cities_cms_registration:index"

    def listing(self, board):
        return upcoming_seminars(board.user)


def construct_panels(request, panels):
    panels.append(UpcomingSeminarsPanel())
