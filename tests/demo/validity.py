"""The Nu HTML Checker, run on saved pages (the ``vnu`` fixture gives its command)."""

import json
import subprocess


def html_errors(vnu, files):
    """The Nu HTML Checker's errors in ``files`` (``{path: label}``), as readable lines."""
    result = subprocess.run(
        [*vnu, "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr  # 1: errors found; anything else: a crash
    messages = json.loads(result.stderr or result.stdout).get("messages", [])
    return [
        f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: "
        f"line {m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") == "error"
    ]
