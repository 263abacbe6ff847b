"""Aliases of the synchronised trees go with their source when it is deleted."""

import pytest
from wagtail.models import Page

from .utils import make_city, make_practice_model, translate

pytestmark = pytest.mark.django_db


def versions(page):
    return {
        p.locale.language_code: p.alias_of_id is not None
        for p in Page.objects.filter(translation_key=page.translation_key)
    }


def test_deleting_a_page_deletes_its_aliases_not_its_translations(client, site_tree):
    model = make_practice_model(site_tree.practices, title="Rain gardens")
    latvian = translate(model, "lv", title="Lietus dārzi")
    polish_alias = Page.objects.get(alias_of=model, locale__language_code="pl")
    assert versions(model) == {"en": False, "lv": False, "pl": True}
    model.delete()
    # The Polish alias would otherwise stay, live, as a page of its own with the English text.
    assert not Page.objects.filter(pk=polish_alias.pk).exists()
    assert client.get(polish_alias.url).status_code == 404
    assert Page.objects.filter(pk=latvian.pk, live=True).exists()


def test_deleting_a_section_in_the_admin(admin_client, site_tree):
    city = make_city(site_tree.cities, title="Brugmeer", slug="brugmeer")
    aliases = list(Page.objects.filter(alias_of=city).values_list("pk", flat=True))
    assert len(aliases) == 2
    response = admin_client.post(f"/admin/pages/{city.pk}/delete/")
    assert response.status_code == 302
    assert not Page.objects.filter(pk__in=[city.pk, *aliases]).exists()
