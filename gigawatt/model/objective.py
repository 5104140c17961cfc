r"""The objective: discounted total cost over everything registered in the ledger, or the value of compute forgone.

With ``objective: cost`` (the default)

.. math::

    \min \; \frac{1}{S} \sum_{k, y} C_{k,y}

over the registered discounted costs :math:`C_{k,y}` (category k, year y), which include the value of compute
not delivered, :math:`F_y` (``ledger.forgo``: demand left unserved, a training run left unplaced). With
``objective: compute`` the plan maximises the value of compute delivered, i.e. minimises what is forgone,
with cost as a tie-break of weight :math:`\epsilon` = :data:`~gigawatt.scenario.settings.COMPUTE_COST_WEIGHT`
(1e-4) on everything else:

.. math::

    \min \; \frac{1}{S} \Bigl( \sum_y F_y + \epsilon \bigl( \sum_{k, y} C_{k,y} - \sum_y F_y \bigr) \Bigr)

so compute worth more than :math:`\epsilon` times its cost is bought, and among plans forgoing the same
value the cheapest wins. ``S = OBJECTIVE_SCALE_USD`` (1e6: the solver sees million USD; plans report USD).

With ``budget_usd`` set (either objective), one row caps the discounted cost without the forgone value,
indexed by the first modelled year (the year present values are in):

.. math::

    \sum_{k, y} C_{k,y} - \sum_y F_y \le budget\_usd \qquad (\texttt{c\_budget\_total})
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.family import Dual, Extraction, Family, Rows, Slack
from gigawatt.model.ledger import Ledger, Term, linear
from gigawatt.model.options import ModelOptions
from gigawatt.scenario.settings import COMPUTE_COST_WEIGHT

OBJECTIVE_SCALE_USD = 1e6
#: Cost categories holding the value of compute not delivered (``ledger.forgo``).
FORGONE_CATEGORIES = ("unserved_inference", "unplaced_training")


def merged(weighted: list[tuple[float, list[Term]]]) -> list[Term]:
    """``sum_i w_i * terms_i`` with one term per variable (a variable in many terms appears once)."""
    coefficient: dict[int, float] = {}
    variable: dict[int, object] = {}
    for weight, terms in weighted:
        for a, x in terms:
            coefficient[id(x)] = coefficient.get(id(x), 0.0) + weight * a
            variable[id(x)] = x
    return [(coefficient[k], variable[k]) for k in coefficient]


def add_objective(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """``obj`` (million USD, see the module docstring), ``e_cost[category, year]`` in USD and, with ``budget_usd``, ``c_budget_total``."""
    st = d.scenario.settings
    costs = [t for terms in ledger.cost_usd.values() for t in terms]
    forgone = [t for terms in ledger.forgone_usd.values() for t in terms]
    if st.objective == "compute":
        weighted = [(COMPUTE_COST_WEIGHT / OBJECTIVE_SCALE_USD, costs), ((1.0 - COMPUTE_COST_WEIGHT) / OBJECTIVE_SCALE_USD, forgone)]
    else:
        weighted = [(1.0 / OBJECTIVE_SCALE_USD, costs)]
    m.obj = pyo.Objective(expr=linear(merged(weighted)), sense=pyo.minimize)
    keys = sorted(ledger.cost_usd)
    m.COST_INDEX = pyo.Set(initialize=keys, dimen=2, ordered=True)
    m.e_cost = pyo.Expression(m.COST_INDEX, rule=lambda _, k, y: linear(ledger.cost_usd[k, y]))
    if st.budget_usd is not None:
        spent = merged([(1.0, costs), (-1.0, forgone)])
        m.c_budget_total = pyo.Constraint([d.years[0]], rule=lambda _, y: linear(spent) <= st.budget_usd)


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
    rows=(
        Rows(
            "c_budget_total",
            "USD",
            ("year",),
            "all costs",
            dual=Dual(
                "total_budget",
                "USD/USD",
                "year_money",
                "objective saved per extra USD of budget_usd (cost, or value forgone with objective: compute)",
            ),
            slack=Slack(
                "total budget",
                -1.0,
                "the plan would cost {total} USD (discounted, without forgone value), {slack} USD over budget_usd of {bound} USD",
                demand_first=100.0,
                caps=1.0,
                cap="total budget",
            ),
        ),
    ),
    tables={
        "costs": {
            "category": "site_open, site_capex, site_fixed_om, chip_capex, chip_salvage, supply_capex, link_capex, energy, carbon, "
            "wheeling, serving, interconnection, onsite_capex, onsite_fixed_om, onsite_energy, onsite_carbon, lost_compute, "
            "training_bandwidth, training_placement, unserved_inference, unplaced_training "
            "(the last two: the value of compute not delivered)",
            "year": "modelled year the cost is attributed to (capital: year built)",
            "discounted_usd": "present value, USD (summed: the objective of objective: cost)",
        }
    },
    extract=extract_costs,
)
