r"""Optional policy caps: a yearly capital budget and a yearly emission cap.

.. math::

    \sum (\text{capital spent in } y) \le budget\_usd\_per\_year \cdot w_y \quad [USD, undiscounted]

    \sum_g emissions_{g,y} \le emissions\_cap\_t\_per\_year \quad [t]
"""

from __future__ import annotations

import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.ledger import Ledger, linear


def add_policies(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger) -> None:
    """``c_budget[y]`` and ``c_emissions[y]`` where the scenario sets the caps (years where something counts toward them)."""
    st = d.scenario.settings
    if st.budget_usd_per_year is not None:
        years = [y for y in d.years if any(a for a, _ in ledger.capital_usd.get(y, []))]
        cap = {y: st.budget_usd_per_year * d.horizon.weights[y] for y in years}
        m.c_budget = pyo.Constraint(years, rule=lambda _, y: linear(ledger.capital_usd[y]) <= cap[y])
    if st.emissions_cap_t_per_year is not None:
        years = [y for y in d.years if any(a for a, _ in ledger.emissions_t.get(y, []))]
        m.c_emissions = pyo.Constraint(years, rule=lambda _, y: linear(ledger.emissions_t[y]) <= st.emissions_cap_t_per_year)
