"""Charts across runs: any column against another, and the ceiling's value (cost, finite differences, duals)."""

from __future__ import annotations

import json

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
        ("mw_2030", 1.0, "facility power in 2030 (MW)"),
        ("peak_facility_mw", 1.0, "peak facility power (MW)"),
        ("site_capex_usd", 1e-9, "site capex (B USD)"),
        ("chips[rubin].capex_usd", 1e-9, "chips[rubin].capex (B USD)"),
        ("price", 1.0, "price"),
    ],
)
def test_axis_units(column, factor, label):
    assert axis(column) == (factor, label)


def value_frame() -> pd.DataFrame:
    """As gw.ceiling_value returns it: no plan at 2 GW; from 3 to 4 GW a proven 600 k USD per MW-year, from 4 to 5 GW an unproven 100 k."""
    return pd.DataFrame(
        {
            "ceiling_mw": [4000.0, 2000.0, 3000.0, 5000.0],
            "status": ["optimal", "infeasible", "optimal", "optimal"],
            "objective_usd": [104e9, np.nan, 110e9, 103e9],
            "value_usd_per_mw_yr": [6e5, np.nan, np.nan, 1e5],
            "value_low_usd_per_mw_yr": [5.8e5, np.nan, np.nan, -2e5],
            "value_high_usd_per_mw_yr": [6.1e5, np.nan, np.nan, 3e5],
            "value_proven": [True, False, False, False],
            "dual_weighted_mean_usd_per_mw_yr": [2e5, np.nan, 7e5, 0.0],
        }
    )


def test_ceiling_value_draws_the_value_of_a_gw_with_its_range_and_the_duals():
    fig = gw.plot.ceiling_value(value_frame())
    cost, value, ranges, duals = fig.data
    np.testing.assert_allclose(cost.x, [3.0, 4.0, 5.0])
    np.testing.assert_allclose(cost.y, [110.0, 104.0, 103.0])
    # One level per interval between ceilings with a plan, separated by gaps.
    np.testing.assert_allclose(np.asarray(value.x, dtype=float), [3.0, 4.0, np.nan, 4.0, 5.0, np.nan])
    np.testing.assert_allclose(np.asarray(value.y, dtype=float), [6e5, 6e5, np.nan, 1e5, 1e5, np.nan])
    np.testing.assert_allclose(ranges.x, [3.5, 4.5])
    np.testing.assert_allclose(ranges.error_y.arrayminus, [2e4, 3e5])
    np.testing.assert_allclose(ranges.error_y.array, [1e4, 2e5])
    assert list(ranges.marker.symbol) == ["circle", "circle-open"]  # the second is not proven
    np.testing.assert_allclose(duals.y, [7e5, 2e5, 0.0])
    assert duals.name == "ceiling dual given the build (weighted mean over years)"
    assert (value.yaxis, duals.yaxis, cost.yaxis) == ("y2", "y2", "y")
    assert fig.layout.yaxis2.title.text == "value of a GW (USD per MW-year)"
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [(1.5, 2.5)] * 2  # 2 GW has no plan: shaded in both panels
    assert fig.layout.xaxis2.title.text == "ceiling (GW)"


def test_ceiling_value_of_a_real_scenario_draws_its_frame():
    """On the tiny scenario (2 years, no discounting) the chart shows the frame's values: 90 -> 100 MW saves
    2.02 M USD (424.832 vs 422.812 M USD), 2.02e6 / (10 MW x 2 years) = 101,000 USD per MW-year; 100 -> 120 MW nothing."""
    frame = gw.ceiling_value(gw.load_scenario(SCENARIOS / "tiny"), [80.0, 90.0, 100.0, 120.0], mip_gap=0.0)
    assert list(frame["status"]) == ["infeasible", "optimal", "optimal", "optimal"]
    fig = gw.plot.ceiling_value(frame)
    assert fig.layout.xaxis2.title.text == "ceiling (MW)"  # under 1 GW the axis stays in MW
    levels = np.asarray(fig.data[1].y, dtype=float)[::3]
    np.testing.assert_allclose(levels, frame["value_usd_per_mw_yr"].iloc[2:])
    assert levels[0] == pytest.approx(101_000.0)
    assert levels[1] == pytest.approx(0.0, abs=1e-6)


def test_ceiling_value_needs_the_value_columns():
    runs = runs_frame()[lambda f: f["price"] == 0.7]
    with pytest.raises(ValueError, match="frame has no column 'value_usd_per_mw_yr'"):
        gw.plot.ceiling_value(runs)


def sensitivity_runs() -> pd.DataFrame:
    """A base run (100 B USD) and each of two parameters at x0.8 and x1.2: a moves the cost -10 / +15 B, b -2 / +1 B."""
    rows = [({}, 100.0), ({"a*": 0.8}, 90.0), ({"a*": 1.2}, 115.0), ({"b*": 0.8}, 98.0), ({"b*": 1.2}, 101.0)]
    return pd.DataFrame(
        {
            "run_id": [f"r{i}" for i in range(len(rows))],
            "label": [json.dumps(p) for p, _ in rows],
            "params": [json.dumps(p) for p, _ in rows],
            "status": "optimal",
            "a*": [p.get("a*") for p, _ in rows],
            "b*": [p.get("b*") for p, _ in rows],
            "total_cost_usd": [c * 1e9 for _, c in rows],
        }
    )


def test_tornado_bars_are_the_changes_from_the_base_run_widest_on_top():
    from gigawatt.plot.sweeps import sensitivity_columns, tornado

    runs = sensitivity_runs()
    assert sensitivity_columns(runs, ["a*", "b*"]) == ["a*", "b*"] and sensitivity_columns(runs.iloc[1:], ["a*", "b*"]) == []
    fig = tornado(runs, ["a*", "b*"])
    bars = {t.name: dict(zip(t.y, np.round(t.x, 9), strict=True)) for t in fig.data}
    assert bars == {"x 0.8": {"b": -2.0, "a": -10.0}, "x 1.2": {"b": 1.0, "a": 15.0}}
    assert list(fig.data[0].y) == ["b", "a"]  # plotly draws the first category at the bottom: the widest swing on top
    assert "base run (100.000)" in fig.layout.title.text


def test_a_sensitivity_sweeps_report_shows_the_tornado_not_a_chart_per_factor(tmp_path):
    page = gw.plot.runs_report(sensitivity_runs(), tmp_path / "runs.html").read_text()
    assert "Sensitivity of total cost" in page and "against a*" not in page.lower()
