"""Admin views of the translation workflow."""

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Q
from django.http import Http404
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Locale, Page, get_page_models

from . import status

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
        empty_label=_("All"),
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    locale = forms.ModelChoiceField(
        label=_("in language"),
        required=False,
        queryset=Locale.objects.none(),
        empty_label=_("any language"),
    )

    def __init__(self, *args, source_locale, **kwargs):
        from ..pages import CityPage

        super().__init__(*args, **kwargs)
        # Sections are the top levels of each site: the home page and its children.
        self.fields["section"].queryset = Page.objects.filter(
            locale=source_locale, depth__in=[2, 3]
        ).order_by("path")
        self.fields["page_type"].choices = [("", _("All"))] + sorted(
            (
                (
                    f"{m._meta.app_label}.{m._meta.model_name}",
                    str(m._meta.verbose_name).capitalize(),
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
            ct.pk: str(ct.model_class()._meta.verbose_name).capitalize()
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
        context.update(
            form=form,
            locales=locales,
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
        )
        return context
