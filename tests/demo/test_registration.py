"""The demo network has an upcoming seminar with open registration, a waiting list and a
custom question, and loading the demo again changes nothing."""

from cities_cms.pages import SeminarPage
from cities_cms.registration.models import RegistrationSettings

from .validity import html_errors


def test_demo_seminar_has_open_registration(demo, db, client):
    settings = RegistrationSettings.objects.get()
    assert settings.state() == "open"
    assert settings.waiting_list and settings.capacity == 25
    assert [q.label for q in settings.questions.all()] == [
        "Which site visit would you like to join?"
    ]
    seminar = SeminarPage.objects.get(pk=settings.seminar_id)
    assert seminar.is_upcoming
    html = client.get(seminar.url).content.decode()
    assert "25 places left." in html
    form = client.get(seminar.url + seminar.reverse_subpage("register")).content.decode()
    assert "Which site visit would you like to join?" in form


def test_registration_pages_are_valid_html(demo, db, client, vnu, tmp_path):
    from cities_cms.registration.tokens import make_cancel_token

    settings = RegistrationSettings.objects.get()
    seminar = SeminarPage.objects.get(pk=settings.seminar_id)
    register = seminar.url + seminar.reverse_subpage("register")
    responses = {
        "seminar page": client.get(seminar.url),
        "form": client.get(register),
        "form with errors": client.post(register, {"name": "", "email": "x", "website": ""}),
    }
    question = settings.questions.get()
    done = client.post(
        register,
        {
            "name": "Anna",
            "email": "anna@example.org",
            "consent": "on",
            "party_size": "2",
            f"q_{question.pk}": "The river park",
        },
    )
    assert done.status_code == 302
    responses["registered"] = client.get(done["Location"])
    registration = settings.registrations.get()
    cancel = seminar.url + seminar.reverse_subpage(
        "cancel_registration", args=[make_cancel_token(registration)]
    )
    responses["cancel"] = client.get(cancel)
    responses["cancel done"] = client.post(cancel)
    responses["bad link"] = client.get(seminar.url + "cancel/forged/")
    files = {}
    for name, response in responses.items():
        assert response.status_code in (200, 400), (name, response.status_code)
        path = tmp_path / f"{name.replace(' ', '-')}.html"
        path.write_bytes(response.content)
        files[str(path)] = name
    problems = html_errors(vnu, files)
    assert problems == [], "\n".join(problems)
