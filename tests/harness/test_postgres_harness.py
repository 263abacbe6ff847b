"""The throwaway-PostgreSQL harness: starts a server, passes DATABASE_URL, cleans up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from . import postgres

REPO_ROOT = Path(__file__).resolve().parents[2]

CLIENT = """
import os, sys
import psycopg
with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
    print(conn.execute("select version()").fetchone()[0])
    print(conn.execute(
        "select rolsuper from pg_roles where rolname = current_user").fetchone()[0])
    print(conn.execute("show listen_addresses").fetchone()[0])
sys.exit(7)
"""


@pytest.fixture
def postgres_binaries():
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("already running under the PostgreSQL harness")
    try:
        postgres.find_bindir()
    except postgres.Unavailable as exc:
        if postgres.required():
            pytest.fail(f"{exc} ({postgres.REQUIRE_ENV}=1)", pytrace=False)
        pytest.skip(str(exc))


def test_runs_command_against_a_throwaway_server(postgres_binaries):
    result = subprocess.run(
        [sys.executable, "-m", "tests.harness.postgres", "--", sys.executable, "-c", CLIENT],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # The command's exit code is the harness's.
    assert result.returncode == 7, result.stdout + result.stderr
    version, superuser, listen = result.stdout.splitlines()
    assert version.startswith("PostgreSQL ")
    assert superuser == "True"
    assert listen == "127.0.0.1"
    datadir = re.search(r"\(data in (\S+)\)", result.stderr)
    assert datadir, result.stderr
    assert not Path(datadir.group(1)).exists()


def test_without_binaries_skips_unless_required(monkeypatch, capsys):
    monkeypatch.setattr(postgres, "candidate_bindirs", list)
    monkeypatch.delenv(postgres.REQUIRE_ENV, raising=False)
    assert postgres.main(["--", "false"]) == 0
    assert "SKIPPED" in capsys.readouterr().err
    monkeypatch.setenv(postgres.REQUIRE_ENV, "1")
    assert postgres.main(["--", "false"]) == 1
    assert "ERROR" in capsys.readouterr().err
