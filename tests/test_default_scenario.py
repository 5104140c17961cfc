"""The shipped scenarios: the 5 GW default places every training run whole and leaves compute unserved rather than
become infeasible when the ceiling falls; the pool scenario (training as one pool, strict demand) solves to a verified
plan in which the ceiling binds."""

from __future__ import annotations

import pytest
from builders import SCENARIOS

import gigawatt as gw


@pytest.fixture(scope="module")
def default() -> gw.Scenario:
    return gw.load_scenario(SCENARIOS / "default")


@pytest.fixture(scope="module")
def pool() -> gw.Scenario:
    return gw.load_scenario(SCENARIOS / "pool")


@pytest.mark.parametrize("name", ["default", "pool", "tiny", "ceiling_4gw", "rubin_delay", "workloads"])
def test_shipped_scenarios_validate(name):
    assert gw.load_scenario(SCENARIOS / name).name == name


def test_default_matches_its_description(default):
    assert default.settings.ceiling_mw == 5000
    assert default.settings.years == list(range(2026, 2033))
    assert len(default.sites) >= 30 and len(default.chips) >= 10 and len(default.regions) >= 3
    for name, table in default.tables.items():
        assert table["source"].str.len().gt(0).all(), f"{name}.csv has rows without a source"


def test_default_runs_training_whole_and_values_every_workload(default, pool):
    """Inference only in ``demand`` (no location-free training region: the pool scenario keeps one), 20 valued
    runs; the pool shares every other table and has strict demand and no runs."""
    assert "training" not in set(default.regions.region_id) and "training" in set(pool.regions.region_id)
    runs = default.tables["training_runs"]
    assert len(runs) == 20 and runs["value_usd"].gt(0).all() and default.demand["value_usd_per_eflops_yr"].gt(0).all()
    assert "value_usd_per_eflops_yr" not in pool.demand or pool.demand["value_usd_per_eflops_yr"].isna().all()
    assert len(pool.tables["training_runs"]) == 0
    for name in ("sites", "chips", "nodes", "interconnection", "generators", "supplies", "links"):
        assert pool.tables[name].equals(default.tables[name]), name


def test_workloads_is_the_default_under_its_earlier_name(default):
    """``scenarios/workloads`` held these workloads before the default did; it now overrides nothing."""
    old = gw.load_scenario(SCENARIOS / "workloads")
    assert set(old.tables) == set(default.tables)
    assert all(old.tables[name].equals(default.tables[name]) for name in default.tables)
    assert old.settings.model_dump(exclude={"name", "description"}) == default.settings.model_dump(exclude={"name", "description"})


def test_pool_ceiling_binds_before_2032(pool):
    """In the LP relaxation the 5,000 MW ceiling is full in 2031 (the pool's demand path is sized for it)."""
    relaxed = gw.solve(pool, relax=True)
    power = relaxed.power.set_index("year")["facility_mw"]
    assert power[2031] == pytest.approx(5000.0, rel=1e-6)
    assert (power <= 5000.0 + 1e-6).all()


def test_pool_solves_to_a_verified_plan(pool):
    plan = gw.solve(pool, time_limit=120, mip_gap=0.01)  # ends at the 1 % gap; the limit is for a loaded machine
    assert plan.solution in ("optimal", "feasible")
    assert plan.verify() == []
    assert plan.power.facility_mw.max() <= 5000.0 + 1e-6
    assert plan.bound <= plan.objective and plan.gap < 0.02
    served = plan.serving.groupby("year").eflops.sum()
    demanded = pool.demand.groupby("year").eflops.sum()
    assert (served >= demanded * (1 - 1e-9)).all()


def test_pool_at_4gw_is_infeasible(pool):
    with pytest.raises(gw.InfeasibleScenario):
        gw.solve(pool.with_overrides(ceiling_mw=4000), relax=True)


def test_default_at_4gw_leaves_compute_unserved_instead(default):
    """``ceiling_4gw`` (the default at 4,000 MW) has a plan: in the LP relaxation it uses the whole ceiling in
    2031-2032 and leaves more compute unserved in those years than the default does at 5,000 MW."""
    at_5 = gw.solve(default, relax=True)
    at_4 = gw.solve(gw.load_scenario(SCENARIOS / "ceiling_4gw"), relax=True)
    power = at_4.power.set_index("year")["facility_mw"]
    assert power[[2031, 2032]].to_numpy() == pytest.approx(4000.0, rel=1e-6)
    lost_4, lost_5 = (p.unserved.groupby("year").eflops.sum() for p in (at_4, at_5))
    for year in (2031, 2032):
        assert lost_4[year] > lost_5.get(year, 0.0) + 100
    assert at_4.objective > at_5.objective
    wanted = default.demand.groupby("year")["eflops"].sum() + default.training_eflops()
    for plan in (at_4, at_5):  # the LP places fractions of runs: each delivers its fraction, the rest is unserved
        compute = plan.compute.set_index("year")
        assert (compute["eflops"] + compute["unserved_eflops"]).to_numpy() == pytest.approx(wanted.to_numpy(), rel=1e-6)


def test_default_places_every_run_whole_within_its_latency_on_one_family(default):
    """The issue's check on the shipped plan: each placed run on one campus or a group within its latency, on one
    family, the same campuses in all its years, its full need; a run not placed is unserved at its value.

    Solved to a 10 % gap (about 4.8 % is reached in some 40 s) rather than for a fixed time: a 20 s limit under a
    loaded machine once ended before any run was placed."""
    plan = gw.solve(default, mip_gap=0.1, time_limit=300, duals=False)
    assert plan.verify() == []
    runs = default.tables["training_runs"].set_index("run_id")
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
