"""Dates written inside sentences and lists, in the active language.

Django's localised formats (``DATE_FORMAT``, ``DATETIME_FORMAT``, ``YEAR_MONTH_FORMAT``) put
day, month and year in each language's order and use the genitive month where the language
needs one (Polish "5 grudnia 2024", Lithuanian "2024 m. gruodžio 5 d."), so the package
never writes a date format of its own ("j F Y" would give the Polish nominative
"5 Grudzień"). But several of Django's catalogues capitalise month and weekday names that
the language writes in lower case: Polish "Grudzień 2024", Italian "Giovedì 05 Dicembre
2024", Romanian "5 Decembrie 2024", Lithuanian "Ketvirtadienis". ``format_date`` formats with
Django's formats and writes those names in lower case, except in the languages that
capitalise them; a template capitalises the first letter where a date begins a heading.
"""

from django.utils.dateformat import DateFormat
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import get_format
from django.utils.translation import get_language

# Languages that capitalise month and weekday names inside a sentence (nouns in German and
# Luxembourgish; English, Welsh, Irish and Scottish Gaelic by convention). Every other
# language of Django writes them in lower case.
CAPITALISED_NAMES = frozenset({"en", "de", "lb", "cy", "ga", "gd"})


class _LowerCaseNames(DateFormat):
    """Django's date format with month and weekday names in lower case."""

    def D(self):
        return super().D().lower()

    def E(self):
        return super().E().lower()

    def F(self):
        return super().F().lower()

    def l(self):  # noqa: E743 (Django's name for the weekday)
        return super().l().lower()

    def M(self):
        return super().M().lower()

    def N(self):
        return super().N().lower()


def format_date(value, format_name="DATE_FORMAT"):
    """``value`` (a date or datetime) in the active language's ``format_name``.

    Args:
        value: a date or a datetime, already in the time zone to show (or its ISO string).
        format_name: one of Django's format names (``DATE_FORMAT``, ``DATETIME_FORMAT``,
            ``YEAR_MONTH_FORMAT``, ``MONTH_DAY_FORMAT``, ``SHORT_DATE_FORMAT`` ...).

    Returns:
        The formatted date, or "" for an empty value.
    """
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        # An ISO date as block preview values and raw StreamField data hold it.
        value = parse_datetime(value) or parse_date(value)
        if value is None:
            return ""
    fmt = get_format(format_name)
    language = (get_language() or "en").split("-")[0].lower()
    if language in CAPITALISED_NAMES:
        return DateFormat(value).format(fmt)
    return _LowerCaseNames(value).format(fmt)
