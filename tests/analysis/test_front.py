"""Trade-off fronts: cost against CO2 by the epsilon-constraint method, hand-solved and against brute force."""

from __future__ import annotations

import pytest
from brute_force import brute_force_optimum
from builders import scenario, site, supply

from gigawatt.analysis.front import SAME, front


def gas_and_clean(clean_mw: float = 60.0):
    """One 100 MW campus; gas at 60 USD/MWh and 0.4 t/MWh, clean energy at 65 USD/MWh up to ``clean_mw``."""
    return scenario(
        sites=[site("s", open_cost_usd=1e6)],
        supplies=[
            supply("gas", energy_price_usd_per_mwh=60.0, co2_t_per_mwh=0.4),
            supply("clean", energy_price_usd_per_mwh=65.0, capacity_mw=clean_mw),
        ],
        demand=[{"year": 2026, "eflops": 100.0}],
    )


def test_co2_front_by_hand():
    """100 MW for 1,000 h: all gas is 40,000 t and 107 M USD (chips 100 M, opening 1 M, energy 6 M). At most 60 MW is
    clean, so the least is 40 MW of gas: 16,000 t. Five caps step 6,000 t; each step moves 15,000 MWh to clean energy
    at 5 USD/MWh more: +75,000 USD a step. No point is dominated: each costs more for less CO2."""
    result = front(gas_and_clean(), n=5, mip_gap=0.0)
    table = result.table()
    assert table["emissions_cap_t_per_year"].tolist() == pytest.approx([40_000, 34_000, 28_000, 22_000, 16_000])
    assert table["co2_t"].tolist() == pytest.approx([40_000, 34_000, 28_000, 22_000, 16_000], rel=1e-5)
    assert table["objective_usd"].tolist() == pytest.approx([107e6 + 75_000 * i for i in range(5)], rel=1e-7)
    assert not table["dominated"].any()
    assert all(p.verify() == [] for p in result.plans)
    assert "5 points stepping emissions_cap_t_per_year" in result.summary()
    chart = result.chart()
    assert len(chart.data[0].x) == 5  # on the front


def test_a_plan_both_cheapest_and_cleanest_is_one_point():
    """With clean energy cheaper than gas the least-cost plan emits nothing: the front is that one point."""
    scn = scenario(
        sites=[site("s")],
        supplies=[supply("gas", energy_price_usd_per_mwh=70.0, co2_t_per_mwh=0.4), supply("clean", energy_price_usd_per_mwh=65.0)],
        demand=[{"year": 2026, "eflops": 100.0}],
    )
    result = front(scn, n=6, mip_gap=0.0)
    assert len(result.plans) == 1 and result.table()["co2_t"].tolist() == [0.0]


def test_each_point_is_optimal_for_its_cap_and_the_front_is_monotone():
    """Two nodes: campus a by gas (60 USD/MWh, 0.4 t/MWh, opening 1 M USD), campus b by clean energy (70 USD/MWh,
    opening 4 M USD); 150 MW needs both blocks of one campus or one of each. Every point's cost equals the brute-force
    optimum at its cap, costs never fall as the cap falls, and CO2 never exceeds its cap."""
    nodes = [{"node_id": "n", "lat": 40.0, "lon": -80.0}, {"node_id": "m", "lat": 41.0, "lon": -81.0}]
    sites = [
        site("a", max_mw=200.0, open_cost_usd=1e6),
        site("b", node_id="m", lat=41.0, lon=-81.0, max_mw=200.0, open_cost_usd=4e6),
    ]
    supplies = [
        supply("gas", energy_price_usd_per_mwh=60.0, co2_t_per_mwh=0.4),
        supply("clean", node_id="m", energy_price_usd_per_mwh=70.0),
    ]
    scn = scenario(nodes=nodes, sites=sites, supplies=supplies, demand=[{"year": 2026, "eflops": 150.0}])
    result = front(scn, n=4, mip_gap=0.0, integer_units=False)
    table = result.table()
    assert len(table) == 4 and table["objective_usd"].notna().all()
    for i, (cap, cost, co2) in enumerate(zip(table["emissions_cap_t_per_year"], table["objective_usd"], table["co2_t"], strict=True)):
        solved_at = cap * (1 + SAME) if i == len(table) - 1 else cap
        assert co2 <= solved_at * (1 + 1e-9)
        if i > 0:  # the first point is the plan without a cap
            assert cost == pytest.approx(brute_force_optimum(scn.with_overrides(emissions_cap_t_per_year=solved_at)), rel=1e-7)
    assert table["objective_usd"].is_monotonic_increasing
    assert table["emissions_cap_t_per_year"].is_monotonic_decreasing


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": "water"}, "x='water'"),
        ({"x": "ceiling_mw"}, "give the values of ceiling_mw"),
        ({"n": 1}, "n=1"),
        ({"workers": 0}, "workers=0"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        front(gas_and_clean(), **kwargs)


def test_a_ceiling_front_records_points_without_a_plan():
    """Stepping the ceiling with demand as a hard wall: 50 MW cannot host 100 EFLOP/s (100 MW), 150 MW can."""
    result = front(gas_and_clean(), x="ceiling_mw", values=[50.0, 150.0], mip_gap=0.0)
    table = result.table()
    assert table["status"].tolist() == ["no plan", "optimal"]
    assert table["why"][0].startswith("infeasible")
    assert not table["dominated"].any()


def test_two_workers_give_the_same_front():
    """Points solved side by side in threads are the points solved one after another."""
    one, two = (front(gas_and_clean(), n=4, mip_gap=0.0, workers=w).table() for w in (1, 2))
    assert two["emissions_cap_t_per_year"].tolist() == pytest.approx(one["emissions_cap_t_per_year"].tolist())
    assert two["objective_usd"].tolist() == pytest.approx(one["objective_usd"].tolist())
