"""The search form: a query and the facet filters, validated against the locale's values."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..conf import settings
from ..pages.practice import PracticeStatus
from .service import FACET_LABELS, TYPE_LABELS

YEARS = [(str(year), str(year)) for year in range(1900, 2101)]


def _countries():
    return list(countries)


def _years():
    return YEARS


class SearchForm(forms.Form):
    # Long lists of choices are given as callables: a form's fields are deep copies of these,
    # and copying 450 choices for every search cost more than a millisecond.
    q = forms.CharField(label=_("Search for"), required=False, strip=True)
    type = forms.MultipleChoiceField(required=False, choices=list(TYPE_LABELS.items()))
    theme = forms.MultipleChoiceField(required=False)
    city = forms.MultipleChoiceField(required=False)
    country = forms.MultipleChoiceField(required=False, choices=_countries)
    status = forms.MultipleChoiceField(required=False, choices=PracticeStatus.choices)
    year = forms.MultipleChoiceField(required=False, choices=_years)

    def __init__(self, data=None, *, vocabulary, **kwargs):
        super().__init__(data, **kwargs)
        limit = settings.CITIES_CMS_SEARCH_MAX_QUERY_LENGTH
        self.fields["q"].max_length = limit
        self.fields["q"].validators.append(MaxLengthValidator(limit))
        self.fields["q"].widget.attrs.update({"maxlength": limit, "type": "search"})
        self.fields["theme"].choices = vocabulary.theme_choices()
        self.fields["city"].choices = vocabulary.city_choices()
        for name, label in FACET_LABELS.items():
            self.fields[name].label = label
            self.fields[name].error_messages["invalid_choice"] = _(
                "“%(value)s” is not one of the values of this filter."
            )
