"""Defaults that follow the site's own settings, so the README's example needs no more."""

from django.conf import settings as django_settings
from django.test import override_settings

from cities_cms.checks import check_settings
from cities_cms.conf import NETWORK_LANGUAGES, settings

THREE = [("en", "English"), ("lv", "Latviešu"), ("pl", "Polski")]
TEN = [code for code, _name in NETWORK_LANGUAGES]


def test_languages_follow_the_sites_content_languages():
    # The README's example: three languages, CITIES_CMS_LANGUAGES not set.
    with override_settings(WAGTAIL_CONTENT_LANGUAGES=THREE, LANGUAGES=THREE):
        del django_settings.CITIES_CMS_LANGUAGES
        assert settings.CITIES_CMS_LANGUAGES == ["en", "lv", "pl"]
        assert "cities_cms.E006" not in [e.id for e in check_settings(None)]


def test_languages_default_to_the_network_without_content_languages():
    with override_settings():
        del django_settings.CITIES_CMS_LANGUAGES
        del django_settings.WAGTAIL_CONTENT_LANGUAGES
        assert settings.CITIES_CMS_LANGUAGES == TEN


def test_an_explicit_list_is_kept_and_checked():
    with override_settings(WAGTAIL_CONTENT_LANGUAGES=THREE, CITIES_CMS_LANGUAGES=["en", "fr"]):
        assert settings.CITIES_CMS_LANGUAGES == ["en", "fr"]
        assert "cities_cms.E006" in [e.id for e in check_settings(None)]
