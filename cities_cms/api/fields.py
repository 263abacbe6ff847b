"""Serializer fields of the read API, used in the page models' ``api_fields``.

They read only what the endpoint's queryset has selected or prefetched, and what the endpoint
put in the serializer context for the whole page of results (translations, which cities are
published), so a listing costs the same number of queries for 2 items or 20.

Personal data: a contact person is given by name, job title and organisation. Their email
address and phone number are not in the API (the page shows the email to people; the API
would hand it to harvesters in bulk).
"""

from rest_framework.fields import Field
from wagtail.api import APIField


class _WholeInstanceField(Field):
    """A read-only field computed from the whole object rather than one attribute."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance


def _page_link(page, context):
    """A published page as a small reference; None for one that is not published."""
    published_ids = context.get("published_ids")
    if page is None or (published_ids is not None and page.pk not in published_ids):
        return None
    request = context.get("request")
    data = {"id": page.pk, "title": page.title, "html_url": page.get_full_url(request)}
    router = context.get("router")
    if router is not None and request is not None:
        from wagtail.api.v2.utils import get_object_detail_url

        data["detail_url"] = get_object_detail_url(router, request, type(page), page.pk)
    return data


class PageLinkField(Field):
    """A foreign key to a page (a practice model's city, a seminar's host city)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return _page_link(value, self.context)


class PageLinksField(Field):
    """A many-to-many relation to pages (participating cities), published ones only."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        links = (_page_link(page, self.context) for page in value.all())
        return [link for link in links if link is not None]


class ThemesField(Field):
    """Themes as ``[{key, name}]``: the key is the same in every language and on every site."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        names = self.context.get("theme_names") or {}
        themes = sorted(value.all(), key=lambda theme: (theme.sort_order, theme.key))
        return [{"key": t.key, "name": names.get(t.key, t.name)} for t in themes]


def _person(person):
    if person is None:
        return None
    return {
        "name": person.name,
        "job_title": person.job_title,
        "organisation": person.organisation.name if person.organisation_id else None,
    }


class PersonField(Field):
    """A contact person without email or phone (see the module docstring)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return _person(value)


class CityContactsField(Field):
    """A city's contacts: who they are and what they are responsible for."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return [
            {**_person(contact.person), "responsibility": contact.responsibility}
            for contact in value.all()
        ]


class CountryField(Field):
    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        if not value:
            return None
        return {"code": value.code, "name": str(value.name)}


class CoordinateField(Field):
    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return float(value)


class ChoiceLabelField(_WholeInstanceField):
    """The label of a choice field in the request's language: ``status_label`` etc."""

    def __init__(self, field_name, **kwargs):
        self.choice_field = field_name
        super().__init__(**kwargs)

    def to_representation(self, instance):
        return str(getattr(instance, f"get_{self.choice_field}_display")())


class TranslationsField(_WholeInstanceField):
    """The page's other published language versions (found by ``translation_key``)."""

    def to_representation(self, instance):
        versions = self.context.get("translations", {}).get(instance.translation_key, [])
        return [version for version in versions if version["id"] != instance.pk]


# What each page type shows in the API (the models' ``api_fields``) -----------------------

CITY_API_FIELDS = [
    APIField("summary"),
    APIField("country", serializer=CountryField()),
    APIField("role"),
    APIField("role_label", serializer=ChoiceLabelField("role")),
    APIField("population"),
    APIField("population_year"),
    APIField("latitude", serializer=CoordinateField()),
    APIField("longitude", serializer=CoordinateField()),
    APIField("website"),
    APIField("intro"),
    APIField("contacts", serializer=CityContactsField()),
    APIField("translations", serializer=TranslationsField()),
]

SEMINAR_API_FIELDS = [
    APIField("summary"),
    APIField("kind"),
    APIField("kind_label", serializer=ChoiceLabelField("kind")),
    APIField("status"),
    APIField("start"),
    APIField("end"),
    APIField("timezone"),
    APIField("host_city", serializer=PageLinkField()),
    APIField("venue_name"),
    APIField("venue_address"),
    APIField("online_url"),
    APIField("languages"),
    APIField("themes", serializer=ThemesField()),
    APIField("participating_cities", serializer=PageLinksField()),
    APIField("intro"),
    APIField("outcomes"),
    APIField("translations", serializer=TranslationsField()),
]

PRACTICE_MODEL_API_FIELDS = [
    APIField("summary"),
    APIField("city", serializer=PageLinkField()),
    APIField("themes", serializer=ThemesField()),
    APIField("status"),
    APIField("status_label", serializer=ChoiceLabelField("status")),
    APIField("start_year"),
    APIField("end_year"),
    APIField("challenge"),
    APIField("approach"),
    APIField("results"),
    APIField("indicators"),
    APIField("evidence_level"),
    APIField("evidence"),
    APIField("transferability"),
    APIField("budget"),
    APIField("staff"),
    APIField("duration"),
    APIField("resources"),
    APIField("contact", serializer=PersonField()),
    APIField("licence"),
    APIField("shared"),
    APIField("translations", serializer=TranslationsField()),
]
