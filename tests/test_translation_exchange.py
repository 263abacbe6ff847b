"""PO export and import of translations, with Latvian text from the network's own document."""

import io
import zipfile
from pathlib import Path

import polib
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Locale, Page
from wagtail_localize.models import StringTranslation, Translation

from cities_cms.translation.exchange import TAG, export_zip, import_files

from .utils import make_practice_model

URL = "/admin/cities-cms/translations/exchange/"
# A copy of the network's founding decision in Latvian (shared/seeds), kept with the tests so
# that they do not depend on anything outside the repository.
SEED = Path(__file__).resolve().parent / "data" / "latvian_founding_decision.txt"


def latvian_sentences():
    """Real Latvian sentences with diacritics, from the network's founding document."""
    text = SEED.read_text(encoding="utf-8")
    sentences = [s.strip() for s in text.replace("\n", " ").split(".") if len(s.strip()) > 40]
    assert any(ch in "".join(sentences) for ch in "āčēģīķļņšūž")
    return sentences


@pytest.fixture
def practice(site_tree):
    return make_practice_model(
        site_tree.practices,
        title="Monitoring change in districts",
        summary="A barometer of change for every district.",
        challenge=(
            '<p>Plans were written <b>without</b> data. <a href="https://example.org">Read more'
            "</a>.</p>"
        ),
        approach="<p>The city publishes twelve indicators each year.</p>",
    )


@pytest.fixture
def lv():
    return Locale.objects.get(language_code="lv")


def po_files(zip_bytes):
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        return {name: polib.pofile(archive.read(name).decode()) for name in archive.namelist()}


def translate_po(po, sentences):
    for number, entry in enumerate(po):
        tags = TAG.findall(entry.msgid)
        sentence = sentences[number % len(sentences)]
        if entry.msgctxt == "slug":
            entry.msgstr = "parmainu-monitorings"
        elif tags:
            # Keep the inline markup of the source, in order, around Latvian words.
            entry.msgstr = (
                sentence[:20]
                + "".join(tags[: len(tags) // 2])
                + "ā"
                + "".join(tags[len(tags) // 2 :])
            )
        else:
            entry.msgstr = sentence
    return po


def test_round_trip_with_latvian_text(practice, lv, site_tree):
    sentences = latvian_sentences()
    files = po_files(export_zip([site_tree.practices, practice], lv))
    assert len(files) == 2
    name = next(n for n in files if n.startswith(f"{practice.pk}-"))
    po = translate_po(files[name], sentences)
    assert po.metadata["X-WagtailLocalize-TranslationID"]

    report = import_files([(name, str(po).encode("utf-8"))], lv)
    assert report.errors == []
    latvian = Page.objects.get(translation_key=practice.translation_key, locale=lv).specific
    assert not latvian.live, "imported translations wait for review"
    draft = latvian.get_latest_revision_as_object()
    title_entry = next(e for e in po if e.msgctxt == "title")
    assert draft.title == title_entry.msgstr
    assert any(ch in draft.title + draft.summary for ch in "āčēģīķļņšūž")
    assert "<b>" in draft.challenge and 'href="https://example.org"' in draft.challenge

    # Exported again, the file carries the Latvian text back out unchanged.
    again = po_files(export_zip([practice], lv))
    entries = {e.msgctxt: e.msgstr for e in next(iter(again.values()))}
    assert entries["title"] == title_entry.msgstr


def test_bad_files_change_nothing(practice, lv, site_tree):
    pl = Locale.objects.get(language_code="pl")
    files = po_files(export_zip([practice], lv))
    ((name, po),) = files.items()
    good = translate_po(po, latvian_sentences())
    polish = next(iter(po_files(export_zip([practice], pl)).values()))
    translate_po(polish, latvian_sentences())

    broken_markup = polib.pofile(str(good))
    entry = next(e for e in broken_markup if "<b>" in e.msgid)
    entry.msgstr = "Plāni <script>alert(1)</script> bez datiem"

    bad_slug = polib.pofile(str(good))
    next(e for e in bad_slug if e.msgctxt == "slug").msgstr = "x" * 400

    cases = {
        "invalid page": str(bad_slug).encode(),
        "another language": str(polish).encode(),
        "malformed": b'msgid "unterminated\nmsgstr ',
        "markup": str(broken_markup).encode(),
        "not utf-8": str(good).encode("utf-16"),
        "foreign": str(polib.POFile()).encode(),
    }
    before = StringTranslation.objects.count()
    for label, data in cases.items():
        # A bad file among good ones: nothing at all is imported.
        report = import_files([(name, str(good).encode()), (f"{label}.po", data)], lv)
        assert report.errors, label
        assert report.imported == [], label
        assert StringTranslation.objects.count() == before, label
        assert not Page.objects.filter(
            translation_key=practice.translation_key, locale=lv, live=True
        ).exists()


def test_translation_of_a_deleted_page_is_refused(practice, lv):
    ((name, po),) = po_files(export_zip([practice], lv)).items()
    translate_po(po, latvian_sentences())
    practice.delete()
    report = import_files([(name, str(po).encode())], lv)
    assert report.imported == []
    assert "deleted" in report.errors[0][1]
    assert not Page.objects.filter(locale=lv, translation_key=practice.translation_key).exists()


def test_translator_outside_their_language_is_refused(practice, lv, site_tree, client):
    pl = Locale.objects.get(language_code="pl")
    ((name, po),) = po_files(export_zip([practice], pl)).items()
    translate_po(po, latvian_sentences())
    translator = User.objects.create_user("tulkotajs", password="pw")
    translator.groups.add(Group.objects.get(name="Translators (lv)"))
    report = import_files([(name, str(po).encode())], pl, user=User.objects.get(pk=translator.pk))
    assert report.imported == []
    assert "may not edit" in report.errors[0][1]


def test_exchange_view(client, practice, lv, site_tree):
    admin = User.objects.create_superuser("chief", "c@example.org", "pw")
    client.force_login(admin)
    assert client.get(URL).status_code == 200
    response = client.get(URL, {"section": site_tree.practices.pk, "locale": lv.pk})
    assert response["Content-Type"] == "application/zip"
    files = po_files(response.content)
    assert len(files) == 2
    assert Translation.objects.filter(target_locale=lv).count() == 2

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for name, po in files.items():
            zf.writestr(name, str(translate_po(po, latvian_sentences())))
    upload = SimpleUploadedFile("lv.zip", archive.getvalue(), content_type="application/zip")
    response = client.post(URL, {"locale": lv.pk, "file": upload})
    assert response.status_code == 200, response.context["report"].errors
    assert Page.objects.filter(translation_key=practice.translation_key, locale=lv).exists()

    junk = SimpleUploadedFile(
        "junk.zip", b"PK\x03\x04 not really a zip", content_type="application/zip"
    )
    response = client.post(URL, {"locale": lv.pk, "file": junk})
    assert response.status_code == 400


def test_single_translation_upload_refuses_another_pages_file(client, practice, lv, site_tree):
    """wagtail-localize's own per-translation upload: a file of another page changes nothing."""
    other = make_practice_model(site_tree.practices, title="Another practice model")
    files = po_files(export_zip([practice, other], lv))
    practice_po = next(po for name, po in files.items() if name.startswith(f"{practice.pk}-"))
    translate_po(practice_po, latvian_sentences())
    other_translation = Translation.objects.get(
        source__object_id=other.translation_key, target_locale=lv
    )
    other_translation.save_target(publish=False)  # the Latvian draft of the other page
    admin = User.objects.create_superuser("chief3", "c3@example.org", "pw")
    client.force_login(admin)
    before = StringTranslation.objects.count()
    url = f"/admin/localize/translate/{other_translation.pk}/pofile/upload/"
    upload = SimpleUploadedFile("x.po", str(practice_po).encode(), content_type="text/plain")
    response = client.post(url, {"file": upload, "next": "/admin/"}, follow=True)
    assert "translation" in response.content.decode().lower()
    messages = [str(m) for m in response.context["messages"]]
    assert messages and all("Successfully" not in m for m in messages)
    assert StringTranslation.objects.count() == before
