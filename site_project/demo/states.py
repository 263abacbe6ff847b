"""Translations of the demo in every state the translation status view knows.

- in progress: the German translation of one practice model has only its title and summary;
- machine-drafted: the Italian translation of another is an offline machine draft;
- outdated: the English source of a Latvian translation was published again afterwards.

Each step is done once: a second run finds it done and changes nothing.
"""

from wagtail.models import Locale
from wagtail_localize.models import StringTranslation, Translation, TranslationSource

IN_PROGRESS = (
    "harbour-district-meanwhile-uses",
    "de",
    {
        "title": "Zwischennutzungen im Hafenviertel",
        "summary": "Leerstehende Hafengebäude werden befristet an Initiativen vergeben, bis der "
        "neue Bebauungsplan steht.",
    },
)
MACHINE_DRAFT = ("shade-and-water-plan", "it")
OUTDATED = ("district-change-barometer", "lv")


def _page(model, slug):
    return model.objects.filter(slug=slug, locale=Locale.get_default()).first()


def ensure_in_progress(model, count):
    slug, code, texts = IN_PROGRESS
    page = _page(model, slug)
    locale = Locale.objects.filter(language_code=code).first()
    if page is None or locale is None:
        return
    source, _created = TranslationSource.get_or_create_from_instance(page)
    if Translation.objects.filter(source=source, target_locale=locale).exists():
        return
    Translation.objects.create(source=source, target_locale=locale)
    for segment in source.stringsegment_set.select_related("string", "context"):
        text = texts.get(segment.context.path)
        if text:
            StringTranslation.objects.create(
                translation_of=segment.string,
                locale=locale,
                context=segment.context,
                data=text,
                translation_type=StringTranslation.TRANSLATION_TYPE_MANUAL,
            )
    # A draft that waits for review: the German alias the public sees stays as it is.
    from cities_cms.translation.drafts import draft_current_translation

    draft_current_translation(page, locale)
    count.add("translation states", "created")


def ensure_machine_draft(model, count, user):
    from wagtail_localize.machine_translators import get_machine_translator

    from cities_cms.translation.machine import machine_draft

    slug, code = MACHINE_DRAFT
    page = _page(model, slug)
    locale = Locale.objects.filter(language_code=code).first()
    if page is None or locale is None or get_machine_translator() is None:
        return
    if Translation.objects.filter(
        source__object_id=page.translation_key, target_locale=locale
    ).exists():
        return
    machine_draft(page, [locale], user, include_subtree=False)
    count.add("translation states", "created")


def ensure_outdated(model, count):
    slug, code = OUTDATED
    page = _page(model, slug)
    locale = Locale.objects.filter(language_code=code).first()
    translated = page and locale and page.get_translation_or_none(locale)
    if translated is None or translated.alias_of_id:
        return
    if (
        page.last_published_at
        and translated.last_published_at
        and (page.last_published_at > translated.last_published_at)
    ):
        return  # already outdated
    # An editor corrects the English text after the Latvian translation was made.
    page = page.specific
    # (a field the fixtures leave alone, so a second load keeps the change)
    page.search_description = "District barometer: twelve indicators, updated every spring."
    revision = page.save_revision()
    revision.publish()
    page.refresh_from_db()
    count.add("translation states", "created")


def load_translation_states(count, user):
    from cities_cms.pages import PracticeModelPage

    ensure_in_progress(PracticeModelPage, count)
    ensure_machine_draft(PracticeModelPage, count, user)
    ensure_outdated(PracticeModelPage, count)
