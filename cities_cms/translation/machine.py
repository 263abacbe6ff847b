"""Machine translation as a first draft, and the bulk action that drafts a whole subtree."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail_localize.machine_translators import get_machine_translator
from wagtail_localize.machine_translators.base import BaseMachineTranslator
from wagtail_localize.models import StringTranslation, Translation, TranslationSource
from wagtail_localize.strings import StringValue

from .current import SLUG, PageTranslation
from .drafts import remember, save_draft
from .exchange import user_may_translate

logger = logging.getLogger(__name__)


class OfflineDraftTranslator(BaseMachineTranslator):
    """An offline stand-in for a real machine translator, for development and tests.

    It does not translate: it marks each segment with ``[MT xx]`` so nobody mistakes the draft
    for a translation, and keeps the markup untouched so segments stay valid.
    """

    display_name = _("Offline draft (not a translation)")

    def translate(self, source_locale, target_locale, strings):
        label = f"[MT {target_locale.language_code}] "
        return {string: StringValue(label + string.data) for string in strings}

    def can_translate(self, source_locale, target_locale):
        return source_locale.language_code != target_locale.language_code


class MachineDraftResult:
    def __init__(self):
        self.pairs = []  # (page, locale) pairs still to draft (planned, not done yet)
        self.drafted = []  # (page, locale) pairs that now have a draft translation
        self.unchanged = []  # (page, locale) pairs with nothing left to translate
        self.skipped = []  # (page, locale, reason)


def draft_page(source_page, locale, user, translator):
    """Machine-translate what is not translated yet of one page into one language.

    The translation becomes a wagtail-localize translation (so translators correct it in its
    editor): its source is brought up to date, the translation memory is seeded with what
    the page already holds (a person's translation is never replaced by a machine's), the
    rest is machine-translated, and the whole is saved as a draft revision
    (:func:`~cities_cms.translation.drafts.save_draft`). The slug is never machine-translated:
    it stays the page's.

    Returns:
        DraftResult (``revision`` is None when nothing was left to translate).
    """
    source, _created = TranslationSource.update_or_create_from_instance(source_page)
    translation, _created = Translation.objects.get_or_create(
        source=source, target_locale=locale, defaults={"enabled": True}
    )
    if not translation.enabled:
        translation.enabled = True
        translation.save(update_fields=["enabled"])
    current = PageTranslation(source_page, locale)
    kept = {e.key: e.text for e in current.entries if e.text and not e.fuzzy and e.path != SLUG}
    remember(current, kept, user)
    if current.target is not None:
        # The slug counts as translated (it is the page's own), so the status can reach
        # "up to date"; wagtail-localize's "Publish" then keeps the address too.
        slug = current.base.slug
        remember(current, {e.key: slug for e in current.entries if e.path == SLUG}, user)
    todo = [e for e in current.entries if e.path != SLUG and e.key not in kept]
    machine = {}
    if todo:
        strings = {e.key: StringValue(e.source) for e in todo}
        results = translator.translate(source_page.locale, locale, list(strings.values()))
        for key, string in strings.items():
            value = results.get(string)
            if value is not None and value.data:
                machine[key] = value.data
    remember(
        current,
        machine,
        user,
        translation_type=StringTranslation.TRANSLATION_TYPE_MACHINE,
        tool_name=str(translator.display_name),
    )
    return save_draft(
        current,
        {**kept, **machine},
        user,
        machine=bool(machine),
        tool_name=str(translator.display_name),
    )


def plan_machine_draft(page, locales, user, *, include_subtree=True):
    """The (page, locale) pairs a bulk machine draft would translate, and those it cannot.

    ``page`` and, with ``include_subtree``, the pages below it in its language; an alias
    stands for its source. Cheap (no machine translation): the admin view calls it to say at
    once what will not be drafted, before it queues the work.

    Returns:
        MachineDraftResult with ``pairs`` to draft and ``skipped`` ones (with the reason).
    """
    translator = get_machine_translator()
    if translator is None:
        raise ValueError(_("No machine translator is configured."))
    page = page.specific
    if page.alias_of_id is not None:
        page = page.alias_of.specific  # an alias stands for its source
    pages = [page]
    if include_subtree:
        pages += [
            p.specific
            for p in page.get_descendants().filter(locale=page.locale, alias_of__isnull=True)
        ]
    result = MachineDraftResult()
    for source_page in pages:
        for locale in locales:
            if locale.pk == source_page.locale_id:
                continue
            reason = _refusal(source_page, locale, user, translator)
            if reason is None:
                result.pairs.append((source_page, locale))
            else:
                result.skipped.append((source_page, locale, reason))
    return result


def _refusal(source_page, locale, user, translator):
    if not translator.can_translate(source_page.locale, locale):
        return _("Language pair not supported.")
    if not user_may_translate(user, source_page, locale):
        return _("You may not translate this page into that language.")
    return None


def draft_pairs(pairs, user, result=None):
    """Machine-draft each (source page, locale) of ``pairs`` (the task worker's part).

    Permissions are checked again: they may have changed since the work was queued. Pages
    are handled one at a time in their own transaction, so one failure leaves the others
    done and itself untouched.

    Returns:
        MachineDraftResult
    """
    translator = get_machine_translator()
    if translator is None:
        raise ValueError(_("No machine translator is configured."))
    result = result or MachineDraftResult()
    for source_page, locale in pairs:
        reason = _refusal(source_page, locale, user, translator)
        if reason is not None:
            result.skipped.append((source_page, locale, reason))
            continue
        try:
            with transaction.atomic():
                draft = draft_page(source_page, locale, user, translator)
        except ValidationError as exc:
            result.skipped.append(
                (source_page, locale, " ".join(str(message) for message in exc.messages))
            )
        except Exception:
            # One page's failure (a translator's error, a database error) must not stop
            # the others; the details go to the log, not to the page.
            logger.exception("Machine draft of page %s into %s failed", source_page.pk, locale)
            result.skipped.append((source_page, locale, _("The draft could not be saved.")))
        else:
            if draft.revision is None:
                result.unchanged.append((source_page, locale))
            else:
                result.drafted.append((source_page, locale))
    return result


def machine_draft(page, locales, user, *, include_subtree=True):
    """Translate ``page`` (and its subtree) into ``locales`` as machine-drafted drafts, here.

    Every page the user may translate into a language gets a draft revision that goes
    through that language's workflow; the live page (or the alias that stands for it) is
    not changed until a reviewer publishes the draft. The admin queues this work for the
    task worker instead (``cities_cms.translation.tasks.machine_draft_task``).

    Returns:
        MachineDraftResult
    """
    planned = plan_machine_draft(page, locales, user, include_subtree=include_subtree)
    result = MachineDraftResult()
    result.skipped = planned.skipped
    return draft_pairs(planned.pairs, user, result)
