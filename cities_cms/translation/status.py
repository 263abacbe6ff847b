"""Translation status of pages x locales, computed in a fixed number of queries.

States of a page in a locale:

- ``source``: the page is written in this locale.
- ``missing``: no translation (an alias that shows the source counts as missing, unless a
  translation draft waits on it for review).
- ``in_progress``: a wagtail-localize translation exists and some segments are untranslated.
- ``outdated``: the source was published after the translation was last synced (or, for a
  translation edited by hand, after the translated page was last published).
- ``up_to_date``: everything translated and nothing changed in the source since.

The numbers come from aggregate queries over wagtail-localize's tables (segments and string
translations), never from a query per page or per cell, so the view stays fast with thousands
of pages and ten locales.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Max
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale, Page, WorkflowState
from wagtail_localize.models import StringSegment, StringTranslation, Translation, TranslationSource

from .current import pending_alias_revisions

STATES = {
    "missing": _("Missing"),
    "in_progress": _("In progress"),
    "outdated": _("Outdated"),
    "up_to_date": _("Up to date"),
    "source": _("Source"),
}


@dataclass
class Cell:
    locale: Locale
    state: str
    page_id: int | None = None  # the translated page, if any
    translation_id: int | None = None  # wagtail-localize Translation, if any
    source_id: int | None = None  # wagtail-localize TranslationSource, if any
    total: int = 0
    done: int = 0
    live: bool = False
    draft: bool = False  # the translation has changes that are not published yet
    in_review: bool = False  # the translated page is in a workflow
    pending_segments: bool = False  # segments saved in the editor since the page's last save
    machine: bool = False  # the draft holds machine-translated segments nobody corrected yet

    @property
    def can_submit(self):
        """Whether "Submit for review" makes sense: something new, and not already in review."""
        return (self.draft or self.pending_segments) and not self.in_review

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def label(self):
        return STATES[self.state]


@dataclass
class Row:
    page: dict
    cells: list = field(default_factory=list)


def source_pages(locale, *, section=None, content_type=None):
    """Pages of ``locale`` (not the tree root), optionally in a section or of one type."""
    pages = Page.objects.filter(locale=locale, depth__gt=1)
    if section is not None:
        pages = pages.descendant_of(section, inclusive=True)
    if content_type is not None:
        pages = pages.filter(content_type=content_type)
    return pages


def compute(pages, locales, source_locale):
    """Return a :class:`Row` per page of ``pages`` with a :class:`Cell` per locale.

    Args:
        pages: a queryset of pages in ``source_locale``.
        locales: the locales to show, in column order.
        source_locale: the locale the pages are written in.
    """
    rows = list(
        pages.order_by("path").values(
            "id",
            "title",
            "translation_key",
            "content_type_id",
            "last_published_at",
            "live",
            "depth",
            "url_path",
        )
    )
    keys = pages.values("translation_key")

    translated = {
        (p["translation_key"], p["locale_id"]): p
        for p in Page.objects.filter(translation_key__in=keys)
        .exclude(locale=source_locale)
        .values(
            "id",
            "translation_key",
            "locale_id",
            "alias_of_id",
            "live",
            "last_published_at",
            "has_unpublished_changes",
            "latest_revision_created_at",
            "latest_revision_id",
        )
    }
    # Aliases with a translation draft waiting for review (the alias itself is unchanged).
    alias_drafts = pending_alias_revisions(
        Page.objects.filter(translation_key__in=keys).exclude(locale=source_locale)
    )
    machine_translated = set(
        StringTranslation.objects.filter(
            context__object_id__in=keys,
            translation_type=StringTranslation.TRANSLATION_TYPE_MACHINE,
        )
        .values_list("context__object_id", "locale_id")
        .distinct()
    )
    sources = {
        s["object_id"]: s
        for s in TranslationSource.objects.filter(object_id__in=keys, locale=source_locale).values(
            "id", "object_id", "last_updated_at"
        )
    }
    source_ids = [s["id"] for s in sources.values()]
    translations = {
        (t["source_id"], t["target_locale_id"]): t
        for t in Translation.objects.filter(source_id__in=source_ids, enabled=True).values(
            "id", "source_id", "target_locale_id"
        )
    }
    totals = dict(
        StringSegment.objects.filter(source_id__in=source_ids)
        .values_list("source_id")
        .annotate(n=Count("id"))
    )
    done = {
        (item["source_id"], item["string__translations__locale_id"]): item["n"]
        for item in StringSegment.objects.filter(
            source_id__in=source_ids,
            string__translations__context_id=F("context_id"),
            string__translations__has_error=False,
        )
        .values("source_id", "string__translations__locale_id")
        .annotate(n=Count("id"))
    }

    # Segments that translators saved in wagtail-localize's editor, newest per page and locale.
    segment_edits = {
        (item["context__object_id"], item["locale_id"]): item["latest"]
        for item in StringTranslation.objects.filter(context__object_id__in=keys)
        .values("context__object_id", "locale_id")
        .annotate(latest=Max("updated_at"))
    }
    in_review = set(
        WorkflowState.objects.filter(
            status=WorkflowState.STATUS_IN_PROGRESS,
            base_content_type=ContentType.objects.get_for_model(Page),
        ).values_list("object_id", flat=True)
    )
    result = []
    for page in rows:
        row = Row(page=page)
        source = sources.get(page["translation_key"])
        for locale in locales:
            cell = _cell(
                page,
                locale,
                source_locale,
                source,
                translated,
                translations,
                totals,
                done,
                alias_drafts,
            )
            if cell.page_id and cell.state not in ("source", "missing"):
                cell.in_review = str(cell.page_id) in in_review
                target = translated[(page["translation_key"], locale.pk)]
                edited = segment_edits.get((page["translation_key"], locale.pk))
                saved = target["latest_revision_created_at"]
                cell.pending_segments = bool(edited and (saved is None or edited > saved))
                cell.machine = cell.draft and (
                    (page["translation_key"], locale.pk) in machine_translated
                )
            row.cells.append(cell)
        result.append(row)
    return result


def _cell(page, locale, source_locale, source, translated, translations, totals, done, drafts):
    if locale.pk == source_locale.pk:
        return Cell(locale, "source", page_id=page["id"], live=page["live"])
    target = translated.get((page["translation_key"], locale.pk))
    alias_draft = target is not None and target["latest_revision_id"] in drafts
    if target is None or (target["alias_of_id"] is not None and not alias_draft):
        return Cell(
            locale, "missing", source_id=source and source["id"], page_id=target and target["id"]
        )
    cell = Cell(
        locale,
        "up_to_date",
        page_id=target["id"],
        # An alias is live, but as the source: its translation is a draft, not live yet.
        live=target["live"] and target["alias_of_id"] is None,
        draft=target["has_unpublished_changes"] or target["alias_of_id"] is not None,
    )
    translation = source and translations.get((source["id"], locale.pk))
    published = page["last_published_at"]
    if translation is None:
        # Translated by hand (or the translation was stopped): compare publication dates.
        if published and target["last_published_at"] and published > target["last_published_at"]:
            cell.state = "outdated"
        return cell
    cell.translation_id = translation["id"]
    cell.source_id = source["id"]
    cell.total = totals.get(source["id"], 0)
    cell.done = min(done.get((source["id"], locale.pk), 0), cell.total)
    if published and published > source["last_updated_at"]:
        cell.state = "outdated"
    elif cell.done < cell.total:
        cell.state = "in_progress"
    return cell


def summarise(rows):
    """Counts of each state per locale: ``{locale_id: Counter(state -> n)}``."""
    summary = defaultdict(Counter)
    for row in rows:
        for cell in row.cells:
            summary[cell.locale.pk][cell.state] += 1
    return summary


def attach_urls(rows, request=None):
    """Give each row the public address of its page (``row.url``; "" when it has none).

    Built from the ``url_path`` already read, with Wagtail's own ``get_url`` on a bare page
    object: no query per row (the sites' root paths are cached).
    """
    for row in rows:
        page = Page(id=row.page["id"], url_path=row.page["url_path"])
        row.url = (page.get_url(request) or "") if row.page["live"] else ""
    return rows
