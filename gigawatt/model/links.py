r"""Grid links: flows in two directions with losses, and expansion with an optional fixed build cost.

Sets: ``LINK_YEARS`` (l, y); flows in two directions ``DIRS`` = (fwd, bwd); ``LINK_EXPAND_YEARS`` (l, y)
for expandable links from their earliest year.

.. math::

    flow_{l,y,dir} \le capacity\_mw_l + expand_{l,y}, \quad expand_{l,y} \ge expand_{l,y^-}

    expand_{l,y} \le expand\_max\_mw_l \cdot built_{l,y} \;(\text{binary when } build\_cost\_usd_l > 0)

Registers, per direction, the flow leaving its sending node and ``(1 - loss_frac)`` of it arriving at
the other [MW]. Costs (USD, discounted): expansion ``expand_cost_usd_per_mw`` and the build
``build_cost_usd`` as annuities over the link's life, paid for the calendar years of that life inside the
horizon (an expansion stays to the horizon's end); wheeling (category ``wheeling``) each year,

.. math::

    wheeling\_usd\_per\_mwh_l \cdot (flow_{l,y,fwd} + flow_{l,y,bwd}) \cdot hours\_per\_year \cdot load\_factor

per MWh sent, measured as supplies measure the energy they sell (flows are annual-average MW, see
:mod:`gigawatt.model.grid`); losses do not reduce it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.family import Dual, Extraction, Family, Rows, Slack, StartValues, Variables
from gigawatt.model.ledger import Ledger, entry, linear
from gigawatt.model.options import ModelOptions

DIRS = ("fwd", "bwd")


def add_links(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """Declare ``v_flow``, ``v_expand`` and ``v_link_built`` with capacity and expansion limits; register flows and capital."""
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
    st = d.scenario.settings
    energy_h = st.hours_per_year * st.load_factor
    for link, y in d.link_years:
        row = link_p[link]
        keep = 1.0 - row.loss_frac
        if row.wheeling_usd_per_mwh:
            for k in DIRS:
                ledger.yearly("wheeling", y, row.wheeling_usd_per_mwh * energy_h, m.v_flow[link, y, k])
        ledger.inject(row.from_node, y, -1.0, m.v_flow[link, y, "fwd"])
        ledger.inject(row.from_node, y, keep, m.v_flow[link, y, "bwd"])
        ledger.inject(row.to_node, y, keep, m.v_flow[link, y, "fwd"])
        ledger.inject(row.to_node, y, -1.0, m.v_flow[link, y, "bwd"])
    for link, y in expandable:
        row, life = link_p[link], int(link_p[link].lifetime_years)
        before = entry(m.v_expand, prev[link, y])
        ledger.capital_step("link_capex", y, life, row.expand_cost_usd_per_mw, m.v_expand[link, y], before)
        if (link, y) in m.v_link_built:
            before = entry(m.v_link_built, prev[link, y])
            ledger.capital_step("link_capex", y, life, row.build_cost_usd, m.v_link_built[link, y], before)


def extract_links(e: Extraction) -> None:
    """``links``: expansion, build decision, capacity, flows and losses per link and year."""
    d = e.data
    keys = list(d.link_years)
    flow, expand, built = e.values("v_flow"), e.values("v_expand"), e.values("v_link_built")
    ids = pd.Series([link for link, _ in keys], dtype=object)
    frame = pd.DataFrame({"link_id": ids, "year": [y for _, y in keys]})
    frame["expansion_mw"] = [expand.get(k, 0.0) for k in keys]
    frame["built"] = [built.get(k, 0.0) for k in keys]
    if not e.relaxed:
        frame["built"] = frame["built"].round().astype(bool)
    frame["capacity_mw"] = ids.map(d.links["capacity_mw"]).astype(float) + frame["expansion_mw"]
    frame["flow_fwd_mw"] = [flow.get((link, y, "fwd"), 0.0) for link, y in keys]
    frame["flow_bwd_mw"] = [flow.get((link, y, "bwd"), 0.0) for link, y in keys]
    frame["loss_mw"] = ids.map(d.links["loss_frac"]).astype(float) * (frame["flow_fwd_mw"] + frame["flow_bwd_mw"])
    e.tables["links"] = frame.sort_values(["link_id", "year"]).reset_index(drop=True)


def start_links(tables: Mapping[str, pd.DataFrame]) -> StartValues:
    """Which fixed-cost links are built, from a plan's ``links`` table."""
    links = tables.get("links")
    if links is None or not len(links) or "built" not in links:
        return {}
    keys = zip(links["link_id"], links["year"], strict=True)
    return {"v_link_built": dict(zip(keys, links["built"].astype(float), strict=True))}


LINK_KEY = ("link_id", "year")
FAMILY = Family(
    name="links",
    add=add_links,
    order=40,
    variables=(
        Variables("v_flow", "MW", ("link_id", "year", "dir"), dual_free_upper=True, elastic_free_upper=True),
        Variables("v_expand", "MW", LINK_KEY, commitment=True),
        Variables("v_link_built", "-", LINK_KEY, role="build", price_fixed=True, commitment=True),
    ),
    rows=(
        Rows("c_expand_monotone", "MW", LINK_KEY, "link {link_id}"),
        Rows("c_link_built_monotone", "-", LINK_KEY, "link {link_id}"),
        Rows("c_expand_built", "MW", LINK_KEY, "link {link_id}", coefficients={"v_link_built": "links.expand_max_mw"}),
        Rows(
            "c_link_capacity",
            "MW",
            ("link_id", "year", "dir"),
            "link {link_id} {dir}",
            dual=Dual("link_capacity", "USD/MW-yr", "per_year", "saved per MW-year of extra link capacity in that direction"),
            slack=Slack(
                "link capacity",
                -1.0,
                "{year}, link {link_id} ({dir}): {slack} MW more than its capacity of {bound} MW (plus any expansion)",
                demand_first=100.0,
                caps=1.0,
                mw=True,
                cap="link capacity cap",
            ),
        ),
    ),
    tables={
        "links": {
            "link_id": "grid link",
            "year": "modelled year",
            "expansion_mw": "expansion built so far",
            "built": "expansion with a fixed build cost decided (bool; False where build_cost_usd is 0)",
            "capacity_mw": "capacity_mw + expansion_mw, each direction",
            "flow_fwd_mw": "power sent from from_node to to_node",
            "flow_bwd_mw": "power sent from to_node to from_node",
            "loss_mw": "loss_frac x (flow_fwd_mw + flow_bwd_mw)",
        }
    },
    extract=extract_links,
    start=start_links,
)
