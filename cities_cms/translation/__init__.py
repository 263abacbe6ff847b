"""Translation workflow on top of wagtail-localize: status, machine drafts, exchange."""


def language_name(locale):
    """A locale's language, named in the language of the interface ("Latvian", "łotewski")."""
    from django.utils.translation import get_language_info

    try:
        return get_language_info(locale.language_code)["name_translated"]
    except KeyError:
        return locale.get_display_name()
