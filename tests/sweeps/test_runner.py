"""Sweeps end to end: in process, and on a real local Dask cluster (with a worker killed mid-run)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from builders import SCENARIOS

import gigawatt as gw

TINY = SCENARIOS / "tiny"


def counts(store: Path) -> dict[str, int]:
    with duckdb.connect(str(store), read_only=True) as con:
        return dict(con.execute("SELECT run_id, count(*) FROM runs GROUP BY run_id").fetchall())


# -- in process ------------------------------------------------------------------------------------
def test_in_process_runs_match_single_solves(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    runs = gw.sweep(TINY, grid={"ceiling_mw": [100, 120]}, workers=0, progress=False, store=store)
    assert list(runs["ceiling_mw"]) == [100, 120]
    for row in runs.itertuples():
        plan = gw.solve(gw.load_scenario(TINY).with_overrides(ceiling_mw=row.ceiling_mw), threads=1)
        assert row.objective_usd == pytest.approx(plan.objective, rel=1e-9)
        assert row.status == "optimal" and row.violations == 0 and row.attempts == 1
        assert row.mw_2027 == pytest.approx(plan.power.set_index("year").facility_mw[2027])
    chips = gw.load_runs(store, table="chips")
    assert set(chips["run_id"]) == set(runs["run_id"])


def test_runs_record_the_compute_a_lower_ceiling_leaves_unserved(tmp_path: Path) -> None:
    """Tiny with its demand valued: at 50 MW (infeasible with strict demand) the run records the final year's
    unserved EFLOP/s and the discounted value forgone, as the plan's KPIs give them; at 100 MW less is unserved."""
    valued = gw.load_scenario(TINY).with_overrides({"demand.value_usd_per_eflops_yr": 50e6})
    runs = gw.sweep(valued, grid={"ceiling_mw": [50, 100]}, workers=0, progress=False, store=tmp_path / "r.duckdb")
    low, high = runs.sort_values("ceiling_mw").itertuples()
    kpis = gw.solve(valued.with_overrides(ceiling_mw=50), threads=1).kpis
    assert low.final_year_unserved_eflops == pytest.approx(kpis["final_year_unserved_eflops"]) and low.final_year_unserved_eflops > 0
    assert low.forgone_usd == pytest.approx(kpis["forgone_usd"]) and low.forgone_usd > 0
    assert high.forgone_usd < low.forgone_usd and low.total_cost_usd > high.total_cost_usd


def test_bad_override_fails_only_its_run(tmp_path: Path) -> None:
    runs = gw.sweep(TINY, grid={"ceiling_mw": [-5, 100]}, workers=0, progress=False, store=tmp_path / "r.duckdb")
    bad, good = runs.itertuples()
    assert bad.status == "invalid" and "ceiling_mw" in bad.error and "> 0" in bad.error
    assert good.status == "optimal" and pd.isna(good.error)


def test_solver_failure_and_infeasibility_are_recorded(tmp_path: Path) -> None:
    runs = gw.sweep(TINY, grid={"ceiling_mw": [50, 100]}, workers=0, progress=False, solver="pyomo:no_such_solver")
    assert set(runs["status"]) == {"failed"}
    assert all("no_such_solver" in e for e in runs["error"])
    runs = gw.sweep(TINY, grid={"ceiling_mw": [50]}, workers=0, progress=False)
    assert runs.loc[0, "status"] == "infeasible" and "MW" in runs.loc[0, "error"]


def test_resume_skips_done_runs_and_ids_follow_the_resolved_scenario(tmp_path: Path) -> None:
    store = tmp_path / "r.duckdb"
    first = gw.sweep(TINY, grid={"ceiling_mw": [100, 120]}, workers=0, progress=False, store=store)
    seen: list[dict] = []
    again = gw.sweep(TINY, grid={"ceiling_mw": [120, 100, 130]}, workers=0, progress=False, store=store, callback=seen.append)
    assert [row["ceiling_mw"] for row in seen] == [130]  # only the new run was solved
    assert list(again["run_id"][:2]) == list(first["run_id"][::-1])
    assert counts(store) == dict.fromkeys(again["run_id"], 1)
    other = gw.sweep(TINY, grid={"ceiling_mw": [100]}, workers=0, progress=False, mip_gap=0.5)
    assert other.loc[0, "run_id"] != first.loc[0, "run_id"]  # other solve options: another run


# -- on a local Dask cluster ---------------------------------------------------------------------
LIMIT_S = 5
GRID = {"ceiling_mw": [5000, 6000], "supplies.energy_price_usd_per_mwh*": [0.9, 1.1]}


def test_grid_on_local_cluster_then_resume(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    pool = gw.load_scenario(SCENARIOS / "pool")
    runs = gw.sweep(pool, grid=GRID, workers=2, store=store, time_limit=LIMIT_S, duals=False, progress=False)
    assert len(runs) == 4 and counts(store) == dict.fromkeys(runs["run_id"], 1)
    assert sorted(zip(runs["ceiling_mw"], runs["supplies.energy_price_usd_per_mwh*"], strict=True)) == sorted(
        (c, p) for c in GRID["ceiling_mw"] for p in GRID["supplies.energy_price_usd_per_mwh*"]
    )
    # A 5 s limit on a busy machine may end a run before its first plan: recorded as no_plan, with the reason.
    assert set(runs["status"]) <= {"optimal", "feasible", "no_plan"} and (runs["status"] != "no_plan").any()
    planned = runs[runs["status"] != "no_plan"]
    assert (planned["violations"] == 0).all() and (planned["bound_usd"] <= planned["objective_usd"] * (1 + 1e-9)).all()
    assert runs.loc[runs["status"] == "no_plan", "error"].str.contains("time").all()
    assert runs["worker"].nunique() == 2
    years = pool.settings.years
    assert len(gw.load_runs(store, table="power")) == len(planned) * len(years)
    solved: list[dict] = []
    again = gw.sweep(pool, grid=GRID, workers=2, store=store, time_limit=LIMIT_S, duals=False, progress=False, callback=solved.append)
    assert solved == [] and list(again["run_id"]) == list(runs["run_id"])
    assert list(again["finished_at"]) == list(runs["finished_at"])


def test_killed_worker_run_is_retried_and_recorded_once(tmp_path: Path) -> None:
    from distributed import default_client

    store = tmp_path / "runs.duckdb"
    killed: list[int] = []
    held: list[int] = []  # tasks the killed worker held: the one it was running, perhaps one queued behind it

    def kill_a_busy_worker(row: dict) -> None:
        if killed:
            return
        client = default_client()
        busy = [address for address, keys in client.processing().items() if keys]
        held.append(len(client.processing()[busy[0]]))
        pids = client.run(os.getpid, workers=busy[:1])
        for pid in pids.values():
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    grid = {"ceiling_mw": [5000, 5200, 5400, 5600]}
    runs = gw.sweep(
        SCENARIOS / "pool",
        grid=grid,
        workers=2,
        store=store,
        time_limit=LIMIT_S,
        duals=False,
        progress=False,
        callback=kill_a_busy_worker,
    )
    assert len(killed) == 1
    assert counts(store) == dict.fromkeys(runs["run_id"], 1) and len(runs) == 4
    assert set(runs["status"]) <= {"optimal", "feasible", "no_plan"}
    assert 1 <= (runs["attempts"] == 2).sum() <= held[0]  # the runs on the killed worker ran again elsewhere
    retried = runs.loc[runs["attempts"] == 2, "worker"]
    assert not retried.str.endswith(f":{killed[0]}").any()  # (runs it finished before it died may name it)


def test_existing_cluster_by_address(tmp_path: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None, processes=True) as cluster:
        workers = {w.pid for w in cluster.workers.values() if hasattr(w, "pid")}
        runs = gw.sweep(TINY, grid={"ceiling_mw": [100, -1, 110]}, scheduler=cluster.scheduler_address, progress=False)
    assert list(runs["status"]) == ["optimal", "invalid", "optimal"]
    assert "ceiling_mw" in runs.loc[1, "error"] and pd.isna(runs.loc[1, "worker"])  # refused before reaching a worker
    assert {int(w.rsplit(":", 1)[1]) for w in runs["worker"].dropna()} <= workers and len(workers) == 1


def test_relaxed_sweep_records_bounds_without_verifying() -> None:
    runs = gw.sweep(TINY, grid={"ceiling_mw": [100]}, workers=0, progress=False, relax=True)
    plan = gw.solve(gw.load_scenario(TINY), relax=True)
    assert runs.loc[0, "objective_usd"] == pytest.approx(plan.objective) and pd.isna(runs.loc[0, "violations"])
