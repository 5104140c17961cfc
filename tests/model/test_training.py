"""Training runs placed whole: hand-solved placements, candidate groups, and brute force on small instances.

Builders' defaults: one free node and supply; a chip of 1 MW IT and 1 EFLOP/s per unit at 1e6 USD; sites of
pue 1, so a site of ``max_mw`` M hosts M EFLOP/s. One degree of latitude is 6371 x pi / 180 = 111.19 km,
x 1.3 (latency_route_factor) = 144.55 route km, x 0.0098 ms/km = 1.4166 ms round trip.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from brute_force import brute_force_optimum
from builders import chip, scenario, site, solve_verified, supply, training_run

import gigawatt as gw
from gigawatt.model.data import build_data
from gigawatt.model.training import GroupsPrunedWarning, UnplaceableRunWarning, candidates, host_eflops, training_runs

NO_DEMAND = [{"year": 2026, "eflops": 0.0}]
ROUTE_KM_PER_DEGREE = 6371.0 * math.pi / 180.0 * 1.3


def test_a_run_too_large_for_one_campus_goes_to_two_within_its_latency_and_pays_the_bandwidth():
    """144 EFLOP/s does not fit any 100 MW campus; split, it needs 144 / (1 - 0.04) = 150 EFLOP/s.

    s3 is 20 degrees of longitude away (about 2,200 route km, 21 ms > 20 ms): only {s1, s2} can host it.
    s2 costs 1e7 USD per MW built, so s1 takes 100 and s2 the other 50 (5 blocks of 10 MW: 5e8 USD).
    Bandwidth: 10 Tb/s x 0.5 USD per Tbps-km-yr x 144.55 km = 722.77 USD.
    Total: 150 units x 1e6 + 5e8 + 722.77 = 650,000,722.77 USD.
    """
    sites = [
        site("s1", max_mw=100.0, block_mw=10.0),
        site("s2", lat=41.0, max_mw=100.0, block_mw=10.0, capex_usd_per_mw=1e7),
        site("s3", lon=-100.0, max_mw=100.0, block_mw=10.0),
    ]
    run = training_run("r", eflops=144.0, max_campuses=2, bandwidth_tbps=10.0)
    plan = solve_verified(scenario(None, sites=sites, demand=NO_DEMAND, training_runs=[run]))
    bandwidth = 10.0 * 0.5 * ROUTE_KM_PER_DEGREE
    assert plan.objective == pytest.approx(150e6 + 5e8 + bandwidth, abs=1.0)
    placed = plan.placements.iloc[0]
    assert (placed.placed, placed.sites, placed.family, placed.campuses) == (True, "s1;s2", "a", 2)
    assert placed.latency_ms == pytest.approx(ROUTE_KM_PER_DEGREE * 0.0098)
    assert placed.bandwidth_usd_per_yr == pytest.approx(bandwidth)
    assert plan.training.set_index("site_id")["eflops"].to_dict() == pytest.approx({"s1": 100.0, "s2": 50.0})
    assert plan.costs.set_index("category").at["training_bandwidth", "discounted_usd"] == pytest.approx(bandwidth)
    delivered = plan.compute.set_index("year").loc[2026]  # the run's own 144 EFLOP/s, not the 150 its campuses hold
    assert delivered[["inference_eflops", "training_eflops", "eflops", "unserved_eflops"]].tolist() == pytest.approx([0, 144, 144, 0])
    assert plan.kpis["final_year_eflops"] == pytest.approx(144.0)


def test_training_eflops_counts_each_run_in_its_years():
    """r1 needs 100 EFLOP/s in 2026-2027, r2 50 in 2027: 100, 150 and 0 in 2026-2028; r2 alone 0, 50, 0."""
    runs = [training_run("r1", last_year=2027, eflops=100.0), training_run("r2", first_year=2027, last_year=2027, eflops=50.0)]
    scn = scenario({"years": [2026, 2027, 2028]}, demand=NO_DEMAND, training_runs=runs)
    assert scn.training_eflops().to_dict() == {2026: 100.0, 2027: 150.0, 2028: 0.0}
    assert scn.training_eflops(["r2"]).tolist() == [0.0, 50.0, 0.0]
    assert "training     2 runs placed whole, 100.0 EFLOP/s in 2026 to 0.0 in 2028" in scn.summary()


def vendor_tables() -> dict:
    """One 200 MW campus; nvidia chip a at 1e6 USD (100 units for sale), amd chip b at 1.5e6 (100 units), nvidia chip c at
    4e6 (any number). A run of 150 EFLOP/s."""
    chips = [
        chip("a", family="nvidia", max_units_per_year=100.0),
        chip("b", family="amd", capex_usd_per_unit=1.5e6, max_units_per_year=100.0),
        chip("c", family="nvidia", capex_usd_per_unit=4e6),
    ]
    return {"sites": [site("s", max_mw=200.0, block_mw=10.0)], "chips": chips, "demand": NO_DEMAND}


def test_a_run_on_one_family_is_not_split_across_vendors_even_when_that_is_cheaper():
    """Mixed: 100 a + 50 b = 1e8 + 0.75e8 = 1.75e8 USD. One family: amd has only 100 units (< 150), so nvidia:
    100 a + 50 c = 1e8 + 2e8 = 3e8 USD."""
    one = solve_verified(scenario(None, **vendor_tables(), training_runs=[training_run("r", eflops=150.0)]))
    assert one.objective == pytest.approx(3e8)
    assert set(one.training["family"]) == {"nvidia"}
    assert one.placements.iloc[0].family == "nvidia"
    mixed = solve_verified(scenario(None, **vendor_tables(), training_runs=[training_run("r", eflops=150.0, mix_families=True)]))
    assert mixed.objective == pytest.approx(1.75e8)
    assert mixed.placements.iloc[0].family == "*"


def test_a_run_restricted_to_a_family_uses_only_it():
    """Restricted to amd (100 units for sale, 100 EFLOP/s), a run of 80 EFLOP/s buys 80 b: 80 x 1.5e6 = 1.2e8 USD,
    though nvidia a is cheaper."""
    plan = solve_verified(scenario(None, **vendor_tables(), training_runs=[training_run("r", eflops=80.0, families="amd")]))
    assert plan.objective == pytest.approx(1.2e8)
    assert set(plan.training["family"]) == {"amd"}


FAR = [site("s1", max_mw=100.0, block_mw=10.0), site("s2", lon=-100.0, max_mw=100.0, block_mw=10.0)]


def test_a_run_that_cannot_be_placed_is_left_unplaced_at_its_value():
    """150 EFLOP/s fits no campus and the two are 21 ms apart (> 20): unplaced. Its value, 5e8 USD of 2027, is forgone in
    2027 discounted at 10 %: 5e8 / 1.1 = 454,545,454.5 USD; nothing is built."""
    run = training_run("r", first_year=2027, last_year=2027, eflops=150.0, max_campuses=2, value_usd=5e8)
    settings = {"years": [2026, 2027], "discount_rate": 0.1}
    with pytest.warns(UnplaceableRunWarning, match=r"training run r: no group of at most 2 of the campuses within 20 ms"):
        plan = solve_verified(scenario(settings, sites=FAR, demand=NO_DEMAND, training_runs=[run]))
    assert plan.objective == pytest.approx(5e8 / 1.1)
    assert not plan.placements.iloc[0].placed
    assert plan.placements.iloc[0].sites == ""
    assert plan.training.empty
    assert plan.costs.set_index("category").at["unplaced_training", "discounted_usd"] == pytest.approx(5e8 / 1.1)
    compute = plan.compute.set_index("year")
    assert compute["training_eflops"].tolist() == [0, 0] and compute["unserved_eflops"].tolist() == pytest.approx([0, 150])


def test_a_run_worth_less_than_its_compute_is_left_unplaced():
    """80 EFLOP/s on one campus costs 80 x 1e6 = 8e7 USD of chips; valued at 5e7 it is left unplaced (5e7 USD)."""
    run = training_run("r", eflops=80.0, value_usd=5e7)
    plan = solve_verified(scenario(None, sites=FAR, demand=NO_DEMAND, training_runs=[run]))
    assert plan.objective == pytest.approx(5e7)
    assert plan.chips.empty or plan.chips["installed_units"].sum() == 0


def test_a_strict_run_that_cannot_be_placed_is_infeasible_with_a_clear_explanation():
    run = training_run("r", eflops=150.0, max_campuses=2)
    with pytest.raises(gw.InfeasibleScenario, match="strict training run") as raised:
        gw.solve(scenario(None, sites=FAR, demand=NO_DEMAND, training_runs=[run]))
    finding = raised.value.findings.iloc[0]
    assert finding.entity == "training run r"
    assert finding.shortfall == 150.0
    assert "no group of at most 2" in finding.message and "value_usd" in finding.message


def test_a_run_keeps_the_same_campuses_in_all_its_years():
    """Years 2026-2027; campus s2 (pue 1.0) opens in 2027, s1 (pue 1.5) in 2026; energy at 100 USD/MWh over 1,000 hours.
    A run of 60 EFLOP/s over both years cannot start on s2, so it stays on s1 both years: 2 x 60 units (a 1-year life) at
    1e6 = 1.2e8, energy 2 x 60 MW x 1.5 x 1,000 h x 100 = 1.8e7; 1.38e8 USD. Moving to s2 in 2027 would save 3e6."""
    sites = [site("s1", pue=1.5, max_mw=100.0, block_mw=10.0), site("s2", max_mw=100.0, block_mw=10.0, earliest_year=2027)]
    run = training_run("r", last_year=2027, eflops=60.0)
    supplies = [supply("g", energy_price_usd_per_mwh=100.0)]
    plan = solve_verified(scenario({"years": [2026, 2027]}, sites=sites, supplies=supplies, demand=NO_DEMAND, training_runs=[run]))
    assert set(plan.training["site_id"]) == {"s1"}
    assert plan.objective == pytest.approx(1.38e8)


def data_of(sites: list[dict], runs: list[dict], **settings: object):
    return build_data(scenario(settings or None, sites=sites, demand=NO_DEMAND, training_runs=runs))


def test_candidates_drop_groups_that_cannot_host_the_run_and_those_beyond_its_latency():
    """Three 100 MW campuses one degree of latitude apart in a line (s1-s2 1.42 ms, s1-s3 2.83 ms). A run of 150 EFLOP/s
    within 2 ms and 3 campuses: no single campus hosts 150; {s1, s2} and {s2, s3} do; {s1, s3} and the triple are beyond
    2 ms."""
    sites = [site(f"s{i}", lat=40.0 + i, max_mw=100.0, block_mw=10.0) for i in (1, 2, 3)]
    d = data_of(sites, [training_run("r", eflops=150.0, max_campuses=3, max_latency_ms=2.0)])
    found = candidates(d, training_runs(d), host_eflops(d))["r"]
    assert [p.key for p in found] == ["s1;s2", "s2;s3"]
    assert found[0].route_km == pytest.approx(ROUTE_KM_PER_DEGREE)


def test_the_group_cap_keeps_single_campuses_first_then_the_shortest_routes():
    """Four campuses along a meridian, run of 50 EFLOP/s on up to 2 within 40 ms: 4 singles and 6 pairs can host it.
    A cap of 5 keeps the 4 singles and the shortest pair (s1, s2: 1 degree); the scenario chose it, so no warning."""
    sites = [site(f"s{i}", lat=40.0 + i * i, max_mw=100.0, block_mw=10.0) for i in (1, 2, 3, 4)]
    d = data_of(sites, [training_run("r", eflops=50.0, max_campuses=2, max_latency_ms=40.0)], max_groups_per_run=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = candidates(d, training_runs(d), host_eflops(d))["r"]
    assert [p.key for p in found] == ["s1", "s2", "s3", "s4", "s1;s2"]


def test_the_default_group_cap_warns_when_it_drops_groups():
    """Eleven campuses 0.1 degree apart, a run on up to 2 within 40 ms: 11 singles + 55 pairs = 66 candidates, 16 over
    the default cap of 50."""
    sites = [site(f"s{i:02d}", lat=40.0 + 0.1 * i, max_mw=100.0, block_mw=10.0) for i in range(11)]
    d = data_of(sites, [training_run("r", eflops=50.0, max_campuses=2, max_latency_ms=40.0)])
    with pytest.warns(GroupsPrunedWarning, match=r"r \(16\)"):
        found = candidates(d, training_runs(d), host_eflops(d))["r"]
    assert len(found) == 50


def test_candidates_follow_the_allowed_campuses_and_the_families_active_there():
    """s2 is air-cooled, so the liquid chip b (amd) cannot go there; the run may use only s2 and s3 (training_sites)."""
    sites = [site("s1"), site("s2", cooling="air"), site("s3")]
    chips = [chip("a", family="nvidia"), chip("b", family="amd", cooling="liquid")]
    tables = dict(sites=sites, chips=chips, demand=NO_DEMAND, training_runs=[training_run("r", eflops=50.0)])
    pairs = [{"run_id": "r", "site_id": "s2"}, {"run_id": "r", "site_id": "s3", "cost_usd": 7.0}]
    d = build_data(scenario(None, **tables, training_sites=pairs))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = candidates(d, training_runs(d), host_eflops(d))["r"]
    assert sorted((p.key, p.family) for p in found) == [("s2", "nvidia"), ("s3", "amd"), ("s3", "nvidia")]


def random_instance(seed: int) -> gw.Scenario:
    """Two campuses of one block each (random sizes, 0.5-2 degrees apart), chips of two families, one run that may split over
    both (random need, loss, bandwidth, fibre price, value, family), on a 20 ms bound."""
    rng = np.random.default_rng(seed)
    u = rng.uniform
    sites = [
        site(f"s{i}", lat=40.0 + i * float(u(0.5, 2.0)), max_mw=mw, block_mw=mw, open_cost_usd=float(u(0, 3e6)),
             capex_usd_per_mw=float(u(0, 2e5)))
        for i, mw in enumerate(rng.uniform(40, 80, size=2))
    ]  # fmt: skip
    chips = [
        chip("a", family="x", it_kw_per_unit=float(u(800, 1200)), capex_usd_per_unit=float(u(5e5, 2e6))),
        chip("b", family="y", it_kw_per_unit=float(u(800, 1200)), capex_usd_per_unit=float(u(5e5, 2e6))),
    ]
    run = training_run(
        "r",
        eflops=float(u(20, 110)),
        max_campuses=2,
        split_loss_frac=float(u(0, 0.1)),
        bandwidth_tbps=float(u(0, 1e5)),
        value_usd=float(u(2e7, 2e8)),
        families=str(rng.choice(["", "x", "x;y"])),
        mix_families=bool(rng.integers(0, 2)),
    )
    return scenario({"fibre_usd_per_tbps_km_yr": float(u(0, 5))}, sites=sites, chips=chips, demand=NO_DEMAND, training_runs=[run])


@pytest.mark.parametrize("seed", range(6))
def test_mip_matches_brute_force(seed):
    scn = random_instance(seed)
    expected = brute_force_optimum(scn)
    plan = gw.solve(scn, integer_units=False, mip_gap=0.0)
    assert plan.objective == pytest.approx(expected, rel=1e-6)
    need = float(scn.tables["training_runs"]["eflops"].iloc[0])  # placed or not, the run's EFLOP/s are accounted for once
    compute = plan.compute.iloc[0]
    assert compute["training_eflops"] + compute["unserved_eflops"] == pytest.approx(need) and compute["training_eflops"] in (0.0, need)
    assert plan.verify() == []


def test_group_figures_match_scipy_on_random_campus_sets() -> None:
    """Prim over many groups at once gives SciPy's minimum spanning tree length and the largest RTT (1 to 8 campuses)."""
    from scipy.sparse.csgraph import minimum_spanning_tree

    from gigawatt.model.training import group_figures

    rng = np.random.default_rng(3)
    for n in range(1, 9):
        points = rng.uniform(0, 1000, (5, n, 2))
        km = np.hypot(*(points[:, :, None, :] - points[:, None, :, :]).transpose(3, 0, 1, 2))
        latency, route = group_figures(km)
        assert route == pytest.approx([minimum_spanning_tree(k).sum() for k in km], rel=1e-12)
        assert latency == pytest.approx(km.max(axis=(1, 2)) * 0.0098, rel=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_cliques_are_every_complete_subgraph_up_to_the_size(seed) -> None:
    """Against brute force over all subsets of a random graph of 9 nodes: every clique of 1-4 nodes, once, increasing."""
    from itertools import combinations

    from gigawatt.model.training import cliques

    rng = np.random.default_rng(seed)
    upper = np.triu(rng.random((9, 9)) < 0.6, k=1)
    adjacent = upper | upper.T
    found = [tuple(map(int, row)) for groups in cliques(adjacent, 4, chunk=7) for row in groups]
    expected = [c for k in range(1, 5) for c in combinations(range(9), k) if all(adjacent[i, j] for i, j in combinations(c, 2))]
    assert found == expected
