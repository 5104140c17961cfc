"""The command line's one boundary for input: bad options exit 2 with one line naming option, value and expectation.

No traceback, whatever the input: markup-like brackets and undecodable bytes print as they are,
``--relax`` saves its bound without verifying, and an unexpected error ends in one line (exit 1).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from builders import ROOT, SCENARIOS
from typer.testing import CliRunner

import gigawatt as gw
import gigawatt.solving
from gigawatt.cli import app

runner = CliRunner()
TINY = str(SCENARIOS / "tiny")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--time-limit", "-1"], "--time-limit -1: expected a finite number of seconds > 0"),
        (["--time-limit", "0"], "--time-limit 0: expected a finite number of seconds > 0"),
        (["--time-limit", "nan"], "--time-limit nan: expected a finite number of seconds > 0"),
        (["--mip-gap", "-1"], "--mip-gap -1: expected a relative gap from 0 up to (not including) 1"),
        (["--mip-gap", "2"], "--mip-gap 2: expected a relative gap from 0 up to (not including) 1"),
        (["--threads", "0"], "--threads 0: expected 1 to 1024"),
        (["--solver", "gurobi"], "--solver 'gurobi': not available (unknown solver 'gurobi'"),
        (["--solver", "pyomo:doesnotexist"], "--solver 'pyomo:doesnotexist': not available (Pyomo has no solver plugin"),
        (["--set", "ceiling_mw"], "--set 'ceiling_mw': expected KEY=VALUE"),
        (["--set", "=5"], "--set '=5': expected KEY=VALUE"),
    ],
)
def test_bad_solve_option_exits_2_with_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", TINY, *args, "--out", str(tmp_path / "run")])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("gigawatt: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "-1"], "--workers -1: expected 0 (run in this process) or more"),
        (["--time-limit", "inf"], "--time-limit inf: expected a finite number of seconds > 0"),
        (["--mip-gap", "1"], "--mip-gap 1: expected a relative gap"),
    ],
)
def test_bad_sweep_option_exits_2_with_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["sweep", TINY, "--grid", "ceiling_mw=90", *args, "--store", str(tmp_path / "r.duckdb")])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "r.duckdb").exists()


def test_bad_options_through_the_real_command_print_no_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gigawatt.cli", "solve", TINY, "--mip-gap", "2"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "gigawatt: --mip-gap 2: expected a relative gap from 0 up to (not including) 1, e.g. 0.001"


def test_set_with_a_row_selector_as_the_readme_documents(tmp_path: Path) -> None:
    base = runner.invoke(app, ["solve", TINY, "--threads", "1", "--out", str(tmp_path / "base")])
    capped = runner.invoke(
        app, ["solve", TINY, "--threads", "1", "--set", "supplies[node_id=south].capacity_mw=90", "--out", str(tmp_path / "capped")]
    )
    assert base.exit_code == 0 and capped.exit_code == 0, capped.output
    south = gw.load_plan(tmp_path / "capped").scenario.tables["supplies"].set_index("node_id").loc["south", "capacity_mw"]
    assert south == 90
    assert gw.load_plan(tmp_path / "base").scenario.tables["supplies"].set_index("node_id").loc["south", "capacity_mw"] == 100


def test_relax_prints_the_bound_and_saves_without_verifying(tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", TINY, "--relax", "--threads", "1", "--out", str(tmp_path / "lp")])
    assert result.exit_code == 0, result.output
    assert "LP relaxation: a lower bound on the cost, not a buildable plan; not verified" in result.output
    assert "verified: the independent check" not in result.output
    saved = gw.load_plan(tmp_path / "lp")
    assert saved.options["relax"] is True and saved.summary().startswith("Plan for 'tiny'")
    report = runner.invoke(app, ["report", str(tmp_path / "lp")])
    assert report.exit_code == 0, report.output


def test_brackets_in_paths_and_names_print_as_they_are(tmp_path: Path) -> None:
    folder = shutil.copytree(TINY, tmp_path / "scn[bold]")
    result = runner.invoke(app, ["validate", str(folder), "--set", "name=x[/]y"])
    assert result.exit_code == 0, result.output
    assert "Scenario 'x[/]y'" in result.output
    missing = runner.invoke(app, ["validate", str(tmp_path / "nope[/red]")])
    assert missing.exit_code == 2 and "Invalid scenario" in missing.output and "nope[/red]:" in missing.output
    saved = runner.invoke(app, ["solve", str(folder), "--threads", "1", "--out", str(tmp_path / "out[red]")])
    assert saved.exit_code == 0, saved.output
    assert f"saved to {tmp_path / 'out[red]'}" in saved.output


def test_undecodable_bytes_in_an_argument_print_escaped() -> None:
    """An argument with a byte that is not UTF-8 becomes a lone surrogate in Python: refused (no file can hold it;
    the scenario's hash failed on it), the value printed as an escape."""
    proc = subprocess.run(
        [sys.executable.encode(), b"-m", b"gigawatt.cli", b"validate", TINY.encode(), b"--set", b"description=caf\xe9 notes"],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert b"Traceback" not in proc.stderr
    assert b"overrides, key 'description': 'caf\\udce9 notes': holds a lone surrogate" in proc.stderr


def test_an_unexpected_error_ends_in_one_line_with_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(gigawatt.solving, "solve", broken)
    result = runner.invoke(app, ["solve", TINY])
    assert result.exit_code == 1
    assert result.output.startswith("gigawatt: unexpected error (RuntimeError: boom). This is a bug")
    assert "GIGAWATT_DEBUG=1 shows the traceback" in result.output and "second line" not in result.output
    monkeypatch.setenv("GIGAWATT_DEBUG", "1")
    debug = runner.invoke(app, ["solve", TINY])
    assert isinstance(debug.exception, RuntimeError)
