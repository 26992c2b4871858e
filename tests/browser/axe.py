"""axe-core in a real page: fail on serious or critical accessibility violations.

The app's CSP (``script-src 'self'``) blocks inline scripts, and ``add_script_tag`` injects one,
so axe's source is evaluated over the DevTools protocol instead (``page.evaluate`` is not subject
to the page's CSP). Nothing about the page under test is relaxed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"]
FAIL_IMPACTS = {"serious", "critical"}


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise AssertionError(f"{AXE_JS} is missing: run `npm install --no-audit --no-fund`")
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe on the page as it is now; return every violation (all impacts)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map((n) => n.target.join(' ')),
                summaries: v.nodes.map((n) => n.failureSummary),
            }));
        }""",
        TAGS,
    )


def assert_accessible(page: Page, label: str = "") -> None:
    """Fail on any serious or critical axe violation, listing rule ids and targets."""
    bad = [v for v in axe_violations(page) if v["impact"] in FAIL_IMPACTS]
    if bad:
        where = label or page.url
        lines = [f"axe: {len(bad)} serious/critical violation(s) on {where}:"]
        for v in bad:
            lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
            for target, summary in zip(v["targets"], v["summaries"]):
                lines.append(f"      {target}  {(summary or '').splitlines()[-1:]}")
        raise AssertionError("\n".join(lines))


def assert_accessible_both_schemes(page: Page, label: str = "") -> None:
    """Check the page in light and in dark, then put the page's scheme back as it was."""
    where = label or page.url
    was = "dark" if page.evaluate(
        "() => matchMedia('(prefers-color-scheme: dark)').matches") else "light"
    for scheme in (was, "dark" if was == "light" else "light"):
        page.emulate_media(color_scheme=scheme)
        assert_accessible(page, f"{where} ({scheme})")
    page.emulate_media(color_scheme=was)
