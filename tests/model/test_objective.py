"""The objective: a hand-solved case of discounting.

Each docstring derives the optimum by hand; the test asserts the solver's objective (USD) and the
decision that produces it. Defaults (tests/builders.py): one node, free site and power, a chip of
1 MW IT and 1 EFLOP/s per unit costing 1e6 USD, discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import chip, scenario, solve_verified


@pytest.mark.parametrize(("rate", "expected", "chip_used"), [(0.0, 1e6, "early"), (0.1, 1.05e6 / 1.1**2, "late")])
def test_discounting_moves_the_build_later(rate, expected, chip_used):
    """Years 2026-2028, 1 EFLOP/s needed in 2028 only.

    'early' is on sale in 2026 only (1e6, life 3: its annuity spans 2026-2028 and discounts to exactly
    1e6 in 2026); 'late' in 2028 only (1.05e6, life 1, discounted by (1+r)^2). At r = 0: early, 1e6.
    At r = 0.1: late, 1.05e6 / 1.21 = 867,768.6 USD.
    """
    chips = [chip("early", last_year=2026, lifetime_years=3), chip("late", first_year=2028, capex_usd_per_unit=1.05e6)]
    demand = [{"year": 2028, "eflops": 1.0}]
    plan = solve_verified(scenario({"years": [2026, 2027, 2028], "discount_rate": rate}, chips=chips, demand=demand))
    assert plan.objective == pytest.approx(expected, rel=1e-9)
    assert set(plan.chips.loc[plan.chips.installed_units > 0, "chip_id"]) == {chip_used}


# -- objective: compute, and budget_usd --------------------------------------------------------------------------------

REGIONS = [{"region_id": r, "lat": 40.0, "lon": -80.0, "max_latency_ms": 10.0} for r in ("hi", "lo")]
VALUED = [
    {"year": 2026, "region_id": "hi", "eflops": 2.0, "value_usd_per_eflops_yr": 5e5},
    {"year": 2026, "region_id": "lo", "eflops": 2.0, "value_usd_per_eflops_yr": 3e5},
]


def test_least_cost_buys_nothing_when_compute_is_worth_less_than_it_costs():
    """A chip unit (1 EFLOP/s) costs 1e6 USD; the values are 5e5 and 3e5: all 4 EFLOP/s unserved, 2 x 5e5 + 2 x 3e5 = 1.6e6."""
    plan = solve_verified(scenario(regions=REGIONS, demand=VALUED))
    assert plan.objective == pytest.approx(1.6e6, rel=1e-9)
    assert plan.chips.installed_units.sum() == 0
    assert "cost of compute none: no compute delivered" in plan.summary()  # not "nan M USD per EFLOP/s-year"


def test_compute_with_a_budget_buys_the_most_value_the_budget_allows():
    """objective: compute, budget 3.5e6 USD: 3 whole units (3e6; a fourth would cost 4e6). They serve hi's 2 EFLOP/s
    (5e5 each) before lo's (3e5), so 1 EFLOP/s of lo is forgone: 3e5. Objective: forgone 3e5 plus the tie-break
    1e-4 x 3e6 = 300 on cost, 300,300 USD. Without a budget every EFLOP/s is bought (4e6), objective 1e-4 x 4e6 = 400.
    """
    plan = solve_verified(scenario({"objective": "compute", "budget_usd": 3.5e6}, regions=REGIONS, demand=VALUED))
    assert plan.objective == pytest.approx(3e5 + 300.0, rel=1e-9)
    assert plan.serving.groupby("region_id")["eflops"].sum().to_dict() == pytest.approx({"hi": 2.0, "lo": 1.0})
    assert plan.unserved.set_index("id")["eflops"].to_dict() == pytest.approx({"lo": 1.0})
    assert plan.kpis["total_cost_usd"] == pytest.approx(3e6 + 3e5, rel=1e-9)  # the cost of the plan and the value forgone
    assert plan.kpis["forgone_usd"] == pytest.approx(3e5, rel=1e-9)
    assert "objective       compute: most value of compute delivered" in plan.summary()
    unlimited = solve_verified(scenario({"objective": "compute"}, regions=REGIONS, demand=VALUED))
    assert unlimited.objective == pytest.approx(400.0, rel=1e-9)
    assert unlimited.unserved.empty


def test_a_budget_caps_the_least_cost_plan_too():
    """objective: cost with budget 1.5e6 and values above cost (2e6 per EFLOP/s): one unit (1e6), 3 EFLOP/s unserved at
    2e6 each: 1e6 + 6e6 = 7e6 USD. The budget's dual: one more USD buys a unit's share of compute worth 2e6 for 1e6,
    saving 1 USD per USD (at the LP with the build fixed, chip units priced as continuous)."""
    demand = [{"year": 2026, "eflops": 4.0, "value_usd_per_eflops_yr": 2e6}]
    plan = solve_verified(scenario({"budget_usd": 1.5e6}, demand=demand))
    assert plan.objective == pytest.approx(7e6, rel=1e-9)
    dual = plan.duals.set_index("constraint").loc["total_budget"]
    assert (dual.year, dual.value, dual.unit) == (2026, pytest.approx(1.0, rel=1e-6), "USD/USD")


def test_costs_table_has_the_cash_and_annualised_views_of_the_same_capital():
    """Years 2026 and 2028 (each stands for two calendar years), 10 %; 3 units of a 4-year chip at 1e6 USD in 2026.

    Annuities are paid at the start of each year: crf = 0.1 / (1.1 x (1 - 1.1^-4)) = 0.2867916, so 3e6 x crf =
    860,374.9 USD in each of 2026-2029. Objective view: 860,374.9 x (1 + 1/1.1 + 1/1.1^2 + 1/1.1^3) = 3e6 in 2026 (the
    whole life is inside the horizon). Cash: 3e6 in 2026. Annualised: 2 x 860,374.9 = 1,720,749.8 in each modelled
    year; discounted, 860,374.9 x (1 + 1/1.1) = 1,642,534.0 in 2026 and 860,374.9 x (1/1.1^2 + 1/1.1^3) = 1,357,466.0
    in 2028, summing to 3e6.
    """
    settings = {"years": {"start": 2026, "end": 2028, "step": 2}, "discount_rate": 0.1}
    demand = [{"year": 2026, "eflops": 3.0}, {"year": 2028, "eflops": 3.0}]
    plan = solve_verified(scenario(settings, chips=[chip("c", lifetime_years=4)], demand=demand))
    chips = plan.costs[plan.costs.category == "chip_capex"].set_index("year")
    annuity = 3e6 * 0.1 / (1.1 * (1 - 1.1**-4))
    assert chips["discounted_usd"].tolist() == pytest.approx([3e6, 0.0])
    assert chips["cash_usd"].tolist() == pytest.approx([3e6, 0.0]) and chips["cash_discounted_usd"].tolist() == pytest.approx([3e6, 0.0])
    assert chips["annualised_usd"].tolist() == pytest.approx([2 * annuity, 2 * annuity])
    assert chips["annualised_discounted_usd"].tolist() == pytest.approx([annuity * (1 + 1 / 1.1), annuity * (1.1**-2 + 1.1**-3)])
    assert plan.costs["annualised_discounted_usd"].sum() == pytest.approx(plan.costs["discounted_usd"].sum(), rel=1e-12)
