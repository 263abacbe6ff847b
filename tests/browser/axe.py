"""Accessibility checks with axe-core, injected from node_modules (see package.json).

Usage in a browser test:

    violations = run_axe(page)
    assert not violations, format_violations(violations)
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.1 levels A and AA: what the network's accessibility statements promise.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

_RUN_AXE = """
async ({tags, disabledRules}) => {
    const rules = {};
    for (const id of disabledRules) {
        rules[id] = {enabled: false};
    }
    const results = await axe.run(document, {
        runOnly: {type: "tag", values: tags},
        rules,
        resultTypes: ["violations"],
    });
    return results.violations;
}
"""


def run_axe(page, *, tags=WCAG_TAGS, disabled_rules=()) -> list[dict]:
    """Run axe-core on the page's current document; return its violations (empty = passed).

    Each violation is axe's dict: ``id``, ``impact``, ``help``, ``helpUrl``, ``nodes`` (each with
    ``target``, ``html`` and ``failureSummary``). ``disabled_rules`` switches rules off by id; give
    a reason next to every use.
    """
    if not AXE_JS.is_file():
        raise FileNotFoundError(f"{AXE_JS} is missing: run `npm ci` (or `make test`)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(_RUN_AXE, {"tags": list(tags), "disabledRules": list(disabled_rules)})


def format_violations(violations: list[dict]) -> str:
    """A readable summary for assertion messages."""
    if not violations:
        return "no accessibility violations"
    lines = [f"{len(violations)} accessibility violation(s):"]
    for violation in violations:
        lines.append(
            f"- [{violation.get('impact') or 'unknown'}] {violation['id']}: "
            f"{violation.get('help', '')} ({violation.get('helpUrl', '')})"
        )
        for node in violation.get("nodes", []):
            target = ", ".join(str(part) for part in node.get("target", []))
            lines.append(f"    at {target}: {node.get('html', '').strip()[:200]}")
            summary = (node.get("failureSummary") or "").strip()
            if summary:
                lines.extend(f"      {line.strip()}" for line in summary.splitlines())
    return "\n".join(lines)
