"""PO export and import of translations: a true round trip, in a site with synchronised trees.

Pages are translated the way cities translate them (by editing the page, so wagtail-
localize's translation memory is empty), untranslated pages stand as aliases, and the tests
go through the admin view as a Polish translator, a Latvian translator and a city reviewer.
"""

import io
import zipfile
from pathlib import Path

import polib
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Locale, Page, PageLogEntry, Revision
from wagtail_localize.models import (
    String,
    StringSegment,
    StringTranslation,
    TranslatableObject,
    Translation,
    TranslationContext,
    TranslationSource,
)
from wagtail_localize.segments import StringSegmentValue
from wagtail_localize.segments.extract import extract_segments
from wagtail_localize.synctree import create_aliases_for_new_page

from cities_cms.translation import status
from cities_cms.translation.exchange import TAG, export_zip, import_files

from .test_translation_status import localize
from .utils import fresh, make_practice_model, make_private, translate

URL = "/admin/cities-cms/translations/exchange/"
# A copy of the network's founding decision in Latvian (shared/seeds), kept with the tests so
# that they do not depend on anything outside the repository.
SEED = Path(__file__).resolve().parent / "data" / "latvian_founding_decision.txt"

CHALLENGE = (
    '<p>Plans were written <b>without</b> data. <a href="https://example.org">Read more</a>.</p>'
)
CHALLENGE_PL = '<p>Plany pisano <b>bez</b> danych. <a href="https://example.org">Więcej</a>.</p>'


def latvian_sentences():
    """Real Latvian sentences with diacritics, from the network's founding document."""
    text = SEED.read_text(encoding="utf-8")
    sentences = [s.strip() for s in text.replace("\n", " ").split(".") if len(s.strip()) > 40]
    assert any(ch in "".join(sentences) for ch in "āčēģīķļņšūž")
    return sentences


def with_aliases(page):
    """The page with its aliases in every other language, as the admin makes them."""
    if not page.get_translations().exists():  # (the builder may have made them already)
        create_aliases_for_new_page(page)
    return page


def member(username, group):
    user = User.objects.create_user(username, f"{username}@example.org", "pw")
    user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)


@pytest.fixture(scope="module")
def _world(network_site):
    """Built once for the module; each test gets fresh instances (world)."""
    site_tree = fresh(network_site)
    practice = with_aliases(
        make_practice_model(
            site_tree.practices,
            title="Monitoring change in districts",
            slug="monitoring",
            summary="A barometer of change for every district.",
            challenge=CHALLENGE,
            approach="<p>The city publishes twelve indicators each year.</p>",
        )
    )
    polish = translate(
        practice,
        "pl",
        title="Monitorowanie zmian w dzielnicach",
        summary="Barometr zmian dla każdej dzielnicy.",
        challenge=CHALLENGE_PL,
        approach="<p>Miasto co roku publikuje dwanaście wskaźników.</p>",
    )
    untranslated = with_aliases(make_practice_model(site_tree.practices, title="Citizens' budget"))
    draft = with_aliases(make_practice_model(site_tree.practices, title="Unfinished", live=False))
    private = with_aliases(make_practice_model(site_tree.practices, title="Staff only"))
    make_private(private)
    return {
        "tree": site_tree,
        "practice": practice,
        "polish": polish,
        "untranslated": untranslated,
        "draft": draft,
        "private": private,
        "pl": Locale.objects.get(language_code="pl"),
        "lv": Locale.objects.get(language_code="lv"),
        "translator": member("tlumacz", "Translators (pl)"),
        "latvian": member("tulkotajs", "Translators (lv)"),
        "reviewer": member("recenzent", "City reviewers"),
    }


@pytest.fixture
def world(_world, db):
    return fresh(_world)


def po_files(zip_bytes):
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        return {name: polib.pofile(archive.read(name).decode()) for name in archive.namelist()}


def file_of(files, page):
    return next(po for name, po in files.items() if name.startswith(f"{page.pk}-"))


def export(client, user, section, locale):
    client.force_login(user)
    response = client.get(URL, {"section": section.pk, "locale": locale.pk})
    assert response["Content-Type"] == "application/zip", response.content[:300]
    return po_files(response.content)


def upload(client, user, locale, files):
    """Import ``{name: POFile}`` as one ZIP through the admin view."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for name, po in files.items():
            zf.writestr(name, str(po))
    client.force_login(user)
    return client.post(
        URL,
        {
            "locale": locale.pk,
            "file": SimpleUploadedFile("t.zip", archive.getvalue(), "application/zip"),
        },
    )


def database_state():
    """Everything a PO export or import could change, and the status view's counts."""
    en = Locale.get_default()
    locales = [en, *Locale.objects.exclude(pk=en.pk).order_by("language_code")]
    summary = status.summarise(status.compute(status.source_pages(en), locales, en))
    return {
        "sources": list(TranslationSource.objects.order_by("pk").values()),
        "translations": list(Translation.objects.order_by("pk").values()),
        "string_translations": list(StringTranslation.objects.order_by("pk").values()),
        "strings": String.objects.count(),
        "contexts": TranslationContext.objects.count(),
        "segments": StringSegment.objects.count(),
        "objects": TranslatableObject.objects.count(),
        "pages": list(Page.objects.order_by("pk").values()),
        "revisions": list(Revision.objects.order_by("pk").values("pk", "object_id", "content")),
        "log": PageLogEntry.objects.count(),
        "status": {pk: dict(counts) for pk, counts in summary.items()},
    }


def strings_of(instance):
    return [
        (s.path, s.string.data)
        for s in extract_segments(instance)
        if isinstance(s, StringSegmentValue)
    ]


def test_export_fills_current_translations_and_marks_changed_source_fuzzy(client, world):
    practice = world["practice"]
    practice.summary = "A barometer of change for every district, every year."
    practice.save_revision().publish()

    files = export(client, world["translator"], world["tree"].practices, world["pl"])
    entries = {e.msgctxt: e for e in file_of(files, practice) if e.msgctxt != "challenge"}
    assert entries["title"].msgstr == "Monitorowanie zmian w dzielnicach"
    assert not entries["title"].fuzzy
    summary = entries["summary"]
    assert summary.msgid == "A barometer of change for every district, every year."
    assert summary.msgstr == "Barometr zmian dla każdej dzielnicy."
    assert summary.fuzzy
    assert summary.previous_msgid == "A barometer of change for every district."
    challenge = next(e for e in file_of(files, practice) if e.msgctxt == "challenge")
    assert challenge.msgstr == 'Plany pisano <b>bez</b> danych. <a id="a1">Więcej</a>.'
    assert not challenge.fuzzy

    # An alias shows the source: nothing is translated yet.
    assert all(not e.msgstr for e in file_of(files, world["untranslated"]))
    filled = [e.msgctxt for e in file_of(files, practice) if e.msgstr]
    assert filled == ["title", "summary", "challenge", "approach"]  # the slug is the source's
    # The index is read from its page too (an alias has nothing translated).
    index = {e.msgctxt: e.msgstr for e in file_of(files, world["tree"].practices)}
    polish_index = world["tree"].practices.get_translation(world["pl"])
    assert index["title"] == ("" if polish_index.alias_of_id else polish_index.title)


def test_export_includes_only_pages_the_user_may_view_and_translate(client, world):
    practices = world["tree"].practices
    translated = export(client, world["translator"], practices, world["pl"])
    names = " ".join(translated)
    for page in ("practice", "untranslated"):
        assert f"{world[page].pk}-" in names
    for page in ("draft", "private"):
        assert f"{world[page].pk}-" not in names, f"the translator received the {page} page"

    # A reviewer may see the draft and the private page in the admin: they are included.
    reviewed = export(client, world["reviewer"], practices, world["pl"])
    assert {f"{world[p].pk}-" for p in ("draft", "private")} <= {
        n[: n.index("-") + 1] for n in reviewed
    }

    # A Latvian translator may not translate into Polish: no file, a message instead.
    client.force_login(world["latvian"])
    response = client.get(URL, {"section": practices.pk, "locale": world["pl"].pk})
    assert response.status_code == 403
    assert "You may not translate any of these pages into" in response.content.decode()


def test_export_changes_nothing(client, world):
    # A page translated with wagtail-localize's editor, then outdated by a source change.
    practice = world["practice"]
    localize(practice, "lv", translate_all=True)
    practice.summary = "A new summary."
    practice.save_revision().publish()
    before = database_state()
    admin = User.objects.create_superuser("chief", "chief@example.org", "pw")
    for user in (admin, world["translator"]):
        for locale in (world["pl"], world["lv"]):
            if user is admin or locale == world["pl"]:
                export(client, user, world["tree"].practices, locale)
    export_zip([world["tree"].home], world["lv"], admin)
    assert database_state() == before


def test_import_of_the_same_file_changes_nothing(client, world):
    files = export(client, world["translator"], world["tree"].practices, world["pl"])
    before = database_state()
    response = upload(client, world["translator"], world["pl"], files)
    assert response.status_code == 200
    assert "No translation changed" in response.content.decode()
    assert database_state() == before


def test_import_after_editing_changes_exactly_the_edited_segments(client, world):
    practice, polish, untranslated = world["practice"], world["polish"], world["untranslated"]
    files = export(client, world["translator"], world["tree"].practices, world["pl"])
    next(e for e in file_of(files, practice) if e.msgctxt == "title").msgstr = "Barometr dzielnic"
    next(
        e for e in file_of(files, untranslated) if e.msgctxt == "title"
    ).msgstr = "Budżet obywatelski"
    live_before = strings_of(Page.objects.get(pk=polish.pk).specific)
    revisions_before = set(Revision.objects.values_list("pk", flat=True))
    alias = Page.objects.get(translation_key=untranslated.translation_key, locale=world["pl"])
    alias_before = Page.objects.filter(pk=alias.pk).values("title", "slug", "alias_of_id", "live")[
        0
    ]

    response = upload(client, world["translator"], world["pl"], files)
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert "2 translations imported as drafts." in response.content.decode()

    new = Revision.objects.exclude(pk__in=revisions_before)
    assert sorted(int(r.object_id) for r in new) == sorted([polish.pk, alias.pk])
    # The Polish page: live as before, its draft differs in the title only.
    polish = Page.objects.get(pk=polish.pk)
    assert strings_of(polish.specific) == live_before
    draft = polish.get_latest_revision().as_object()
    assert polish.has_unpublished_changes
    changed = [a for a, b in zip(live_before, strings_of(draft), strict=True) if a != b]
    assert changed == [("title", "Monitorowanie zmian w dzielnicach")]
    assert draft.title == "Barometr dzielnic" and draft.slug == polish.slug
    # The alias still shows the source to the public; the draft waits for review.
    assert Page.objects.filter(pk=alias.pk).values("title", "slug", "alias_of_id", "live")[0] == (
        alias_before
    )
    assert Page.objects.get(pk=alias.pk).get_latest_revision().as_object().title == (
        "Budżet obywatelski"
    )

    # The same edited file again: nothing more changes.
    before = database_state()
    assert upload(client, world["translator"], world["pl"], files).status_code == 200
    assert database_state() == before
    # And a new export carries the drafts out.
    again = export(client, world["translator"], world["tree"].practices, world["pl"])
    assert {e.msgctxt: e.msgstr for e in file_of(again, practice)}["title"] == "Barometr dzielnic"


def test_round_trip_with_latvian_text(world):
    practice, lv = world["practice"], world["lv"]
    sentences = latvian_sentences()
    ((name, po),) = po_files(export_zip([practice], lv)).items()
    for number, entry in enumerate(po):
        tags = TAG.findall(entry.msgid)
        sentence = sentences[number % len(sentences)]
        if entry.msgctxt == "slug":
            continue
        # Keep the inline markup of the source, in order, around Latvian words.
        entry.msgstr = (
            sentence[:20] + "".join(tags[: len(tags) // 2]) + "ā" + "".join(tags[len(tags) // 2 :])
            if tags
            else sentence
        )
    report = import_files([(name, str(po).encode("utf-8"))], lv)
    assert report.errors == []
    latvian = Page.objects.get(translation_key=practice.translation_key, locale=lv)
    assert latvian.alias_of_id == practice.pk, "imported translations wait for review"
    draft = latvian.get_latest_revision().as_object()
    assert draft.title == next(e for e in po if e.msgctxt == "title").msgstr
    assert any(ch in draft.title + draft.summary for ch in "āčēģīķļņšūž")
    assert "<b>" in draft.challenge and 'href="https://example.org"' in draft.challenge

    # Exported again, the file carries the Latvian text back out unchanged.
    again = next(iter(po_files(export_zip([practice], lv)).values()))
    assert {e.msgctxt: e.msgstr for e in again}["title"] == draft.title


def fill(po, text="Tekst"):
    for entry in po:
        if entry.msgctxt != "slug" and not TAG.findall(entry.msgid):
            entry.msgstr = text
    return po


def test_bad_files_change_nothing(world):
    practice, pl = world["practice"], world["pl"]
    ((name, good),) = po_files(export_zip([practice], pl)).items()
    fill(good, "Polski tekst")
    latvian = fill(next(iter(po_files(export_zip([practice], world["lv"])).values())))

    broken_markup = polib.pofile(str(good))
    entry = next(e for e in broken_markup if "<b>" in e.msgid)
    entry.msgstr = "Plany <script>alert(1)</script> bez danych"
    bad_slug = polib.pofile(str(good))
    next(e for e in bad_slug if e.msgctxt == "slug").msgstr = "x" * 400

    cases = {
        "invalid page": str(bad_slug).encode(),
        "another language": str(latvian).encode(),
        "malformed": b'msgid "unterminated\nmsgstr ',
        "markup": str(broken_markup).encode(),
        "not utf-8": str(good).encode("utf-16"),
        "foreign": str(polib.POFile()).encode(),
    }
    before = database_state()
    for label, data in cases.items():
        # A bad file among good ones: nothing at all is imported.
        report = import_files([(name, str(good).encode()), (f"{label}.po", data)], pl)
        assert report.errors, label
        assert report.imported == [], label
        assert database_state() == before, label


def test_files_for_pages_the_user_may_not_translate_or_view(client, world):
    pl = world["pl"]
    reviewed = export(client, world["reviewer"], world["tree"].practices, pl)
    private = {n: fill(po) for n, po in reviewed.items() if n.startswith(f"{world['private'].pk}-")}
    draft = {n: fill(po) for n, po in reviewed.items() if n.startswith(f"{world['draft'].pk}-")}
    polish = {n: fill(po) for n, po in reviewed.items() if n.startswith(f"{world['practice'].pk}-")}
    before = database_state()

    for files in (private, draft):  # the Polish translator may not see these pages
        response = upload(client, world["translator"], pl, files)
        assert response.status_code == 400
        assert "is for a page that you may not translate" in response.content.decode()
        assert database_state() == before
    # The Latvian translator may not translate into Polish at all.
    response = upload(client, world["latvian"], pl, polish)
    assert response.status_code == 400
    assert "you may not edit the translation of" in response.content.decode()
    assert database_state() == before


def test_file_for_a_deleted_page(client, world):
    pl = world["pl"]
    files = {
        n: fill(po)
        for n, po in export(client, world["translator"], world["tree"].practices, pl).items()
    }
    practice = world["practice"]
    # (deleting the source deletes its aliases too: re-read each time)
    while page := Page.objects.filter(translation_key=practice.translation_key).first():
        page.delete()
    before = database_state()
    response = upload(client, world["translator"], pl, files)
    assert response.status_code == 400
    assert "has been deleted" in response.content.decode()
    assert database_state() == before


def test_single_translation_upload_refuses_another_pages_file(client, world):
    """wagtail-localize's own per-translation upload: a file of another page changes nothing."""
    practice, lv = world["practice"], world["lv"]
    other = world["untranslated"]
    localize(practice, "lv")  # (so that its file names a wagtail-localize translation)
    ((name, practice_po),) = po_files(export_zip([practice], lv)).items()
    fill(practice_po)
    other_translation = localize(other, "lv")
    admin = User.objects.create_superuser("chief3", "c3@example.org", "pw")
    client.force_login(admin)
    before = StringTranslation.objects.count()
    url = f"/admin/localize/translate/{other_translation.pk}/pofile/upload/"
    upload_file = SimpleUploadedFile("x.po", str(practice_po).encode(), content_type="text/plain")
    response = client.post(url, {"file": upload_file, "next": "/admin/"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages and all("Successfully" not in m for m in messages)
    assert StringTranslation.objects.count() == before


def test_import_fills_a_field_that_is_empty_in_the_translation(client, world):
    practice, polish = world["practice"], world["polish"]
    practice.search_description = "District barometer: twelve indicators."
    practice.save_revision().publish()
    files = export(client, world["translator"], world["tree"].practices, world["pl"])
    entry = next(e for e in file_of(files, practice) if e.msgctxt == "search_description")
    assert entry.msgstr == "" and not entry.fuzzy  # nothing to be fuzzy about
    entry.msgstr = "Barometr dzielnic: dwanaście wskaźników."
    assert upload(client, world["translator"], world["pl"], files).status_code == 200
    draft = Page.objects.get(pk=polish.pk).get_latest_revision().as_object()
    assert draft.search_description == "Barometr dzielnic: dwanaście wskaźników."
    assert Page.objects.get(pk=polish.pk).specific.search_description == ""


def test_import_into_a_translation_made_in_wagtail_localize(world):
    """Its translation memory is the working copy: the edited entry goes there too."""
    practice, lv = world["practice"], world["lv"]
    translation = localize(practice, "lv", translate_all=True)
    latvian = Page.objects.get(translation_key=practice.translation_key, locale=lv)
    live_title = latvian.title
    ((name, po),) = po_files(export_zip([practice], lv)).items()
    assert po.metadata["X-WagtailLocalize-TranslationID"] == str(translation.uuid)
    assert all(e.msgstr for e in po if e.msgctxt != "slug")
    next(e for e in po if e.msgctxt == "title").msgstr = "Pārmaiņu barometrs"
    remembered = {row.pk: row.data for row in StringTranslation.objects.filter(locale=lv)}

    report = import_files([(name, str(po).encode())], lv)
    assert report.errors == [] and len(report.imported) == 1
    latvian = Page.objects.get(pk=latvian.pk)
    assert latvian.title == live_title  # live as before
    assert latvian.get_latest_revision().as_object().title == "Pārmaiņu barometrs"
    after = {row.pk: row.data for row in StringTranslation.objects.filter(locale=lv)}
    changed = {pk for pk in after if after[pk] != remembered.get(pk)}
    assert [after[pk] for pk in changed] == ["Pārmaiņu barometrs"]


def test_files_exported_by_wagtail_localize_still_import(world):
    practice, lv = world["practice"], world["lv"]
    translation = localize(practice, "lv", translate_all=True)
    po = translation.export_po()  # (identified by its translation id only)
    next(e for e in po if e.msgctxt == "summary").msgstr = "Barometrs katram rajonam."
    report = import_files([("old.po", str(po).encode())], lv)
    assert report.errors == [] and len(report.imported) == 1
    latvian = Page.objects.get(translation_key=practice.translation_key, locale=lv)
    assert latvian.get_latest_revision().as_object().summary == "Barometrs katram rajonam."
    # Another language's old file is refused.
    report = import_files([("old.po", str(po).encode())], world["pl"])
    assert "is a translation into another language" in report.errors[0][1]
