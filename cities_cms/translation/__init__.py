"""Translation workflow on top of wagtail-localize: status, machine drafts, exchange."""

# Languages that capitalise the names of languages inside a sentence ("Englisch", "Engels").
# The others of the network write them in lower case ("anglais", "angielski", "angļu"),
# while Django's catalogues capitalise some of them (French "Anglais", Italian "Inglese").
CAPITALISED_LANGUAGE_NAMES = frozenset({"en", "de", "nl", "lb"})


def language_name(locale_or_code):
    """A language named in the interface's language, as written inside a sentence
    ("Latvian", "łotewski", "letton"); ``capfirst`` it where it begins one."""
    from django.utils.translation import get_language, get_language_info

    code = getattr(locale_or_code, "language_code", locale_or_code)
    try:
        name = get_language_info(code)["name_translated"]
    except KeyError:
        return locale_or_code.get_display_name() if hasattr(locale_or_code, "pk") else code
    here = (get_language() or "en").split("-")[0]
    return name if here in CAPITALISED_LANGUAGE_NAMES else name.lower()
