"""Seminar registration on the public site: the form, capacity, waiting list, cancel links,
emails in the registrant's language, abuse protection and every case of bad input."""

import datetime
import time

import pytest
from django.conf import settings as django_settings
from django.core import mail, signing
from django.test import Client, override_settings
from django.utils import timezone, translation
from django.utils.http import urlsafe_base64_encode

from cities_cms.registration.models import Registration, RegistrationQuestion
from cities_cms.registration.tokens import SALT, make_cancel_token

from .utils import (
    fresh,
    make_city,
    make_private,
    make_seminar,
    queued_tasks,
    run_tasks,
    translate,
)


def make_settings(seminar, **kw):
    from cities_cms.registration.models import RegistrationSettings

    kw.setdefault("is_open", True)
    kw.setdefault("capacity", 3)
    questions = kw.pop("questions", [])
    settings = RegistrationSettings.objects.create(seminar=seminar, **kw)
    for order, (label, required) in enumerate(questions):
        RegistrationQuestion.objects.create(
            settings=settings, label=label, required=required, sort_order=order
        )
    return settings


def register_url(page):
    return page.url + page.reverse_subpage("register")


def form_data(**kw):
    data = {"name": "Anna Kalniņa", "email": "anna@example.org", "consent": "on", "website": ""}
    data.update(kw)
    return {key: value for key, value in data.items() if value is not None}


def cancel_link(registration, page):
    return page.url + page.reverse_subpage(
        "cancel_registration", args=[make_cancel_token(registration)]
    )


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    # The test client leaves the last request's language active in this thread (a Latvian
    # page here): later tests expect the default language.
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(scope="module")
def _reg_site(network_site):
    """Built once for the module; each test gets fresh instances (reg_site)."""
    tree = fresh(network_site)
    tree.host = make_city(tree.cities, title="Daugavpils", slug="daugavpils")
    tree.seminar = make_seminar(tree.seminars, title="Monitoring change", host_city=tree.host)
    tree.settings = make_settings(tree.seminar)
    return tree


@pytest.fixture
def reg_site(_reg_site, db):
    return fresh(_reg_site)


def post(client, page, **kw):
    return client.post(register_url(page), form_data(**kw))


# --- the form and the happy path -----------------------------------------------------------


def test_form_is_accessible_without_javascript(client, reg_site):
    reg_site.settings.ask_needs = "required"
    reg_site.settings.save()
    RegistrationQuestion.objects.create(
        settings=reg_site.settings, label="Which workshop?", help_text="A or B", required=True
    )
    response = client.get(register_url(reg_site.seminar))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<fieldset" in html and "<legend>" in html
    assert 'for="id_name"' in html and 'for="id_consent"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Which workshop?" in html
    assert 'maxlength="200"' in html and 'maxlength="254"' in html and 'maxlength="1000"' in html
    assert "<script" not in html.split('<form method="post"')[1].split("</form>")[0]
    # The honeypot is hidden from people and assistive technology.
    assert '<div hidden><label for="id_website">' in html


def test_register_confirms_and_emails_cancel_link(client, reg_site):
    response = post(client, reg_site.seminar, party_size=None, needs="Vegetarian")
    assert response.status_code == 302
    assert response["Location"].endswith("register/?done=confirmed")
    registration = Registration.objects.get()
    assert registration.status == "confirmed"
    assert registration.email == "anna@example.org"
    assert registration.language == "en"
    assert registration.consent_at is not None
    # The visitor does not wait for the mail server: the task worker sends the e-mail.
    assert not mail.outbox
    assert queued_tasks() == ["send_email"]
    run_tasks()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.org"]
    assert message.subject == "Registration confirmed: Monitoring change"
    assert "/cancel/" in message.body
    done = client.get(response["Location"])
    assert "You are registered" in done.content.decode()


def test_seminar_page_shows_places_left_and_link(client, reg_site):
    post(client, reg_site.seminar)
    html = client.get(reg_site.seminar.url).content.decode()
    assert "2 places left." in html
    assert register_url(reg_site.seminar) in html


def test_capacity_counts_people_and_waiting_list_takes_the_rest(client, reg_site):
    reg_site.settings.max_party_size = 3
    reg_site.settings.save()
    assert post(client, reg_site.seminar, email="a@example.org", party_size=2).status_code == 302
    assert post(client, reg_site.seminar, email="b@example.org", party_size=2).status_code == 302
    assert post(client, reg_site.seminar, email="c@example.org", party_size=1).status_code == 302
    statuses = dict(Registration.objects.values_list("email", "status"))
    # The single person would fit, but does not jump the queue: they wait behind the pair.
    assert statuses == {
        "a@example.org": "confirmed",
        "b@example.org": "waiting",
        "c@example.org": "waiting",
    }
    assert reg_site.settings.confirmed_people() == 2
    run_tasks()
    assert mail.outbox[1].subject.startswith("On the waiting list")


def test_full_without_waiting_list_refuses_and_stores_nothing(client, reg_site):
    reg_site.settings.capacity = 1
    reg_site.settings.waiting_list = False
    reg_site.settings.save()
    post(client, reg_site.seminar, email="a@example.org")
    response = post(client, reg_site.seminar, email="b@example.org")
    assert response.status_code == 409
    assert "This seminar is full and has no waiting list." in response.content.decode()
    assert Registration.objects.count() == 1
    # Once full, the form page says so and offers no form.
    html = client.get(register_url(reg_site.seminar)).content.decode()
    assert "This seminar is full and has no waiting list." in html
    assert 'name="consent"' not in html


def test_cancel_promotes_first_on_waiting_list_and_emails_them(
    client, reg_site, django_capture_on_commit_callbacks
):
    reg_site.settings.capacity = 1
    reg_site.settings.save()
    post(client, reg_site.seminar, email="first@example.org", name="First")
    post(client, reg_site.seminar, email="second@example.org", name="Second")
    post(client, reg_site.seminar, email="third@example.org", name="Third")
    first = Registration.objects.get(email="first@example.org")
    run_tasks()
    mail.outbox.clear()
    url = cancel_link(first, reg_site.seminar)
    page = client.get(url)
    assert page.status_code == 200
    assert "Yes, cancel my registration" in page.content.decode()
    assert Registration.objects.get(pk=first.pk).status == "confirmed"  # GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 200
    assert not mail.outbox  # queued for the worker
    run_tasks()
    statuses = dict(Registration.objects.values_list("email", "status"))
    assert statuses == {
        "first@example.org": "cancelled",
        "second@example.org": "confirmed",
        "third@example.org": "waiting",
    }
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["first@example.org"].startswith("Registration cancelled")
    assert subjects["second@example.org"].startswith("A place is yours")
    assert "third@example.org" not in subjects
    # The same link again: already cancelled, nothing changes.
    again = client.post(url)
    assert "already cancelled" in again.content.decode()
    assert Registration.objects.filter(status="confirmed").count() == 1


def test_cancelled_person_may_register_again(client, reg_site):
    post(client, reg_site.seminar)
    first = Registration.objects.get()
    client.post(cancel_link(first, reg_site.seminar))
    assert post(client, reg_site.seminar).status_code == 302
    assert Registration.objects.filter(status="confirmed").count() == 1


def test_custom_questions_and_optional_fields_are_stored(client, reg_site):
    reg_site.settings.ask_organisation = "required"
    reg_site.settings.save()
    question = RegistrationQuestion.objects.create(
        settings=reg_site.settings, label="Which workshop?", required=True
    )
    response = post(
        client,
        reg_site.seminar,
        organisation="University of Daugavpils",
        **{f"q_{question.pk}": "Workshop A"},
    )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.organisation == "University of Daugavpils"
    assert registration.answer_pairs() == [("Which workshop?", "Workshop A")]


def test_email_in_registrants_language(client, reg_site):
    lv_seminar = translate(reg_site.seminar, "lv", title="Pārmaiņu uzraudzība")
    response = post(client, lv_seminar, email="janis@example.org")
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.language == "lv"
    assert registration.settings == reg_site.settings  # one capacity for every language
    run_tasks()
    message = mail.outbox[0]
    assert "Pārmaiņu uzraudzība" in message.subject
    assert "/lv/" in message.body
    # Rendered in Latvian: the catalogue's words for the details (new strings follow once the
    # catalogues are updated).
    assert "Seminārs: Pārmaiņu uzraudzība" in message.body
    assert "Kad: " in message.body and "Norises vieta: " in message.body


def test_confirmation_languages_fall_back_to_the_first_ticked(client, reg_site):
    reg_site.settings.confirmation_languages = ["pl", "en"]
    reg_site.settings.save()
    lv_seminar = translate(reg_site.seminar, "lv", title="Pārmaiņu uzraudzība")
    post(client, lv_seminar)
    assert Registration.objects.get().language == "pl"


# --- bad input: a clear message, nothing stored ----------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"is_open": False}, "Registration for this seminar is closed."),
        ({"closes_at": "past"}, "The registration deadline for this seminar has passed."),
        ({"opens_at": "future"}, "Registration for this seminar has not opened yet."),
    ],
)
def test_closed_not_yet_or_past_deadline(client, reg_site, changes, message):
    now = timezone.now()
    values = {"past": now - datetime.timedelta(hours=1), "future": now + datetime.timedelta(days=1)}
    for name, value in changes.items():
        setattr(reg_site.settings, name, values.get(value, value))
    reg_site.settings.save()
    response = post(client, reg_site.seminar)
    assert response.status_code == 409
    assert message in response.content.decode()
    assert not Registration.objects.exists()
    assert not mail.outbox
    page = client.get(register_url(reg_site.seminar)).content.decode()
    assert message in page and 'name="consent"' not in page


def test_seminar_already_started_or_over(client, reg_site):
    started = make_seminar(
        reg_site.seminars,
        start=timezone.now() - datetime.timedelta(days=2),
        end=timezone.now() - datetime.timedelta(days=1),
    )
    make_settings(started)
    response = post(client, started)
    assert response.status_code == 409
    assert "This seminar has already taken place." in response.content.decode()
    assert not Registration.objects.exists()


def test_cancelled_seminar_is_closed(client, reg_site):
    reg_site.seminar.status = "cancelled"
    reg_site.seminar.save_revision().publish()
    response = post(client, reg_site.seminar)
    assert response.status_code == 409
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"email": "a" * 250 + "@example.org"}, "email", "at most 254 characters"),
        ({"name": "x" * 201}, "name", "at most 200 characters"),
        ({"name": None}, "name", "This field is required."),
        ({"email": None}, "email", "This field is required."),
        ({"consent": None}, "consent", "Please agree to the use of your data to register."),
        ({"needs": "x" * 1001}, "needs", "at most 1000 characters"),
        ({"party_size": "0"}, "party_size", "greater than or equal to 1"),
        ({"party_size": "9"}, "party_size", "less than or equal to 2"),
        ({"party_size": "many"}, "party_size", "Enter a whole number."),
    ],
)
def test_invalid_fields(client, reg_site, data, field, message):
    reg_site.settings.max_party_size = 2
    reg_site.settings.save()
    response = post(client, reg_site.seminar, **data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # The error summary links to the field, which points to its error message.
    assert f'href="#id_{field}"' in html
    assert 'aria-describedby="' in html and f'id="id_{field}-error"' in html
    assert 'aria-invalid="true"' in html
    assert not Registration.objects.exists()
    assert not mail.outbox


def test_oversized_custom_answer_and_missing_required_answer(client, reg_site):
    question = RegistrationQuestion.objects.create(
        settings=reg_site.settings, label="Why?", required=True
    )
    response = post(client, reg_site.seminar, **{f"q_{question.pk}": "x" * 1001})
    assert response.status_code == 400
    assert "at most 1000 characters" in response.content.decode()
    response = post(client, reg_site.seminar)
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_duplicate_email_refused_politely(client, reg_site):
    post(client, reg_site.seminar, email="anna@example.org")
    response = post(client, reg_site.seminar, email="  ANNA@example.org ")
    assert response.status_code == 409
    assert "already registered for this seminar" in response.content.decode()
    assert Registration.objects.count() == 1
    run_tasks()
    assert len(mail.outbox) == 1


def test_honeypot_stores_nothing(client, reg_site):
    response = post(client, reg_site.seminar, website="http://spam.example.com")
    assert response.status_code == 400
    assert "could not be accepted" in response.content.decode()
    assert not Registration.objects.exists()


@override_settings(CITIES_CMS_REGISTRATION_RATE_LIMIT=3)
def test_rate_limit_per_address(client, reg_site):
    for number in range(3):
        post(client, reg_site.seminar, email=f"p{number}@example.org", name="")
    response = post(client, reg_site.seminar, email="late@example.org")
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not Registration.objects.exists()
    # Another address is not limited.
    other = post(client.__class__(REMOTE_ADDR="10.9.8.7"), reg_site.seminar, email="x@example.org")
    assert other.status_code == 302


@override_settings(CITIES_CMS_REGISTRATION_RATE_LIMIT=2, CITIES_CMS_TRUSTED_PROXY_COUNT=1)
def test_rate_limit_behind_a_proxy_counts_the_visitors_address(reg_site):
    """Behind a trusted proxy every request comes from the proxy's address: the limit counts
    the address the proxy saw, as the login throttle does (cities_cms.throttle)."""

    def visitor(address):
        return Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=address)

    for number in range(2):
        post(visitor("198.51.100.7"), reg_site.seminar, email=f"p{number}@example.org")
    assert post(visitor("198.51.100.7"), reg_site.seminar, email="x@example.org").status_code == 429
    # Another visitor through the same proxy is not limited.
    assert post(visitor("203.0.113.9"), reg_site.seminar, email="y@example.org").status_code == 302


def test_unpublished_or_private_seminar(client, reg_site):
    draft = make_seminar(reg_site.seminars, live=False)
    make_settings(draft)
    assert post(client, draft).status_code == 404
    private = make_seminar(reg_site.seminars)
    make_settings(private)
    make_private(private)
    response = post(client, private)
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()  # Wagtail's password form
    assert not Registration.objects.exists()
    # The service refuses too, whoever calls it.
    from cities_cms.registration import services

    reg_site.seminar.unpublish()
    seminar = type(reg_site.seminar).objects.get(pk=reg_site.seminar.pk)
    with pytest.raises(services.RegistrationRefused) as refused:
        services.register(
            reg_site.settings.pk,
            {"name": "A", "email": "a@example.org", "party_size": 1},
            page=seminar,
            language="en",
        )
    assert refused.value.reason == "unpublished"
    assert not Registration.objects.exists()


def test_seminar_without_registration_has_no_form(client, reg_site):
    plain = make_seminar(reg_site.seminars)
    assert client.get(register_url(plain)).status_code == 404
    assert 'id="registration-heading"' not in client.get(plain.url).content.decode()
    assert 'id="registration-heading"' in client.get(reg_site.seminar.url).content.decode()


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        urlsafe_base64_encode(signing.dumps([1, "x"], salt="another-salt").encode()),
        "a" * 500,
    ],
)
def test_forged_cancel_links(client, reg_site, token):
    post(client, reg_site.seminar)
    url = reg_site.seminar.url + reg_site.seminar.reverse_subpage(
        "cancel_registration", args=[token]
    )
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 400
        assert "not valid or has expired" in response.content.decode()
    assert Registration.objects.get().status == "confirmed"


def test_tampered_and_expired_cancel_links(client, reg_site):
    post(client, reg_site.seminar)
    registration = Registration.objects.get()
    good = make_cancel_token(registration)

    def enc(value):
        return urlsafe_base64_encode(value.encode())

    def url(token):
        return reg_site.seminar.url + reg_site.seminar.reverse_subpage(
            "cancel_registration", args=[token]
        )

    pk, key = registration.pk, registration.token_key
    bad = [
        enc(signing.dumps([pk, key], salt="another-salt")),
        enc(signing.dumps([pk, key + "x"], salt=SALT)),
        enc(signing.dumps([pk + 1000, key], salt=SALT)),
        enc(signing.dumps("not a list", salt=SALT)),
        good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
    ]
    for token in bad:
        assert client.post(url(token)).status_code == 400, token
    time.sleep(1.1)
    with override_settings(CITIES_CMS_REGISTRATION_CANCEL_LINK_DAYS=0):
        response = client.post(url(good))
        assert response.status_code == 400
        assert "not valid or has expired" in response.content.decode()
    assert Registration.objects.get().status == "confirmed"
    # The same link within its validity works.
    assert client.post(url(good)).status_code == 200
    assert Registration.objects.get().status == "cancelled"


def test_cancel_link_of_another_seminar_is_refused(client, reg_site):
    post(client, reg_site.seminar)
    registration = Registration.objects.get()
    other = make_seminar(reg_site.seminars)
    make_settings(other)
    url = other.url + other.reverse_subpage(
        "cancel_registration", args=[make_cancel_token(registration)]
    )
    assert client.post(url).status_code == 400
    assert Registration.objects.get().status == "confirmed"


def test_cancel_after_the_seminar_changes_nothing(client, reg_site):
    post(client, reg_site.seminar)
    registration = Registration.objects.get()
    url = cancel_link(registration, reg_site.seminar)
    reg_site.seminar.start = timezone.now() - datetime.timedelta(days=2)
    reg_site.seminar.end = timezone.now() - datetime.timedelta(days=1)
    reg_site.seminar.save_revision().publish()
    response = client.post(url)
    assert response.status_code == 409
    assert Registration.objects.get().status == "confirmed"


def test_other_http_methods_are_refused(client, reg_site):
    response = client.put(register_url(reg_site.seminar))
    assert response.status_code == 405
    assert not Registration.objects.exists()


def test_nobody_jumps_the_waiting_list(client, reg_site, django_capture_on_commit_callbacks):
    reg_site.settings.capacity = 2
    reg_site.settings.max_party_size = 2
    reg_site.settings.save()
    post(client, reg_site.seminar, email="a@example.org", party_size=1)
    post(client, reg_site.seminar, email="b@example.org", party_size=1)
    post(client, reg_site.seminar, email="pair@example.org", party_size=2)
    a = Registration.objects.get(email="a@example.org", party_size=1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(cancel_link(a, reg_site.seminar))
    # One place is free, but the pair waiting first needs two: they keep their turn...
    assert Registration.objects.get(email="pair@example.org").status == "waiting"
    post(client, reg_site.seminar, email="late@example.org", party_size=1)
    assert Registration.objects.get(email="late@example.org", party_size=1).status == "waiting"
    b = Registration.objects.get(email="b@example.org", party_size=1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(cancel_link(b, reg_site.seminar))
    # ...and get both places when the second one frees up.
    statuses = dict(Registration.objects.values_list("email", "status"))
    assert statuses["pair@example.org"] == "confirmed"
    assert statuses["late@example.org"] == "waiting"


def test_mail_server_down_keeps_the_registration(client, reg_site):
    import socket

    with socket.socket() as probe:  # a port on 127.0.0.1 where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_TIMEOUT=5,
    ):
        response = post(client, reg_site.seminar)
        assert response.status_code == 302
        assert Registration.objects.get().status == "confirmed"
        # The worker's attempt fails and is recorded with the task; the registration stands.
        [result] = run_tasks(allow_failures=True)
    assert "ConnectionRefusedError" in result.errors[0].traceback
    assert Registration.objects.get().status == "confirmed"


def test_past_seminar_shows_no_registration_box(client, reg_site):
    past = make_seminar(
        reg_site.seminars,
        start=timezone.now() - datetime.timedelta(days=3),
        end=timezone.now() - datetime.timedelta(days=2),
    )
    make_settings(past)
    assert 'id="registration-heading"' not in client.get(past.url).content.decode()
