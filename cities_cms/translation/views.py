"""Admin views of the translation workflow."""

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Locale, Page, get_page_models
from wagtail_localize.machine_translators import get_machine_translator

from . import language_name, status
from .current import pending_revision
from .drafts import save_memory_as_draft
from .exchange import ExchangeError, export_zip, exportable, import_files, read_upload
from .machine import plan_machine_draft

ROWS_PER_PAGE = 50


class StatusFilterForm(forms.Form):
    section = forms.ModelChoiceField(
        label=_("Section"),
        required=False,
        queryset=Page.objects.none(),
        empty_label=_("Whole site"),
    )
    page_type = forms.ChoiceField(label=_("Page type"), required=False)
    city = forms.ModelChoiceField(
        label=_("City"),
        required=False,
        queryset=Page.objects.none(),
        empty_label=_("All cities"),
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    locale = forms.ModelChoiceField(
        label=_("Language"),
        required=False,
        queryset=Locale.objects.none(),
        empty_label=_("All languages"),
    )

    def __init__(self, *args, source_locale, **kwargs):
        from ..pages import CityPage

        super().__init__(*args, **kwargs)
        # Sections are the top levels of each site: the home page and its children.
        self.fields["section"].queryset = Page.objects.filter(
            locale=source_locale, depth__in=[2, 3]
        ).order_by("path")
        self.fields["page_type"].choices = [("", _("All page types"))] + sorted(
            (
                (
                    f"{m._meta.app_label}.{m._meta.model_name}",
                    # capfirst, not str.capitalize(), which lowercases the rest: German
                    # nouns keep their capital ("Startseite des Netzwerks").
                    str(capfirst(m._meta.verbose_name)),
                )
                for m in get_page_models()
                if not m._meta.abstract and m is not Page
            ),
            key=lambda choice: choice[1],
        )
        self.fields["city"].queryset = CityPage.objects.filter(locale=source_locale).order_by(
            "title"
        )
        self.fields["state"].choices = [("", _("Any state"))] + [
            (key, label) for key, label in status.STATES.items() if key != "source"
        ]
        self.fields["locale"].queryset = Locale.objects.exclude(pk=source_locale.pk)

    def content_type(self):
        value = self.cleaned_data.get("page_type")
        if not value:
            return None
        app_label, model_name = value.split(".")
        return ContentType.objects.get_by_natural_key(app_label, model_name)


def city_filter(city):
    """Pages about a city: the city page, its practice models and the seminars it hosts."""
    from ..pages import PracticeModelPage, SeminarPage

    key = city.translation_key
    return (
        Q(translation_key=key)
        | Q(pk__in=PracticeModelPage.objects.filter(city__translation_key=key).values("pk"))
        | Q(pk__in=SeminarPage.objects.filter(host_city__translation_key=key).values("pk"))
    )


class TranslationStatusView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "cities_cms/admin/translation_status.html"
    page_title = _("Translation status")
    header_icon = "globe"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        source_locale = Locale.get_default()
        locales = [
            source_locale,
            *Locale.objects.exclude(pk=source_locale.pk).order_by("language_code"),
        ]
        form = StatusFilterForm(self.request.GET or None, source_locale=source_locale)
        pages = status.source_pages(source_locale)
        state = chosen_locale = None
        if form.is_bound and form.is_valid():
            if form.cleaned_data["section"]:
                pages = pages.descendant_of(form.cleaned_data["section"], inclusive=True)
            if form.content_type():
                pages = pages.filter(content_type=form.content_type())
            if form.cleaned_data["city"]:
                pages = pages.filter(city_filter(form.cleaned_data["city"]))
            state = form.cleaned_data["state"] or None
            chosen_locale = form.cleaned_data["locale"]
        elif form.is_bound:
            pages = pages.none()

        rows = status.compute(pages, locales, source_locale)
        summary = status.summarise(rows)
        if state:
            rows = [
                row
                for row in rows
                if any(
                    cell.state == state
                    and (chosen_locale is None or cell.locale.pk == chosen_locale.pk)
                    for cell in row.cells
                )
            ]
        type_names = {
            ct.pk: str(capfirst(ct.model_class()._meta.verbose_name))
            for ct in ContentType.objects.filter(pk__in={r.page["content_type_id"] for r in rows})
            if ct.model_class() is not None
        }
        for row in rows:
            row.type_name = type_names.get(row.page["content_type_id"], "")
        paginator = Paginator(rows, ROWS_PER_PAGE)
        try:
            page_obj = paginator.page(self.request.GET.get("p") or 1)
        except (PageNotAnInteger, EmptyPage) as exc:
            raise Http404(_("There is no such page of results.")) from exc
        query = self.request.GET.copy()
        query.pop("p", None)
        # One language chosen: its column beside the source, which fits a tablet.
        shown = [source_locale, chosen_locale] if chosen_locale else locales
        shown_ids = [locale.pk for locale in shown]
        for row in page_obj.object_list:
            row.shown_cells = [cell for cell in row.cells if cell.locale.pk in shown_ids]
        status.attach_urls(page_obj.object_list, self.request)
        context.update(
            form=form,
            locales=locales,
            shown_locales=shown,
            source_locale=source_locale,
            rows=page_obj.object_list,
            page_obj=page_obj,
            paginator=paginator,
            query_without_page=query.urlencode(),
            summary=[
                {
                    "locale": locale,
                    "counts": [
                        (key, summary[locale.pk][key]) for key in status.STATES if key != "source"
                    ],
                }
                for locale in locales[1:]
            ],
            states=[(k, v) for k, v in status.STATES.items() if k != "source"],
            total_pages=paginator.count,
            status_url=reverse_lazy("cities_cms:translation_status"),
            can_machine_draft=get_machine_translator() is not None
            and self.request.user.has_perm("wagtail_localize.submit_translation"),
        )
        return context


class MachineDraftForm(forms.Form):
    locales = forms.ModelMultipleChoiceField(
        label=_("Languages"),
        queryset=Locale.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    include_subtree = forms.BooleanField(
        label=_("Also translate the pages below this one"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, page, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locales"].queryset = Locale.objects.exclude(pk=page.locale_id).order_by(
            "language_code"
        )


class MachineDraftView(WagtailAdminTemplateMixin, FormView):
    """Bulk action: machine-draft a page and its subtree into several languages in one step."""

    template_name = "cities_cms/admin/machine_draft.html"
    form_class = MachineDraftForm
    page_title = _("Machine-draft translations")
    header_icon = "globe"

    def dispatch(self, request, page_id):
        self.page = get_object_or_404(Page, pk=page_id).specific
        if not request.user.has_perm("wagtail_localize.submit_translation"):
            raise PermissionDenied
        if get_machine_translator() is None:
            messages.error(request, _("No machine translator is configured for this site."))
            return redirect("cities_cms:translation_status")
        return super().dispatch(request, page_id)

    def get_page_subtitle(self):
        return self.page.get_admin_display_title()

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("cities_cms:translation_status"), "label": _("Translation status")},
            {"url": "", "label": self.page_title},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "page": self.page}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = self.page
        context["descendant_count"] = self.page.get_descendants().count()
        context["translator_name"] = get_machine_translator().display_name
        return context

    def form_valid(self, form):
        from ..tasks import enqueue_on_commit
        from .tasks import machine_draft_task

        # Who may draft what is known at once; the machine translation (HTTP to DeepL, page
        # after page) is the task worker's, and the drafts appear in the status when ready.
        plan = plan_machine_draft(
            self.page,
            list(form.cleaned_data["locales"]),
            self.request.user,
            include_subtree=form.cleaned_data["include_subtree"],
        )
        if plan.pairs:
            enqueue_on_commit(
                machine_draft_task,
                [[page.pk, locale.pk] for page, locale in plan.pairs],
                self.request.user.pk,
            )
            messages.success(
                self.request,
                ngettext(
                    "%(count)d machine draft is being prepared. It appears in the "
                    "translation status, ready for review, in a moment.",
                    "%(count)d machine drafts are being prepared. They appear in the "
                    "translation status, ready for review, in a moment.",
                    len(plan.pairs),
                )
                % {"count": len(plan.pairs)},
            )
        for page, locale, reason in plan.skipped:
            messages.warning(
                self.request,
                _("“%(page)s” (%(language)s) was not drafted: %(reason)s")
                % {"page": page.title, "language": language_name(locale), "reason": reason},
            )
        return redirect("cities_cms:translation_status")


class ExportForm(forms.Form):
    section = forms.ModelChoiceField(
        label=_("Pages"),
        queryset=Page.objects.none(),
        help_text=_("This page and every page below it."),
    )
    locale = forms.ModelChoiceField(label=_("Into"), queryset=Locale.objects.none())

    def __init__(self, *args, source_locale, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = Page.objects.filter(
            locale=source_locale, depth__gt=1
        ).order_by("path")
        self.fields["locale"].queryset = Locale.objects.exclude(pk=source_locale.pk)


class ImportForm(forms.Form):
    locale = forms.ModelChoiceField(label=_("Translations into"), queryset=Locale.objects.all())
    file = forms.FileField(
        label=_("PO file or ZIP of PO files"),
        help_text=_("The files exported here, translated. Nothing is changed if any is wrong."),
    )


class ExchangeView(WagtailAdminTemplateMixin, TemplateView):
    """Export PO files for a translator outside the CMS, and import them back."""

    template_name = "cities_cms/admin/translation_exchange.html"
    page_title = _("Exchange translations as PO files")
    header_icon = "download"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("wagtail_localize.submit_translation"):
            raise PermissionDenied
        self.source_locale = Locale.get_default()
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("cities_cms:translation_status"), "label": _("Translation status")},
            {"url": "", "label": self.page_title},
        ]

    def get(self, request):
        export_form = ExportForm(request.GET or None, source_locale=self.source_locale)
        if request.GET and export_form.is_valid():
            section = export_form.cleaned_data["section"]
            locale = export_form.cleaned_data["locale"]
            pages = Page.objects.descendant_of(section, inclusive=True).filter(
                locale=self.source_locale
            )
            pages = exportable(pages.order_by("path"), locale, request.user)
            if not pages:
                export_form.add_error(
                    None,
                    _("You may not translate any of these pages into this language (%(language)s).")
                    % {"language": language_name(locale)},
                )
                return self.render_to_response(
                    self.get_context_data(export_form=export_form, import_form=ImportForm()),
                    status=403,
                )
            response = HttpResponse(
                export_zip(pages, locale, request.user), content_type="application/zip"
            )
            name = f"{section.slug}-{locale.language_code}.zip"
            response["Content-Disposition"] = content_disposition_header(True, name)
            return response
        return self.render_to_response(
            self.get_context_data(export_form=export_form, import_form=ImportForm())
        )

    def post(self, request):
        import_form = ImportForm(request.POST, request.FILES)
        report = None
        if import_form.is_valid():
            try:
                files = read_upload(import_form.cleaned_data["file"])
            except ExchangeError as exc:
                import_form.add_error("file", str(exc))
            else:
                report = import_files(files, import_form.cleaned_data["locale"], request.user)
                if not report.errors and not report.imported:
                    messages.info(
                        request,
                        _("No translation changed: the files hold the pages' current text."),
                    )
                elif not report.errors:
                    messages.success(
                        request,
                        ngettext(
                            "%(count)d translation imported as a draft.",
                            "%(count)d translations imported as drafts.",
                            len(report.imported),
                        )
                        % {"count": len(report.imported)},
                    )
        status = 400 if (import_form.errors or (report and report.errors)) else 200
        return self.render_to_response(
            self.get_context_data(
                export_form=ExportForm(source_locale=self.source_locale),
                import_form=import_form,
                report=report,
            ),
            status=status,
        )


class SubmitForReviewView(View):
    """Send a translation (or any page) into its workflow from the status view.

    wagtail-localize's editor saves translations but has no "submit for moderation"; without
    this, translators who may not publish could only leave drafts behind.
    """

    http_method_names = ["post"]

    def post(self, request, page_id):
        page = get_object_or_404(Page, pk=page_id).specific
        perms = page.permissions_for_user(request.user)
        if not perms.can_edit():
            raise PermissionDenied
        workflow = page.get_workflow()
        if workflow is None or not workflow.active:
            messages.error(request, _("“%(page)s” has no review workflow.") % {"page": page.title})
        elif page.workflow_in_progress:
            messages.warning(request, _("“%(page)s” is already in review.") % {"page": page.title})
        else:
            try:
                page = save_memory_as_draft(page, request.user)
            except ValidationError as exc:
                messages.error(
                    request,
                    _("“%(page)s” cannot be saved: %(problems)s")
                    % {"page": page.title, "problems": " ".join(exc.messages)},
                )
            else:
                if page.get_latest_revision() is None or (
                    pending_revision(page) is None and page.live
                ):
                    messages.warning(
                        request, _("“%(page)s” has no changes to review.") % {"page": page.title}
                    )
                else:
                    workflow.start(page, request.user)
                    messages.success(
                        request,
                        _("“%(page)s” (%(language)s) was submitted to the workflow “%(workflow)s”.")
                        % {
                            "page": page.title,
                            "language": language_name(page.locale),
                            "workflow": workflow.name,
                        },
                    )
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("cities_cms:translation_status")
        return redirect(next_url)
