r"""Grid: supplies, links with losses and expansion, and the balance at every node.

Sets: ``SUPPLY_YEARS`` (g, y) with y >= earliest_year of g; ``LINK_YEARS`` (l, y); flows in two
directions ``DIRS`` = (fwd, bwd).

.. math::

    \sum_{g@n} draw_{g,y} + \sum_{l \to n} (1 - loss_l)\, flow_{l,y,in} - \sum_{l \leftarrow n} flow_{l,y,out}
        = \sum_{s@n} facility_{s,y} \quad [MW]

    flow_{l,y,dir} \le capacity\_mw_l + expand_{l,y}, \quad expand_{l,y} \ge expand_{l,y^-}

    expand_{l,y} \le expand\_max\_mw_l \cdot built_{l,y} \;(\text{binary when } build\_cost\_usd_l > 0)

    draw_{g,y} \le capacity\_mw_g \;(\text{or} \le contracted_{g,y} \le capacity\_mw_g \text{ when } build\_cost\_usd\_per\_mw_g > 0)

Costs (USD, discounted): energy ``draw * hours_per_year * load_factor * price``; carbon at
``carbon_price_usd_per_t``; link and supply capital as annuities over their lives. Emissions
``draw * hours * load_factor * co2_t_per_mwh`` [t] are registered per year.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.ledger import Ledger, linear

DIRS = ("fwd", "bwd")


def add_supplies(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger) -> None:
    """Declare ``v_draw`` (and ``v_contracted`` for supplies with a build cost)."""
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
        w = h.op_weight(y)
        ledger.cost("energy", y, energy_h * row.energy_price_usd_per_mwh * w, m.v_draw[g, y])
        ledger.cost("carbon", y, energy_h * row.co2_t_per_mwh * st.carbon_price_usd_per_t * w, m.v_draw[g, y])
        ledger.emissions_t[y].append((energy_h * row.co2_t_per_mwh, m.v_draw[g, y]))
    for g, y in built:
        row = supply[g]
        terms = [(1.0, m.v_contracted[g, y])] + ([(-1.0, m.v_contracted[prev[g, y]])] if prev[g, y] in m.v_contracted else [])
        for coef, var in terms:
            ledger.cost("supply_capex", y, coef * row.build_cost_usd_per_mw * h.annuity_weight(y, int(row.lifetime_years)), var)
            ledger.capital_usd[y].append((coef * row.build_cost_usd_per_mw, var))


def add_links(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger) -> None:
    """Declare ``v_flow``, ``v_expand`` and ``v_link_built`` with capacity and expansion limits."""
    m.LINK_YEARS = pyo.Set(initialize=d.link_years, dimen=2, ordered=True)
    if not d.link_years:
        return
    link_p, h = d.link, d.horizon
    flow_index = [(link, y, k) for link, y in d.link_years for k in DIRS]
    top = {link: row.capacity_mw + row.expand_max_mw for link, row in link_p.items()}
    m.v_flow = pyo.Var(flow_index, domain=pyo.NonNegativeReals, bounds=lambda _, link, y, k: (0.0, top[link]))
    expandable = [(link, y) for link, y in d.link_years if link_p[link].expand_max_mw > 0 and y >= link_p[link].earliest_year]
    m.LINK_EXPAND_YEARS = pyo.Set(initialize=expandable, dimen=2, ordered=True)
    m.v_expand = pyo.Var(m.LINK_EXPAND_YEARS, domain=pyo.NonNegativeReals, bounds=lambda _, link, y: (0.0, link_p[link].expand_max_mw))
    fixed = [(link, y) for link, y in expandable if link_p[link].build_cost_usd > 0]
    m.v_link_built = pyo.Var(fixed, domain=pyo.Binary)
    prev = {(link, y): (link, h.previous(y)) for link, y in expandable}
    steps = [k for k in expandable if prev[k] in m.v_expand]
    m.c_expand_monotone = pyo.Constraint(steps, rule=lambda _, link, y: m.v_expand[link, y] >= m.v_expand[prev[link, y]])
    fixed_steps = [k for k in fixed if prev[k] in m.v_link_built]
    m.c_link_built_monotone = pyo.Constraint(fixed_steps, rule=lambda _, link, y: m.v_link_built[link, y] >= m.v_link_built[prev[link, y]])
    m.c_expand_built = pyo.Constraint(
        fixed, rule=lambda _, link, y: m.v_expand[link, y] <= link_p[link].expand_max_mw * m.v_link_built[link, y]
    )

    def capacity(_: object, link: str, y: int, k: str) -> object:
        terms = [(1.0, m.v_flow[link, y, k])] + ([(-1.0, m.v_expand[link, y])] if (link, y) in m.v_expand else [])
        return linear(terms) <= link_p[link].capacity_mw

    m.c_link_capacity = pyo.Constraint(flow_index, rule=capacity)
    for link, y in expandable:
        row = link_p[link]
        annuity = h.annuity_weight(y, int(row.lifetime_years))
        terms = [(1.0, m.v_expand[link, y])] + ([(-1.0, m.v_expand[prev[link, y]])] if prev[link, y] in m.v_expand else [])
        for coef, var in terms:
            ledger.cost("link_capex", y, coef * row.expand_cost_usd_per_mw * annuity, var)
            ledger.capital_usd[y].append((coef * row.expand_cost_usd_per_mw, var))
        if (link, y) in m.v_link_built:
            terms = [(1.0, m.v_link_built[link, y])] + ([(-1.0, m.v_link_built[prev[link, y]])] if prev[link, y] in m.v_link_built else [])
            for coef, var in terms:
                ledger.cost("link_capex", y, coef * row.build_cost_usd * annuity, var)
                ledger.capital_usd[y].append((coef * row.build_cost_usd, var))


def add_node_balance(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger) -> None:
    """``c_node_balance[n, y]``: supply plus net imports equals facility power of the node's sites."""
    terms: dict[tuple[str, int], list] = defaultdict(list)
    for g, y in d.supply_years:
        terms[d.supply[g].node_id, y].append((1.0, m.v_draw[g, y]))
    for link, y in d.link_years:
        row = d.link[link]
        keep = 1.0 - row.loss_frac
        terms[row.from_node, y] += [(-1.0, m.v_flow[link, y, "fwd"]), (keep, m.v_flow[link, y, "bwd"])]
        terms[row.to_node, y] += [(keep, m.v_flow[link, y, "fwd"]), (-1.0, m.v_flow[link, y, "bwd"])]
    for (s, y), power in ledger.facility_mw.items():
        terms[d.site[s].node_id, y] += [(-a, x) for a, x in power]
    keys = [(n, y) for n in d.nodes.index for y in d.years if terms.get((n, y))]
    m.NODE_YEARS = pyo.Set(initialize=keys, dimen=2, ordered=True)
    m.c_node_balance = pyo.Constraint(m.NODE_YEARS, rule=lambda _, n, y: linear(terms[n, y]) == 0)
