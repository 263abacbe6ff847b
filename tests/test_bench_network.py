"""The network benchmark's machinery (bench/network.py), run small so it cannot rot.

Three instances: this one, a hub and one member, each with its own database, server on
127.0.0.1 and task worker, through the same code ``python -m bench --only network`` runs
with a hundred. It checks what the figures rest on: every request of a round is counted, the
pushes are accepted, the change reaches every receiver through the real inbox, worker and
importer.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# It never uses the test database: run once, in the SQLite pass (Makefile).
pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parents[1]


def test_three_instances_pull_push_and_propagate():
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST", "DJANGO_", "DATABASE_", "CITIES_CMS_"))
    }
    # The test settings' three languages (the benchmark itself runs with the network's ten).
    env["BENCH_LANGUAGES"] = "test"
    result = subprocess.run(
        [sys.executable, "-m", "bench.network", "3", "--json-line"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    rounds = figures["no_change_round"]
    # Direct: one feed request per peer (the hub and the member), answered 304.
    assert rounds["direct"]["requests"] == 2
    # Trusting the list of a hub that does not relay: the list, then both feeds.
    assert rounds["hub_list"]["requests"] == 3
    # Through the relaying hub: the list and the hub's relay feed, answered 304.
    assert rounds["hub_relay"]["requests"] == 2
    for row in rounds.values():
        assert row["bytes_sent"] > 0 and row["bytes_received"] > 0 and row["queries"] > 0
    push = figures["push_only"]
    assert push["notifications"] == push["accepted"] == push["pulls_done"] == 2
    assert push["failed"] == 0
    spread = figures["propagation"]
    assert spread["received"] == spread["receivers"] == 2
    assert spread["all_have_it_seconds"] is not None
    assert spread["notified_first_seconds"] <= spread["imported_first_seconds"]
    assert figures["separate_machines"]["all_have_it_seconds"] > 0
