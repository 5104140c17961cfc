r"""Optional policy caps: a yearly capital budget and a yearly emission cap.

.. math::

    \sum (\text{capital spent in } y) \le budget\_usd\_per\_year \cdot w_y \quad [USD, undiscounted]

    \sum_g emissions_{g,y} \le emissions\_cap\_t\_per\_year \quad [t]
"""

from __future__ import annotations

import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.family import Dual, Family, Rows, Slack
from gigawatt.model.ledger import Ledger, linear
from gigawatt.model.options import ModelOptions


def add_policies(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """``c_budget[y]`` and ``c_emissions[y]`` where the scenario sets the caps (years where something counts toward them)."""
    st = d.scenario.settings
    if st.budget_usd_per_year is not None:
        years = [y for y in d.years if any(a for a, _ in ledger.capital_usd.get(y, []))]
        cap = {y: st.budget_usd_per_year * d.horizon.weights[y] for y in years}
        m.c_budget = pyo.Constraint(years, rule=lambda _, y: linear(ledger.capital_usd[y]) <= cap[y])
    if st.emissions_cap_t_per_year is not None:
        years = [y for y in d.years if any(a for a, _ in ledger.emissions_t.get(y, []))]
        m.c_emissions = pyo.Constraint(years, rule=lambda _, y: linear(ledger.emissions_t[y]) <= st.emissions_cap_t_per_year)


FAMILY = Family(
    name="policies",
    add=add_policies,
    order=140,
    closes=True,
    rows=(
        Rows(
            "c_budget",
            "USD",
            ("year",),
            "capital budget",
            dual=Dual("budget", "USD/USD", "year_money", "saved per extra USD of budget (both in that year's USD)"),
            slack=Slack(
                "budget",
                -1.0,
                "{year}: capital spending would need {total} USD ({slack} USD over the budget of {bound} USD)",
                demand_first=100.0,
                caps=1.0,
                cap="budget cap",
                entity="capital",
            ),
            coefficients={
                "v_install": "chips.capex_usd_per_unit",
                "v_open": "sites.open_cost_usd",
                "v_blocks": "sites.capex_usd_per_mw x sites.block_mw",
                "v_expand": "links.expand_cost_usd_per_mw",
                "v_link_built": "links.build_cost_usd",
                "v_contracted": "supplies.build_cost_usd_per_mw",
            },
        ),
        Rows(
            "c_emissions",
            "t",
            ("year",),
            "all supplies",
            dual=Dual("emissions", "USD/t", "per_year", "saved per extra tonne of CO2 allowed"),
            slack=Slack(
                "emissions",
                -1.0,
                "{year}: emissions would reach {total} t CO2 ({slack} t over the cap of {bound} t)",
                demand_first=100.0,
                caps=1.0,
                cap="emissions cap",
            ),
            coefficients={"v_draw": "supplies.co2_t_per_mwh x hours_per_year x load_factor (t per MW)"},
        ),
    ),
)
