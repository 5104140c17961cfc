"""The shipped scenarios: the 5 GW default solves to a verified plan in which the ceiling binds."""

from __future__ import annotations

import pytest
from builders import SCENARIOS

import gigawatt as gw


@pytest.fixture(scope="module")
def default() -> gw.Scenario:
    return gw.load_scenario(SCENARIOS / "default")


@pytest.mark.parametrize("name", ["default", "tiny", "ceiling_4gw", "rubin_delay"])
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
    plan = gw.solve(default, time_limit=30)
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
