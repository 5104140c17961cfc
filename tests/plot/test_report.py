"""The HTML reports: self-contained, and rendered without errors or network access in headless Chromium."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import SCENARIOS
from typer.testing import CliRunner

import gigawatt as gw
from gigawatt.cli import app
from gigawatt.plot.report import kpi_table, swept_columns

PLOTLY_JS_MARK = "plotly.js v"  # the banner at the top of the bundled plotly.min.js


def test_plan_report_is_one_self_contained_file(tiny_plan, tmp_path):
    path = tiny_plan.report(tmp_path / "out" / "report.html")
    text = path.read_text()
    assert text.count(PLOTLY_JS_MARK) == 1  # plotly.js inlined once, for every chart
    assert "<script src=" not in text and "cdn.plot.ly" not in text.replace('"https://cdn.plot.ly/un/"', "")
    assert "window.PlotlyGeoAssets = " in text and '"usa_110m"' in text  # the map's outlines travel with the page
    for name in gw.plot.CHARTS:
        assert f'id="chart-{name}"' in text
    assert "Plan for &#x27;tiny&#x27;: optimal" in text  # the summary, escaped
    assert "The independent checker found no violation." in text
    assert "<td>chip_capex</td>" in text and "<td>296.00</td>" in text  # hand solution: 296 M USD of chips
    assert "<td>north-south</td>" in text and "<td>new_liquid</td>" in text


def test_report_of_a_relaxed_plan_skips_verification(tiny_plan, tmp_path):
    relaxed = gw.solve(tiny_plan.scenario, relax=True)
    text = relaxed.report(tmp_path / "r.html").read_text()
    assert "Verification" not in text and 'id="chart-map"' in text


def test_kpi_table_scales_to_units(tiny_plan):
    table = kpi_table(tiny_plan.kpis).set_index("figure")
    assert table.loc["total cost (discounted)", "value"] == "0.423"
    assert table.loc["total cost (discounted)", "unit"] == "B USD"
    assert table.loc["peak facility power", "value"] == "100"
    assert table.loc["sites opened", "value"] == "3"


def test_plan_report_renders_offline_in_chromium(tiny_plan, tmp_path, open_page):
    path = tiny_plan.report(tmp_path / "report.html")
    page = open_page(path)
    assert page.errors == []
    assert page.remote_requests == []
    expected = {f"chart-{name}": len(fig.data) for name, fig in tiny_plan.plot.all().items()}
    assert {k: v["traces"] for k, v in page.charts.items()} == expected
    assert all(v["svg"] >= 1 for v in page.charts.values())
    assert page.charts["chart-map"]["land"] > 1000  # the US outline was drawn from the inlined data


def sweep_store(tmp_path):
    store = tmp_path / "runs.duckdb"
    gw.sweep(SCENARIOS / "tiny", grid={"ceiling_mw": [80, 90, 100, 120]}, store=store, workers=0, progress=False)
    return store


def test_runs_report_from_a_store_renders_offline(tmp_path, open_page):
    store = sweep_store(tmp_path)
    runs = gw.load_runs(store)
    assert swept_columns(runs) == ["ceiling_mw"]
    # 90 -> 100 MW saves 2.02 M USD over 2 undiscounted years: 101,000 USD per MW-year, the figure ceiling_value gives.
    value = runs.set_index("ceiling_mw").loc[100.0]
    assert value["value_usd_per_mw_yr"] == pytest.approx(101_000.0, rel=1e-6)
    assert value["value_low_usd_per_mw_yr"] <= value["value_usd_per_mw_yr"] <= value["value_high_usd_per_mw_yr"]
    path = gw.plot.runs_report(runs, tmp_path / "runs.html", power=gw.load_runs(store, table="power"))
    text = path.read_text()
    assert text.count(PLOTLY_JS_MARK) == 1 and "window.PlotlyGeoAssets = " not in text
    assert "ceiling_mw=90" in text and "infeasible" in text
    page = open_page(path)
    assert page.errors == [] and page.remote_requests == []
    assert page.charts["chart-ceiling-value"]["traces"] == 3  # cost, the value of a GW and its range (no duals in a runs frame)
    assert page.charts["chart-power-by-run"]["traces"] == 3  # one line per run with a plan
    assert page.charts["chart-total_cost_usd-vs-ceiling_mw"]["traces"] == 1


def test_runs_report_of_variants(tmp_path):
    runs = pd.DataFrame(
        {
            "run_id": ["a", "b"],
            "label": ["variant=rubin_delay", "variant=default"],
            "params": ["{}", "{}"],
            "scenario": ["rubin_delay", "default"],
            "status": ["optimal", "optimal"],
            "total_cost_usd": [107e9, 104e9],
        }
    )
    assert swept_columns(runs) == ["scenario"]
    text = gw.plot.runs_report(runs, tmp_path / "v.html").read_text()
    assert 'id="chart-total_cost_usd-vs-scenario"' in text and "variant=rubin_delay" in text


def test_swept_columns_of_a_hand_made_frame():
    runs = pd.DataFrame({"run_id": ["a", "b"], "status": ["optimal"] * 2, "ceiling_mw": [1.0, 2.0], "price": [1, 1], "mw_2026": [1, 2]})
    assert swept_columns(runs) == ["ceiling_mw"]  # price does not vary; mw_<year> are results


def test_runs_report_with_two_swept_inputs_colours_by_the_other(tmp_path):
    runs = pd.DataFrame(
        {
            "run_id": list("abcd"),
            "status": ["optimal"] * 4,
            "ceiling_mw": [4000.0, 5000.0, 4000.0, 5000.0],
            "price": [1.0, 1.0, 0.7, 0.7],
            "total_cost_usd": [104e9, 100e9, 83e9, 80e9],
            "mw_2026": [10.0, 11.0, 12.0, 13.0],
        }
    )
    text = gw.plot.runs_report(runs, tmp_path / "r.html").read_text()
    for chart in ("chart-total_cost_usd-vs-ceiling_mw", "chart-total_cost_usd-vs-price", "chart-power-by-run"):
        assert f'id="{chart}"' in text
    assert "chart-ceiling-value" not in text  # only when the ceiling alone is swept


def test_cli_report_of_a_saved_plan_and_a_store(tiny_plan, tmp_path):
    runner = CliRunner()
    saved = tiny_plan.save(tmp_path / "plan")
    result = runner.invoke(app, ["report", str(saved), "--no-verify"])
    assert result.exit_code == 0, result.output
    assert (saved / "report.html").exists() and "Verification" not in (saved / "report.html").read_text()
    store = sweep_store(tmp_path)
    result = runner.invoke(app, ["report", str(store), "--out", str(tmp_path / "cmp" / "runs.html")])
    assert result.exit_code == 0, result.output
    assert "ceiling_mw=120" in (tmp_path / "cmp" / "runs.html").read_text()
    assert (store.with_suffix(".html")).exists() is False


@pytest.mark.parametrize("make", ["missing", "not-a-store"])
def test_cli_report_of_nothing_exits_2(tmp_path, make):
    target = tmp_path / "x.duckdb"
    if make == "not-a-store":
        target.write_text("not a database")
    result = CliRunner().invoke(app, ["report", str(target)])
    assert result.exit_code == 2
    assert ("Nothing to report" if make == "missing" else "Not a results store") in result.output


def test_plan_report_shows_power_access_and_the_delivered_price(tiny_plan, tmp_path):
    """The tiny plan's campuses, each with what feeds it and its delivered price (40 USD/MWh where all is south's grid)."""
    text = tiny_plan.report(tmp_path / "r.html").read_text()
    assert "Power access per campus" in text and "<th>fed by (average MW)</th>" in text
    assert "<td>grid_south 40 MW</td>" in text and "<td>40.00</td>" in text  # south_liquid in 2027
    assert "<td>delivered energy price (energy-weighted)</td>" in text
    assert "delivered energy at" in text  # the summary's campus lines


def test_tables_show_round_off_as_zero_not_minus_zero():
    from gigawatt.plot.report import _table

    html = _table(pd.DataFrame({"discounted_usd": [-1e-9, -0.004, -0.006, 1234.5]}))
    assert "-0.00" not in html and html.count(">0.00<") == 2 and "-0.01" in html and "1,234.50" in html


def test_wide_tables_scroll_inside_the_page():
    from gigawatt.plot.report import _table

    html = _table(pd.DataFrame({f"column_{i}": [1.0] for i in range(40)}))
    assert html.startswith('<div class="scroll"><table') and html.endswith("</table></div>")
