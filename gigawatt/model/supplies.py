r"""Power supplies: what each one can deliver at its node, its energy, carbon and capital cost.

Sets: ``SUPPLY_YEARS`` (g, y) with y >= earliest_year of g; ``SUPPLY_BUILD_YEARS`` those of supplies with
a build cost; ``SUPPLY_TAKE_YEARS`` those of supplies with a minimum take (``min_take_frac`` > 0).

.. math::

    draw_{g,y} \le capacity\_mw_g \;(\text{or} \le contracted_{g,y} \le capacity\_mw_g \text{ when } build\_cost\_usd\_per\_mw_g > 0)

    contracted_{g,y} \ge contracted_{g,y^-}

    paid_{g,y} \ge draw_{g,y}, \quad paid_{g,y} \ge min\_take\_frac_g \cdot available_{g,y}
        \qquad (\texttt{c\_supply\_paid}, \texttt{c\_supply\_min\_take}; \text{take-or-pay})

    \sum_{g:\, site_g = s} draw_{g,y} \le grid\_energy_{s,y} \qquad (\texttt{c\_dedicated[s, y]})

with ``available`` the contracted MW (supplies with a build cost) or ``capacity_mw``. Registers ``draw``
as an injection at the supply's node [MW]; node balance is in annual-average MW (the sites withdraw IT x
the annual ``pue``, :mod:`gigawatt.model.grid`), so the draw is what the sites use on average with their
IT at full power, and ``capacity_mw`` bounds that average.

A supply with a ``site_id`` is a dedicated contract (a PPA, a co-located plant) at its site's node: its
draw joins the node balance like any other, but ``c_dedicated`` (built at the close, over the site's grid
energy from the closed ledger, :meth:`gigawatt.model.ledger.Ledger.grid_energy`) holds the draws of a
site's dedicated supplies within what that site withdraws, so dedicated power never reaches another
campus, a link or the node's pool. In a year the site draws nothing, they deliver nothing.

Costs (USD, discounted): energy ``paid * hours_per_year * load_factor * price`` (``paid`` is the draw for a
supply without a minimum take, so only ``paid`` above the draw is energy bought and not used) and carbon
``draw * hours * load_factor * co2_t_per_mwh * carbon_price_usd_per_t`` each year; contracted capacity as an
annuity over the supply's life, paid for the calendar years of that life inside the horizon (a contract
stays to the horizon's end). Emissions ``draw * hours * load_factor * co2_t_per_mwh`` [t] are registered per
year: CO2 follows the draw, the money follows what is paid.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.family import Dual, Extraction, Family, Rows, Slack, Variables
from gigawatt.model.grid import ENERGY_MW_PER_UNIT
from gigawatt.model.ledger import Ledger, entry, linear
from gigawatt.model.options import ModelOptions


def dedicated(d: ModelData) -> dict[str, str]:
    """Supplies dedicated to a site: supply_id -> site_id (supplies with an empty ``site_id`` serve their node)."""
    return {g: row.site_id for g, row in d.supply.items() if isinstance(row.site_id, str)}


def add_supplies(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """Declare ``v_draw``, ``v_contracted`` (supplies with a build cost) and ``v_paid`` (with a minimum take); register
    injections, costs and emissions."""
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
    _add_take_or_pay(m, d)
    energy_h = st.hours_per_year * st.load_factor
    for g, y in d.supply_years:
        row = supply[g]
        paid = m.v_paid[g, y] if (g, y) in m.v_paid else m.v_draw[g, y]
        ledger.inject(row.node_id, y, 1.0, m.v_draw[g, y])
        ledger.yearly("energy", y, energy_h * row.energy_price_usd_per_mwh, paid)
        ledger.yearly("carbon", y, energy_h * row.co2_t_per_mwh * st.carbon_price_usd_per_t, m.v_draw[g, y])
        ledger.emit(y, energy_h * row.co2_t_per_mwh, m.v_draw[g, y])
    for g, y in built:
        before = entry(m.v_contracted, prev[g, y])
        row = supply[g]
        ledger.capital_step("supply_capex", y, int(row.lifetime_years), row.build_cost_usd_per_mw, m.v_contracted[g, y], before)


def _add_take_or_pay(m: pyo.ConcreteModel, d: ModelData) -> None:
    """``v_paid`` >= the draw (``c_supply_paid``) and >= min_take_frac x the available MW (``c_supply_min_take``)."""
    supply = d.supply
    take = [(g, y) for g, y in d.supply_years if supply[g].min_take_frac > 0]
    m.SUPPLY_TAKE_YEARS = pyo.Set(initialize=take, dimen=2, ordered=True)
    m.v_paid = pyo.Var(m.SUPPLY_TAKE_YEARS, domain=pyo.NonNegativeReals, bounds=lambda _, g, y: (0.0, supply[g].capacity_mw))
    m.c_supply_paid = pyo.Constraint(m.SUPPLY_TAKE_YEARS, rule=lambda _, g, y: m.v_paid[g, y] >= m.v_draw[g, y])

    def min_take(_: object, g: str, y: int) -> object:
        frac = float(supply[g].min_take_frac)
        if (g, y) in m.v_contracted:
            return linear([(1.0, m.v_paid[g, y]), (-frac, m.v_contracted[g, y])]) >= 0
        return m.v_paid[g, y] >= frac * supply[g].capacity_mw

    m.c_supply_min_take = pyo.Constraint(m.SUPPLY_TAKE_YEARS, rule=min_take)


def close_supplies(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """``c_dedicated[s, y]``: the draws of a site's dedicated supplies within its grid energy (from the closed ledger)."""
    owner = dedicated(d)
    draws: dict[tuple[str, int], list] = {}
    for g, y in d.supply_years:
        if g in owner:
            draws.setdefault((owner[g], y), []).append((1.0, m.v_draw[g, y]))
    less_use = {k: [(-a, x) for a, x in ledger.grid_energy(*k)] for k in draws}
    m.c_dedicated = pyo.Constraint(list(draws), rule=lambda _, s, y: linear([*draws[s, y], *less_use[s, y]]) <= 0)


def extract_supplies(e: Extraction) -> None:
    """``supplies``: the site served, contracted (or available) capacity, draw, paid MW, energy and CO2 per supply and year."""
    d, st = e.data, e.data.scenario.settings
    draw, contracted, paid = e.values("v_draw"), e.values("v_contracted"), e.values("v_paid")
    keys = list(d.supply_years)
    ids = pd.Series([g for g, _ in keys], dtype=object)
    frame = pd.DataFrame({"supply_id": ids, "node_id": ids.map(d.supplies["node_id"]), "year": [y for _, y in keys]})
    owner = dedicated(d)
    frame["site_id"] = pd.Series([owner.get(g, "") for g in ids], dtype=object)
    capacity = ids.map(d.supplies["capacity_mw"]).astype(float)
    frame["available_mw"] = [contracted.get(k, cap) for k, cap in zip(keys, capacity, strict=True)]
    frame["draw_mw"] = [draw.get(k, 0.0) for k in keys]
    frame["paid_mw"] = [paid.get(k, mw) for k, mw in zip(keys, frame["draw_mw"], strict=True)]
    frame["energy_mwh"] = frame["draw_mw"] * st.hours_per_year * st.load_factor
    frame["co2_t"] = frame["energy_mwh"] * ids.map(d.supplies["co2_t_per_mwh"]).astype(float)
    e.tables["supplies"] = frame.sort_values(["supply_id", "year"]).reset_index(drop=True)


SUPPLY_KEY = ("supply_id", "year")
FAMILY = Family(
    name="supplies",
    add=add_supplies,
    close=close_supplies,
    order=30,
    variables=(
        Variables("v_draw", "MW", SUPPLY_KEY, at_upper="supply {supply_id} at its {bound} MW", at_upper_many="{n} supplies at their MW"),
        Variables("v_contracted", "MW", SUPPLY_KEY, commitment=True),
        Variables("v_paid", "MW", SUPPLY_KEY),
    ),
    rows=(
        Rows("c_contracted_monotone", "MW", SUPPLY_KEY, "supply {supply_id}"),
        Rows("c_supply_draw", "MW", SUPPLY_KEY, "supply {supply_id}"),
        Rows("c_supply_paid", "MW", SUPPLY_KEY, "supply {supply_id}"),
        Rows("c_supply_min_take", "MW", SUPPLY_KEY, "supply {supply_id}", coefficients={"v_contracted": "supplies.min_take_frac"}),
        Rows(
            "c_dedicated",
            "MW",
            ("site_id", "year"),
            "site {site_id}",
            dual=Dual(
                "dedicated_supply",
                "USD/MWh",
                "per_mwh",
                "saved per MWh the site's dedicated supplies could deliver beyond the site's own grid energy (what the "
                "node would pay for it less what they cost)",
            ),
            slack=Slack(
                "dedicated supply",
                -1.0,
                "{year}, site {site_id}: its dedicated supplies would have to deliver {slack} MW more than the site draws from "
                "the grid, to other campuses or the node (a dedicated supply serves only its site)",
                demand_first=100.0,
                caps=1.0,
                mw=True,
            ),
            coefficients={"v_install": ENERGY_MW_PER_UNIT},
        ),
    ),
    tables={
        "supplies": {
            "supply_id": "power supply",
            "node_id": "node it feeds",
            "year": "modelled year (from earliest_year)",
            "site_id": "site it is dedicated to (empty: it serves its node)",
            "available_mw": "contracted capacity (supplies with a build cost) or capacity_mw",
            "draw_mw": "power drawn",
            "paid_mw": "power paid for: at least draw_mw and min_take_frac x available_mw (take-or-pay); energy is paid on it",
            "energy_mwh": "draw_mw x hours_per_year x load_factor (energy used; emissions follow it)",
            "co2_t": "energy_mwh x co2_t_per_mwh",
        }
    },
    extract=extract_supplies,
)
