"""The built model: sparse index sets, named components per family, and build-modify-solve."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from builders import SCENARIOS, chip, scenario, site

import gigawatt as gw
from gigawatt.model.families import families


@pytest.fixture(scope="module")
def tiny_model() -> pyo.ConcreteModel:
    return gw.build_model(gw.load_scenario(SCENARIOS / "tiny"))


#: Families the tiny scenario does not switch on (retirement is an option; tiny has no interconnection.csv or generators.csv).
ABSENT_FROM_TINY = ("retirement", "interconnection", "onsite", "curtailment")


@pytest.mark.parametrize("family", [f for f in families() if f.name not in ABSENT_FROM_TINY], ids=lambda f: f.name)
def test_every_family_builds_what_it_declares(tiny_model, family):
    """Each family's declared components exist on the built model (retirement is off by default; tiny has no
    interconnection.csv or generators.csv: tests/model/test_interconnection.py, test_onsite.py and
    test_curtailment.py build those families)."""
    optional = {"c_blocks_min", "c_site_symmetry", "c_install_open", "c_compute_cover", "c_budget", "c_emissions", "v_contracted"}
    optional |= {"c_contracted_monotone", "c_supply_draw", "v_expand", "v_link_built", "c_expand_monotone", "c_link_built_monotone"}
    optional |= {"c_expand_built", "v_flow", "c_link_capacity", "c_budget_total"}
    for name in family.components:
        assert name in optional or hasattr(tiny_model, name), f"{family.name}: {name} missing"


def test_ceiling_is_one_constraint_per_year(tiny_model):
    assert list(tiny_model.c_power_ceiling.keys()) == [2026, 2027]


def test_only_combinations_that_can_exist():
    """A liquid chip gets no variable at an air-cooled site, nor before it is on sale or the site can open."""
    sites = [site("air", cooling="air"), site("late", earliest_year=2027)]
    chips = [chip("liq", cooling="liquid"), chip("new", first_year=2027)]
    demand = [{"year": 2026, "eflops": 1.0}, {"year": 2027, "eflops": 1.0}]
    m = gw.build_model(scenario({"years": [2026, 2027]}, sites=sites, chips=chips, demand=demand))
    assert set(m.v_install.keys()) == {("liq", "late", 2027), ("new", "air", 2027), ("new", "late", 2027)}
    assert set(m.v_open.keys()) == {("air", 2026), ("air", 2027), ("late", 2027)}


def test_build_modify_solve():
    """A constraint added by hand before solving is respected: forbidding chip a forces chip b (3e6 per unit)."""
    chips = [chip("a"), chip("b", capex_usd_per_unit=3e6)]
    m = gw.build_model(scenario(chips=chips))
    m.no_a = pyo.Constraint(expr=sum(m.v_install[k] for k in m.v_install if k[0] == "a") == 0)
    plan = gw.solve_model(m, mip_gap=0.0)
    assert plan.objective == pytest.approx(3e6)
    assert set(plan.chips.loc[plan.chips.installed_units > 0, "chip_id"]) == {"b"}
    assert plan.verify() == []


def test_nonlinear_constraint_is_refused():
    m = gw.build_model(scenario())
    m.bad = pyo.Constraint(expr=m.v_open["s", 2026] * m.v_blocks["s", 2026] <= 1)
    with pytest.raises(ValueError, match="not linear"):
        gw.solve_model(m)
