"""The family protocol: every component a built model holds is declared, and every family has its test module."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pyomo.environ as pyo
import pytest
from builders import SCENARIOS

import gigawatt as gw
from gigawatt.model.families import families, plan_tables, rows, variables
from gigawatt.model.family import Role
from gigawatt.model.ledger import Ledger, LedgerClosed

TESTS = Path(__file__).resolve().parent
#: Options that switch every optional family on.
EVERYTHING = gw.ModelOptions(compute_covers=True, unit_open_links=True, retirement=True)


def declared_names() -> set[str]:
    return {name for family in families() for name in family.components}


@pytest.mark.parametrize("name", ["tiny", "default", "pool"])
def test_every_component_of_a_built_model_is_declared(name):
    model = gw.build_model(gw.load_scenario(SCENARIOS / name), EVERYTHING)
    built = {c.local_name for c in model.component_objects((pyo.Var, pyo.Constraint), descend_into=True)}
    built = {n for n in built if n.startswith(("c_", "v_"))}
    assert built - declared_names() == set()


def test_a_component_no_family_declares_is_caught():
    model = gw.build_model(gw.load_scenario(SCENARIOS / "tiny"))
    model.c_mine = pyo.Constraint(expr=next(iter(model.v_open.values())) <= 1)
    built = {c.local_name for c in model.component_objects(pyo.Constraint, descend_into=True)}
    assert "c_mine" in built - declared_names()


@pytest.mark.parametrize("family", [f.name for f in families()])
def test_every_family_has_a_test_module(family):
    module = {"node_balance": "grid"}.get(family, family)
    assert (TESTS / f"test_{module}.py").exists(), f"family {family} has no tests/model/test_{module}.py"


def test_declarations_are_unique_and_consistent():
    names = [name for family in families() for name in family.components]
    assert len(names) == len(set(names))
    assert all(r.slack is None or r.slack.sign in (-1.0, 1.0) for r in rows().values())
    assert {v.role for v in variables().values()} <= set(get_args(Role))
    assert "year" in plan_tables()["power"] and "eflops" in plan_tables()["power"]


def test_producers_come_before_closers():
    order = [f.closes for f in families()]
    assert order == sorted(order)


def test_registering_after_the_close_raises():
    ledger = Ledger(gw.build_model(gw.load_scenario(SCENARIOS / "tiny")).data.horizon, {"s": "n"})
    ledger.close()
    with pytest.raises(LedgerClosed):
        ledger.power("s", 2026, 1.0, 1.0, object())
    with pytest.raises(LedgerClosed):
        ledger.discounted("energy", 2026, 1.0, object())


def test_facility_power_is_withdrawn_at_the_site_node_on_close():
    ledger = Ledger(gw.build_model(gw.load_scenario(SCENARIOS / "tiny")).data.horizon, {"s": "n"})
    x = object()
    ledger.power("s", 2026, 2.5, 2.0, x)
    ledger.close()
    assert ledger.injection_mw["n", 2026] == [(-2.5, x)]


def test_every_commitment_is_indexed_by_year_and_is_a_decision():
    """A two-stage plan shares a commitment's values up to a year (gigawatt.analysis.futures): it needs a year in its index.
    Every whole-number decision of a year (role other than continuous) is a commitment, except training placements,
    which are taken for a run's whole life and are each future's own."""
    from gigawatt.model.families import variables

    specs = variables().values()
    assert all("year" in v.index for v in specs if v.commitment)
    decisions = {v.name for v in specs if v.role != "continuous" and "year" in v.index}
    assert decisions == {v.name for v in specs if v.commitment and v.role != "continuous"}
    assert {v.name for v in specs if v.commitment and v.role == "continuous"} == {"v_contracted", "v_expand"}
