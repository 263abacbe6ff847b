"""Field configuration for translation: synchronised facts stay in step across languages."""

from datetime import UTC, datetime
from decimal import Decimal

from wagtail.models import Locale
from wagtail_localize.fields import get_translatable_fields
from wagtail_localize.models import StringTranslation, Translation, TranslationSource

from cities_cms.pages import CityPage, PracticeModelPage, SeminarPage, Stakeholder
from cities_cms.snippets import Theme

from .utils import make_city, make_practice_model, make_seminar, translate


def kinds(model):
    result = {}
    for field in get_translatable_fields(model):
        if type(field).__name__ == "TranslatableField":
            result[field.field_name] = "translated"
        else:
            result[field.field_name] = "overridable" if field.overridable else "synchronised"
    return result


def test_declarations():
    city = kinds(CityPage)
    for name in ("latitude", "longitude", "population", "country", "role"):
        assert city[name] == "synchronised", name
    assert city["image"] == city["website"] == "overridable"
    assert city["intro"] == city["body"] == city["summary"] == "translated"

    seminar = kinds(SeminarPage)
    for name in ("start", "end", "timezone", "kind", "languages", "host_city"):
        assert seminar[name] == "synchronised", name
    assert seminar["online_url"] == "overridable"
    assert seminar["agenda"] == seminar["venue_name"] == "translated"

    practice = kinds(PracticeModelPage)
    for name in ("status", "start_year", "budget", "city", "licence", "shared"):
        assert practice[name] == "synchronised", name
    for name in ("challenge", "approach", "results", "indicators", "stakeholders"):
        assert practice[name] == "translated", name
    assert kinds(Stakeholder)["contribution"] == "translated"
    assert kinds(Stakeholder)["organisation"] == "synchronised"


def localize_all(page, language_code):
    locale = Locale.objects.get(language_code=language_code)
    source, _created = TranslationSource.get_or_create_from_instance(page)
    translation, _created = Translation.objects.get_or_create(source=source, target_locale=locale)
    for segment in source.stringsegment_set.select_related("string", "context"):
        StringTranslation.objects.update_or_create(
            translation_of=segment.string,
            locale=locale,
            context=segment.context,
            defaults={"data": f"LV {segment.string.data}", "translation_type": "manual"},
        )
    translation.save_target(publish=True)
    return source, translation


def test_synchronised_fields_follow_the_source(site_tree):
    city = make_city(
        site_tree.cities,
        title="Daugavpils",
        latitude=Decimal("55.87466"),
        longitude=Decimal("26.53617"),
        population=None,
        country="LV",
    )
    source, translation = localize_all(city, "lv")
    latvian = city.get_translation(Locale.objects.get(language_code="lv"))
    assert latvian.title == "LV Daugavpils"
    assert latvian.latitude == Decimal("55.87466")

    city.latitude = Decimal("55.87000")
    city.population = 79000
    city.save_revision().publish()
    source.update_from_db()
    translation.save_target(publish=True)

    latvian.refresh_from_db()
    assert latvian.latitude == Decimal("55.87000")
    assert latvian.population == 79000
    assert latvian.title == "LV Daugavpils"  # the translation itself is kept


def test_seminar_times_follow_the_source(site_tree):
    seminar = make_seminar(site_tree.seminars, title="Monitoring change")
    source, translation = localize_all(seminar, "lv")
    seminar.start = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
    seminar.end = datetime(2027, 3, 1, 15, 30, tzinfo=UTC)
    seminar.save_revision().publish()
    source.update_from_db()
    translation.save_target(publish=True)
    latvian = SeminarPage.objects.get(
        translation_key=seminar.translation_key, locale__language_code="lv"
    )
    assert (latvian.start, latvian.end) == (seminar.start, seminar.end)


def test_many_to_many_follow_the_source_in_the_translations_language(site_tree):
    housing = site_tree.themes["housing"]
    mobility = site_tree.themes["mobility"]
    lv = Locale.objects.get(language_code="lv")
    housing_lv = housing.copy_for_translation(lv)
    housing_lv.name = "Mājokļi"
    housing_lv.save()

    practice = make_practice_model(site_tree.practices, title="Shared flats", themes=[mobility])
    latvian = translate(practice, "lv", title="Koplietošanas dzīvokļi")
    assert {t.key for t in latvian.themes.all()} == {"mobility"}

    practice.themes.set([housing, mobility])
    practice.save_revision().publish()
    latvian = PracticeModelPage.objects.get(pk=latvian.pk)
    themes = {t.key: t for t in latvian.themes.all()}
    assert set(themes) == {"housing", "mobility"}
    assert themes["housing"].pk == housing_lv.pk  # the Latvian theme where there is one
    assert themes["mobility"].pk == mobility.pk  # the source's theme where there is none
    assert Theme.objects.filter(key="housing").count() == 2

    # A theme taken off the source goes from every translation, and publishing the
    # translation itself keeps the source's choice (it cannot override it).
    practice.themes.set([housing])
    practice.save_revision().publish()
    latvian = PracticeModelPage.objects.get(pk=latvian.pk)
    assert [t.pk for t in latvian.themes.all()] == [housing_lv.pk]
    latvian.themes.set([mobility])
    latvian.save_revision().publish()
    latvian = PracticeModelPage.objects.get(pk=latvian.pk)
    assert [t.pk for t in latvian.themes.all()] == [housing_lv.pk]
    polish = practice.get_translation(Locale.objects.get(language_code="pl")).specific
    assert [t.pk for t in polish.themes.all()] == [housing.pk]  # the alias follows too


def test_setup_synchronises_trees_into_every_language(db, settings):
    from wagtail.models import Page

    from cities_cms.setup import run_setup

    settings.CITIES_CMS_SYNC_TREES = True
    settings.CITIES_CMS_LANGUAGES = ["en", "lv", "pl"]
    run_setup()
    # The root page in every language (an alias), and the index pages (translated by the
    # setup: their text is the package's; tests/test_setup_command.py)
    root = Page.objects.get(depth=2, locale__language_code="en")
    aliases = Page.objects.filter(translation_key=root.translation_key, alias_of=root)
    assert sorted(a.locale.language_code for a in aliases) == ["lv", "pl"]
    index = Page.objects.get(slug="practice-models", locale__language_code="en")
    versions = Page.objects.filter(translation_key=index.translation_key, alias_of=None)
    assert sorted(v.locale.language_code for v in versions) == ["en", "lv", "pl"]
    from wagtail_localize.models import LocaleSynchronization

    synced = LocaleSynchronization.objects.values_list("locale__language_code", flat=True)
    assert sorted(synced) == ["lv", "pl"]
    before = Page.objects.count()
    run_setup()
    assert Page.objects.count() == before


def test_languages_setting_is_checked(settings):
    from cities_cms.checks import check_settings

    settings.CITIES_CMS_LANGUAGES = ["en", "lv", "xx"]
    assert [e.id for e in check_settings(None)] == ["cities_cms.E006"]


def test_blocks_translate_text_and_keep_numbers_dates_and_media(site_tree):
    """What wagtail-localize extracts from the block library (documented in translation.md)."""
    from wagtail_localize.segments import OverridableSegmentValue, StringSegmentValue
    from wagtail_localize.segments.extract import extract_segments

    from .utils import make_image

    image = make_image("Street")
    practice = make_practice_model(
        site_tree.practices,
        # (the raw JSON form of StreamField values, as the admin stores them)
        indicators=[
            {
                "type": "indicator",
                "value": {
                    "name": "Residents consulted",
                    "baseline": "120",
                    "value": "860.5",
                    "unit": "people",
                    "year": 2015,
                    "source": "City survey",
                },
            }
        ],
        body=[
            {"type": "heading", "value": {"text": "What changed", "level": "h2", "anchor": ""}},
            {
                "type": "image",
                "value": {
                    "image": {"image": image.pk, "alt_text": "A street", "decorative": False},
                    "caption": "The new square",
                    "credit": "City archive",
                },
            },
            {
                "type": "embed",
                "value": {
                    "url": "https://vimeo.com/76979871",
                    "title": "Walk",
                    "caption": "",
                    "transcript": "",
                },
            },
        ],
    )
    segments = extract_segments(practice)
    strings = {s.render_text() for s in segments if isinstance(s, StringSegmentValue)}
    assert {
        "Residents consulted",
        "people",
        "City survey",
        "What changed",
        "The new square",
        "City archive",
        "Walk",
    } <= strings
    assert not strings & {"860.5", "120", "2015", "h2"}  # numbers, years, choices: synchronised
    overridable = [s for s in segments if isinstance(s, OverridableSegmentValue)]
    assert "https://vimeo.com/76979871" in [s.data for s in overridable]  # another video, maybe
    assert image.pk in [s.data for s in overridable]  # another image, maybe (one with text)
