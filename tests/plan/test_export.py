"""Plans and runs exported for colleagues: an Excel workbook and CSV files that read back equal, written whole, never over
a user's file unless asked, never into a scenario folder; the ``export`` and ``runs --out`` commands."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from builders import SCENARIOS, solve_verified
from typer.testing import CliRunner

import gigawatt as gw
from gigawatt.cli import app
from gigawatt.errors import OutputRefused
from gigawatt.plan.export import CSV_MARKER
from gigawatt.sweeps.store import RunStore

runner = CliRunner()


@pytest.fixture(scope="module")
def plan() -> gw.Plan:
    return solve_verified(gw.load_scenario(SCENARIOS / "tiny"))


def same_table(read: pd.DataFrame, table: pd.DataFrame) -> None:
    """Equal cell by cell, an empty text cell read back as missing (as Excel and CSV readers do)."""
    expected = table.replace("", np.nan).reset_index(drop=True)
    assert list(read.columns) == list(expected.columns)
    if len(expected):
        pd.testing.assert_frame_equal(read, expected, check_dtype=False)
    else:
        assert read.empty


def test_the_workbook_reads_back_every_table_and_a_summary(plan, tmp_path):
    written = plan.to_excel(tmp_path / "plan.xlsx")
    sheets = pd.read_excel(written, sheet_name=None)
    assert list(sheets) == ["summary", *plan.tables]
    for name, table in plan.tables.items():
        same_table(sheets[name], table)
    summary = sheets["summary"].set_index("item")["value"]
    assert summary["scenario"] == "tiny" and float(summary["objective_usd"]) == pytest.approx(plan.objective, rel=1e-12)
    assert float(summary["total_cost_usd"]) == pytest.approx(plan.kpis["total_cost_usd"], rel=1e-12)
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]  # no temporary file left


def test_csv_files_read_back_and_replace_only_an_earlier_export(plan, tmp_path):
    folder = plan.to_csv(tmp_path / "plan-csv")
    assert sorted(p.name for p in folder.iterdir()) == sorted([CSV_MARKER, "summary.csv", *(f"{n}.csv" for n in plan.tables)])
    for name, table in plan.tables.items():
        same_table(pd.read_csv(folder / f"{name}.csv"), table)
    (folder / "power.csv").write_text("stale")
    assert plan.to_csv(folder) == folder and pd.read_csv(folder / "power.csv").equals(plan.power)  # an earlier export: replaced
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(OutputRefused, match="not a gigawatt CSV export"):
        plan.to_csv(mine)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "plan-csv"]


def test_a_workbook_replaces_a_file_only_when_asked_and_never_in_a_scenario(plan, tmp_path):
    target = tmp_path / "theirs.xlsx"
    target.write_text("a colleague's file")
    with pytest.raises(OutputRefused, match="exists"):
        plan.to_excel(target)
    assert target.read_text() == "a colleague's file"
    plan.to_excel(target, overwrite=True)
    assert next(iter(pd.read_excel(target, sheet_name=None))) == "summary"
    scenario = Path(shutil.copytree(SCENARIOS / "tiny", tmp_path / "tiny"))
    with pytest.raises(OutputRefused, match="scenario folder"):
        plan.to_excel(scenario / "plan.xlsx", overwrite=True)
    with pytest.raises(OutputRefused, match="is a folder"):
        plan.to_excel(tmp_path)
    assert not (scenario / "plan.xlsx").exists()


def test_export_command_writes_beside_the_plan(plan, tmp_path):
    saved = plan.save(tmp_path / "run")
    result = runner.invoke(app, ["export", str(saved)])
    assert result.exit_code == 0, result.output
    assert "xlsx written to" in result.output and (tmp_path / "run.xlsx").is_file()
    result = runner.invoke(app, ["export", str(saved), "--format", "csv"])
    assert result.exit_code == 0 and (tmp_path / "run-csv" / "power.csv").is_file()
    again = runner.invoke(app, ["export", str(saved)])
    assert again.exit_code == 2 and "exists" in again.output and "--force" in again.output
    bad = runner.invoke(app, ["export", str(saved), "--format", "ods"])
    assert bad.exit_code == 2 and "expected xlsx or csv" in bad.output
    missing = runner.invoke(app, ["export", str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "not a readable plan" in missing.output


def test_runs_out_writes_the_store_and_an_empty_store_says_so(plan, tmp_path):
    store = tmp_path / "runs.duckdb"
    with RunStore(store):  # a store with no runs yet
        pass
    empty = runner.invoke(app, ["runs", str(store)])
    assert empty.exit_code == 0 and "no runs yet" in empty.output
    runs = gw.sweep(plan.scenario, grid={"ceiling_mw": [90.0, 100.0]}, store=store, workers=0)
    result = runner.invoke(app, ["runs", str(store), "--out", str(tmp_path / "runs.xlsx")])
    assert result.exit_code == 0, result.output
    read = pd.read_excel(tmp_path / "runs.xlsx", sheet_name="runs")
    assert sorted(read["run_id"]) == sorted(runs["run_id"]) and read["objective_usd"].notna().all()
    result = runner.invoke(app, ["runs", str(store), "--table", "power", "--out", str(tmp_path / "power.csv")])
    assert result.exit_code == 0 and len(pd.read_csv(tmp_path / "power.csv")) == len(gw.load_runs(store, table="power"))
    wrong = runner.invoke(app, ["runs", str(store), "--out", str(tmp_path / "runs.json")])
    assert wrong.exit_code == 2 and "expected a file ending in .xlsx or .csv" in wrong.output
