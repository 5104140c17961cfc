"""``gigawatt solve --futures``: the commit-now plan, EVPI, VSS and the regret per future, verified; bad files and options."""

from __future__ import annotations

import pytest
from builders import grid_slip_tables, write_scenario
from typer.testing import CliRunner

from gigawatt.cli import app

runner = CliRunner()

FUTURES = (
    "future_id,probability,overrides\n"
    "b_late,0.5,interconnection[tb].earliest_year=2028\n"
    "c_late,0.5,interconnection[tc].earliest_year=2028\n"
)


@pytest.fixture
def folder(tmp_path):
    """The hand-solved grid-slip case of ``tests/analysis/test_futures.py`` (hedge 50, each future alone 30, M USD)."""
    settings, tables = grid_slip_tables()
    scn = write_scenario(tmp_path / "scn", settings, **tables)
    (tmp_path / "futures.csv").write_text(FUTURES)
    return scn


def test_solve_with_futures_prints_the_commitments_evpi_vss_and_regret(folder, tmp_path):
    page = tmp_path / "two_stage.html"
    args = ["solve", str(folder), "--futures", str(tmp_path / "futures.csv"), "--mip-gap", "0", "--quiet", "--workers", "1"]
    args += ["--report", str(page), "--risk-weights", "0,1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Two-stage plan for 'test': 2 futures, commitments up to 2026 shared" in result.output
    assert "open [-]: b 2026: 1, c 2026: 1" in result.output
    assert "EVPI 0.020 B USD" in result.output and "VSS  0.010 B USD" in result.output
    assert "b_late          0.5      0.05                     0.03        0.02" in result.output
    assert "Verified: every future's plan passes the independent check, and the commitments agree." in result.output
    assert "CVaR at 90% against the mean (B USD):" in result.output
    text = page.read_text()
    assert text.index(">Commit now<") < text.index(">Per future<") < text.index(">CVaR against the mean<") and "b_late" in text


@pytest.mark.parametrize(
    ("args", "futures", "message"),
    [
        (["--commit-year", "2031"], FUTURES, "--commit-year: 2031: expected a year from 2026 to 2027"),
        (["--alpha", "1"], FUTURES, "--alpha: 1.0: expected a level >= 0 and < 1"),
        (["--relax"], FUTURES, "--relax, --gw-value and --out do not apply"),
        (["--workers", "-1"], FUTURES, "--workers -1: expected 0"),
        (["--report", "."], FUTURES, "--report"),
        (["--risk-weights", "0,x"], FUTURES, "--risk-weights '0,x': 'x' is not a number"),
        (["--risk-weights=-1"], FUTURES, "--risk-weights: [-1.0]: expected CVaR weights, numbers >= 0"),
        ([], "future_id,probability,overrides\na,0.7,\nb,0.7,\n", "column 'probability': probabilities sum to 1.4; expected 1"),
        ([], "future_id,probability,overrides\na,1,chips[zz].first_year+=1\n", "futures.csv, line 2, column 'overrides'"),
    ],
)
def test_bad_futures_and_options_exit_2_before_any_solve(folder, tmp_path, args, futures, message):
    path = tmp_path / "futures.csv"
    path.write_text(futures)
    result = runner.invoke(app, ["solve", str(folder), "--futures", str(path), *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output
    assert path.read_text() == futures  # nothing the user wrote is touched
