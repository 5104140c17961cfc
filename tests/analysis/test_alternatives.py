"""Near-optimal alternatives: within the slack by brute force, distinct campus sets, the optimum first, and the shared decisions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from brute_force import brute_force_by_campus_set
from builders import scenario, site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigawatt.analysis.alternatives import DIMENSIONS, alternatives

CHIP_USD = 150e6  # 150 EFLOP/s of demand on 1 MW, 1 EFLOP/s, 1e6 USD units: 150 units


def campuses(open_costs: list[float], demand: float = 150.0) -> object:
    """Campuses s0, s1, ... of one 100 MW block each with these opening costs, serving ``demand`` EFLOP/s (1 MW each)."""
    sites = [site(f"s{i}", open_cost_usd=c) for i, c in enumerate(open_costs)]
    return scenario(sites=sites, demand=[{"year": 2026, "eflops": demand}])


def open_set(plan: object) -> frozenset[str]:
    sites = plan.sites  # type: ignore[attr-defined]
    return frozenset(sites.loc[sites["open"], "site_id"])


def test_three_plans_in_order_of_difference_and_the_shared_campus() -> None:
    """Two of five 100 MW campuses serve 150 MW; s0 opens free, s1-s4 cost 10, 11, 13, 17 M USD; chips 150 M USD.

    Costs: {s0,s1} 160, {s0,s2} 161, {s0,s3} 163, {s0,s4} 167, {s1,s2} 171 M USD. A 2% slack caps at
    1.02 x 160 = 163.2 M: three sets fit. The search's credit is 3.2 M / (2 x 2 campuses) = 0.8 M USD per unit of
    mean distance. The first alternative: {s0,s2} at 161 - 0.8 x 2 = 159.4 beats {s0,s3} at 163 - 1.6 and {s1,s2}
    at 171 - 1.6; the second: {s0,s3} at 163 - 0.8 x 2. Then the cheapest new set, {s0,s4} at 167 M, is above the cap.
    s0 is open in all three; s1 is in the optimum (160 M) and not in the cheapest plan without it (161 M).
    """
    alts = alternatives(campuses([0.0, 10e6, 11e6, 13e6, 17e6]), k=5, slack=0.02, mip_gap=0.0)
    assert [open_set(p) for p in alts.plans] == [{"s0", "s1"}, {"s0", "s2"}, {"s0", "s3"}]
    assert [p.objective for p in alts.plans] == pytest.approx([CHIP_USD + 10e6, CHIP_USD + 11e6, CHIP_USD + 13e6])
    assert alts.cap_usd == pytest.approx(1.02 * (CHIP_USD + 10e6))
    assert alts.stopped == "the cheapest plan found with a new campus set costs 0.167 B USD, above the cap"  # {s0, s4}
    assert all(p.verify() == [] for p in alts.plans)
    table = alts.table()
    assert table["over_optimum"].tolist() == pytest.approx([0.0, 1 / 160, 3 / 160])
    assert table["within_cap"].all()
    common = alts.common().set_index(["decision", "entity"])
    assert common.loc[("campus open", "s0"), "shared"] and common.loc[("campus open", "s0"), "committed"] == 1.0
    assert common.loc[("campus MW", "s0"), "shared"] and common.loc[("campus MW", "s0"), "committed"] == 100.0
    s1 = common.loc[("campus open", "s1")]
    assert not s1["shared"] and s1["cost_taken_usd"] == pytest.approx(160e6) and s1["cost_not_taken_usd"] == pytest.approx(161e6)
    s3 = common.loc[("campus open", "s3")]
    assert s3["cost_taken_usd"] == pytest.approx(163e6) and s3["cost_not_taken_usd"] == pytest.approx(160e6)
    assert ("campus open", "s4") not in common.index  # in no plan: not a decision any of them takes
    text = alts.summary()
    assert "campuses open (1): s0" in text and "3 plan(s) within 2.00%" in text


def test_a_unique_optimum_with_no_slack_is_the_only_plan() -> None:
    """Every other campus set costs at least 1 M USD more than {s0, s1}: with slack 0 nothing else fits under the cap."""
    alts = alternatives(campuses([0.0, 10e6, 11e6, 13e6]), k=3, slack=0.0, mip_gap=0.0)
    assert len(alts.plans) == 1 and open_set(alts.optimum) == {"s0", "s1"}
    assert alts.stopped
    assert alts.common()["shared"].all()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    costs=st.lists(st.integers(0, 30), min_size=3, max_size=5).map(lambda c: [1e6 * v for v in c]),
    demand=st.sampled_from([80.0, 150.0, 250.0]),
    slack=st.sampled_from([0.0, 0.03, 0.1]),
    k=st.integers(1, 6),
)
def test_alternatives_against_brute_force(costs: list[float], demand: float, slack: float, k: int) -> None:
    """The first plan is the optimum; every plan is within the slack of it and of its own campus set's least cost; the
    campus sets are distinct; and as many come back as there are sets within the cap (up to k + 1)."""
    scn = campuses(costs, demand)
    best_by_set = brute_force_by_campus_set(scn)
    optimum = min(best_by_set.values())
    alts = alternatives(scn, k=k, slack=slack, mip_gap=0.0, integer_units=False)
    sets = [open_set(p) for p in alts.plans]
    assert alts.optimum.objective == pytest.approx(optimum, rel=1e-9)
    assert len(set(sets)) == len(sets)
    for plan, opened in zip(alts.plans, sets, strict=True):
        assert plan.objective <= (1 + slack) * optimum * (1 + 1e-9)
        assert plan.objective == pytest.approx(best_by_set[opened], rel=1e-9)  # the polish is the cheapest plan on its set
        assert plan.verify() == []
    within = sum(1 for cost in best_by_set.values() if cost <= (1 + slack) * optimum * (1 + 1e-9) - 1e-3)
    assert len(alts.plans) == min(k + 1, within) or len(alts.plans) == min(k + 1, within + 1)  # a set at the cap's edge


@pytest.mark.parametrize("by", ["mw", "nodes", "vendor", "co2"])
def test_quantity_dimensions_give_verified_plans_within_the_cap(by: str) -> None:
    """Quantities (MW per campus, per node, per chip family): every plan verified, within the cap, no repeats."""
    alts = alternatives(campuses([0.0, 10e6, 11e6, 13e6]), k=2, slack=0.05, by=by, mip_gap=0.0)
    assert 1 <= len(alts.plans) <= 3
    for plan in alts.plans:
        assert plan.verify() == []
        assert plan.objective <= alts.cap_usd * (1 + 1e-9)
    shares = [DIMENSIONS[by].in_plan(p) for p in alts.plans]
    for i in range(len(shares)):
        for j in range(i):
            keys = set(shares[i]) | set(shares[j])
            ti, tj = sum(shares[i].values()), sum(shares[j].values())
            assert sum(abs(shares[i].get(key, 0) / ti - shares[j].get(key, 0) / tj) for key in keys) >= 1e-3


def test_mw_alternative_moves_capacity_off_the_optimums_campuses() -> None:
    """By MW per campus: the optimum builds s0 and s1; the alternative avoids them as far as the 5% cap allows.

    Costs: {s0,s1} 160, {s0,s2} 161, {s1,s2} 171, {s0,s3} 163 M USD; the cap is 168 M, so s0 stays (every set
    without it costs 171 M or more) and the alternative is the cheapest plan off s1: {s0, s2}.
    """
    alts = alternatives(campuses([0.0, 10e6, 11e6, 13e6]), k=1, slack=0.05, by="mw", mip_gap=0.0)
    assert [open_set(p) for p in alts.plans] == [{"s0", "s1"}, {"s0", "s2"}]
    assert alts.plans[1].objective == pytest.approx(161e6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "cities"}, "by='cities'"),
        ({"k": -1}, "k=-1"),
        ({"slack": 1.5}, "slack=1.5"),
        ({"k": True}, "k=True"),
        ({"workers": 0}, "workers=0"),
    ],
)
def test_bad_arguments_are_refused_before_any_solve(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        alternatives(campuses([0.0, 1e6]), **kwargs)


def test_the_optimum_given_is_not_solved_again() -> None:
    """A plan passed as ``optimum`` is plans[0] itself (the CLI's and a notebook's own solve)."""
    import gigawatt as gw

    scn = campuses([0.0, 10e6, 11e6])
    optimum = gw.solve(scn, mip_gap=0.0)
    alts = alternatives(scn, k=1, slack=0.01, optimum=optimum, mip_gap=0.0)
    assert alts.plans[0] is optimum
    assert math.isclose(alts.cap_usd, 1.01 * optimum.bound)
    assert np.isfinite(alts.table()["objective_usd"]).all()


def test_co2_alternative_trades_cost_for_less_gas() -> None:
    """One campus of 100 MW at node n; a gas supply at 60 USD/MWh and 0.4 t/MWh and a clean one at 65 USD/MWh.

    The optimum draws 100 MW x 1,000 h = 100,000 MWh of gas: 40,000 t and 6 M USD, 107 M USD with chips (100 M) and
    the opening (1 M). The clean supply costs 500,000 USD more for the same energy; a 1% slack allows 1.07 M USD
    more, so the alternative by co2 draws only clean energy: 0 t at 107.5 M USD.
    """
    from builders import supply

    scn = scenario(
        sites=[site("s", open_cost_usd=1e6)],
        supplies=[supply("gas", energy_price_usd_per_mwh=60.0, co2_t_per_mwh=0.4), supply("clean", energy_price_usd_per_mwh=65.0)],
        demand=[{"year": 2026, "eflops": 100.0}],
    )
    alts = alternatives(scn, k=1, slack=0.01, by="co2", mip_gap=0.0)
    assert [DIMENSIONS["co2"].in_plan(p)["co2"] for p in alts.plans] == pytest.approx([40_000.0, 0.0])
    assert [p.objective for p in alts.plans] == pytest.approx([107e6, 107.5e6])


def test_the_report_shows_what_all_plans_share_first(tmp_path):
    """The page lists the shared campus (s0) under its first heading, then what varies, the plans and power by plan."""
    alts = alternatives(campuses([0.0, 10e6, 11e6, 13e6]), k=2, slack=0.02, mip_gap=0.0)
    page = alts.report(tmp_path / "alternatives.html").read_text()
    headings = ["What every plan shares", "What varies", "Plans", "Facility power per year by plan"]
    positions = [page.index(f">{h}</h2>") for h in headings]
    assert positions == sorted(positions)
    shared = page[positions[0] : positions[1]]
    assert "<td>s0</td>" in shared and "<td>s1</td>" not in shared


def test_two_workers_find_the_same_plans():
    """The polish beside the next search changes when solves run, not what they find (the hand-solved case above)."""
    scn = campuses([0.0, 10e6, 11e6, 13e6, 17e6])
    one, two = (alternatives(scn, k=5, slack=0.02, mip_gap=0.0, workers=w) for w in (1, 2))
    assert [open_set(p) for p in two.plans] == [open_set(p) for p in one.plans] == [{"s0", "s1"}, {"s0", "s2"}, {"s0", "s3"}]
    assert [p.objective for p in two.plans] == pytest.approx([p.objective for p in one.plans])
    assert two.stopped == one.stopped
