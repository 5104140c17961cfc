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

from collections import defaultdict

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from gigawatt.model.data import ModelData, capital_recovery_factor
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


#: The costs table's columns after ``category`` and ``year``: the objective's present values, then the two views.
COST_VIEWS = ("discounted_usd", "cash_usd", "cash_discounted_usd", "annualised_usd", "annualised_discounted_usd")


def extract_costs(e: Extraction) -> None:
    """``costs`` per category and modelled year: the present values the objective sums (``discounted_usd``: capital as
    the present value of its annuities inside the horizon, in the year built), and two views of the same costs:

    * cash: capital spent in full when built, running costs when paid (``cash_usd``, and discounted);
    * annualised: each capital annuity in the calendar years it is paid, running costs as paid (``annualised_usd``,
      and discounted; summed over years this equals the sum of ``discounted_usd``).

    A modelled year that stands for several calendar years sums them; a cost registered as a present value is taken
    as paid at the start of its year.
    """
    h = e.data.horizon
    modelled = {k: y for y in h.years for k in range(y, y + h.weights[y])}  # calendar year -> its modelled year
    sums: dict[tuple[str, int], np.ndarray] = defaultdict(lambda: np.zeros(len(COST_VIEWS)))

    def add(category: str, year: int, *values: float) -> None:
        sums[category, year] += values

    for (k, y), terms in e.ledger.cost_usd.items():
        add(k, y, e.ledger_value(terms), 0.0, 0.0, 0.0, 0.0)
    for (k, y, life, through), terms in e.ledger.capital_spend.items():
        usd = e.ledger_value(terms)
        add(k, y, 0.0, usd, usd * h.discount(y), 0.0, 0.0)
        annuity = usd * capital_recovery_factor(h.rate, life)
        for year in range(y, min(y + life - 1, h.end if through is None else through) + 1):
            add(k, modelled[year], 0.0, 0.0, 0.0, annuity, annuity * h.discount(year))
    for (k, y), terms in e.ledger.yearly_spend.items():
        per_year = e.ledger_value(terms)
        paid, present = per_year * h.weights[y], per_year * h.op_weight(y)
        add(k, y, 0.0, paid, present, paid, present)
    for (k, y), terms in e.ledger.present_spend.items():
        present = e.ledger_value(terms)
        add(k, y, 0.0, present / h.discount(y), present, present / h.discount(y), present)
    rows = [(k, y, *values) for (k, y), values in sorted(sums.items())]
    e.tables["costs"] = pd.DataFrame(rows, columns=["category", "year", *COST_VIEWS])


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
            "year": "modelled year (with several calendar years per modelled year, their sum)",
            "discounted_usd": "present value as the objective counts it, USD: capital as its annuities inside the horizon, in the "
            "year built (summed: the objective of objective: cost)",
            "cash_usd": "cash view, USD undiscounted: capital spent in full in the year built, running costs in the year paid",
            "cash_discounted_usd": "the cash view discounted to the first year",
            "annualised_usd": "annualised view, USD undiscounted: each capital annuity (crf x capital) in the years it is paid, "
            "running costs in the year paid",
            "annualised_discounted_usd": "the annualised view discounted (summed over years: the sum of discounted_usd)",
        }
    },
    extract=extract_costs,
)
