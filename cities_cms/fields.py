"""Small model fields used by the page types."""

import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .conf import NETWORK_LANGUAGES


class LanguagesField(models.CharField):
    """A set of language codes stored as "en,lv,pl", edited as checkboxes.

    Stored as text, not an array, so it works the same on SQLite and PostgreSQL and can be
    filtered with ``__contains``.
    """

    def __init__(self, *args, languages=None, **kwargs):
        self.languages = languages or NETWORK_LANGUAGES
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("languages", None)
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def to_python(self, value):
        if value is None or isinstance(value, list):
            return value or []
        return [code for code in value.split(",") if code]

    def get_prep_value(self, value):
        if isinstance(value, list | tuple):
            return ",".join(value)
        return value or ""

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def validate(self, value, model_instance):
        known = {code for code, _name in self.languages}
        unknown = [code for code in value or [] if code not in known]
        if unknown:
            raise ValidationError(
                _("Unknown language code: %(codes)s"), params={"codes": ", ".join(unknown)}
            )
        if not value and not self.blank:
            raise ValidationError(self.error_messages["blank"], code="blank")

    def run_validators(self, value):
        # max_length applies to the stored text, not to the list.
        return super().run_validators(self.get_prep_value(value))

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            choices=self.languages,
            required=not self.blank,
            widget=forms.CheckboxSelectMultiple,
            label=self.verbose_name,
            help_text=self.help_text,
        )


def timezone_choices():
    """European IANA time zones first (the network's), then all others."""
    names = sorted(zoneinfo.available_timezones())
    europe = [n for n in names if n.startswith("Europe/")]
    others = [n for n in names if not n.startswith("Europe/") and "/" in n]
    return [(n, n) for n in europe] + [(n, n) for n in others] + [("UTC", "UTC")]


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone."), params={"value": value}, code="invalid"
        )


class TimeZoneField(models.CharField):
    """An IANA time zone name, chosen from a list; the list is not part of migrations."""

    default_validators = [validate_timezone]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return forms.ChoiceField(
            choices=timezone_choices(),
            required=not self.blank,
            label=self.verbose_name,
            help_text=self.help_text,
            initial=self.get_default(),
        )
