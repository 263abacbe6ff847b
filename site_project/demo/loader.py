"""Load the demo content of the "Cities of change" network from ``fixtures/demo/*.json``.

Every step finds what an earlier run created (pages by slug under their parent, translations by
translation key and locale, themes by key, images and documents by title, organisations by name,
people by email) and changes it only when the data differ, so a second run creates nothing and
publishes nothing.

References between objects are written in the JSON as small placeholders and resolved here:

``{"$image": key}`` / ``{"$document": key}``  an image or document listed in ``media.json``
``{"$page": "city:slug"}``                     a page (``home``, ``index:cities``,
                                               ``city:<slug>``, ``seminar:<slug>``,
                                               ``practice:<slug>``); in a translated page the
                                               translation in the same locale when it exists
``{"$person": email}`` / ``{"$organisation": name}``  a snippet
``{"$day": n}``                                the date n days after a seminar's first day
"""

import copy
import datetime as dt
import json
import zoneinfo
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from wagtail.actions.convert_alias import ConvertAliasPageAction
from wagtail.fields import StreamField
from wagtail.models import Locale, Page, Site

FIXTURES_DIR = Path(__file__).resolve().parent.parent.parent / "fixtures"
DATA_DIR = FIXTURES_DIR / "demo"
MEDIA_DIR = FIXTURES_DIR / "media"
WELCOME_TITLE = "Welcome to your new Wagtail site!"
TRANSLATION_LOCALES = ("lv", "pl")


def read_json(name):
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return json.load(handle)


class Counter:
    def __init__(self):
        self.rows = {}

    def add(self, kind, outcome):
        row = self.rows.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0})
        row[outcome] += 1

    def lines(self):
        width = max((len(kind) for kind in self.rows), default=0)
        for kind, row in self.rows.items():
            yield (
                f"  {kind:<{width}}  created {row['created']:>3}  updated {row['updated']:>3}"
                f"  unchanged {row['unchanged']:>3}"
            )


# --- comparing and assigning field values --------------------------------------------------


def _jsonish(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _strip_ids(value):
    if isinstance(value, dict):
        return {k: _strip_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_strip_ids(v) for v in value]
    return value


def _stream_normal(block, value):
    """A StreamField value (raw list or StreamValue) in a form that compares by content."""
    if not isinstance(value, list):
        value = _jsonish(block.get_prep_value(value))
    return _strip_ids(_jsonish(block.get_prep_value(block.to_python(value))))


def _same(field, current, desired):
    if current is None or desired is None:
        return current == desired or (current in ("", None) and desired in ("", None))
    if isinstance(field, models.DecimalField):
        return Decimal(str(current)) == Decimal(str(desired))
    if isinstance(field, models.DateTimeField | models.DateField):
        return current == desired
    if isinstance(current, list | tuple) and isinstance(desired, list | tuple):
        return list(current) == list(desired)
    return current == desired


def assign(obj, values):
    """Set ``values`` (field name -> resolved value) on ``obj``; return True if any differed.

    Foreign keys take a primary key or None, many-to-many fields a list of primary keys,
    child relations a list of dicts of the child's fields, StreamFields their raw JSON form.
    """
    changed = False
    for name, desired in values.items():
        field = obj._meta.get_field(name)
        if isinstance(field, StreamField):
            block = field.stream_block
            desired = desired or []
            if _stream_normal(block, getattr(obj, name)) != _stream_normal(block, desired):
                setattr(obj, name, desired)
                changed = True
        elif field.many_to_many:
            manager = getattr(obj, name)
            current = {item.pk for item in manager.all()}
            if current != set(desired or []):
                manager.set(list(field.related_model.objects.filter(pk__in=desired or [])))
                changed = True
        elif field.one_to_many:  # a modelcluster child relation
            model = field.related_model
            rows = [{_attname(model, k): v for k, v in row.items()} for row in desired or []]
            current = [
                {key: getattr(child, key) for key in row}
                for child, row in zip(getattr(obj, name).all(), rows, strict=False)
            ]
            if len(getattr(obj, name).all()) != len(rows) or current != rows:
                # Orderable children keep the fixture's order (else it is the database's).
                ordered = any(f.name == "sort_order" for f in model._meta.fields)
                extra = (lambda index: {"sort_order": index}) if ordered else (lambda index: {})
                setattr(obj, name, [model(**row, **extra(i)) for i, row in enumerate(rows)])
                changed = True
        elif field.many_to_one:
            if getattr(obj, field.attname) != desired:
                setattr(obj, field.attname, desired)
                changed = True
        else:
            if isinstance(desired, str) and not isinstance(
                field, models.CharField | models.TextField
            ):
                desired = field.to_python(desired)  # dates, decimals written as text in JSON
            if not _same(field, getattr(obj, name), desired):
                setattr(obj, name, desired)
                changed = True
    return changed


def _attname(model, name):
    return model._meta.get_field(name).attname


# --- the loader --------------------------------------------------------------------------------


class DemoLoader:
    def __init__(self, stdout=None):
        self.stdout = stdout
        self.count = Counter()
        self.images = {}
        self.documents = {}
        self.people = {}
        self.organisations = {}
        self.themes = {}
        self.pages = {}  # "city:poznan" -> en page
        self.locales = {}
        self.now = timezone.now()

    # references

    def resolve(self, value, locale=None, context=None):
        if isinstance(value, list):
            return [self.resolve(item, locale, context) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "$image":
                return self.images[arg].pk
            if key == "$document":
                return self.documents[arg].pk
            if key == "$person":
                return self.people[arg].pk
            if key == "$organisation":
                return self.organisations[arg].pk
            if key == "$page":
                return self.page_ref(arg, locale).pk
            if key == "$day":
                return (context["first_day"] + dt.timedelta(days=arg)).isoformat()
        return {k: self.resolve(v, locale, context) for k, v in value.items()}

    def page_ref(self, ref, locale=None):
        page = self.pages[ref]
        if locale is not None and locale.pk != page.locale_id:
            translated = page.get_translation_or_none(locale)
            if translated is not None:
                return translated
        return page

    # media

    def load_media(self):
        from wagtail.documents import get_document_model
        from wagtail.images import get_image_model

        image_model, document_model = get_image_model(), get_document_model()
        data = read_json("media.json")
        for item in data["images"]:
            self.images[item["key"]] = self._file_object(
                image_model, item, "image", {"description": item.get("alt", "")}
            )
        for item in data["documents"]:
            self.documents[item["key"]] = self._file_object(document_model, item, "document", {})

    def _file_object(self, model, item, kind, extra):
        obj = model.objects.filter(title=item["title"]).order_by("pk").first()
        if obj is not None:
            outcome = "updated" if assign(obj, extra) else "unchanged"
            if outcome == "updated":
                obj.save()
            self.count.add(kind + "s", outcome)
            return obj
        path = MEDIA_DIR / item["file"]
        with open(path, "rb") as handle:
            obj = model(title=item["title"], **extra)
            obj.file = File(handle, name=path.name)
            if kind == "image":
                obj._set_image_file_metadata()
            else:
                obj._set_document_file_metadata()
            obj.save()
        self.count.add(kind + "s", "created")
        return obj

    # the network home page, the site and branding

    def load_network(self):
        from cities_cms.branding import BrandingSettings
        from cities_cms.pages import NetworkHomePage

        data = read_json("network.json")
        home_data = data["home"]
        root = Page.get_first_root_node()
        default_locale = Locale.get_default()
        home = (
            NetworkHomePage.objects.child_of(root)
            .filter(locale=default_locale, slug=home_data["slug"])
            .first()
        )
        # Themes and the body (which links to the index pages) follow once run_setup has
        # created them: see load_pages().
        values = self.page_values(NetworkHomePage, home_data, skip={"themes", "body"})
        if home is None:
            home = NetworkHomePage(locale=default_locale)
            assign(home, values)
            root.add_child(instance=home)
            home.save_revision().publish()
            self.count.add("network home", "created")
        else:
            self._update_page(home, values, "network home")
        self.pages["home"] = home

        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            site = Site(is_default_site=True)
        # The address the demo is served at: absolute URLs (canonical, hreflang, sitemap, feeds)
        # are the Site's root URL (cities_cms.absolute_urls).
        address = urlsplit(django_settings.WAGTAILADMIN_BASE_URL)
        default_port = 443 if address.scheme == "https" else 80
        site_values = {
            "hostname": address.hostname or "localhost",
            "port": address.port or default_port,
            "site_name": data["site_name"],
            "root_page": home.pk,
            "is_default_site": True,
        }
        if site.pk is None or assign(site, site_values):
            assign(site, site_values)
            site.save()
            self.count.add("site", "updated")
        welcome = (
            Page.objects.child_of(root)
            .filter(title=WELCOME_TITLE, numchild=0)
            .filter(content_type__app_label="wagtailcore", content_type__model="page")
            .exclude(pk=home.pk)
        )
        if not Site.objects.filter(root_page__in=welcome).exists():
            for page in welcome:
                page.delete()
                self.count.add("welcome page deleted", "updated")

        branding = BrandingSettings.for_site(site)
        branding_values = self.resolve(data["branding"])
        if branding.pk is None or assign(branding, branding_values):
            branding.save()
            self.count.add("branding", "updated")
        self.site = site
        return home, data

    def load_site_texts(self, network):
        """The site's name and footer text in every language written (a translatable snippet,
        as a translator would leave it). After the setup command, which makes the locales."""
        from cities_cms.branding import BrandingText

        site, data = self.site, network["texts"]
        default = Locale.get_default()
        values = {k: v for k, v in data.items() if k != "translations"}
        source = BrandingText.objects.filter(site=site, locale=default).first()
        source = self._save_snippet(
            BrandingText, source, {"site": site.pk, **values}, "site texts", default
        )
        for code, fields in data.get("translations", {}).items():
            locale = Locale.objects.filter(language_code=code).first()
            if locale is None:
                continue  # a site set up with fewer of the network's languages
            self._save_snippet_translation(source, locale, fields, "site text translations")

    def load_themes(self, data):
        from cities_cms.snippets import Theme

        default = Locale.get_default()
        for key, item in data["themes"].items():
            theme = Theme.objects.get(key=key, locale=default)
            self.themes[key] = theme
            if assign(theme, {"description": item.get("description", "")}):
                theme.save()
                self.count.add("themes", "updated")
            for code, fields in item.get("translations", {}).items():
                self._save_snippet_translation(
                    theme, self.locale(code), fields, "theme translations"
                )

    def theme_pk(self, key, locale=None):
        """A translated page lists its locale's themes (as wagtail-localize would sync them)."""
        from cities_cms.snippets import Theme

        if locale is not None:
            translated = Theme.objects.filter(key=key, locale=locale).values_list("pk", flat=True)
            if translated:
                return translated[0]
        return self.themes[key].pk

    def locale(self, code):
        if code not in self.locales:
            self.locales[code] = Locale.objects.get(language_code=code)
        return self.locales[code]

    # snippets

    def load_organisations(self):
        from cities_cms.snippets import Organisation

        default = Locale.get_default()
        for item in read_json("organisations.json"):
            fields = {k: v for k, v in item.items() if k not in ("translations",)}
            fields = self.resolve(fields)
            org = Organisation.objects.filter(name=item["name"], locale=default).first()
            self.organisations[item["name"]] = self._save_snippet(
                Organisation, org, fields, "organisations", default
            )
            org = self.organisations[item["name"]]
            for code, tr_fields in item.get("translations", {}).items():
                self._save_snippet_translation(
                    org, self.locale(code), tr_fields, "organisation translations"
                )

    def load_people(self):
        from cities_cms.snippets import Person

        default = Locale.get_default()
        for item in read_json("people.json"):
            fields = self.resolve(item)
            person = Person.objects.filter(email=item["email"], locale=default).first()
            self.people[item["email"]] = self._save_snippet(
                Person, person, fields, "people", default
            )

    def _save_snippet_translation(self, source, locale, fields, kind):
        """Create or update ``source``'s translation into ``locale`` with ``fields``."""
        translated = source.get_translation_or_none(locale)
        created = translated is None
        if created:
            translated = source.copy_for_translation(locale)
        if assign(translated, fields) or created:
            translated.save()
            self.count.add(kind, "created" if created else "updated")
        else:
            self.count.add(kind, "unchanged")
        return translated

    def _save_snippet(self, model, obj, fields, kind, locale):
        if obj is None:
            obj = model(locale=locale)
            assign(obj, fields)
            obj.save()
            self.count.add(kind, "created")
        elif assign(obj, fields):
            obj.save()
            self.count.add(kind, "updated")
        else:
            self.count.add(kind, "unchanged")
        return obj

    # pages

    def page_values(self, model, data, locale=None, context=None, skip=()):
        """The model fields in ``data`` with references resolved (``translations``, keys
        that are not fields and keys in ``skip`` are left out)."""
        names = {f.name for f in model._meta.get_fields()}
        values = {}
        for key, value in data.items():
            if key in skip:
                continue
            if key == "themes":
                values["themes"] = [self.theme_pk(k, locale) for k in value]
            elif key in names:
                values[key] = self.resolve(value, locale, context)
        return values

    def _update_page(self, page, values, kind):
        if assign(page, values):
            page.save_revision().publish()
            self.count.add(kind, "updated")
        else:
            self.count.add(kind, "unchanged")

    def ensure_page(self, parent, model, data, kind, context=None):
        """Create or update the English page with ``data["slug"]`` under ``parent``."""
        values = self.page_values(model, data, context=context)
        page = model.objects.child_of(parent).filter(slug=data["slug"]).first()
        if page is None:
            page = model(locale_id=parent.locale_id)
            assign(page, values)
            parent.add_child(instance=page)
            page.save_revision().publish()
            self.count.add(kind, "created")
            # As the admin does after publishing: re-read, so that the aliases copy the
            # publication dates.
            page = model.objects.get(pk=page.pk)
            self.sync_aliases(page)
        else:
            self._update_page(page, values, kind)
        return page

    def sync_aliases(self, page):
        """What the admin does after creating a page: where locales synchronise their tree
        from this one (CITIES_CMS_SYNC_TREES), give the new page an alias in each of them."""
        from wagtail_localize.synctree import create_aliases_for_new_page

        from cities_cms.federation.importer.wagtail_internals import reference_index_paused

        # An alias holds the same references as its source: indexing them again for nine
        # languages would double the time of the whole load for no use in the admin.
        with reference_index_paused():
            create_aliases_for_new_page(page)

    def ensure_translation(self, page, model, data, code, kind, context=None):
        """Create or update the ``code`` translation of ``page`` from ``data`` with its
        ``translations[code]`` overrides; synchronised fields keep the source's values."""
        locale = self.locale(code)
        merged = copy.deepcopy(data)
        merged.update(data["translations"][code])
        merged.pop("translations", None)
        values = self.page_values(model, merged, locale=locale, context=context)
        translated = page.get_translation_or_none(locale)
        if translated is not None and translated.alias_of_id:
            # With synchronised trees (CITIES_CMS_SYNC_TREES) wagtail-localize keeps an alias
            # of every untranslated page; the translation replaces it, as in its own editor.
            ConvertAliasPageAction(translated.specific, log_action=None).execute(
                skip_permission_checks=True
            )
            translated = Page.objects.get(pk=translated.pk).specific
            assign(translated, values)
            translated.save_revision().publish()
            self.count.add(kind + " translations", "created")
        elif translated is None:
            translated = page.copy_for_translation(locale, copy_parents=True).specific
            assign(translated, values)
            translated.save_revision().publish()
            self.count.add(kind + " translations", "created")
        else:
            self._update_page(translated.specific, values, kind + " translations")
        return translated

    def seminar_context(self, item):
        """Fixed dates stay as written; upcoming ones are relative to today in the seminar's
        time zone, so the demo always has something coming up."""
        tz = zoneinfo.ZoneInfo(item["timezone"])
        if "start" in item:
            start = timezone.make_aware(dt.datetime.fromisoformat(item["start"]), tz)
            end = timezone.make_aware(dt.datetime.fromisoformat(item["end"]), tz)
        else:
            first_day = self.now.astimezone(tz).date() + dt.timedelta(days=item["start_in_days"])
            start = timezone.make_aware(
                dt.datetime.combine(first_day, dt.time.fromisoformat(item["start_time"])), tz
            )
            if "duration_hours" in item:
                end = start + dt.timedelta(hours=item["duration_hours"])
            else:
                last_day = first_day + dt.timedelta(days=item["days"] - 1)
                end = timezone.make_aware(
                    dt.datetime.combine(last_day, dt.time.fromisoformat(item["end_time"])), tz
                )
        return {"first_day": start.astimezone(tz).date(), "start": start, "end": end}

    def load_registration(self, seminar):
        """An upcoming seminar with open registration, a waiting list and a custom question."""
        from django.apps import apps

        if not apps.is_installed("cities_cms.registration"):
            return
        from cities_cms.registration.models import RegistrationSettings

        settings, created = RegistrationSettings.objects.get_or_create(
            seminar=seminar,
            defaults={
                "is_open": True,
                "capacity": 25,
                "max_party_size": 3,
                "waiting_list": True,
                "ask_needs": "optional",
                "confirmation_languages": ["en", "lv", "pl"],
            },
        )
        if created:
            settings.questions.create(
                label="Which site visit would you like to join?",
                help_text="The river park or the new rain gardens.",
                required=True,
            )
        self.count.add("seminar registration", "created" if created else "unchanged")

    def load_pages(self, home, network):
        from cities_cms.pages import (
            CityIndexPage,
            CityPage,
            NetworkHomePage,
            PracticeModelIndexPage,
            PracticeModelPage,
            SeminarIndexPage,
            SeminarPage,
        )

        # run_setup() added the index pages: reload, or publishing would save a stale numchild.
        home = NetworkHomePage.objects.get(pk=home.pk)
        self.pages["home"] = home
        indexes = {
            "cities": CityIndexPage.objects.child_of(home).first(),
            "seminars": SeminarIndexPage.objects.child_of(home).first(),
            "practice-models": PracticeModelIndexPage.objects.child_of(home).first(),
        }
        for key, page in indexes.items():
            self.pages[f"index:{key}"] = page

        self._update_page(home, self.page_values(NetworkHomePage, network["home"]), "network home")
        # Index pages: the English intro, then the home page's and their translations.
        for key, page in indexes.items():
            item = network["indexes"][key]
            self._update_page(page, self.page_values(type(page), item), "index pages")
        for code in TRANSLATION_LOCALES:
            self.ensure_translation(home, NetworkHomePage, network["home"], code, "network home")
            for key, page in indexes.items():
                self.ensure_translation(
                    page, type(page), network["indexes"][key], code, "index page"
                )

        for item in read_json("cities.json"):
            page = self.ensure_page(indexes["cities"], CityPage, item, "cities")
            self.pages[f"city:{item['slug']}"] = page
        for item in read_json("seminars.json"):
            context = self.seminar_context(item)
            data = dict(item, start=context["start"], end=context["end"])
            page = self.ensure_page(indexes["seminars"], SeminarPage, data, "seminars", context)
            self.pages[f"seminar:{item['slug']}"] = page
        self.load_registration(self.pages["seminar:workshop-climate-adaptation-valdelumbre"])
        practice_models = read_json("practice_models.json")
        for item in practice_models:
            page = self.ensure_page(
                indexes["practice-models"], PracticeModelPage, item, "practice models"
            )
            self.pages[f"practice:{item['slug']}"] = page

        for item in read_json("cities.json"):
            for code in item.get("translations", {}):
                self.ensure_translation(
                    self.pages[f"city:{item['slug']}"], CityPage, item, code, "city"
                )
        for item in practice_models:
            for code in item.get("translations", {}):
                self.ensure_translation(
                    self.pages[f"practice:{item['slug']}"],
                    PracticeModelPage,
                    item,
                    code,
                    "practice model",
                )
        # The home page's translations link to translated pages that exist only now.
        for code in TRANSLATION_LOCALES:
            self.ensure_translation(home, NetworkHomePage, network["home"], code, "network home")
        # Practice models a partner city's own site shares (federation, site_project/demo).
        from .federation import load_partner_copies

        load_partner_copies(self.count)
