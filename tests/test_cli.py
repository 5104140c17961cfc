"""The command line: exit codes, summaries, saved plans."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from builders import SCENARIOS, chip, supply, write_scenario
from typer.testing import CliRunner

import gigawatt as gw
from gigawatt.cli import app

runner = CliRunner()


@pytest.fixture
def folder(tmp_path):
    chips = [chip("a"), chip("b", it_kw_per_unit=500.0, capex_usd_per_unit=3e6)]
    return write_scenario(tmp_path / "scn", {"ceiling_mw": 10.0}, chips=chips, demand=[{"year": 2026, "eflops": 15.0}])


def test_a_library_warning_prints_as_one_plain_line(tmp_path):
    """An energy price of 5,000 USD/MWh is valid but implausible. `solve` prints the warning as its kind and message on
    one line, without Python's source file and line; `validate` lists it in its summary only, once."""
    scn = write_scenario(tmp_path / "scn", supplies=[supply("g", energy_price_usd_per_mwh=5000.0)], demand=[{"year": 2026, "eflops": 1.0}])
    solved = runner.invoke(app, ["solve", str(scn), "--quiet"])
    assert solved.exit_code == 0, solved.output
    line = next(line for line in solved.output.splitlines() if "energy_price_usd_per_mwh" in line)
    assert line.startswith("PlausibilityWarning: supplies.csv, line 2, column 'energy_price_usd_per_mwh': 5000: 5,000 USD/MWh")
    assert ".py:" not in solved.output
    validated = runner.invoke(app, ["validate", str(scn)])
    assert validated.exit_code == 0 and validated.output.count("5,000 USD/MWh is far outside") == 1
    assert "PlausibilityWarning" not in validated.output


def test_a_second_ctrl_c_aborts_in_one_line_with_exit_130(folder, monkeypatch):
    import gigawatt.cli

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(gigawatt.cli, "load_scenario", interrupted)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 130 and result.output.startswith("gigawatt: aborted by Ctrl-C") and "Traceback" not in result.output


def test_validate_prints_summary(folder):
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert "10 MW facility power" in result.output and "valid" in result.output


def test_validate_bad_input_exits_2_naming_file_line_and_column(folder):
    sites = pd.read_csv(folder / "sites.csv")
    sites.loc[0, "pue"] = 0.9
    sites.to_csv(folder / "sites.csv", index=False)
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


def test_the_summary_title_names_the_overrides_in_plain_words_and_a_saved_plan_keeps_them(folder, tmp_path):
    out = tmp_path / "plan"
    result = runner.invoke(app, ["solve", str(folder), "--mip-gap", "0", "--set", "ceiling_mw=20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Plan for 'test' with ceiling_mw=20: optimal, gap 0.000%" in result.output
    assert gw.load_plan(out).summary().startswith("Plan for 'test' with ceiling_mw=20: optimal")
    assert "Plan for 'test': optimal" in runner.invoke(app, ["solve", str(folder), "--mip-gap", "0"]).output


def test_solve_infeasible_exits_3(folder):
    result = runner.invoke(app, ["solve", str(folder), "--set", "ceiling_mw=5"])
    assert result.exit_code == 3, result.output
    assert "Before any solve, each of these alone proves there is no plan:" in result.output and "EFLOP/s" in result.output


def test_solve_infeasible_prints_the_checked_options(folder):
    """Ceiling 9 MW; chip b (1 EFLOP/s at 0.5 MW) capped at 10 units, chip a (1 EFLOP/s at 1 MW) at 6.

    The audit proves nothing (9 MW x 2 = 18 EFLOP/s, 16 units of supply), but 10 units of b (5 MW) and 4 of a
    (4 MW) serve only 14 EFLOP/s: serve 1 EFLOP/s less, or raise the ceiling to 10 MW (b 10 + a 5), checked.
    """
    caps = ["--set", "ceiling_mw=9", "--set", "chips[a].max_units_per_year=6", "--set", "chips[b].max_units_per_year=10"]
    result = runner.invoke(app, ["solve", str(folder), *caps])
    assert result.exit_code == 3, result.output
    assert "Either serve less demand, this change alone (checked: feasible with this change):" in result.output
    assert "2026, region all: 1.0 EFLOP/s of 15.0 cannot be served" in result.output
    assert "Or meet all demand and raise caps, this change alone (checked: feasible with this change):" in result.output
    assert "2026: the ceiling would need 10.0 MW (1.0 MW over 9.0 MW)" in result.output


def test_console_script_runs_without_traceback(folder):
    """The installed entry point, as a user runs it."""
    proc = subprocess.run([sys.executable, "-m", "gigawatt.cli", "validate", str(folder / "missing")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "no scenario.yaml" in proc.stderr


def test_solve_gw_value_and_ceiling_value_print_the_same_value_of_a_gw():
    """The tiny scenario from 90 to 100 MW, at the scenario's 0.1% gap tightened as needed: the summary's headline
    and the ceiling-value line are the same text (same function, same solves). 90 -> 100 MW saves 2.02 M USD over
    2 undiscounted years: 101,000 USD per MW-year."""
    tiny = str(SCENARIOS / "tiny")
    solved = runner.invoke(app, ["solve", tiny, "--set", "ceiling_mw=90", "--gw-value", "--gw-step", "10", "--quiet"])
    assert solved.exit_code == 0, solved.output
    headline = solved.output.splitlines()[1].strip()
    assert headline.startswith("value of 10 MW (90 -> 100 MW): 101.00 k USD per MW-year, proven ")
    table = runner.invoke(app, ["ceiling-value", tiny, "--ceilings", "100,90", "--quiet"])
    assert table.exit_code == 0, table.output
    assert headline in table.output.splitlines()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ceiling-value", "--ceilings", "90"], "expected at least two different ceilings"),
        (["ceiling-value", "--ceilings", "90,ten"], "'ten' is not a number"),
        (["ceiling-value", "--ceilings", "90,-5"], "'-5': expected a finite number of MW > 0"),
        (["solve", "--gw-value", "--gw-step", "0"], "--gw-step 0: expected MW of extra ceiling"),
    ],
)
def test_value_of_a_gw_bad_input_exits_2(folder, args, message):
    result = runner.invoke(app, [args[0], str(folder), *args[1:]])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_version_prints_the_package_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"gigawatt {gw.__version__}\n"
