# Developer entry points for cities_cms.  GNU make.
#
#   make venv     create .venv (python3.11, else python3) and install -e ".[testing]"
#   make demo     migrate, load the demo content (prints an admin login), runserver 127.0.0.1:8000
#                 with the task worker (db_worker) and the periodic schedule beside it
#   make demo-peer  a second demo instance (var/peer/, 127.0.0.1:8001) to pair with the first
#   make test     lint + Django checks + pytest on SQLite + pytest on a throwaway PostgreSQL
#                 + the tests that use no test database + the site without its optional apps
#   make lint     ruff check
#   make bench    run the benchmarks (python -m bench)
#   make messages update the interface catalogues (needs xgettext) and compile them
#   make clean    remove var/, node_modules/ and .venv/
#
# Extra pytest arguments: make test PYTEST_ARGS="-k events -x"
# CI (.ci/run) sets CITIES_CMS_REQUIRE_POSTGRES=1, CITIES_CMS_REQUIRE_REDIS=1 and
# CITIES_CMS_REQUIRE_BROWSER=1 so that a missing PostgreSQL, redis-server, Chromium or axe-core
# fails the run instead of skipping tests.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
# Steps run in the order written, even under make -j.
.NOTPARALLEL:

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
AXE_JS := node_modules/axe-core/axe.min.js
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
NPM := $(shell command -v npm 2>/dev/null)
PYTEST_ARGS ?=
TEST_SETTINGS := site_project.settings.test

# Without npm there is no axe-core: the browser tests then skip (or fail when
# CITIES_CMS_REQUIRE_BROWSER=1), the rest of the suite still runs.
ifeq ($(NPM),)
AXE_DEP :=
else
AXE_DEP := $(AXE_JS)
endif

.PHONY: help venv demo demo-peer test test-checks test-sqlite test-postgres test-independent test-profiles lint bench clean messages

help:
	@sed -n '3,17p' Makefile | sed 's/^# \{0,1\}//'

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: neither python3.11 nor python3 is on PATH" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -e ".[testing]"
	touch $@

# npm keeps the tarball's (1985) mtime: touch the file so make sees it as up to date.
$(AXE_JS): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The web server with the task worker (pushes, pulls, e-mails, machine drafts) and the periodic
# schedule (push retries, peer pulls, purge) beside it, as README "Production" runs them; both
# stop with the server (Ctrl+C). $(1): the address to serve.
define serve_with_worker
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	$(PY) manage.py cities_cms_periodic --every 60 -v0 & periodic=$$!; \
	trap 'kill $$worker $$periodic 2>/dev/null; wait $$worker $$periodic 2>/dev/null || true' EXIT; \
	$(PY) manage.py runserver $(1)
endef

# migrate skips the system checks, which would only warn that the federation key does not exist
# yet (load_demo creates it); runserver runs them all at the end.
demo: export CITIES_CMS_FEDERATION_BASE_URL ?= http://127.0.0.1:8000
demo: venv
	mkdir -p "$${CITIES_CMS_VAR_DIR:-var}"
	$(PY) manage.py migrate --noinput --skip-checks
	$(PY) manage.py load_demo --federation-key  # the key first: approved shared models enter the feed
	$(PY) manage.py cities_cms_setup  # checks the set-up, prints the key's fingerprint
	$(call serve_with_worker,127.0.0.1:8000)

# A second instance of the demo with its own database, media and key (README: "Two instances").
demo-peer: export CITIES_CMS_VAR_DIR := $(CURDIR)/var/peer
demo-peer: export CITIES_CMS_MEDIA_ROOT := $(CURDIR)/var/peer/media
demo-peer: export CITIES_CMS_FEDERATION_KEY_FILE := $(CURDIR)/var/peer/keys/federation-ed25519.pem
demo-peer: export CITIES_CMS_FEDERATION_BASE_URL := http://127.0.0.1:8001
demo-peer: export WAGTAILADMIN_BASE_URL := http://127.0.0.1:8001
demo-peer: venv
	mkdir -p var/peer
	$(PY) manage.py migrate --noinput --skip-checks
	$(PY) manage.py load_demo --federation-key
	$(PY) manage.py cities_cms_setup  # checks the set-up, prints the key's fingerprint
	$(call serve_with_worker,127.0.0.1:8001)

# Two lanes side by side, one per core (each one process at a time): the SQLite pass and then
# the profiles print as they go; the PostgreSQL pass and then the tests that never use the test
# database (their own servers, subprocesses and files: they run once, outside the harness) write
# var/test-postgres.log, printed when both lanes are done. Either failing fails `make test`.
test: venv $(AXE_DEP)
	@if [ -z "$(NPM)" ]; then \
	  echo "warning: npm not found, axe-core is not installed: browser tests will skip" \
	       "(fail with CITIES_CMS_REQUIRE_BROWSER=1)" >&2; \
	fi
	$(MAKE) --no-print-directory test-checks
	@mkdir -p var
	@{ pg=0; $(MAKE) --no-print-directory test-postgres || pg=$$?; \
	   $(MAKE) --no-print-directory test-independent || pg=$$?; exit $$pg; } \
	  > var/test-postgres.log 2>&1 & postgres=$$!; \
	  sqlite=0; $(MAKE) --no-print-directory test-sqlite PYTEST_MARKS="not database_independent" \
	    || sqlite=$$?; \
	  $(MAKE) --no-print-directory test-profiles || sqlite=$$?; \
	  wait $$postgres && pg=0 || pg=$$?; \
	  echo "=== PostgreSQL pass and the tests without a test database (var/test-postgres.log) ==="; \
	  cat var/test-postgres.log; \
	  echo "=== SQLite pass and profiles: exit $$sqlite; PostgreSQL pass and the rest: exit $$pg ==="; \
	  test $$sqlite -eq 0 && test $$pg -eq 0

lint: venv
	$(VENV)/bin/ruff check .

test-checks: venv lint
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) manage.py makemigrations --check --dry-run

# The SQLite run ignores any DATABASE_URL from the developer's shell. Alone it runs the whole
# suite; `make test` leaves out the tests that use no test database (PYTEST_MARKS), which the
# other lane runs (test-independent).
PYTEST_MARKS ?=
test-sqlite: venv
	env -u DATABASE_URL $(PY) -m pytest --durations=25 $(if $(PYTEST_MARKS),-m "$(PYTEST_MARKS)") $(PYTEST_ARGS)

# The tests that never use the test database (marked database_independent: subprocess settings
# checks, the wheel and the README installation, the catalogues, the two-instance federation
# test and the network benchmark's instances, the page cache across processes).
test-independent: venv
	env -u DATABASE_URL $(PY) -m pytest --durations=10 -m database_independent $(PYTEST_ARGS)

# A throwaway PostgreSQL server (initdb in a temp dir, 127.0.0.1 only, removed afterwards);
# skips when no PostgreSQL binaries are installed, unless CITIES_CMS_REQUIRE_POSTGRES=1.
# Browser tests ran in the SQLite pass; the tests that never use the test database run once,
# in test-independent.
test-postgres: venv
	$(PY) -m tests.harness.postgres -- $(PY) -m pytest --durations=25 -m "not browser and not database_independent" $(PYTEST_ARGS)

# The optional apps are optional: the site without cities_cms.federation, without
# cities_cms.registration and without both (CITIES_CMS_PROFILE, site_project/settings/test.py)
# checks, migrates and passes the tests of rendering, pages and the API. Runs after the
# SQLite pass, beside the PostgreSQL pass (the longer of the two).
PROFILE_TESTS := tests/test_optional_apps.py tests/test_rendering.py tests/test_api.py
test-profiles: venv
	@for profile in core no-federation no-registration; do \
	  echo "=== profile $$profile ==="; \
	  CITIES_CMS_PROFILE=$$profile DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) manage.py check; \
	  CITIES_CMS_PROFILE=$$profile DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) \
	    $(PY) manage.py makemigrations --check --dry-run; \
	  CITIES_CMS_PROFILE=$$profile env -u DATABASE_URL $(PY) -m pytest -q -p no:cacheprovider \
	    $(PROFILE_TESTS) || exit $$?; \
	done

bench: venv
	$(PY) -m bench

clean:
	rm -rf var/ node_modules/ $(VENV)/

# Run from inside the package so only its strings are collected; django-admin, not
# "python -m django": the package's calendar.py would shadow the standard library there.
messages: venv
	@command -v xgettext >/dev/null || { echo "error: xgettext is missing (apt-get install gettext)" >&2; exit 1; }
	cd cities_cms && DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) PYTHONPATH=.. ../$(VENV)/bin/django-admin makemessages -a --no-obsolete --add-location=file
	$(PY) -c 'import glob, polib; [polib.pofile(p).save_as_mofile(p[:-2] + "mo") for p in sorted(glob.glob("cities_cms/locale/*/LC_MESSAGES/django.po"))]'
