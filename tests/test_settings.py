"""Settings of the reference site, checked in fresh interpreters as a deployment would run."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

# It never uses the test database: run once, in the SQLite pass (Makefile).
pytestmark = pytest.mark.database_independent

BASE_DIR = Path(__file__).resolve().parent.parent


def run(args, tmp_path, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' harness in this process;
        # a deployment would not have it (and check --deploy rightly refuses it).
        if key
        not in {
            "DATABASE_URL",
            "ELASTICSEARCH_URL",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "DEEPL_AUTH_KEY",
            "REDIS_URL",
        }
    }
    environment["CITIES_CMS_VAR_DIR"] = str(tmp_path / "var")  # never touch the repo's var/
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_env(**extra):
    return {
        "DJANGO_SETTINGS_MODULE": "site_project.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "cities.example.org",
        **extra,
    }


def test_production_passes_check_deploy(tmp_path):
    # A deployed site has its federation key (cities_cms_setup creates it); a missing one warns.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from cities_cms.federation.identity import write_private_key

    key_file = tmp_path / "keys" / "federation.pem"
    write_private_key(key_file, Ed25519PrivateKey.generate())
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        **production_env(CITIES_CMS_FEDERATION_KEY_FILE=str(key_file)),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_key_fails_clearly(tmp_path):
    env = production_env()
    del env["SECRET_KEY"]
    result = run(["manage.py", "check"], tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_without_allowed_hosts_fails_clearly(tmp_path):
    env = production_env()
    del env["ALLOWED_HOSTS"]
    result = run(["manage.py", "check"], tmp_path, **env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


PRINT_SETTINGS = (
    "import django, json; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': settings.DATABASES['default']['NAME'], "
    "'search': settings.WAGTAILSEARCH_BACKENDS['default']['BACKEND'], "
    "'urls': settings.WAGTAILSEARCH_BACKENDS['default'].get('URLS')}))"
)


def read_settings(tmp_path, **env):
    import json

    result = run(["-c", PRINT_SETTINGS], tmp_path, **production_env(**env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sqlite_and_database_search_by_default(tmp_path):
    values = read_settings(tmp_path)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("db.sqlite3")
    assert values["search"] == "cities_cms.search.backends.database"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_database_url_switches_to_postgresql(tmp_path, scheme):
    url = f"{scheme}://cities:secret@db.example.org:5432/cities"
    values = read_settings(tmp_path, DATABASE_URL=url)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "cities"


def test_elasticsearch_url_switches_the_search_backend(tmp_path):
    values = read_settings(tmp_path, ELASTICSEARCH_URL="http://search.example.org:9200")
    assert values["search"] == "cities_cms.search.backends.elasticsearch9"
    assert values["urls"] == ["http://search.example.org:9200"]


CACHE_SCRIPT = (
    "import django, sys; django.setup(); from django.core.cache import cache; "
    "from django.conf import settings; print(settings.CACHES['default']['BACKEND']); "
    "sys.argv[1] == 'set' and cache.set('shared', 'by another process', 60); "
    "print(cache.get('shared'))"
)


def test_production_cache_is_shared_by_the_worker_processes(tmp_path):
    # The content cache (menus, branding) and the registration rate limit must agree between
    # the server's processes: two interpreters see each other's entries.
    first = run(["-c", CACHE_SCRIPT, "set"], tmp_path, **production_env())
    assert first.returncode == 0, first.stderr
    second = run(["-c", CACHE_SCRIPT, "get"], tmp_path, **production_env())
    assert second.returncode == 0, second.stderr
    backend, value = second.stdout.strip().splitlines()[-2:]
    assert backend == "cities_cms.cache.FileCache"  # Django's file cache with a safer cull
    assert value == "by another process"
    assert (tmp_path / "var" / "cache").is_dir()


def test_production_cache_on_redis_when_configured(tmp_path):
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])"
    )
    result = run(["-c", script], tmp_path, **production_env(REDIS_URL="redis://127.0.0.1:6390/1"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://127.0.0.1:6390/1",
    ]


def test_production_sqlite_waits_for_writers_and_serves_the_hardening(tmp_path):
    # WAL, a busy timeout and IMMEDIATE transactions (concurrent writes wait instead of
    # failing: tests/test_sqlite_concurrency.py), throttled logins, a Content-Security-Policy
    # and no update check calling out from the admin.
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "from django.db import connection; c = connection.cursor(); "
        "mode = c.execute('PRAGMA journal_mode').fetchone()[0]; "
        "busy = c.execute('PRAGMA busy_timeout').fetchone()[0]; "
        "print(json.dumps({'mode': mode, 'busy': busy, "
        "'tx': connection.transaction_mode, 'mw': settings.MIDDLEWARE, "
        "'backends': settings.AUTHENTICATION_BACKENDS, "
        "'csp': 'CONTENT_SECURITY_POLICY' in dir(settings), "
        "'update_check': settings.WAGTAIL_ENABLE_UPDATE_CHECK}))"
    )
    result = run(["-c", script], tmp_path, **production_env())
    assert result.returncode == 0, result.stderr
    import json

    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["mode"] == "wal"
    assert values["busy"] >= 5000
    assert values["tx"] == "IMMEDIATE"
    assert "cities_cms.csp_middleware.ContentSecurityPolicyMiddleware" in values["mw"]
    assert values["mw"][-1] == "axes.middleware.AxesMiddleware"
    assert values["backends"][0] == "axes.backends.AxesStandaloneBackend"
    assert values["csp"] is True
    assert values["update_check"] is False
