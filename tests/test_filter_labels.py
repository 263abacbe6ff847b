"""The listings' filter menus show their "All …" choice in full in every language.

At 1280 px the filter form has four columns and a closed menu shows about 24 characters of
the site's font beside its arrow (230 px, measured in Chromium on the demo's seminar index:
Latvian "Visas uzņēmējas pilsētas", 24, fits; Polish "Wszystkie miasta gospodarze", 27, and
Spanish "Todas las ciudades anfitrionas", 30, were cut). The label above each menu already
names what is filtered ("Host city"), so the choice can be short ("All cities").
"""

import pytest
from django.utils import translation

from cities_cms.conf import NETWORK_LANGUAGES
from cities_cms.pages.filters import CityFilterSet, PracticeModelFilterSet, SeminarFilterSet

MAX_CHARACTERS = 24


@pytest.mark.parametrize("code", [code for code, _name in NETWORK_LANGUAGES])
def test_all_choices_fit_a_closed_menu(code):
    too_long = []
    with translation.override(code):
        for filterset in (CityFilterSet, SeminarFilterSet, PracticeModelFilterSet):
            for name, filter_ in filterset.base_filters.items():
                label = str(filter_.extra.get("empty_label") or "")
                if len(label) > MAX_CHARACTERS:
                    too_long.append(f"{filterset.__name__}.{name}: {label!r} ({len(label)})")
    assert not too_long, too_long
