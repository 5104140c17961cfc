"""``gigawatt alternatives`` and ``gigawatt front``: the plans, what they share, verification, the results store, bad options."""

from __future__ import annotations

import pytest
from builders import site, write_scenario
from typer.testing import CliRunner

import gigawatt as gw
from gigawatt.cli import app

runner = CliRunner()


@pytest.fixture
def folder(tmp_path):
    """Two of four 100 MW campuses serve 150 MW; s0 opens free, s1-s3 cost 10, 11, 13 M USD (chips 150 M USD)."""
    sites = [site(f"s{i}", open_cost_usd=c) for i, c in enumerate((0.0, 10e6, 11e6, 13e6))]
    return write_scenario(tmp_path / "scn", sites=sites, demand=[{"year": 2026, "eflops": 150.0}])


def test_alternatives_print_the_plans_what_they_share_and_their_verification(folder, tmp_path):
    """With a 2% slack (cap 163.2 M USD) the sets {s0,s1} 160, {s0,s2} 161 and {s0,s3} 163 M USD fit; s0 is in all three."""
    store = tmp_path / "alts.duckdb"
    page = tmp_path / "alternatives.html"
    args = ["alternatives", str(folder), "--k", "3", "--slack", "0.02", "--mip-gap", "0", "--quiet", "--workers", "2"]
    args += ["--store", str(store), "--report", str(page)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "3 plan(s) within 2.00% of the optimum's bound (0.163 B USD cap)" in result.output
    assert "plan 1: 0.161 B USD, +0.625% on the optimum, 2 campuses (+ s2; - s1)" in result.output
    assert "campuses open (1): s0" in result.output
    assert result.output.count("verified: the independent check found no violation") == 3
    assert "3 plans recorded in" in result.output
    runs = gw.load_runs(store)
    assert sorted(runs["label"]) == ["alternative 1", "alternative 2", "optimum"]
    assert runs["objective_usd"].sort_values().tolist() == pytest.approx([160e6, 161e6, 163e6])
    assert (runs["violations"] == 0).all()
    assert page.read_text().index(">What every plan shares<") < page.read_text().index(">Plans<")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--k", "-1"], "--k -1: expected a whole number"),
        (["--slack", "1.5"], "--slack 1.5: expected a relative slack"),
        (["--by", "cities"], "--by 'cities': expected one of sites, mw, nodes, vendor"),
        (["--time-limit", "0"], "--time-limit"),
        (["--workers", "0"], "--workers 0: expected 1 or more"),
        (["--report", "."], "--report"),
    ],
)
def test_bad_options_exit_2_before_any_solve(folder, args, message):
    result = runner.invoke(app, ["alternatives", str(folder), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_front_prints_each_point_and_the_verification(tmp_path):
    """Gas at 60 USD/MWh and 0.4 t/MWh, clean energy at 65 USD/MWh up to 60 MW, 100 MW for 1,000 h: CO2 from 40,000 t down
    to 16,000 t in three points; each step of 12,000 t costs 150,000 USD more (30,000 MWh at 5 USD/MWh more)."""
    from builders import supply

    supplies = [
        supply("gas", energy_price_usd_per_mwh=60.0, co2_t_per_mwh=0.4),
        supply("clean", energy_price_usd_per_mwh=65.0, capacity_mw=60.0),
    ]
    folder = write_scenario(
        tmp_path / "scn", sites=[site("s", open_cost_usd=1e6)], supplies=supplies, demand=[{"year": 2026, "eflops": 100.0}]
    )
    store = tmp_path / "front.duckdb"
    result = runner.invoke(app, ["front", str(folder), "--n", "3", "--mip-gap", "0", "--quiet", "--store", str(store)])
    assert result.exit_code == 0, result.output
    runs = gw.load_runs(store)
    assert sorted(runs["emissions_cap_t_per_year"]) == pytest.approx([16_000, 28_000, 40_000])
    assert runs["objective_usd"].sort_values().tolist() == pytest.approx([107e6, 107.15e6, 107.3e6], rel=1e-7)
    assert "emissions_cap_t_per_year 40,000: 0.107 B USD, 0.040 Mt CO2" in result.output
    assert "emissions_cap_t_per_year 28,000: 0.107 B USD, 0.028 Mt CO2" in result.output
    assert "3 plans verified" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--x", "water"], "--x 'water': expected one of co2, ceiling_mw, budget_usd"),
        (["--x", "ceiling_mw"], "give the values of ceiling_mw to step through with --values"),
        (["--x", "ceiling_mw", "--values", "3000,abc"], "'abc' is not a number"),
        (["--n", "1"], "--n 1: expected at least 2 points"),
    ],
)
def test_front_bad_options_exit_2(folder, args, message):
    result = runner.invoke(app, ["front", str(folder), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
