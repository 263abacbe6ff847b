"""Settings helpers for machine translation, importable from a settings module.

Usage in settings::

    from cities_cms.translation.config import machine_translator_setting

    WAGTAILLOCALIZE_MACHINE_TRANSLATOR = machine_translator_setting(
        os.environ.get("DEEPL_AUTH_KEY"), offline_fallback=DEBUG
    )
"""

DEEPL = "wagtail_localize.machine_translators.deepl.DeepLTranslator"
OFFLINE = "cities_cms.translation.machine.OfflineDraftTranslator"


def machine_translator_setting(deepl_auth_key=None, *, offline_fallback=False, timeout=30):
    """The ``WAGTAILLOCALIZE_MACHINE_TRANSLATOR`` value for this site.

    Args:
        deepl_auth_key: a DeepL API key (free keys end in ``:fx``); DeepL is used when given.
        offline_fallback: without a key, use the offline, clearly labelled draft translator
            (for development and tests) instead of no machine translation at all.
        timeout: seconds to wait for DeepL.

    Returns:
        A dict for ``WAGTAILLOCALIZE_MACHINE_TRANSLATOR``, or None (no machine translation).
    """
    if deepl_auth_key:
        return {"CLASS": DEEPL, "OPTIONS": {"AUTH_KEY": deepl_auth_key, "TIMEOUT": timeout}}
    if offline_fallback:
        return {"CLASS": OFFLINE, "OPTIONS": {}}
    return None
