"""Plan charts: each figure's traces carry the plan's numbers (hand-known for the tiny scenario)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from builders import scenario, solve_verified

import gigawatt as gw
from gigawatt.model.objective import COST_VIEWS


def bars(fig) -> dict[str, np.ndarray]:
    return {t.name: np.asarray(t.y, dtype=float) for t in fig.data if t.type == "bar"}


def line(fig, name: str) -> np.ndarray:
    (trace,) = [t for t in fig.data if t.type == "scatter" and t.name == name]
    return np.asarray(trace.y, dtype=float)


def test_power_stacks_each_site_under_the_ceiling(tiny_plan):
    fig = tiny_plan.plot.power()
    assert fig.layout.barmode == "stack"
    # Hand solution: 50 MW in 2026 at the two north sites, 100 MW (the ceiling) in 2027 with south_liquid open.
    # How chips split between sites of equal cost is not unique, so each bar is checked against the plan's table.
    got = bars(fig)
    assert set(got) == {"north_air", "north_liquid", "south_liquid"}
    sites = tiny_plan.sites.pivot_table(index="site_id", columns="year", values="facility_mw", fill_value=0.0)
    for site_id, values in got.items():
        np.testing.assert_allclose(values, sites.loc[site_id, [2026, 2027]], atol=1e-9)
    assert got["south_liquid"][0] == 0.0 and got["south_liquid"][1] > 0.0
    np.testing.assert_allclose(sum(got.values()), [50.0, 100.0], atol=1e-6)
    np.testing.assert_allclose(line(fig, "ceiling"), [100.0, 100.0])
    assert [list(t.x) for t in fig.data] == [[2026, 2027]] * 4


def test_power_leaves_out_sites_that_never_draw(grid_plan):
    got = bars(grid_plan.plot.power())
    assert list(got) == ["near"]  # 'far' never opens
    np.testing.assert_allclose(got["near"], [8.0, 30.0], atol=1e-6)
    np.testing.assert_allclose(line(grid_plan.plot.power(), "ceiling"), [40.0, 40.0])


def test_capacity_by_generation_meets_demand(tiny_plan):
    fig = tiny_plan.plot.capacity()
    got = bars(fig)
    # 400 old_air units (10 PF) in 2026, 600 active in 2027; 200 new_liquid units (20 PF) in 2027.
    np.testing.assert_allclose(got["old_air"], [4.0, 6.0], atol=1e-9)
    np.testing.assert_allclose(got["new_liquid"], [0.0, 4.0], atol=1e-9)
    np.testing.assert_allclose(line(fig, "demand"), [4.0, 10.0])
    assert list(got) == ["old_air", "new_liquid"]  # stacked in the order generations came on sale


def test_capacity_in_facility_mw_sums_to_the_power_table(tiny_plan):
    fig = tiny_plan.plot.capacity(metric="facility_mw")
    got = bars(fig)
    np.testing.assert_allclose(sum(got.values()), tiny_plan.power["facility_mw"], atol=1e-6)
    np.testing.assert_allclose(got["new_liquid"], [0.0, 25.0], atol=1e-6)  # 200 units x 0.1 MW x PUE 1.25
    np.testing.assert_allclose(line(fig, "ceiling"), [100.0, 100.0])


def test_chips_installed_per_year(tiny_plan):
    got = bars(tiny_plan.plot.chips())
    np.testing.assert_allclose(got["old_air"], [400.0, 200.0])
    np.testing.assert_allclose(got["new_liquid"], [0.0, 200.0])
    active = bars(gw.plot.chips(tiny_plan, metric="active_units"))
    np.testing.assert_allclose(active["old_air"], [400.0, 600.0])


def test_unknown_metric_is_refused_with_the_choices(tiny_plan):
    with pytest.raises(ValueError, match=r"unknown metric 'pflops'.*eflops"):
        tiny_plan.plot.capacity(metric="pflops")


def test_costs_stack_by_category_to_the_objective(tiny_plan):
    """Annualised by default: tiny's 400 old_air servers of 2026 (1 M USD, 5 years, r = 0) pay 80 M a year; the 2027
    build (200 x 1 + 200 x 2.4 = 680 M) adds 136 M: chips 80 and 216 M. The cash view has 400 and 680 M."""
    fig = tiny_plan.plot.costs()
    got = bars(fig)
    # Hand solution (M USD): openings 2.5, blocks 70, chips 296, energy 54.312; carbon and O&M are zero and left out.
    assert set(got) == {"site_open", "site_capex", "chip_capex", "energy"}
    assert sum(v.sum() for v in got.values()) == pytest.approx(422.812)
    np.testing.assert_allclose(got["chip_capex"], [80.0, 216.0])
    per_year = tiny_plan.costs.groupby("year")["annualised_discounted_usd"].sum().to_numpy() / 1e6
    np.testing.assert_allclose(sum(got.values()), per_year)
    assert "422.81" not in fig.layout.title.text and "0.42 B USD" in fig.layout.title.text and "Annualised" in fig.layout.title.text
    np.testing.assert_allclose(bars(tiny_plan.plot.costs("cash_usd"))["chip_capex"], [400.0, 680.0])
    with pytest.raises(ValueError, match="expected one of"):
        tiny_plan.plot.costs("usd")


def test_costs_include_link_capex_when_a_link_is_expanded(grid_plan):
    got = bars(grid_plan.plot.costs("discounted_usd"))  # capital in the year built, as the objective counts it
    np.testing.assert_allclose(got["link_capex"], [0.0, 0.02])  # 20 MW x 1,000 USD/MW, in million USD
    np.testing.assert_allclose(got["chip_capex"], [3.2, 4.4])


def test_serving_one_panel_per_region(grid_plan):
    fig = grid_plan.plot.serving()
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["east", "west"]
    delivered = [t for t in fig.data if t.name == "delivered"]
    demand = [t for t in fig.data if t.name == "demand"]
    np.testing.assert_allclose(delivered[0].y, [5.0, 20.0])
    np.testing.assert_allclose(delivered[1].y, [3.0, 10.0])
    np.testing.assert_allclose(demand[0].y, [5.0, 20.0])
    np.testing.assert_allclose(demand[1].y, [3.0, 10.0])
    assert (delivered[1].xaxis, delivered[1].yaxis) == ("x2", "y2")
    assert [t.showlegend for t in delivered] == [True, False]


def test_serving_single_pool(tiny_plan):
    fig = tiny_plan.plot.serving()
    np.testing.assert_allclose(next(t for t in fig.data if t.name == "delivered").y, [4.0, 10.0], atol=1e-9)
    np.testing.assert_allclose(next(t for t in fig.data if t.name == "demand").y, [4.0, 10.0])


def test_all_charts_by_name(tiny_plan):
    charts = tiny_plan.plot.all()
    assert list(charts) == list(gw.plot.CHARTS)
    assert all(len(fig.data) for fig in charts.values())
    assert "power()" in repr(tiny_plan.plot)


def test_plan_without_any_build(tiny_plan):
    """A plan whose tables are empty (nothing to build) still draws: no bars, only the reference lines."""
    empty = {name: frame.iloc[0:0] for name, frame in tiny_plan.tables.items()}
    empty["power"] = tiny_plan.power.assign(facility_mw=0.0, it_mw=0.0)
    costs = tiny_plan.costs.assign(**{view: 0.0 for view in COST_VIEWS})
    plan = gw.Plan(tiny_plan.scenario, empty | {"costs": costs}, "optimal", "optimal", 0.0, 0.0, 0.0, {}, {})
    assert bars(plan.plot.power()) == {}
    assert bars(plan.plot.costs()) == {}
    np.testing.assert_allclose(line(plan.plot.capacity(), "demand"), [4.0, 10.0])
    assert bars(plan.plot.chips()) == {}
    assert [t.name for t in plan.plot.map().data if t.name.startswith("sites")] == ["sites (area = MW built)"]


def test_one_node_plan_without_links_or_regions(tmp_path):
    """The smallest scenario (one node, no links table, one pool): every chart draws, and so does the report."""
    plan = solve_verified(scenario())
    fig = plan.plot.map()
    assert [t.name for t in fig.data] == ["supply to campus (width = MW)", "grid nodes", "sites (area = MW built)"]
    assert list(fig.data[2].marker.size) == [100.0]  # one 100 MW block for the 1 MW unit (blocks are 100 MW)
    np.testing.assert_allclose(bars(plan.plot.power())["s"], [1.0])
    assert 'id="chart-map"' in plan.report(tmp_path / "r.html").read_text()


def test_import_gigawatt_leaves_plotly_out():
    code = "import sys, gigawatt; assert 'plotly' not in sys.modules; gigawatt.plot; assert 'plotly' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
