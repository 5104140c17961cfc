"""Charts across runs: any column against another, and the ceiling's value (cost, finite differences, duals)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from builders import SCENARIOS

import gigawatt as gw
from gigawatt.plot.sweeps import axis


def runs_frame() -> pd.DataFrame:
    """Six runs over ceiling x chip price, as gw.sweep returns them; one ceiling without a plan."""
    return pd.DataFrame(
        {
            "run_id": list("abcdef"),
            "status": ["infeasible", "optimal", "optimal", "infeasible", "optimal", "feasible"],
            "ceiling_mw": [3000.0, 5000.0, 4000.0, 3000.0, 5000.0, 4000.0],
            "price": [1.0, 1.0, 1.0, 0.7, 0.7, 0.7],
            "total_cost_usd": [np.nan, 100e9, 104e9, np.nan, 80e9, 83e9],
            "objective_usd": [np.nan, 100e9, 104e9, np.nan, 80e9, 83e9],
        }
    )


def test_sweep_scales_sorts_and_drops_runs_without_a_value():
    fig = gw.plot.sweep(runs_frame()[lambda f: f["price"] == 1.0], x="ceiling_mw", y="total_cost_usd")
    (trace,) = fig.data
    np.testing.assert_allclose(trace.x, [4000.0, 5000.0])  # sorted by x; the infeasible run is left out
    np.testing.assert_allclose(trace.y, [104.0, 100.0])  # billions of USD
    assert [list(r) for r in trace.customdata] == [["c", "optimal"], ["b", "optimal"]]
    assert fig.layout.yaxis.title.text == "total cost (B USD, discounted)"
    assert fig.layout.xaxis.title.text == "ceiling (MW)"
    assert "1 run without a value left out" in fig.layout.title.text


def test_sweep_one_line_per_colour():
    fig = gw.plot.sweep(runs_frame(), x="ceiling_mw", y="total_cost_usd", color="price")
    assert [t.name for t in fig.data] == ["price=0.7", "price=1.0"]
    np.testing.assert_allclose(fig.data[0].y, [83.0, 80.0])
    np.testing.assert_allclose(fig.data[1].y, [104.0, 100.0])
    assert fig.data[0].marker.color != fig.data[1].marker.color


def test_sweep_against_variant_names():
    runs = pd.DataFrame({"run_id": ["a", "b"], "scenario": ["rubin_delay", "default"], "total_cost_usd": [107e9, 104e9]})
    (trace,) = gw.plot.sweep(runs, x="scenario", y="total_cost_usd").data
    assert list(trace.x) == ["default", "rubin_delay"] and list(trace.y) == [104.0, 107.0]


def test_sweep_names_missing_columns():
    with pytest.raises(ValueError, match="runs have no column 'eflops'"):
        gw.plot.sweep(runs_frame(), x="ceiling_mw", y="eflops")


@pytest.mark.parametrize(
    ("column", "factor", "label"),
    [
        ("total_cost_usd", 1e-9, "total cost (B USD, discounted)"),
        ("usd_per_eflops_yr", 1e-6, "cost of compute (M USD per EFLOP/s-year)"),
        ("mw_2030", 1.0, "mw_2030"),
        ("peak_facility_mw", 1.0, "peak_facility (MW)"),
        ("chips[rubin].capex_usd", 1e-9, "chips[rubin].capex (B USD)"),
        ("price", 1.0, "price"),
    ],
)
def test_axis_units(column, factor, label):
    assert axis(column) == (factor, label)


def value_frame() -> pd.DataFrame:
    """As gw.ceiling_value returns it: no plan at 2 GW, cost falling by 6 B then 1 B USD per GW, duals at 3 and 4 GW."""
    return pd.DataFrame(
        {
            "ceiling_mw": [4000.0, 2000.0, 3000.0, 5000.0],
            "status": ["optimal", "infeasible", "optimal", "optimal"],
            "objective_usd": [104e9, np.nan, 110e9, 103e9],
            "marginal_usd_per_gw": [6e9, np.nan, np.nan, 1e9],
            "dual_usd_per_gw": [2e9, np.nan, 7e9, 0.0],
            "mean_ceiling_dual_usd_per_mw_yr": [1e5, np.nan, 2e5, 0.0],
        }
    )


def test_ceiling_value_without_a_scenario_in_million_usd_per_gw():
    fig = gw.plot.ceiling_value(value_frame())
    cost, diff, duals = fig.data
    np.testing.assert_allclose(cost.x, [3.0, 4.0, 5.0])
    np.testing.assert_allclose(cost.y, [110.0, 104.0, 103.0])
    # One level per interval between ceilings with a plan, separated by gaps.
    np.testing.assert_allclose(np.asarray(diff.x, dtype=float), [3.0, 4.0, np.nan, 4.0, 5.0, np.nan])
    np.testing.assert_allclose(np.asarray(diff.y, dtype=float), [6000.0, 6000.0, np.nan, 1000.0, 1000.0, np.nan])
    np.testing.assert_allclose(duals.x, [3.0, 4.0, 5.0])
    np.testing.assert_allclose(duals.y, [7000.0, 2000.0, 0.0])
    assert (diff.yaxis, duals.yaxis, cost.yaxis) == ("y2", "y2", "y")
    assert fig.layout.yaxis2.title.text == "marginal value of the ceiling (M USD per GW)"
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [(1.5, 2.5)] * 2  # 2 GW has no plan: shaded in both panels
    assert fig.layout.xaxis2.title.text == "ceiling (GW)"


def test_ceiling_value_with_a_scenario_in_usd_per_mw_year():
    scn = gw.load_scenario(SCENARIOS / "default")
    fig = gw.plot.ceiling_value(value_frame(), scenario=scn)
    rate = scn.settings.discount_rate
    discounted_years = sum((1 + rate) ** -k for k in range(len(scn.settings.years)))  # 2026-2032, one year each
    diff = fig.data[1]
    assert diff.y[0] == pytest.approx(6e9 / 1000.0 / discounted_years)
    assert fig.data[2].y[0] == pytest.approx(7e9 / 1000.0 / discounted_years)
    assert fig.layout.yaxis2.title.text == "marginal value of the ceiling (USD per MW-year)"


def test_ceiling_value_of_a_real_scenario_matches_its_finite_differences():
    """On the tiny scenario the frame's own finite differences and the chart's agree, ceiling by ceiling."""
    frame = gw.ceiling_value(gw.load_scenario(SCENARIOS / "tiny"), [80.0, 90.0, 100.0, 120.0], mip_gap=0.0)
    assert list(frame["status"]) == ["infeasible", "optimal", "optimal", "optimal"]
    fig = gw.plot.ceiling_value(frame)
    assert fig.layout.xaxis2.title.text == "ceiling (MW)"  # under 1 GW the axis stays in MW
    levels = np.asarray(fig.data[1].y, dtype=float)[::3]
    np.testing.assert_allclose(levels, frame["marginal_usd_per_gw"].iloc[2:] / 1e6)
    # 90 -> 100 MW saves 2.02 M USD (a sweep of the tiny case shows 424.832 vs 422.812 M USD): 202 M USD per GW.
    assert levels[0] == pytest.approx(202.0)
    assert levels[1] == pytest.approx(0.0, abs=1e-6)


def test_ceiling_value_accepts_sweep_runs():
    runs = runs_frame()[lambda f: f["price"] == 0.7]
    fig = gw.plot.ceiling_value(runs)
    assert [t.name for t in fig.data] == ["total cost", "finite difference"]  # no duals in a runs frame
    np.testing.assert_allclose(np.asarray(fig.data[1].y, dtype=float)[:2], [3000.0, 3000.0])  # 83 -> 80 B USD per GW
    with pytest.raises(ValueError, match="frame has no column 'objective_usd'"):
        gw.plot.ceiling_value(runs.drop(columns="objective_usd"))
