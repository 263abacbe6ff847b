"""The current translation of a page into a language, read without changing anything.

wagtail-localize keeps translations in its translation memory (``StringTranslation``), but a
page translated by editing it has nothing there: its translation is the page itself. This
module reads both, segment by segment, and tells for each segment of the source whether the
source changed since the translation was written (``fuzzy``). PO export, PO import, machine
drafts and "Submit for review" all read a page's translation through :class:`PageTranslation`.

Segments are matched by their path (field, block id, child object) and their position among
the strings at that path: a translated page keeps the block ids and child keys of its source,
so the n-th string of a rich text field in the translation is the translation of the n-th
string of the source as it was when the translation was written.
"""

from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ObjectDoesNotExist
from wagtail.models import Page, PageLogEntry
from wagtail_localize.models import StringTranslation, Translation
from wagtail_localize.segments import StringSegmentValue
from wagtail_localize.segments.extract import extract_segments

SLUG = "slug"
# Log actions of the drafts saved by cities_cms.translation.drafts (registered there).
TRANSLATION_DRAFT = "cities_cms.translation_draft"
MACHINE_DRAFT = "cities_cms.machine_draft"
DRAFT_ACTIONS = (TRANSLATION_DRAFT, MACHINE_DRAFT)


@dataclass
class Entry:
    """One string of the source and its current translation."""

    path: str
    source: str  # the source's text, in wagtail-localize's HTML form (the PO msgid)
    text: str = ""  # the current translation; empty if there is none
    fuzzy: bool = False  # the source changed since ``text`` was written
    previous: str = ""  # the source text that ``text`` translates, when fuzzy

    @property
    def key(self):
        return (self.path, self.source)


def strings_by_path(instance):
    """``{path: [text, ...]}``: an instance's translatable strings, in order, per path."""
    result = defaultdict(list)
    for segment in extract_segments(instance):
        if isinstance(segment, StringSegmentValue):
            result[segment.path].append(segment.string.data)
    return result


def pending_revision(page):
    """The draft revision of ``page`` that is not published yet, or None.

    An alias has no revisions of its own except the drafts that
    :mod:`cities_cms.translation.drafts` saves on it, and Wagtail resets its
    ``has_unpublished_changes`` whenever the source is published (``update_aliases``): the
    log entry of the draft tells instead.
    """
    if page is None or page.latest_revision_id is None:
        return None
    if page.alias_of_id is None:
        return page.latest_revision if page.has_unpublished_changes else None
    logged = PageLogEntry.objects.filter(
        page_id=page.pk, revision_id=page.latest_revision_id, action__in=DRAFT_ACTIONS
    ).exists()
    return page.latest_revision if logged else None


def pending_alias_revisions(pages):
    """Ids of the latest revisions of ``pages`` (a queryset) that are drafts on an alias."""
    return set(
        PageLogEntry.objects.filter(
            action__in=DRAFT_ACTIONS,
            revision_id__in=pages.filter(alias_of__isnull=False).values("latest_revision_id"),
        ).values_list("revision_id", flat=True)
    )


class PageTranslation:
    """The translation of ``source_page`` into ``locale`` as it stands now.

    Attributes:
        target: the page in ``locale`` (a translation or an alias), or None.
        translation: the enabled wagtail-localize ``Translation``, if the page is translated
            with its editor (then the translation memory is the working copy).
        revision: the draft revision waiting for review, if any.
        base: the content a new draft starts from: the draft, or else a detached copy of the
            page (never saved as such: drafts are saved as revisions).
        entries: an :class:`Entry` per distinct string of the source.
    """

    def __init__(self, source_page, locale):
        self.source_page = source_page.specific
        self.locale = locale
        key = self.source_page.translation_key
        target = Page.objects.filter(translation_key=key, locale=locale).first()
        self.target = target.specific if target is not None else None
        self.translation = (
            Translation.objects.filter(
                source__object_id=key,
                source__locale_id=self.source_page.locale_id,
                target_locale=locale,
                enabled=True,
            )
            .select_related("source")
            .first()
        )
        self.revision = pending_revision(self.target)
        self.source_strings = strings_by_path(self.source_page)
        self.entries = self._entries()

    @property
    def is_alias(self):
        return self.target is not None and self.target.alias_of_id is not None

    @property
    def holds_translation(self):
        """Whether the target holds translated content (an alias only shows the source)."""
        return self.target is not None and (not self.is_alias or self.revision is not None)

    @cached_property
    def base(self):
        if self.target is None:
            return None
        if self.revision is not None:
            return self.revision.as_object()
        # Through serialised data, so that child objects live in memory and a draft can
        # change them without touching the page's rows.
        return self.target.with_content_json(self.target.serializable_data())

    def fresh_base(self):
        """A new copy of :attr:`base` to change."""
        self.__dict__.pop("base", None)
        return self.base

    def texts(self):
        """``{(path, source): text}`` of every entry translated for the current source."""
        return {entry.key: entry.text for entry in self.entries if entry.text and not entry.fuzzy}

    # -- reading -------------------------------------------------------------------------

    def _written_at(self):
        """When the target's current content was written (for the source it translated)."""
        if self.revision is not None:
            return self.revision.created_at
        target = self.target
        if target.live_revision_id:
            return target.live_revision.created_at
        return target.last_published_at or target.latest_revision_created_at

    @cached_property
    def baseline(self):
        """The source's strings as they were live when the target's content was written.

        None if unknown (a source published without Wagtail's log, e.g. bulk imports).
        """
        if not self.holds_translation:
            return None
        written = self._written_at()
        if written is None:
            return None
        entry = (
            PageLogEntry.objects.filter(
                page_id=self.source_page.pk,
                action="wagtail.publish",
                revision__isnull=False,
                timestamp__lte=written,
            )
            .select_related("revision")
            .order_by("-timestamp", "-pk")
            .first()
        )
        if entry is None:
            return None
        try:
            return strings_by_path(entry.revision.as_object())
        except (ObjectDoesNotExist, ValueError, KeyError, TypeError):
            return None  # a revision from an older schema: no baseline

    def snapshots(self):
        """Versions of the source a translation may have been made from, newest first."""
        result = [self.source_strings]
        if self.translation is not None:
            # (a source the schema has outgrown gives no snapshot)
            with suppress(ObjectDoesNotExist, ValueError, KeyError, TypeError):
                result.append(strings_by_path(self.translation.source.as_instance()))
        if self.baseline is not None:
            result.append(self.baseline)
        return result

    def _memory(self):
        """Translation memory: exact ``{(path, source): text}``, and per path the latest
        translation of a string that is no longer in the source there (for fuzzy matches)."""
        exact, obsolete = {}, {}
        rows = (
            StringTranslation.objects.filter(
                context__object_id=self.source_page.translation_key,
                locale=self.locale,
                has_error=False,
            )
            .select_related("translation_of", "context")
            .order_by("updated_at", "pk")
        )
        for row in rows:
            path, source = row.context.path, row.translation_of.data
            exact[(path, source)] = row.data
            if source not in self.source_strings.get(path, ()):
                obsolete[path] = (row.data, source)
        return exact, obsolete

    def _from_page(self):
        """``{(path, position): (text, fuzzy, previous)}`` read from the translated page."""
        if not self.holds_translation:
            return {}
        mine = strings_by_path(self.base)
        before = self.baseline or self.source_strings
        result = {}
        for path, current in self.source_strings.items():
            translated, then = mine.get(path, []), before.get(path, [])
            if len(translated) != len(then):
                continue  # the structure changed: positions say nothing
            for position, source in enumerate(current):
                if position < len(then) and then[position] == source:
                    found = (translated[position], False, "")
                elif source in then:
                    found = (translated[then.index(source)], False, "")
                elif len(then) == len(current):
                    found = (translated[position], True, then[position])
                else:
                    continue
                # Text still identical to the source it came from was never translated.
                if found[0] != (found[2] or source):
                    result[(path, position)] = found
        return result

    def _entries(self):
        exact, obsolete = self._memory()
        page = self._from_page()
        entries, seen = [], set()
        for path, texts in self.source_strings.items():
            for position, source in enumerate(texts):
                if (path, source) in seen:
                    continue  # a PO file holds each (context, text) once
                seen.add((path, source))
                remembered = exact.get((path, source))
                remembered = (remembered, False, "") if remembered else None
                # An older translation of a single-string path (a title, a summary) still
                # helps; in a multi-string path it cannot be placed.
                old = obsolete.get(path) if len(texts) == 1 else None
                old = (old[0], True, old[1]) if old else None
                from_page = page.get((path, position))
                # The editor that owns the translation goes first: wagtail-localize's memory
                # for pages translated with it, the page itself for pages edited by hand.
                if self.translation is not None:
                    candidates = (remembered, from_page, old)
                else:
                    candidates = (from_page, remembered, old)
                entry = Entry(path, source)
                for found in candidates:
                    if found:
                        entry.text, entry.fuzzy, entry.previous = found
                        break
                entries.append(entry)
        return entries
