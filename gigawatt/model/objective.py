r"""The objective: discounted total cost over everything registered in the ledger.

.. math::

    \min \; \frac{1}{S} \sum_{k, y} \text{registered discounted cost}_{k,y}

with ``S = OBJECTIVE_SCALE_USD`` (1e6: the solver sees million USD; plans report USD).
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.family import Extraction, Family
from gigawatt.model.ledger import Ledger, linear
from gigawatt.model.options import ModelOptions

OBJECTIVE_SCALE_USD = 1e6


def add_objective(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """``obj``: minimise discounted cost in million USD; ``e_cost[category, year]`` keeps the parts in USD."""
    merged: dict[object, float] = {}
    variables: dict[object, object] = {}
    for terms in ledger.cost_usd.values():
        for a, x in terms:
            key = id(x)
            merged[key] = merged.get(key, 0.0) + a / OBJECTIVE_SCALE_USD
            variables[key] = x
    m.obj = pyo.Objective(expr=linear([(merged[k], variables[k]) for k in merged]), sense=pyo.minimize)
    keys = sorted(ledger.cost_usd)
    m.COST_INDEX = pyo.Set(initialize=keys, dimen=2, ordered=True)
    m.e_cost = pyo.Expression(m.COST_INDEX, rule=lambda _, k, y: linear(ledger.cost_usd[k, y]))


def extract_costs(e: Extraction) -> None:
    """``costs``: the discounted cost registered per category and year."""
    rows = [(k, y, e.ledger_value(terms)) for (k, y), terms in sorted(e.ledger.cost_usd.items())]
    e.tables["costs"] = pd.DataFrame(rows, columns=["category", "year", "discounted_usd"])


FAMILY = Family(
    name="objective",
    add=add_objective,
    order=200,
    closes=True,
    expressions=("obj", "e_cost"),
    tables={
        "costs": {
            "category": "site_open, site_capex, site_fixed_om, chip_capex, chip_salvage, supply_capex, link_capex, energy, carbon, "
            "wheeling, serving, interconnection, onsite_capex, onsite_fixed_om, onsite_energy, onsite_carbon, lost_compute",
            "year": "modelled year the cost is attributed to (capital: year built)",
            "discounted_usd": "contribution to the objective (present value, USD)",
        }
    },
    extract=extract_costs,
)
