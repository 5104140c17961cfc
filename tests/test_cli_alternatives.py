"""``gigawatt alternatives``: the plans, what they share, verification, the results store, and bad options."""

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
    args = ["alternatives", str(folder), "--k", "3", "--slack", "0.02", "--mip-gap", "0", "--quiet", "--store", str(store)]
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--k", "-1"], "--k -1: expected a whole number"),
        (["--slack", "1.5"], "--slack 1.5: expected a relative slack"),
        (["--by", "cities"], "--by 'cities': expected one of sites, mw, nodes, vendor"),
        (["--time-limit", "0"], "--time-limit"),
    ],
)
def test_bad_options_exit_2_before_any_solve(folder, args, message):
    result = runner.invoke(app, ["alternatives", str(folder), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
