"""Valid inequalities (``compute_covers``, ``unit_open_links``): the same proven optimum with and without, and known LP lifts."""

from __future__ import annotations

import numpy as np
import pytest
from builders import SCENARIOS, chip, scenario, site, supply

import gigawatt as gw
from gigawatt.matrix.compile import compile_model
from gigawatt.model import ModelOptions, build_model
from gigawatt.solvers import highs
from gigawatt.solvers.base import SolveOptions

FLAGS = [{"compute_covers": True}, {"unit_open_links": True}, {"compute_covers": True, "unit_open_links": True}]


def lp_bound(scn: gw.Scenario, **flags: bool) -> float:
    """LP relaxation value of the formulation with ``flags`` (million USD)."""
    result = highs.solve(compile_model(build_model(scn, ModelOptions(**flags))).form, SolveOptions(threads=1), relax=True)
    assert result.objective is not None
    return result.objective


def optimum(scn: gw.Scenario, **flags: bool) -> gw.Plan:
    """The proven MIP optimum of the formulation with ``flags``, checked by the independent verifier."""
    plan = gw.solve_model(build_model(scn, ModelOptions(**flags)), mip_gap=0.0, strategy="single", threads=1, duals=False)
    assert plan.status == "optimal", plan.status
    assert plan.verify() == []
    return plan


def random_instance(seed: int) -> gw.Scenario:
    """Three sites of several blocks, two regions with latency bounds, two chips with supply caps, three years."""
    rng = np.random.default_rng(seed)
    u = rng.uniform
    sites = [
        site(f"s{i}", lat=lat, lon=lon, max_mw=4 * mw, block_mw=mw, open_cost_usd=float(u(0, 4e6)),
             capex_usd_per_mw=float(u(1e5, 6e5)), pue=float(u(1.05, 1.4)), lifetime_years=int(rng.integers(1, 4)))
        for i, (lat, lon, mw) in enumerate([(40.0, -80.0, float(u(1, 3))), (40.5, -81.0, float(u(1, 3))), (44.0, -90.0, float(u(1, 3)))])
    ]  # fmt: skip
    chips = [
        chip("a", it_kw_per_unit=float(u(400, 1200)), pflops_per_unit=float(u(600, 1400)), capex_usd_per_unit=float(u(5e5, 2e6)),
             lifetime_years=2, max_units_per_year=float(rng.integers(6, 12))),
        chip("b", first_year=2027, it_kw_per_unit=float(u(300, 900)), pflops_per_unit=float(u(800, 2000)),
             capex_usd_per_unit=float(u(5e5, 2e6)), lifetime_years=2, max_units_per_year=float(rng.integers(6, 12))),
    ]  # fmt: skip
    regions = [
        {"region_id": "near", "lat": 40.2, "lon": -80.5, "max_latency_ms": 3.0},
        {"region_id": "any", "lat": 42.0, "lon": -85.0, "max_latency_ms": 100.0},
    ]
    years = [2026, 2027, 2028]
    demand = [{"year": y, "region_id": r, "eflops": float(u(0.5, 2.5)) * (1 + k)} for k, y in enumerate(years) for r in ("near", "any")]
    settings = {"years": years, "discount_rate": float(u(0, 0.1)), "ceiling_mw": 30.0}
    return scenario(settings, sites=sites, chips=chips, supplies=[supply("g", capacity_mw=50.0)], demand=demand, regions=regions)


@pytest.mark.parametrize("seed", range(6))
def test_cuts_keep_the_optimum(seed):
    """A cut that removed an integer plan could only raise the optimum: it must not move at all."""
    scn = random_instance(seed)
    base = optimum(scn).objective
    for flags in FLAGS:
        assert optimum(scn, **flags).objective == pytest.approx(base, rel=1e-7), flags
    # the covers do cut here (so the check above is not vacuous): the LP bound rises
    assert lp_bound(scn, compute_covers=True) > lp_bound(scn) + 1e-3


def test_compute_cover_rounds_a_fractional_block():
    """150 EFLOP/s from one site of 100 MW blocks (1 EFLOP/s per MW): the LP builds 1.5 blocks, the cover forces 2.

    Costs: 150 units of 1e6 USD and blocks of 100 MW x 1e6 USD/MW (one-year lives, no discounting), in million USD.
    """
    scn = scenario(sites=[site("s", max_mw=300.0, block_mw=100.0, capex_usd_per_mw=1e6)], demand=[{"year": 2026, "eflops": 150.0}])
    assert lp_bound(scn) == pytest.approx(150 + 1.5 * 100)
    assert lp_bound(scn, compute_covers=True) == pytest.approx(150 + 2 * 100)
    assert optimum(scn, compute_covers=True).objective == pytest.approx((150 + 2 * 100) * 1e6)


def test_relaxed_model_has_no_cuts():
    scn = random_instance(0)
    m = build_model(scn, ModelOptions(relax=True, compute_covers=True, unit_open_links=True))
    assert len(m.c_compute_cover) == 0 and len(m.c_install_open) == 0


def test_pool_scenario_lp_bound_rises():
    """On the pool scenario; on the default the placements' split, not compute covers, sets the LP (RESULTS.md)."""
    scn = gw.load_scenario(SCENARIOS / "pool")
    base = lp_bound(scn)
    assert lp_bound(scn, compute_covers=True) > base + 1.0  # million USD
    assert lp_bound(scn, unit_open_links=True) > base
