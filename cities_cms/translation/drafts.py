"""Save a translation as a draft without touching the live page: the one way for machine
drafts, PO imports and "Submit for review" to write a translation.

wagtail-localize's ``Translation.save_target(publish=False)`` is no draft in a site with
synchronised trees: it converts the alias into a regular page, saves the translated content
and a translated slug on the live row (the public sees it at once, at a new address), and
fills every untranslated segment with the source's text. Here instead:

- a translated page gets a new revision; its live row is left as it is;
- an alias stays an alias, live and following its source as before (with its "not
  translated yet" notice), and gets a revision of its own holding the draft. Wagtail keeps
  that revision through the source's later publications (``update_aliases`` copies the
  source's content but keeps ``latest_revision``), so the workflow publishes it in the end;
  :func:`publish_translation_draft` then turns the page from an alias into the translation;
- only the segments given change, in the page's current draft: the rest of the page (other
  segments, the slug, overridden images) stays as the translator left it;
- a log entry marks the revision as a translation draft (or a machine draft): the status
  view and the page's edit view show it, in the admin only.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log
from wagtail.models import Page, Revision
from wagtail_localize.models import (
    String,
    StringTranslation,
    TranslatableObject,
    TranslationContext,
)
from wagtail_localize.segments import StringSegmentValue
from wagtail_localize.segments.extract import extract_segments
from wagtail_localize.segments.ingest import ingest_segments
from wagtail_localize.strings import StringValue

from .current import (
    MACHINE_DRAFT,
    SLUG,
    TRANSLATION_DRAFT,
    PageTranslation,
    pending_revision,
    strings_by_path,
)


@dataclass
class DraftResult:
    revision: Revision | None = None  # None: nothing changed, nothing was saved
    changed: list = field(default_factory=list)  # (path, source) keys whose text changed
    skipped: list = field(default_factory=list)  # keys that cannot be placed in the page


def _positions(current, translated, path, source):
    """Positions of ``source`` among the strings at ``path`` of the translated page.

    The source may be the current one or the one the translation was made from (an older
    wagtail-localize source, the source live when the page was last translated).
    """
    for snapshot in current.snapshots():
        texts = snapshot.get(path)
        if texts and source in texts and len(texts) == len(translated.get(path, ())):
            return [position for position, text in enumerate(texts) if text == source]
    return None


def apply_texts(current, base, texts):
    """Write ``texts`` (``{(path, source): text}``) into ``base``, an unsaved page.

    Only the fields and blocks that hold a changed string are rebuilt, from the page's own
    segments, so everything else stays byte for byte as it was.
    """
    result = DraftResult()
    translated = strings_by_path(base)
    new, filled = {}, set()
    for key, text in texts.items():
        path, source = key
        if path == SLUG:
            # A slug only changes when a person asks for it (a PO file), never by machine.
            if text and text != base.slug:
                base.slug = text
                result.changed.append(key)
            continue
        positions = _positions(current, translated, path, source)
        if positions is None:
            if _fills_empty_field(current, translated, texts, path):
                filled.add(path)
                result.changed.append(key)
            else:
                result.skipped.append(key)
            continue
        moved = [p for p in positions if translated[path][p] != text]
        for position in moved:
            new[(path, position)] = text
        if moved:
            result.changed.append(key)
    rebuilt = _replaced(extract_segments(base), {path for path, _position in new}, new)
    # A field empty in the translation takes the source's structure, with the texts given.
    sources = {}
    for path in filled:
        for position, text in enumerate(current.source_strings[path]):
            sources[(path, position)] = texts[(path, text)]
    rebuilt += _replaced(extract_segments(current.source_page), filled, sources)
    if rebuilt:
        ingest_segments(base, base, current.locale, current.locale, rebuilt)
    return result


def _fills_empty_field(current, translated, texts, path):
    """Whether ``texts`` translate the whole of a plain or rich text field (a path without
    blocks or child objects) that is empty in the translation but not in the source."""
    sources = current.source_strings.get(path, [])
    return (
        "." not in path
        and not translated.get(path)
        and bool(sources)
        and all((path, source) in texts for source in sources)
    )


def _replaced(segments, paths, texts):
    """The segments at ``paths``, strings replaced by ``texts`` (``{(path, position): text}``)."""
    counters = defaultdict(int)
    result = []
    for segment in segments:
        if segment.path not in paths:
            continue
        if isinstance(segment, StringSegmentValue):
            position = counters[segment.path]
            counters[segment.path] += 1
            text = texts.get((segment.path, position))
            if text is not None:
                segment = StringSegmentValue(
                    segment.path, StringValue(text), attrs=segment.attrs, order=segment.order
                )
        result.append(segment)
    return result


def _log(page, revision, user, action, data):
    log(instance=page, action=action, user=user, revision=revision, data=data)


def save_draft(current, texts, user=None, *, machine=False, tool_name="", force=False):
    """Save ``texts`` into a new draft revision of the translation described by ``current``.

    Args:
        current: a :class:`~cities_cms.translation.current.PageTranslation`.
        texts: ``{(path, source text): translated text}``; other segments keep their text.
        user: who saves it (for the revision and the log).
        machine: the texts come from a machine translator (the draft is marked so).
        tool_name: the machine translator's name, for the log.
        force: save a revision even if no text changed (a translator confirmed fuzzy
            segments: the draft then records that the translation matches the source).

    Returns:
        DraftResult. Raises ``ValidationError`` if the draft would not be a valid page.
    """
    if current.target is None:
        # Trees not synchronised: the page has no version in that language yet. Create it
        # as a draft (not live), with any missing parents.
        current.source_page.copy_for_translation(current.locale, copy_parents=True)
        current = PageTranslation(current.source_page, current.locale)
    base = current.fresh_base()
    result = apply_texts(current, base, texts)
    if not result.changed and not force:
        return result
    target = current.target
    data = {
        "source_revision_id": current.source_page.live_revision_id,
        "segments": len(result.changed),
        "tool": tool_name,
    }
    action = MACHINE_DRAFT if machine else TRANSLATION_DRAFT
    if target.alias_of_id is None:
        result.revision = base.save_revision(user=user)
    else:
        # Page.save_revision refuses aliases; the revision is made as it would make it, and
        # only the admin's fields of the row change (the public is served the alias as is).
        base.full_clean()
        revision = Revision.objects.create(
            content_object=target,
            base_content_type=target.get_base_content_type(),
            user=user,
            content=base.serializable_data(),
            object_str=str(base),
        )
        Page.objects.filter(pk=target.pk).update(
            latest_revision=revision,
            latest_revision_created_at=revision.created_at,
            draft_title=base.title,
            has_unpublished_changes=True,
        )
        result.revision = revision
    _log(target, result.revision, user, action, data)
    return result


def remember(current, texts, user=None, *, translation_type="manual", tool_name=""):
    """Store ``texts`` in wagtail-localize's translation memory for the page's language.

    Pages translated with wagtail-localize's editor keep their working copy there; a draft
    that is not also remembered would be overwritten by the editor's next "Publish".
    """
    source_page, locale = current.source_page, current.locale
    obj, _created = TranslatableObject.objects.get_or_create_from_instance(source_page)
    for (path, source), text in texts.items():
        string = String.from_value(source_page.locale, StringValue(source))
        context, _created = TranslationContext.objects.get_or_create(object=obj, path=path)
        row, created = StringTranslation.objects.get_or_create(
            translation_of=string,
            locale=locale,
            context=context,
            defaults={
                "data": text,
                "translation_type": translation_type,
                "tool_name": tool_name,
                "last_translated_by": user,
            },
        )
        if not created and (row.data != text or row.has_error):
            row.data = text
            row.translation_type = translation_type
            row.tool_name = tool_name
            row.last_translated_by = user
            row.has_error = False
            row.field_error = ""
            row.save()


def save_memory_as_draft(page, user=None):
    """Write the segments saved in wagtail-localize's editor into a new draft of ``page``.

    The editor stores each segment as it is saved and writes them into the page only when
    someone publishes, which translators may not do. Before a review, the draft must hold
    the translator's text, or approving would publish what was there before. Returns the
    page, re-read.
    """
    current = _current_for_target(page)
    if current is None or current.translation is None:
        return page
    # Every remembered text of a string of the source (current or the one being translated).
    texts = {}
    for snapshot in reversed(current.snapshots()):  # the current source wins
        for path, sources in snapshot.items():
            for source in sources:
                texts[(path, source)] = None
    remembered = StringTranslation.objects.filter(
        context__object_id=page.translation_key, locale_id=page.locale_id, has_error=False
    ).select_related("translation_of", "context")
    by_key = {(row.context.path, row.translation_of.data): row.data for row in remembered}
    texts = {key: by_key[key] for key in texts if key in by_key and key[0] != SLUG and by_key[key]}
    save_draft(current, texts, user)
    return Page.objects.get(pk=page.pk).specific


def draft_current_translation(source_page, locale, user=None):
    """Save the current translation of ``source_page`` into ``locale`` (translation memory
    included) as a draft, e.g. after segments were stored by code."""
    current = PageTranslation(source_page, locale)
    return save_draft(current, current.texts(), user)


def _current_for_target(page):
    """The :class:`PageTranslation` whose target is ``page``, or None for a source page."""
    from wagtail.models import Locale

    source_locale = Locale.get_default()
    if page.locale_id == source_locale.pk:
        return None
    source = Page.objects.filter(translation_key=page.translation_key, locale=source_locale).first()
    if source is None:
        return None
    return PageTranslation(source, page.locale)


# -- publication and the admin --------------------------------------------------------------


def publish_translation_draft(sender, instance, revision=None, alias=False, **kwargs):
    """``page_published``: a draft saved on an alias was published; the alias becomes the
    translation (it stops following its source), as wagtail-localize converts aliases.

    The revision is already live on the row; only ``alias_of`` goes. No new revision is made,
    so the live revision stays the one the reviewer approved.
    """
    if alias or revision is None or not instance.alias_of_id:
        return
    if str(revision.object_id) != str(instance.pk):
        return
    from .fields import sync_many_to_many

    Page.objects.filter(pk=instance.pk).update(alias_of=None)
    instance.alias_of_id = None
    instance.alias_of = None
    log(
        instance=instance,
        action="wagtail.convert_alias",
        user=revision.user,
        revision=revision,
        data={"page": {"id": instance.pk, "title": instance.get_admin_display_title()}},
    )
    # The alias carried the source's themes; the translation takes its language's.
    sync_many_to_many(instance.specific)


def edit_translation_draft(request, page):
    """``before_edit_page``: the edit view of a page with a translation draft.

    An alias with a draft opens wagtail-localize's translation editor on that draft (its own
    hook would offer to start a translation instead); a machine draft says so on the page.
    """
    from wagtail_localize.views.edit_translation import edit_translation

    revision = pending_revision(page)
    if revision is None:
        return None
    if request.method == "GET" and is_machine_draft(page, revision):
        messages.warning(
            request,
            gettext(
                "Machine draft: this translation was made by a machine translator. Check "
                "every segment before it is published."
            ),
        )
    if page.alias_of_id is None:
        return None
    current = _current_for_target(page)
    if current is None or current.translation is None:
        return None
    return edit_translation(request, current.translation, page.specific)


def is_machine_draft(page, revision):
    from wagtail.models import PageLogEntry

    return (
        PageLogEntry.objects.filter(
            page_id=page.pk, revision_id=revision.pk, action=MACHINE_DRAFT
        ).exists()
        or StringTranslation.objects.filter(
            context__object_id=page.translation_key,
            locale_id=page.locale_id,
            translation_type=StringTranslation.TRANSLATION_TYPE_MACHINE,
        ).exists()
    )


def register_log_actions(actions):
    actions.register_action(
        TRANSLATION_DRAFT, _("Save translation draft"), _("Translation saved as a draft")
    )
    actions.register_action(
        MACHINE_DRAFT, _("Machine draft"), _("Machine-translated draft saved for review")
    )
