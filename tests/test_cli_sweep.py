"""``gigawatt sweep`` and ``gigawatt runs``."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import SCENARIOS
from typer.testing import CliRunner

import gigawatt as gw
from gigawatt.cli import app

TINY = str(SCENARIOS / "tiny")


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def test_sweep_grid_then_runs(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    result = invoke(
        "sweep",
        TINY,
        "--grid",
        "ceiling_mw=100,-1",
        "--grid",
        "chips[old_air].capex_usd_per_unit*=1,2",
        "--workers",
        "0",
        "--store",
        str(store),
    )
    assert result.exit_code == 0, result.output
    runs = gw.load_runs(store)
    assert len(runs) == 4 and sorted(runs["status"]) == ["invalid", "invalid", "optimal", "optimal"]
    assert "chips[old_air].capex_usd_per_unit*=2" in result.output  # labels are printed as text, not markup
    assert "invalid: overrides, key 'ceiling_mw'" in result.output
    listed = invoke("runs", str(store))
    assert listed.exit_code == 0 and listed.output.count("optimal") == 2
    power = invoke("runs", str(store), "--table", "power")
    assert power.exit_code == 0 and "facility_mw" in power.output


def test_sweep_prints_unserved_compute_only_when_some_run_has_it(tmp_path: Path) -> None:
    """Tiny with valued demand: 2 of its 10 EFLOP/s in 2027 fit no longer under 50 MW (8 do), all of them under 100."""
    valued = ["--grid", "demand.value_usd_per_eflops_yr=50000000", "--workers", "0", "--store", str(tmp_path / "v.duckdb")]
    result = invoke("sweep", TINY, "--grid", "ceiling_mw=50,100", *valued)
    assert result.exit_code == 0, result.output
    assert "unserved last yr" in result.output
    runs = gw.load_runs(tmp_path / "v.duckdb").sort_values("ceiling_mw")
    assert runs["final_year_unserved_eflops"].tolist() == pytest.approx([2.0, 0.0], abs=1e-6)
    strict = invoke("sweep", TINY, "--grid", "ceiling_mw=100,120", "--workers", "0", "--store", str(tmp_path / "s.duckdb"))
    assert strict.exit_code == 0 and "unserved last yr" not in strict.output


def test_sweep_file(tmp_path: Path) -> None:
    spec = tmp_path / "sweep.yaml"
    spec.write_text("name: s\nsensitivity:\n  step: 0.1\n  parameters: [supplies.energy_price_usd_per_mwh]\nsolve: {time_limit: 20}\n")
    store = tmp_path / "r.duckdb"
    result = invoke("sweep", TINY, "--file", str(spec), "--workers", "0", "--store", str(store))
    assert result.exit_code == 0, result.output
    runs = gw.load_runs(store)
    assert list(runs["supplies.energy_price_usd_per_mwh*"].fillna(1.0)) == [1.0, 0.9, 1.1]
    low, high = runs["objective_usd"].iloc[1], runs["objective_usd"].iloc[2]
    assert low < runs["objective_usd"].iloc[0] < high  # energy is a cost in every plan of tiny
    assert set(runs["sweep"]) == {"s"}


def test_bad_sweep_input_exits_2(tmp_path: Path) -> None:
    spec = tmp_path / "sweep.yaml"
    spec.write_text("grid: {ceiling_mw: []}\n")
    result = invoke("sweep", TINY, "--file", str(spec), "--store", str(tmp_path / "r.duckdb"))
    assert result.exit_code == 2 and "sweep.yaml" in result.output and "grid" in result.output
    assert invoke("sweep", TINY, "--grid", "ceiling_mw", "--workers", "0").exit_code == 2
    assert not (tmp_path / "r.duckdb").exists()
    missing = invoke("runs", str(tmp_path / "none.duckdb"))
    assert missing.exit_code == 2 and "No results store" in missing.output


def test_sweep_stopped_by_ctrl_c_keeps_what_finished_and_resumes(tmp_path: Path, monkeypatch) -> None:
    """Ctrl-C as the second of three runs starts: the first is saved, the second (cut short) and third are not; exit 130
    with the resume hint; the same command then runs the other two."""
    from gigawatt.solvers import stop
    from gigawatt.sweeps import runner

    run_one, started = runner.run_one, []

    def run_then_stop(scn, options):
        started.append(scn.settings.ceiling_mw)
        if len(started) == 2:
            stop.request()
        return run_one(scn, options)

    store = tmp_path / "runs.duckdb"
    args = ("sweep", TINY, "--grid", "ceiling_mw=100,110,120", "--workers", "0", "--store", str(store))
    monkeypatch.setattr(runner, "run_one", run_then_stop)
    stopped = invoke(*args)
    assert stopped.exit_code == 130, stopped.output
    assert stopped.output.count("the same sweep on that store runs the rest") == 1 and "Traceback" not in stopped.output
    assert started == [100.0, 110.0]
    assert gw.load_runs(store)["ceiling_mw"].tolist() == [100.0]
    monkeypatch.setattr(runner, "run_one", run_one)
    resumed = invoke(*args)
    assert resumed.exit_code == 0, resumed.output
    runs = gw.load_runs(store)
    assert sorted(runs["ceiling_mw"]) == [100.0, 110.0, 120.0] and set(runs["status"]) == {"optimal"}
