r"""Power supplies: what each one can deliver at its node, its energy, carbon and capital cost.

Sets: ``SUPPLY_YEARS`` (g, y) with y >= earliest_year of g; ``SUPPLY_BUILD_YEARS`` those of supplies with
a build cost.

.. math::

    draw_{g,y} \le capacity\_mw_g \;(\text{or} \le contracted_{g,y} \le capacity\_mw_g \text{ when } build\_cost\_usd\_per\_mw_g > 0)

    contracted_{g,y} \ge contracted_{g,y^-}

Registers ``draw`` as an injection at the supply's node [MW]; node balance is in annual-average MW (the
sites withdraw IT x the annual ``pue``, :mod:`gigawatt.model.grid`), so the draw is what the sites use on
average with their IT at full power, and ``capacity_mw`` bounds that average. Costs (USD, discounted): energy
``draw * hours_per_year * load_factor * price`` and carbon at ``carbon_price_usd_per_t`` each year;
contracted capacity as an annuity over the supply's life, paid for the calendar years of that life inside
the horizon (a contract stays to the horizon's end). Emissions ``draw * hours * load_factor *
co2_t_per_mwh`` [t] are registered per year.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.family import Extraction, Family, Rows, Variables
from gigawatt.model.ledger import Ledger, entry
from gigawatt.model.options import ModelOptions


def add_supplies(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """Declare ``v_draw`` (and ``v_contracted`` for supplies with a build cost); register injections, costs and emissions."""
    m.SUPPLY_YEARS = pyo.Set(initialize=d.supply_years, dimen=2, ordered=True)
    if not d.supply_years:
        return
    supply, h, st = d.supply, d.horizon, d.scenario.settings
    m.v_draw = pyo.Var(m.SUPPLY_YEARS, domain=pyo.NonNegativeReals, bounds=lambda _, g, y: (0.0, supply[g].capacity_mw))
    built = [(g, y) for g, y in d.supply_years if supply[g].build_cost_usd_per_mw > 0]
    m.SUPPLY_BUILD_YEARS = pyo.Set(initialize=built, dimen=2, ordered=True)
    m.v_contracted = pyo.Var(m.SUPPLY_BUILD_YEARS, domain=pyo.NonNegativeReals, bounds=lambda _, g, y: (0.0, supply[g].capacity_mw))
    prev = {(g, y): (g, h.previous(y)) for g, y in built}
    steps = [k for k in built if prev[k] in m.v_contracted]
    m.c_contracted_monotone = pyo.Constraint(steps, rule=lambda _, g, y: m.v_contracted[g, y] >= m.v_contracted[prev[g, y]])
    m.c_supply_draw = pyo.Constraint(m.SUPPLY_BUILD_YEARS, rule=lambda _, g, y: m.v_draw[g, y] <= m.v_contracted[g, y])
    energy_h = st.hours_per_year * st.load_factor
    for g, y in d.supply_years:
        row = supply[g]
        ledger.inject(row.node_id, y, 1.0, m.v_draw[g, y])
        ledger.yearly("energy", y, energy_h * row.energy_price_usd_per_mwh, m.v_draw[g, y])
        ledger.yearly("carbon", y, energy_h * row.co2_t_per_mwh * st.carbon_price_usd_per_t, m.v_draw[g, y])
        ledger.emit(y, energy_h * row.co2_t_per_mwh, m.v_draw[g, y])
    for g, y in built:
        before = entry(m.v_contracted, prev[g, y])
        row = supply[g]
        ledger.capital_step("supply_capex", y, int(row.lifetime_years), row.build_cost_usd_per_mw, m.v_contracted[g, y], before)


def extract_supplies(e: Extraction) -> None:
    """``supplies``: contracted (or available) capacity, draw, energy and CO2 per supply and year."""
    d, st = e.data, e.data.scenario.settings
    draw, contracted = e.values("v_draw"), e.values("v_contracted")
    keys = list(d.supply_years)
    ids = pd.Series([g for g, _ in keys], dtype=object)
    frame = pd.DataFrame({"supply_id": ids, "node_id": ids.map(d.supplies["node_id"]), "year": [y for _, y in keys]})
    capacity = ids.map(d.supplies["capacity_mw"]).astype(float)
    frame["available_mw"] = [contracted.get(k, cap) for k, cap in zip(keys, capacity, strict=True)]
    frame["draw_mw"] = [draw.get(k, 0.0) for k in keys]
    frame["energy_mwh"] = frame["draw_mw"] * st.hours_per_year * st.load_factor
    frame["co2_t"] = frame["energy_mwh"] * ids.map(d.supplies["co2_t_per_mwh"]).astype(float)
    e.tables["supplies"] = frame.sort_values(["supply_id", "year"]).reset_index(drop=True)


SUPPLY_KEY = ("supply_id", "year")
FAMILY = Family(
    name="supplies",
    add=add_supplies,
    order=30,
    variables=(
        Variables("v_draw", "MW", SUPPLY_KEY, at_upper="supply {supply_id} at its {bound} MW"),
        Variables("v_contracted", "MW", SUPPLY_KEY),
    ),
    rows=(
        Rows("c_contracted_monotone", "MW", SUPPLY_KEY, "supply {supply_id}"),
        Rows("c_supply_draw", "MW", SUPPLY_KEY, "supply {supply_id}"),
    ),
    tables={
        "supplies": {
            "supply_id": "power supply",
            "node_id": "node it feeds",
            "year": "modelled year (from earliest_year)",
            "available_mw": "contracted capacity (supplies with a build cost) or capacity_mw",
            "draw_mw": "power drawn",
            "energy_mwh": "draw_mw x hours_per_year x load_factor",
            "co2_t": "energy_mwh x co2_t_per_mwh",
        }
    },
    extract=extract_supplies,
)
