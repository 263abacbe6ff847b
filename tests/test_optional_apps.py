"""The optional apps are optional: the core renders and serves its pages without
``cities_cms.registration``, without ``cities_cms.federation`` and without both.

This module runs in every profile (``CITIES_CMS_PROFILE=core|no-federation|no-registration``,
site_project/settings/test.py; ``make test-profiles``) and checks what each one must show.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps

from .utils import make_city, make_practice_model, make_seminar

PACKAGE = Path(__file__).resolve().parent.parent / "cities_cms"
SUB_APPS = ("registration", "federation")
FEDERATION = apps.is_installed("cities_cms.federation")
REGISTRATION = apps.is_installed("cities_cms.registration")


def _imports_of(path):
    """Modules imported by the module-level statements of ``path`` (not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def test_the_core_never_imports_an_optional_app():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in SUB_APPS or "migrations" in relative.parts:
            continue
        for name in _imports_of(path):
            if any(name.startswith(f"cities_cms.{app}") for app in SUB_APPS):
                offenders.append(f"{relative}: {name}")
    assert not offenders, offenders


def test_core_templates_load_no_optional_tag_library():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in (PACKAGE / "templates").rglob("*.html")
        if any(f"cities_cms_{app}" in path.read_text(encoding="utf-8") for app in SUB_APPS)
    ]
    assert not offenders, offenders


def test_core_migrations_do_not_depend_on_optional_apps():
    for path in (PACKAGE / "migrations").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not any(f"cities_cms_{app}" in text for app in SUB_APPS), path.name


@pytest.fixture
def pages(site_tree):
    city = make_city(site_tree.cities, title="Optional city")
    seminar = make_seminar(site_tree.seminars, title="Optional seminar", host_city=city)
    model = make_practice_model(site_tree.practices, title="Optional practice", city=city)
    return site_tree, city, seminar, model


def test_every_page_type_renders(client, pages):
    tree, city, seminar, model = pages
    for page in [tree.home, tree.cities, city, tree.seminars, seminar, tree.practices, model]:
        response = client.get(page.url)
        assert response.status_code == 200, page.url
    assert "Optional practice" in client.get(model.url).content.decode()


def test_seminar_registration_only_with_its_app(client, admin_client, pages):
    _tree, _city, seminar, _model = pages
    if REGISTRATION:
        from cities_cms.registration.models import RegistrationSettings

        RegistrationSettings.objects.create(seminar=seminar, is_open=True, capacity=5)
    register = seminar.url + seminar.reverse_subpage("register")
    assert client.get(register).status_code == (200 if REGISTRATION else 404)
    html = client.get(seminar.url).content.decode()
    assert (register in html) is REGISTRATION
    editor = admin_client.get(f"/admin/pages/{seminar.pk}/edit/").content.decode()
    assert 'href="#tab-details"' in editor
    assert ('href="#tab-registration"' in editor) is REGISTRATION


def test_federation_endpoints_only_with_its_app(client, db):
    status = client.get("/.well-known/cities-cms.json").status_code
    assert status != 404 if FEDERATION else status == 404


def test_dashboard_panels_only_with_their_apps(admin_client, db):
    """Upcoming seminars come with registration, peers with federation; the core's panels
    are there in every profile."""
    html = admin_client.get("/admin/").content.decode()
    assert 'id="cc_drafts-section"' in html
    assert ('id="cc_seminars-section"' in html) == REGISTRATION
    assert ('id="cc_peers-section"' in html) == FEDERATION
