"""The command line: exit codes, summaries, saved plans."""

from __future__ import annotations

import subprocess
import sys

import pytest
from builders import chip, write_scenario
from typer.testing import CliRunner

import gigawatt as gw
from gigawatt.cli import app

runner = CliRunner()


@pytest.fixture
def folder(tmp_path):
    chips = [chip("a"), chip("b", it_kw_per_unit=500.0, capex_usd_per_unit=3e6)]
    return write_scenario(tmp_path / "scn", {"ceiling_mw": 10.0}, chips=chips, demand=[{"year": 2026, "eflops": 15.0}])


def test_validate_prints_summary(folder):
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert "10 MW facility power" in result.output and "valid" in result.output


def test_validate_bad_input_exits_2_naming_file_line_and_column(folder):
    sites = (folder / "sites.csv").read_text().splitlines()
    sites[1] = sites[1].replace(",1.0,liquid,", ",0.9,liquid,")
    (folder / "sites.csv").write_text("\n".join(sites) + "\n")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    assert "sites.csv, line 2, column 'pue'" in result.output


def test_set_override_and_bad_override(folder):
    assert runner.invoke(app, ["validate", str(folder), "--set", "ceiling_mw=20"]).exit_code == 0
    result = runner.invoke(app, ["validate", str(folder), "--set", "ceilin_mw=20"])
    assert result.exit_code == 2 and "did you mean 'ceiling_mw'" in result.output


def test_solve_prints_plan_and_saves(folder, tmp_path):
    out = tmp_path / "plan"
    result = runner.invoke(app, ["solve", str(folder), "--mip-gap", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "verified" in result.output
    plan = gw.load_plan(out)
    assert plan.objective == pytest.approx(35e6)


def test_solve_infeasible_exits_3(folder):
    result = runner.invoke(app, ["solve", str(folder), "--set", "ceiling_mw=5"])
    assert result.exit_code == 3, result.output
    assert "What cannot be met" in result.output and "EFLOP/s" in result.output


def test_console_script_runs_without_traceback(folder):
    """The installed entry point, as a user runs it."""
    proc = subprocess.run([sys.executable, "-m", "gigawatt.cli", "validate", str(folder / "missing")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "no scenario.yaml" in proc.stderr
