"""axe-core in a Playwright page: the WCAG 2.1 A and AA rules, and the violations that fail a test.

axe-core is the npm package pinned by ``tests/browser/package-lock.json``
(``scripts/install-test-tools`` runs ``npm ci`` here); without it the
tests that need it are skipped with the reason. Only violations of impact
"serious" or "critical" fail a test, and the structural rules of
``STRUCTURE`` (axe's "best-practice" rules for headings and landmarks, of
impact "moderate") whatever their impact; the others are printed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE_JS: Final = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA: Final = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
TAGS: Final = (*WCAG_21_AA, "best-practice")
BLOCKING: Final = frozenset({"serious", "critical"})
STRUCTURE: Final = frozenset({
    "page-has-heading-one", "heading-order", "empty-heading", "landmark-one-main", "landmark-unique",
    "landmark-no-duplicate-main", "landmark-main-is-top-level", "landmark-banner-is-top-level",
})

Violation = dict[str, Any]


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.skip(f"{AXE_JS} is missing: run scripts/install-test-tools (npm ci in tests/browser)")
    return AXE_JS.read_text(encoding="utf-8")


def audit(page: Page) -> list[Violation]:
    """Every WCAG 2.1 A/AA (and best-practice) violation axe finds in the page as it is now.

    The page's CSP (``script-src 'self'``) refuses an injected script; the context
    of an axe run is made with ``bypass_csp=True`` for that reason, and only for it.
    """
    page.add_script_tag(content=axe_source())
    violations: list[Violation] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }""",
        list(TAGS),
    )
    return violations


def blocking(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.get("impact") in BLOCKING or v.get("id") in STRUCTURE]


def describe(where: str, violations: list[Violation]) -> str:
    """One paragraph per violation: the rule, its impact, and each element with what is wrong."""
    lines = []
    for violation in violations:
        lines.append(f"{where}: [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:8]:
            summary = " ".join(str(node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)
