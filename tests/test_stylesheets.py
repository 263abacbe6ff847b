"""The package's stylesheets define each rule once: a selector written twice in the same
context (top level or one @media) leaves readers guessing which copy wins, and an edit to one
copy does nothing where the other overrides it (admin.css once had its registrations and peers
rules twice, and a bare ``.cc-nowrap`` rule that should have been the legend's)."""

import re
from collections import Counter
from pathlib import Path

import pytest

CSS_DIR = Path(__file__).resolve().parents[1] / "cities_cms" / "static" / "cities_cms" / "css"


def rules(css: str) -> list[tuple[tuple[str, ...], str]]:
    """(enclosing at-rules, selector) of every style rule, in order."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    stack, found, text = [], [], ""
    for char in css:
        if char == "{":
            stack.append(" ".join(text.split()))
            text = ""
        elif char == "}":
            selector = stack.pop()
            if not selector.startswith("@"):
                found.append((tuple(stack), selector))
            text = ""
        elif char == ";" and (not stack or stack[-1].startswith("@")):
            text = ""  # a statement (@import ...) or a declaration list's end
        else:
            text += char
    return found


def test_rules_are_read_with_their_context():
    css = ".a { x: 1; }\n@media (max-width: 40em) { .a { x: 2; } }\n/* .a { } */"
    assert rules(css) == [((), ".a"), (("@media (max-width: 40em)",), ".a")]


@pytest.mark.parametrize("path", sorted(CSS_DIR.glob("*.css")), ids=lambda path: path.name)
def test_each_rule_once(path):
    counts = Counter(rules(path.read_text("utf-8")))
    repeated = [rule for rule, count in counts.items() if count > 1]
    assert not repeated, repeated
