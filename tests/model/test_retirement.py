"""Retirement: hand-solved cases where switching an old vintage off early makes room under the ceiling.

Builders' defaults: one node, a free 100 MW site, free power, discount rate 0, one modelled year each.
"""

from __future__ import annotations

import pandas as pd
import pytest
from builders import chip, scenario, solve_verified

import gigawatt as gw
from gigawatt.plan.tables import PLAN_TABLES
from gigawatt.plan.verify import verify

YEARS = {"years": [2026, 2027], "ceiling_mw": 10.0}


def fleet(salvage_frac: float = 0.0) -> list[dict]:
    """old: 1 MW and 1 EFLOP/s a unit, 1e6 USD, on sale in 2026, life 2 (0.5e6 USD a year, all inside the horizon);
    mid: 0.5 MW, 1 EFLOP/s, 2e6 USD, on sale in 2026, life 2; new: 0.25 MW, 1 EFLOP/s, 0.5e6 USD, on sale in 2027, life 1."""
    return [
        chip("old", first_year=2026, last_year=2026, lifetime_years=2, salvage_frac=salvage_frac),
        chip("mid", first_year=2026, last_year=2026, lifetime_years=2, it_kw_per_unit=500.0, capex_usd_per_unit=2e6),
        chip("new", first_year=2027, last_year=2027, it_kw_per_unit=250.0, capex_usd_per_unit=0.5e6),
    ]


DEMAND = [{"year": 2026, "eflops": 10.0}, {"year": 2027, "eflops": 30.0}]


def retiring(salvage_frac: float = 0.0) -> gw.Scenario:
    return scenario(YEARS, chips=fleet(salvage_frac), demand=DEMAND)


def test_retiring_the_old_fleet_beats_keeping_it():
    """10 MW ceiling; demand 10 EFLOP/s in 2026 and 30 in 2027.

    Kept for life (no retirement): with a old and b mid units in 2026 and n new in 2027,
    a + b >= 10, a + 0.5 b + 0.25 n <= 10 and a + b + n >= 30 give 3a + b <= 10, so a = 0, b = 10,
    n = 20: 2e7 + 1e7 = 3.0e7 USD.
    With retirement: 10 old in 2026 (1e7); in 2027 keeping k of them leaves 10 - k MW for 30 - k new
    units of 0.25 MW: k + 0.25 (30 - k) <= 10 gives k <= 3.33, so k = 3 (whole units) and 7 are retired;
    27 new cost 1.35e7. Total 2.35e7 USD, 6.5e6 less. The retired units' capital is still paid.
    """
    plan = solve_verified(retiring(), retirement=True)
    assert plan.objective == pytest.approx(2.35e7, rel=1e-9)
    old = plan.chips[plan.chips.chip_id == "old"].set_index("year")
    assert old.loc[2027, ["installed_units", "active_units", "retired_units"]].tolist() == [0, 3, 7]
    assert old.loc[2027, "facility_mw"] == pytest.approx(3.0)
    assert plan.retirements[["chip_id", "vintage", "year", "retired_units"]].values.tolist() == [["old", 2026, 2027, 7]]
    assert plan.power.set_index("year").loc[2027, "facility_mw"] == pytest.approx(3.0 + 27 * 0.25)
    assert plan.power.set_index("year").loc[2027, "eflops"] == pytest.approx(30.0)


def test_with_every_retirement_fixed_at_zero_the_fleet_is_kept():
    """The same case with every retirement forbidden reaches the 3.0e7 USD derived above."""
    model = gw.build_model(retiring(), gw.ModelOptions(retirement=True))
    for var in model.v_retired.values():
        var.fix(0)
    plan = gw.solve_model(model, mip_gap=0.0)
    assert plan.verify() == []
    assert plan.objective == pytest.approx(3.0e7, rel=1e-9)
    installed = plan.chips.groupby("chip_id")["installed_units"].sum()
    assert installed[installed > 0].to_dict() == {"mid": 10, "new": 20}


def test_salvage_is_credited_and_changes_nothing_else():
    """salvage_frac 0.5: a unit of old retired in 2027, one year into its two-year life, returns
    0.5 x 1e6 x (1 - 1/2) = 2.5e5 USD. Keeping one more unit still saves 0.5e6 - 2.5e5 > 0 (one new unit
    less), so the build stays (keep 3, retire 7) and the cost is 2.35e7 - 7 x 2.5e5 = 2.175e7 USD."""
    plan = solve_verified(retiring(salvage_frac=0.5), retirement=True)
    assert plan.objective == pytest.approx(2.175e7, rel=1e-9)
    costs = plan.costs.set_index(["category", "year"])["discounted_usd"]
    assert costs["chip_salvage", 2027] == pytest.approx(-1.75e6)


def test_salvage_is_discounted_from_the_retirement_year():
    """At a 10 % discount rate the 2027 credit of 2.5e5 USD per unit counts 2.5e5 / 1.1 in 2026 money."""
    plan = solve_verified(scenario({**YEARS, "discount_rate": 0.1}, chips=fleet(0.5), demand=DEMAND), retirement=True)
    retired = int(plan.retirements["retired_units"].sum())
    costs = plan.costs.set_index(["category", "year"])["discounted_usd"]
    assert retired > 0
    assert costs["chip_salvage", 2027] == pytest.approx(-retired * 2.5e5 / 1.1)


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [("retired_units", 11, "retire_installed"), ("vintage", 2027, "retire_window"), ("retired_units", 6.5, "retire_integer")],
)
def test_the_verifier_catches_a_bad_retirement(column, value, rule):
    """A retirement table broken by hand is named by its rule."""
    plan = solve_verified(retiring(), retirement=True)
    tables = dict(plan.tables)
    broken = tables["retirements"].copy()
    broken[column] = broken[column].astype(type(value))
    broken.loc[0, column] = value
    tables["retirements"] = broken
    found = {v.constraint for v in verify(plan.scenario, tables, plan.objective, columns=PLAN_TABLES)}
    assert rule in found


def test_retired_units_must_leave_the_active_count():
    """Active units that ignore the retirements break ``chip_active_units``."""
    plan = solve_verified(retiring(), retirement=True)
    tables = dict(plan.tables)
    chips = tables["chips"].copy()
    chips["active_units"] += chips["retired_units"]
    tables["chips"] = chips
    found = {v.constraint for v in verify(plan.scenario, tables, columns=PLAN_TABLES)}
    assert "chip_active_units" in found


def test_retirement_is_off_unless_asked_for():
    """Without ``retirement=True`` the same case keeps its fleet: 3.0e7 USD."""
    assert solve_verified(retiring()).objective == pytest.approx(3.0e7, rel=1e-9)


def test_no_retirement_rows_for_a_single_year_life():
    """A vintage of life 1 has no later year to be retired in: no retirement columns at all."""
    model = gw.build_model(scenario(YEARS, chips=[chip("a", lifetime_years=1)], demand=DEMAND[:1]), gw.ModelOptions(retirement=True))
    assert len(model.RETIRE_INDEX) == 0
    assert isinstance(solve_verified(scenario(YEARS, chips=[chip("a")], demand=DEMAND[:1])).retirements, pd.DataFrame)
