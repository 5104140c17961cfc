"""Plans the chart tests draw: the tiny scenario (hand-solved, see scenarios/tiny/SOURCES.md) and a
two-node, two-region case built in code where a grid link must be expanded."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from builders import SCENARIOS, chip, link, scenario, site, solve_verified, supply

import gigawatt as gw


@pytest.fixture(scope="session")
def tiny_plan() -> gw.Plan:
    return solve_verified(gw.load_scenario(SCENARIOS / "tiny"))


def grid_scenario(**settings: object) -> gw.Scenario:
    """Power only at node ``m``; the only site at node ``n`` draws over link ``n-m`` (10 MW, expandable by 50 MW).

    Site ``far`` at ``m`` costs much more per MW, so the link is expanded instead. Two regions with
    their own demand; chip ``a`` is 1 MW of IT and 1 EFLOP/s per unit.
    """
    nodes = [{"node_id": "n", "lat": 40.0, "lon": -80.0}, {"node_id": "m", "lat": 35.0, "lon": -90.0}]
    sites = [
        site("near", max_mw=100.0, block_mw=10.0, capex_usd_per_mw=1e3, lifetime_years=5),
        site("far", node_id="m", lat=35.0, lon=-90.0, capex_usd_per_mw=1e9, block_mw=10.0),
    ]
    regions = [
        {"region_id": "east", "lat": 40.0, "lon": -79.0, "max_latency_ms": 100.0},
        {"region_id": "west", "lat": 36.0, "lon": -91.0, "max_latency_ms": 100.0},
    ]
    demand = [
        {"year": 2026, "region_id": "east", "eflops": 5.0},
        {"year": 2026, "region_id": "west", "eflops": 3.0},
        {"year": 2027, "region_id": "east", "eflops": 20.0},
        {"year": 2027, "region_id": "west", "eflops": 10.0},
    ]
    links = [link("n-m", "n", "m", capacity_mw=10.0, expand_max_mw=50.0, expand_cost_usd_per_mw=1e3)]
    base = {"years": [2026, 2027], "ceiling_mw": 40.0}
    return scenario(
        base | settings,
        nodes=nodes,
        sites=sites,
        supplies=[supply("g", node_id="m")],
        chips=[chip("a", lifetime_years=5)],
        links=links,
        regions=regions,
        demand=demand,
    )


@pytest.fixture(scope="session")
def grid_plan() -> gw.Plan:
    return solve_verified(grid_scenario())


@pytest.fixture(name="grid_scenario")
def grid_scenario_fixture():
    """:func:`grid_scenario` itself, for tests that vary it."""
    return grid_scenario


@pytest.fixture
def chromium() -> str:
    """Path of Debian's Chromium (or one on PATH) for static export and the browser tests; skips when there is none."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        pytest.skip("Chromium not installed (make test installs it with apt-get when run as root)")
    return found


@dataclass
class Page:
    """What a page did in headless Chromium: JavaScript errors, requests that were not local, and its charts."""

    errors: list[str]
    remote_requests: list[str]
    charts: dict[str, dict[str, int]]  # chart div id -> {"svg": .main-svg count, "traces": rendered traces, "land": outline path length}


#: Reads every chart of the page: plotly's rendered SVG, the traces it drew and the map outline's path length.
CHARTS_JS = """() => Object.fromEntries(Array.from(document.querySelectorAll('div.chart')).map(div => {
  const gd = div.querySelector('.js-plotly-plot');
  const land = gd ? gd.querySelector('.layer.land path') : null;
  return [div.id, {svg: div.querySelectorAll('.main-svg').length, traces: gd && gd._fullData ? gd._fullData.length : 0,
                   land: land ? (land.getAttribute('d') || '').length : 0}];
}))"""


#: True once every chart is laid out and every map has drawn its land outline.
READY_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .every(g => g._fullLayout && (!g.querySelector('.geo') || g.querySelector('.layer.land path')))"""


@pytest.fixture
def open_page(chromium):
    """Open an HTML file in headless Chromium with every non-file request blocked and recorded; returns a :class:`Page`."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the Python package) is in the test extra")

    def load(path: Path) -> Page:
        errors: list[str] = []
        remote: list[str] = []

        def route(r) -> None:
            if r.request.url.startswith(("file:", "data:", "blob:")):
                r.continue_()
            else:
                remote.append(r.request.url)
                r.abort()

        args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[*args, "--disable-sync", "--no-first-run"])
            try:
                page = browser.new_page()
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.route("**/*", route)
                page.goto(Path(path).resolve().as_uri(), wait_until="load")
                page.wait_for_function(READY_JS, timeout=20_000)
                charts = page.evaluate(CHARTS_JS)
            finally:
                browser.close()
        return Page(errors, remote, charts)

    return load
