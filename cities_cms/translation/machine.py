"""Machine translation as a first draft, and the bulk action that drafts a whole subtree."""

import logging

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail_localize.machine_translators import get_machine_translator
from wagtail_localize.machine_translators.base import BaseMachineTranslator
from wagtail_localize.models import Translation, TranslationSource
from wagtail_localize.strings import StringValue
from wagtail_localize.views.edit_translation import apply_machine_translation

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
        self.drafted = []  # (page, locale) pairs that now have a draft translation
        self.skipped = []  # (page, locale, reason)


def machine_draft(page, locales, user, *, include_subtree=True):
    """Translate ``page`` (and its subtree) into ``locales`` as machine-drafted drafts.

    Each page gets a wagtail-localize translation per locale (created if missing), every
    untranslated segment is filled by the configured machine translator, and the translated
    page is saved as a draft: a translator reviews and publishes it through the workflow.
    Pages are handled one at a time in their own transaction, so one failure leaves the
    others done and itself untouched.

    Returns:
        MachineDraftResult
    """
    translator = get_machine_translator()
    if translator is None:
        raise ValueError(_("No machine translator is configured."))
    pages = [page]
    if include_subtree:
        pages += [p.specific for p in page.get_descendants().filter(locale=page.locale)]
    result = MachineDraftResult()
    for source_page in pages:
        for locale in locales:
            if locale.pk == source_page.locale_id:
                continue
            if not translator.can_translate(source_page.locale, locale):
                result.skipped.append((source_page, locale, _("Language pair not supported.")))
                continue
            try:
                with transaction.atomic():
                    source, _created = TranslationSource.get_or_create_from_instance(source_page)
                    translation, _created = Translation.objects.get_or_create(
                        source=source, target_locale=locale, defaults={"enabled": True}
                    )
                    # The target page must exist before segments can be machine-translated
                    # into it; the second save writes the drafted segments to it.
                    translation.save_target(user=user, publish=False)
                    apply_machine_translation(translation.id, user, translator)
                    translation.save_target(user=user, publish=False)
            except Exception as exc:
                logger.exception("Machine draft of page %s into %s failed", source_page.pk, locale)
                result.skipped.append((source_page, locale, str(exc)))
            else:
                result.drafted.append((source_page, locale))
    return result
