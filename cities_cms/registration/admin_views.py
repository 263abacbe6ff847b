"""The registration admin: per seminar counts, list, search, export, attendance, erasure.

Everyone with admin access sees the counts. Personal data (the list, search, exports and the
actions on single registrations) needs ``registrations_visible``; setting up a seminar's
registration needs edit rights on the seminar's page.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..pages import SeminarPage
from . import exports, services
from .admin_forms import EraseForm, QuestionFormSet, SearchForm, SettingsForm
from .models import Registration, RegistrationSettings, registrations_visible

PER_PAGE = 50


# A state as a table cell under the heading "Registration", and as a whole sentence: never
# "Registration is %(state)s", where the adjective would have to agree with "registration".
STATE_LABELS = {
    "open": pgettext_lazy("registration state", "open"),
    "not_yet": pgettext_lazy("registration state", "not open yet"),
    "closed": pgettext_lazy("registration state", "closed"),
    "deadline": pgettext_lazy("registration state", "closed (deadline passed)"),
    "past": pgettext_lazy("registration state", "over (the seminar has taken place)"),
}
STATE_SENTENCES = {
    "open": gettext_lazy("Registration is open."),
    "not_yet": gettext_lazy("Registration is not open yet."),
    "closed": gettext_lazy("Registration is closed."),
    "deadline": gettext_lazy("Registration is closed: the deadline has passed."),
    "past": gettext_lazy("Registration is over: the seminar has taken place."),
}


def state_label(state):
    return STATE_LABELS.get(state, state)


def state_sentence(state):
    return STATE_SENTENCES.get(state, state)


def can_set_up(user, seminar):
    return user.is_superuser or seminar.permissions_for_user(user).can_edit()


def _source_seminar(page_id):
    page = get_object_or_404(SeminarPage, pk=page_id)
    settings = RegistrationSettings.for_seminar(page)
    return page, settings


class RegistrationIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cities_cms_registration/admin/index.html"
    page_title = gettext_lazy("Registrations")
    header_icon = "group"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = []
        for settings in RegistrationSettings.objects.select_related("seminar").order_by(
            "-seminar__start"
        ):
            rows.append(
                {
                    "settings": settings,
                    "counts": settings.counts(),
                    "state": state_label(settings.state()),
                }
            )
        context["rows"] = rows
        context["can_erase"] = self.request.user.is_superuser
        return context


class SeminarRegistrationsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cities_cms_registration/admin/seminar.html"
    header_icon = "group"

    def dispatch(self, request, page_id):
        self.seminar, self.settings = _source_seminar(page_id)
        if self.settings is None:
            if can_set_up(request.user, self.seminar):
                return redirect("cities_cms_registration:settings", self.seminar.pk)
            raise Http404
        self.visible = registrations_visible(request.user, self.settings)
        return super().dispatch(request, page_id)

    def get_page_title(self):
        return _("Registrations: %(title)s") % {"title": self.settings.seminar.title}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("cities_cms_registration:index"), "label": _("Registrations")},
            {"url": "", "label": self.settings.seminar.title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        settings = self.settings
        context.update(
            reg_settings=settings,
            seminar=settings.seminar,
            counts=settings.counts(),
            state_sentence=state_sentence(settings.state()),
            visible=self.visible,
            can_set_up=can_set_up(self.request.user, settings.seminar),
        )
        if self.visible:
            form = SearchForm(self.request.GET or None)
            registrations = settings.registrations.filter(anonymised_at__isnull=True)
            if form.is_valid():
                query = form.cleaned_data["q"].strip()
                if query:
                    registrations = registrations.filter(
                        Q(name__icontains=query)
                        | Q(email__icontains=query)
                        | Q(organisation__icontains=query)
                        | Q(city__icontains=query)
                    )
                if form.cleaned_data["status"]:
                    registrations = registrations.filter(status=form.cleaned_data["status"])
            elif form.is_bound:
                registrations = registrations.none()
            paginator = Paginator(registrations.order_by("created_at", "pk"), PER_PAGE)
            context["search_form"] = form
            context["registrations"] = paginator.get_page(self.request.GET.get("p"))
            context["anonymised"] = settings.registrations.filter(
                anonymised_at__isnull=False
            ).count()
        return context


def _visible_settings_or_403(request, page_id):
    _seminar, settings = _source_seminar(page_id)
    if settings is None:
        raise Http404
    if not registrations_visible(request.user, settings):
        raise PermissionDenied
    return settings


def export(request, page_id, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    settings = _visible_settings_or_403(request, page_id)
    registrations = settings.registrations.filter(anonymised_at__isnull=True)
    filename = slugify(settings.seminar.title)[:60] or "registrations"
    if fmt == "csv":
        return exports.csv_response(settings, registrations, filename)
    return exports.xlsx_response(settings, registrations, filename)


ACTIONS = ("attended", "absent", "unknown", "cancel", "erase")


def registration_action(request, page_id, pk, action):
    if request.method != "POST":
        return HttpResponseBadRequest(_("Use the buttons of the registrations list."))
    settings = _visible_settings_or_403(request, page_id)
    if action not in ACTIONS:
        return HttpResponseBadRequest(_("Unknown action."))
    registration = get_object_or_404(
        Registration, pk=pk, settings=settings, anonymised_at__isnull=True
    )
    if action in ("attended", "absent", "unknown"):
        registration.attended = {"attended": True, "absent": False, "unknown": None}[action]
        registration.save(update_fields=["attended"])
        messages.success(request, _("Attendance saved."))
    elif action == "cancel":
        outcome = services.cancel(registration.pk)
        if outcome.promoted:
            names = ", ".join(r.name for r in outcome.promoted)
            messages.success(
                request,
                _("Registration cancelled; promoted from the waiting list: %(names)s.")
                % {"names": names},
            )
        else:
            messages.success(request, _("Registration cancelled."))
    else:
        services.erase(registration.pk)
        messages.success(request, _("The registration's personal data was erased."))
    query = request.POST.get("next_query", "")
    url = reverse("cities_cms_registration:seminar", args=[settings.seminar_id])
    if query and len(query) < 300 and "\n" not in query:
        url = f"{url}?{query}"
    return redirect(url)


class SettingsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cities_cms_registration/admin/settings.html"
    header_icon = "cog"

    def dispatch(self, request, page_id):
        self.seminar, self.settings = _source_seminar(page_id)
        if not can_set_up(request.user, self.seminar):
            raise PermissionDenied
        return super().dispatch(request, page_id)

    def get_page_title(self):
        return _("Registration settings: %(title)s") % {"title": self.seminar.title}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("cities_cms_registration:index"), "label": _("Registrations")},
            {"url": "", "label": self.seminar.title},
        ]

    def forms(self, data=None):
        instance = self.settings or RegistrationSettings(seminar=self.seminar)
        form = SettingsForm(data, instance=instance)
        formset = QuestionFormSet(data, instance=instance, prefix="questions")
        return form, formset

    def get(self, request, page_id):
        form, formset = self.forms()
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def post(self, request, page_id):
        form, formset = self.forms(request.POST)
        if form.is_valid() and formset.is_valid():
            settings = form.save()
            formset.instance = settings
            formset.save()
            promoted = services.promote_if_possible(settings.pk)
            messages.success(request, _("Registration settings saved."))
            if promoted:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s registration moved from the waiting list.",
                        "%(count)s registrations moved from the waiting list.",
                        len(promoted),
                    )
                    % {"count": len(promoted)},
                )
            return redirect("cities_cms_registration:seminar", settings.seminar_id)
        context = self.get_context_data(form=form, formset=formset)
        return self.render_to_response(context, status=400)

    def render_to_response(self, context, status=200, **kwargs):
        context["seminar"] = self.seminar
        return super().render_to_response(context, status=status, **kwargs)


class EraseView(WagtailAdminTemplateMixin, TemplateView):
    """Erase one person's data on request, across every seminar (superusers only)."""

    template_name = "cities_cms_registration/admin/erase.html"
    page_title = gettext_lazy("Erase a registrant's data")
    header_icon = "bin"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("cities_cms_registration:index"), "label": _("Registrations")},
            {"url": "", "label": self.page_title},
        ]

    def get(self, request):
        return self.render_to_response(self.get_context_data(form=EraseForm()))

    def post(self, request):
        form = EraseForm(request.POST)
        if form.is_valid():
            count = services.erase_email(form.cleaned_data["email"])
            messages.success(
                request,
                ngettext("%(count)s registration erased.", "%(count)s registrations erased.", count)
                % {"count": count},
            )
            return redirect("cities_cms_registration:index")
        return self.render_to_response(self.get_context_data(form=form), status=400)
