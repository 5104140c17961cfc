r"""Serving compute to regions from sites within their latency bound.

Sets: ``SERVE_INDEX`` (r, s, y) for allowed pairs, sites open-able in y, demand > 0.

.. math::

    \sum_r serve_{r,s,y} \le compute_{s,y} \quad [EFLOP/s]

    \sum_s serve_{r,s,y} \ge demand_{r,y}

    serve_{r,s,y} \le demand_{r,y} \cdot open_{s,y}

Cost: ``cost_usd_per_eflops_yr`` x serve, discounted per year.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pyomo.environ as pyo

from gigawatt.errors import InfeasibleScenario
from gigawatt.model.data import ModelData
from gigawatt.model.ledger import Ledger, linear


def add_serving(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger) -> None:
    """Declare ``v_serve`` with ``c_site_compute``, ``c_demand`` and ``c_serve_open``."""
    m.SERVE_INDEX = pyo.Set(initialize=d.serve_index, dimen=3, ordered=True)
    m.v_serve = pyo.Var(m.SERVE_INDEX, domain=pyo.NonNegativeReals, bounds=lambda _, r, s, y: (0.0, d.demand[r, y]))
    by_site: dict[tuple[str, int], list] = defaultdict(list)
    by_region: dict[tuple[str, int], list] = defaultdict(list)
    for r, s, y in d.serve_index:
        by_site[s, y].append((1.0, m.v_serve[r, s, y]))
        by_region[r, y].append((1.0, m.v_serve[r, s, y]))
        cost = d.serve_pairs[r, s]
        if cost:
            ledger.cost("serving", y, cost * d.horizon.op_weight(y), m.v_serve[r, s, y])

    def site_rule(_: object, s: str, y: int) -> object:
        return linear([*by_site[s, y], *((-a, x) for a, x in ledger.compute_eflops.get((s, y), []))]) <= 0

    m.c_site_compute = pyo.Constraint(list(by_site), rule=site_rule)
    demanded = [(r, y) for (r, y), value in d.demand.items() if value > 0 and y in d.years]
    unserved = [(r, y) for r, y in demanded if not by_region[r, y]]
    if unserved:
        raise InfeasibleScenario(
            f"{len(unserved)} region-year(s) have no site that can serve them",
            pd.DataFrame(
                [
                    (
                        "demand",
                        f"region {r}",
                        y,
                        d.demand[r, y],
                        "EFLOP/s",
                        f"{y}, region {r}: no site within its latency bound can open by then; {d.demand[r, y]:,.1f} EFLOP/s unserved",
                    )
                    for r, y in unserved
                ],
                columns=["requirement", "entity", "year", "shortfall", "unit", "message"],
            ),
        )
    m.DEMAND_INDEX = pyo.Set(initialize=demanded, dimen=2, ordered=True)
    m.c_demand = pyo.Constraint(m.DEMAND_INDEX, rule=lambda _, r, y: linear(by_region[r, y]) >= d.demand[r, y])
    m.c_serve_open = pyo.Constraint(m.SERVE_INDEX, rule=lambda _, r, s, y: m.v_serve[r, s, y] <= d.demand[r, y] * m.v_open[s, y])
