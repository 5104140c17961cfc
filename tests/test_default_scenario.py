"""The shipped scenarios: the 5 GW default solves to a verified plan in which the ceiling binds; the workloads
scenario places every training run whole."""

from __future__ import annotations

import pytest
from builders import SCENARIOS

import gigawatt as gw


@pytest.fixture(scope="module")
def default() -> gw.Scenario:
    return gw.load_scenario(SCENARIOS / "default")


@pytest.mark.parametrize("name", ["default", "tiny", "ceiling_4gw", "rubin_delay", "workloads"])
def test_shipped_scenarios_validate(name):
    assert gw.load_scenario(SCENARIOS / name).name == name


def test_default_matches_its_description(default):
    assert default.settings.ceiling_mw == 5000
    assert default.settings.years == list(range(2026, 2033))
    assert len(default.sites) >= 30 and len(default.chips) >= 10 and len(default.regions) >= 3
    for name, table in default.tables.items():
        assert table["source"].str.len().gt(0).all(), f"{name}.csv has rows without a source"


def test_ceiling_binds_before_2032(default):
    """In the LP relaxation the 5,000 MW ceiling is full in 2031 (the demand path is sized for it)."""
    relaxed = gw.solve(default, relax=True)
    power = relaxed.power.set_index("year")["facility_mw"]
    assert power[2031] == pytest.approx(5000.0, rel=1e-6)
    assert (power <= 5000.0 + 1e-6).all()


def test_default_solves_to_a_verified_plan(default):
    plan = gw.solve(default, time_limit=120, mip_gap=0.01)  # ends at the 1 % gap; the limit is for a loaded machine
    assert plan.solution in ("optimal", "feasible")
    assert plan.verify() == []
    assert plan.power.facility_mw.max() <= 5000.0 + 1e-6
    assert plan.bound <= plan.objective and plan.gap < 0.02
    served = plan.serving.groupby("year").eflops.sum()
    demanded = default.demand.groupby("year").eflops.sum()
    assert (served >= demanded * (1 - 1e-9)).all()


def test_ceiling_4gw_is_infeasible(default):
    with pytest.raises(gw.InfeasibleScenario):
        gw.solve(gw.load_scenario(SCENARIOS / "ceiling_4gw"), relax=True)


@pytest.fixture(scope="module")
def workloads() -> gw.Scenario:
    return gw.load_scenario(SCENARIOS / "workloads")


def test_workloads_replaces_the_training_pool_with_runs(workloads, default):
    """Inference only in ``demand`` (the default's location-free training region gone), 20 valued runs, inherited rest."""
    assert "training" not in set(workloads.regions.region_id) and "training" in set(default.regions.region_id)
    runs = workloads.tables["training_runs"]
    assert len(runs) == 20 and runs["value_usd"].gt(0).all() and workloads.demand["value_usd_per_eflops_yr"].gt(0).all()
    assert workloads.tables["sites"].equals(default.tables["sites"])
    for name, table in workloads.tables.items():
        assert table["source"].str.len().gt(0).all(), f"{name}.csv has rows without a source"


def test_workloads_places_every_run_whole_within_its_latency_on_one_family(workloads):
    """The issue's check on the shipped plan: each placed run on one campus or a group within its latency, on one
    family, the same campuses in all its years, its full need; a run not placed is unserved at its value.

    Solved to a 10 % gap (about 4.8 % is reached in some 40 s) rather than for a fixed time: a 20 s limit under a
    loaded machine once ended before any run was placed."""
    plan = gw.solve(workloads, mip_gap=0.1, time_limit=300, duals=False)
    assert plan.verify() == []
    runs = workloads.tables["training_runs"].set_index("run_id")
    placements = plan.placements.set_index("run_id")
    assert placements["placed"].sum() >= 10
    for r, p in placements[placements["placed"]].iterrows():
        run = runs.loc[r]
        assert 1 <= p.campuses <= run.max_campuses and p.latency_ms <= run.max_latency_ms + 1e-9
        used = plan.training[plan.training.run_id == r]
        assert set(used.site_id) <= set(p.sites.split(";"))
        assert run.mix_families or set(used.family) == {p.family}
        need = run.eflops if p.campuses == 1 else run.eflops / (1 - run.split_loss_frac)
        by_year = used.groupby("year").eflops.sum()
        assert list(by_year.index) == list(range(run.first_year, run.last_year + 1))
        assert by_year.to_numpy() == pytest.approx(need, rel=1e-6)
    unplaced = set(placements.index[~placements["placed"]])
    assert unplaced == set(plan.unserved.loc[plan.unserved.workload == "training", "id"])
