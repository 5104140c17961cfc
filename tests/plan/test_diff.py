"""plan.diff: KPIs side by side, and what changed per site, chip and link, on variants of the hand-solved tiny case."""

from __future__ import annotations

import numpy as np
import pytest
from builders import SCENARIOS, link, scenario, site, solve_verified, supply

import gigawatt as gw


@pytest.fixture(scope="module")
def tiny() -> gw.Scenario:
    return gw.load_scenario(SCENARIOS / "tiny")


@pytest.fixture(scope="module")
def base(tiny) -> gw.Plan:
    return solve_verified(tiny)


def rows(frame, section):
    part = frame[frame["section"] == section]
    return {(r.item, r.metric): (r.this, r.other, r.change) for r in part.itertuples(index=False)}


def test_a_plan_against_itself_changes_nothing(base):
    frame = base.diff(base)
    assert list(frame.columns) == ["section", "item", "metric", "this", "other", "change"]
    assert set(frame["section"]) == {"kpi"}  # only the KPIs are always listed
    assert list(frame["metric"]) == list(base.kpis)
    assert (frame["change"] == 0).all()


def test_no_south_campus_builds_north_and_imports_power(tiny, base):
    """With south_liquid's opening cost prohibitive, north_liquid builds two more 20 MW blocks in 2027.

    By hand (M USD, undiscounted): opening -1.0 (20 M / 20 years); blocks +20 - 18; energy in 2027:
    north draws 51 MW (80 cap, 49 arrive over the link) and south sends 50 MW -> 22.338 + 17.52 = 39.858
    instead of 4.818 + 31.536 = 36.354, +3.504. Total +4.504 M USD; CO2 +35,040 t.
    """
    other = solve_verified(tiny.with_overrides({"sites[south_liquid].open_cost_usd": 1e9}))
    frame = base.diff(other)
    assert frame.attrs["names"] == ("tiny", "tiny")
    kpi = rows(frame, "kpi")
    assert kpi[("plan", "total_cost_usd")][2] == pytest.approx(4.504e6)
    assert kpi[("plan", "co2_t")][2] == pytest.approx(35_040.0)
    assert kpi[("plan", "sites_opened")] == (3.0, 2.0, -1.0)
    assert kpi[("plan", "peak_facility_mw")] == (100.0, 100.0, 0.0)
    site = rows(frame, "site")
    assert site[("north_liquid", "capacity_mw")] == (20.0, 60.0, 40.0)
    this, other_year, change = site[("south_liquid", "opening_year")]
    assert this == 2027 and np.isnan(other_year) and np.isnan(change)  # never opened in the other plan
    assert site[("south_liquid", "capacity_mw")] == (40.0, 0.0, -40.0)
    assert ("north_air", "capacity_mw") not in site  # unchanged figures are left out
    assert rows(frame, "chip") == {}  # the same chips, only elsewhere
    assert rows(frame, "link") == {}  # the link is not expandable


def test_lower_ceiling_swaps_old_chips_for_new(tiny, base):
    """At 90 MW the 2027 fleet holds 720 units: 10a + 20b >= 6,000 PF with a + b <= 320 gives a = 40, b = 280.

    By hand: chips -160 x 1 M / 5 + 80 x 2.4 M / 5 = +6.4 M USD; 10 MW less drawn at the north node (50 USD/MWh)
    -4.38 M USD. Total +2.02 M USD.
    """
    other = solve_verified(tiny.with_overrides(ceiling_mw=90))
    frame = base.diff(other)
    kpi = rows(frame, "kpi")
    assert kpi[("plan", "total_cost_usd")][2] == pytest.approx(2.02e6)
    assert kpi[("plan", "ceiling_mw")] == (100.0, 90.0, -10.0)
    chip = rows(frame, "chip")
    assert chip[("old_air", "units_installed")] == (600.0, 440.0, -160.0)
    assert chip[("new_liquid", "units_installed")] == (200.0, 280.0, 80.0)
    assert chip[("new_liquid", "eflops_final_year")] == pytest.approx((4.0, 5.6, 1.6))
    assert frame.loc[frame["section"] == "chip", "change"].pipe(lambda c: (c != 0).all())


def test_expanded_link_shows_in_the_diff():
    """Power only at node m; the site at node n draws over a 10 MW link expandable by 50 MW (1 MW of IT per EFLOP/s)."""
    nodes = [{"node_id": "n", "lat": 40.0, "lon": -80.0}, {"node_id": "m", "lat": 35.0, "lon": -90.0}]
    tables = dict(
        nodes=nodes,
        sites=[site("s", block_mw=10.0, capex_usd_per_mw=1e3)],
        supplies=[supply("g", node_id="m")],
        links=[link("n-m", "n", "m", capacity_mw=10.0, expand_max_mw=50.0, expand_cost_usd_per_mw=1e3)],
        demand=[{"year": 2026, "eflops": 30.0}],
    )
    plan = solve_verified(scenario(**tables))
    smaller = solve_verified(scenario(**tables).with_overrides({"demand.eflops*": 0.5}))
    frame = plan.diff(smaller)
    assert rows(frame, "link") == {("n-m", "expansion_mw"): (20.0, 5.0, -15.0)}  # 30 MW, then 15 MW, over 10 MW of link
    assert rows(frame, "site")[("s", "capacity_mw")] == (30.0, 20.0, -10.0)  # whole 10 MW blocks
    assert rows(frame, "chip")[("a", "units_installed")] == (30.0, 15.0, -15.0)
