"""``build_model``: the table of contents of the formulation."""

from __future__ import annotations

import gc

import pyomo.environ as pyo

from gigawatt.model.chips import add_chips
from gigawatt.model.data import ModelData, build_data
from gigawatt.model.grid import add_links, add_node_balance, add_supplies
from gigawatt.model.ledger import Ledger
from gigawatt.model.objective import add_objective
from gigawatt.model.options import ModelOptions
from gigawatt.model.policies import add_policies
from gigawatt.model.power import add_ceiling, add_site_capacity
from gigawatt.model.serving import add_serving
from gigawatt.model.sites import add_sites
from gigawatt.scenario import Scenario


def build_model(scenario: Scenario | ModelData, options: ModelOptions | None = None) -> pyo.ConcreteModel:
    """Build the buildout MIP for a validated scenario.

    The returned Pyomo model can be inspected or extended (add a constraint) before
    :func:`gigawatt.solve_model`. ``m.data`` holds the index sets, ``m.ledger`` the registered terms.
    """
    options = options or ModelOptions()
    data = scenario if isinstance(scenario, ModelData) else build_data(scenario)
    ledger = Ledger()
    m = pyo.ConcreteModel(name=data.scenario.name)
    m.data, m.ledger, m.options = data, ledger, options
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        add_sites(m, data, ledger, options)
        add_chips(m, data, ledger, options)
        add_supplies(m, data, ledger)
        add_links(m, data, ledger)
        add_site_capacity(m, data, ledger)
        add_node_balance(m, data, ledger)
        add_ceiling(m, data, ledger)
        add_serving(m, data, ledger, options)
        add_policies(m, data, ledger)
        add_objective(m, data, ledger)
    finally:
        if gc_was_enabled:
            gc.enable()
    return m
