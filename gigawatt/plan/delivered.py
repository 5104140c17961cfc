r"""Delivered energy: what each campus pays per MWh, everything included, and which supplies feed it.

Read from a plan's tables and its scenario only (never the model), per modelled year, in that year's
undiscounted USD. Energy is counted as supplies count what they sell: average MW times
``H = hours_per_year x load_factor``.

**A campus's energy.** Site s at node n uses :math:`E_s = it\_mw_s \cdot pue_s \cdot H` [MWh] (the annual
PUE, as the node balance). On-site generation (``onsite.generation_mw``, behind the meter) covers
:math:`O_s` of it; the rest, :math:`G_s = E_s - O_s`, is taken from the grid at n. Supplies dedicated to
the campus (``supplies.site_id``) serve it first: it uses :math:`D_s = \min(G_s, \text{their energy})`
of them and takes :math:`P_s = G_s - D_s` from the node's pool; dedicated energy it does not use joins
the pool. A dedicated supply sits at its campus's node (what ``supplies.site_id`` means), so its energy
crosses no link.

**What a supply costs** in a year: energy and carbon on what it sells,
``draw x H x (energy_price + co2_t_per_mwh x carbon_price)``; take-or-pay on MW paid for but not drawn,
``(paid_mw - draw_mw) x H x energy_price``; and, for supplies with a build cost, its capital as a yearly
charge, ``available_mw x build_cost_usd_per_mw x crf(r, lifetime)`` (:func:`capital_recovery_factor`).

**Average-cost flow tracing** (proportional sharing). Energy reaching a node mixes: whatever leaves it,
to its campuses or down a link, carries the node's average cost :math:`\pi_n` [USD/MWh]. With
:math:`T_n` the energy entering the pool at n (shared supplies' energy, unused dedicated energy and
what arrives over links after losses), :math:`C_n` what that local energy costs and, for each link
direction l from m to n carrying :math:`F_l` MWh sent, loss share :math:`\lambda_l` and wheeling
:math:`w_l` [USD/MWh sent]:

.. math::

    \pi_n T_n = C_n + \sum_{l: m \to n} F_l (\pi_m + w_l), \qquad
    T_n = \text{local}_n + \sum_{l: m \to n} (1 - \lambda_l) F_l

one linear system per year, solved with numpy. The MWh lost on a link are paid for at the sending
node and spread over what arrives, so losses raise the price downstream; wheeling is charged on what
is sent. The system is split in two right-hand sides, supply costs (:math:`C_n`, giving ``grid_usd``)
and wheeling (:math:`w_l F_l`, giving ``wheeling_usd``), whose prices add up to :math:`\pi_n`. The same
matrix with received rather than sent energy traces origins: the share :math:`x_{n,g}` of node n's pool
that comes from supply g solves :math:`x_{n,g} T_n = \text{local}_{n,g} + \sum_l (1 - \lambda_l) F_l
x_{m,g}` (``feeds``: MW of each supply reaching each campus, after losses). A node without energy
entering has price 0 and nothing to share.

**A campus's cost** per year (columns, USD): ``grid_usd`` (its dedicated supplies' cost for the part it
uses, plus :math:`P_s` at the node's supply price), ``wheeling_usd`` (:math:`P_s` at the node's wheeling
price), ``interconnection_usd`` (the capital of its tranches taken so far, ``interconnection.capital_usd``
summed per tranche to that year, times ``crf`` over the tranche's life), ``onsite_usd`` (per
technology: capital so far times ``crf`` over its life, plus ``fixed_usd``, ``energy_usd`` and ``co2_t``
at the carbon price) and ``curtailment_usd`` (``curtailment.lost_usd``, compute lost when non-firm MW
are shed). ``price_usd_per_mwh`` is their sum over :math:`E_s` (NaN for a year with no energy). Capital
is a yearly charge, not spent at once: a tranche does not make its first year's energy dear. The
plan-wide average weights campuses and years by energy: total cost over total energy
(:func:`average_price`).

Left out: link expansion capital (wheeling stands for transmission service) and the campus itself
(buildings, chips, serving); costs of a node nothing flows through are assigned to no campus.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gigawatt.model.data import capital_recovery_factor
from gigawatt.scenario import Scenario

#: The delivered-price table: column -> meaning.
DELIVERED_COLUMNS: dict[str, str] = {
    "site_id": "campus",
    "node_id": "grid node it draws from",
    "year": "modelled year",
    "energy_mwh": "energy the campus uses: it_mw x pue x hours_per_year x load_factor",
    "grid_mwh": "of which from the grid (less on-site generation)",
    "grid_usd": "supply energy, carbon, take-or-pay and capacity charges of its grid energy, losses included",
    "wheeling_usd": "wheeling charges on every link its grid energy crossed",
    "interconnection_usd": "yearly charge on the capital of its tranches taken so far (capital x crf)",
    "onsite_usd": "on-site generation: yearly capital charge, fixed O&M, fuel and variable O&M, carbon",
    "curtailment_usd": "value of compute lost when non-firm MW are shed",
    "price_usd_per_mwh": "all of the above over energy_mwh",
}
#: The feeds table: column -> meaning.
FEED_COLUMNS: dict[str, str] = {
    "site_id": "campus",
    "year": "modelled year",
    "supply_id": "supply whose energy reaches it",
    "supply_node_id": "the supply's node",
    "dedicated": "a contract serving only this campus (bool)",
    "mw": "average MW of the supply reaching the campus, after losses",
}
#: Feeds below this many average MW are left out (round-off of the solver and of the tracing).
FEED_TOL_MW = 1e-6
COST_COLUMNS = ("grid_usd", "wheeling_usd", "interconnection_usd", "onsite_usd", "curtailment_usd")


@dataclass(frozen=True)
class Delivery:
    """Delivered prices (:data:`DELIVERED_COLUMNS`) and feeds (:data:`FEED_COLUMNS`) of a plan."""

    prices: pd.DataFrame
    feeds: pd.DataFrame


def delivery(scenario: Scenario, tables: Mapping[str, pd.DataFrame]) -> Delivery:
    """Trace every year's grid energy from supplies to campuses and price it (see the module docstring)."""
    st = scenario.settings
    hours = st.hours_per_year * st.load_factor
    sites = _campus_energy(scenario, tables, hours)
    supplies = _supply_energy(scenario, tables, hours)
    arcs = _arcs(scenario, tables, hours)
    nodes = list(dict.fromkeys([*scenario.tables["nodes"]["node_id"], *sites["node_id"], *supplies["node_id"]]))
    priced, fed = [], []
    for year, here in sites.groupby("year", sort=True):
        campus, feeds = _trace_year(nodes, hours, here, supplies[supplies["year"] == year], arcs[arcs["year"] == year])
        priced.append(campus)
        fed.append(feeds)
    prices = pd.concat(priced, ignore_index=True) if priced else sites.assign(grid_usd=0.0, wheeling_usd=0.0)
    prices = prices.merge(_yearly_charges(scenario, tables), on=["site_id", "year"], how="left")
    for column in COST_COLUMNS:
        prices[column] = prices[column].fillna(0.0) if column in prices else 0.0
    spent = prices[list(COST_COLUMNS)].sum(axis=1)
    prices = prices[(prices["energy_mwh"] > 0) | (spent > 0)].copy()
    prices["price_usd_per_mwh"] = spent / prices["energy_mwh"].where(prices["energy_mwh"] > 0)
    feeds = pd.concat(fed, ignore_index=True) if fed else pd.DataFrame(columns=list(FEED_COLUMNS))
    feeds = feeds.reindex(columns=list(FEED_COLUMNS)).sort_values(["site_id", "year", "mw"], ascending=[True, True, False])
    prices = prices.reindex(columns=list(DELIVERED_COLUMNS)).sort_values(["site_id", "year"])
    return Delivery(prices.reset_index(drop=True), feeds.reset_index(drop=True))


def average_price(prices: pd.DataFrame) -> float:
    """The energy-weighted delivered price [USD/MWh]: every campus's cost over every campus's energy, all years (NaN: no energy)."""
    energy = float(prices["energy_mwh"].sum())
    return float(prices[list(COST_COLUMNS)].to_numpy().sum()) / energy if energy > 0 else float("nan")


# -- the parts, as frames ---------------------------------------------------------------------------
def _campus_energy(scenario: Scenario, tables: Mapping[str, pd.DataFrame], hours: float) -> pd.DataFrame:
    """Per site and year: ``node_id``, ``energy_mwh``, ``onsite_mwh``, ``grid_mwh``."""
    pue = scenario.tables["sites"].set_index("site_id")["pue"].astype(float)
    sites = tables["sites"][["site_id", "node_id", "year", "it_mw"]].copy()
    sites["energy_mwh"] = sites["it_mw"] * sites["site_id"].map(pue).astype(float) * hours
    onsite = _per_site_year(tables.get("onsite"), "generation_mw") * hours
    sites["onsite_mwh"] = pd.MultiIndex.from_frame(sites[["site_id", "year"]]).map(onsite.to_dict().get).astype(float)
    sites["onsite_mwh"] = sites["onsite_mwh"].fillna(0.0)
    sites["grid_mwh"] = (sites["energy_mwh"] - sites["onsite_mwh"]).clip(lower=0.0)
    return sites.drop(columns="it_mw")


def _supply_energy(scenario: Scenario, tables: Mapping[str, pd.DataFrame], hours: float) -> pd.DataFrame:
    """Per supply and year: ``node_id``, ``dedicated_to`` (a campus, or None), ``mwh`` sold and ``usd`` it costs that year."""
    st = scenario.settings
    info = scenario.tables["supplies"].set_index("supply_id")
    plan = tables["supplies"]
    f = plan[["supply_id", "node_id", "year"]].assign(
        available_mw=plan["available_mw"].astype(float), draw_mw=plan["draw_mw"].astype(float)
    )
    price = f["supply_id"].map(info["energy_price_usd_per_mwh"]).astype(float)
    co2 = f["supply_id"].map(info["co2_t_per_mwh"]).astype(float)
    build = f["supply_id"].map(info["build_cost_usd_per_mw"]).astype(float).fillna(0.0)
    crf = _crf(f["supply_id"].map(info["lifetime_years"]), st.discount_rate)
    paid = plan["paid_mw"].astype(float) if "paid_mw" in plan else f["draw_mw"]
    f["mwh"] = f["draw_mw"] * hours
    unpaid_draw = (paid - f["draw_mw"]).clip(lower=0.0) * hours
    f["usd"] = f["mwh"] * (price + co2 * st.carbon_price_usd_per_t) + unpaid_draw * price + f["available_mw"] * build * crf
    campuses = set(scenario.tables["sites"]["site_id"])
    dedicated = plan["site_id"] if "site_id" in plan else pd.Series(None, index=plan.index, dtype=object)
    f["dedicated_to"] = dedicated.where(dedicated.isin(campuses), None)  # blank (or "nan" once stored as text): the node's
    return f[["supply_id", "node_id", "year", "dedicated_to", "mwh", "usd"]]


def _arcs(scenario: Scenario, tables: Mapping[str, pd.DataFrame], hours: float) -> pd.DataFrame:
    """Every link direction that carried energy: ``year``, ``sender``, ``receiver``, ``sent_mwh``, ``keep`` (1 - loss) and
    ``wheeling`` [USD/MWh sent]."""
    plan = tables.get("links")
    if plan is None or plan.empty:
        return pd.DataFrame(columns=["year", "sender", "receiver", "sent_mwh", "keep", "wheeling"])
    info = scenario.tables["links"].set_index("link_id")
    ends = plan["link_id"].map(info["from_node"]), plan["link_id"].map(info["to_node"])
    wheeling = info["wheeling_usd_per_mwh"] if "wheeling_usd_per_mwh" in info else pd.Series(0.0, index=info.index)
    common = {"year": plan["year"], "keep": 1.0 - plan["link_id"].map(info["loss_frac"]).astype(float)}
    common["wheeling"] = plan["link_id"].map(wheeling).astype(float).fillna(0.0)
    arcs = pd.concat(
        [
            pd.DataFrame(common | {"sender": ends[0], "receiver": ends[1], "sent_mwh": plan["flow_fwd_mw"] * hours}),
            pd.DataFrame(common | {"sender": ends[1], "receiver": ends[0], "sent_mwh": plan["flow_bwd_mw"] * hours}),
        ],
        ignore_index=True,
    )
    return arcs[(arcs["sent_mwh"] > 0) & arcs["sender"].notna() & arcs["receiver"].notna()]


def _per_site_year(frame: pd.DataFrame | None, column: str) -> pd.Series:
    """``column`` summed per (site_id, year) of an optional table; empty when the table is absent."""
    if frame is None or frame.empty:
        return pd.Series(dtype=float)
    return frame.groupby(["site_id", "year"])[column].sum().astype(float)


def _yearly_charges(scenario: Scenario, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per site and year: ``interconnection_usd``, ``onsite_usd``, ``curtailment_usd`` (see the module docstring)."""
    st = scenario.settings
    parts = []
    tranches = tables.get("interconnection")
    if tranches is not None and len(tranches):
        life = scenario.tables["interconnection"].set_index("tranche_id")["lifetime_years"]
        parts.append(_capital_charge(tranches, "tranche_id", life, st.discount_rate).rename("interconnection_usd"))
    onsite = tables.get("onsite")
    if onsite is not None and len(onsite):
        life = scenario.tables["generators"].set_index("tech_id")["lifetime_years"]
        running = onsite["fixed_usd"] + onsite["energy_usd"] + onsite["co2_t"] * st.carbon_price_usd_per_t
        paid = onsite.assign(usd=running).groupby(["site_id", "year"])["usd"].sum()
        parts.append(paid.add(_capital_charge(onsite, "tech_id", life, st.discount_rate), fill_value=0.0).rename("onsite_usd"))
    curtailment = tables.get("curtailment")
    if curtailment is not None and len(curtailment):
        parts.append(_per_site_year(curtailment, "lost_usd").rename("curtailment_usd"))
    if not parts:
        return pd.DataFrame(columns=["site_id", "year"])
    return pd.concat(parts, axis=1).fillna(0.0).rename_axis(["site_id", "year"]).reset_index()


def _capital_charge(frame: pd.DataFrame, asset: str, life: pd.Series, rate: float) -> pd.Series:
    """Per (site_id, year): capital spent on each (site, ``asset``) up to that year times ``crf`` over the asset's life."""
    ordered = frame.sort_values("year")
    spent = ordered.groupby(["site_id", asset])["capital_usd"].cumsum()
    return (spent * _crf(ordered[asset].map(life), rate)).groupby([ordered["site_id"], ordered["year"]]).sum()


def _crf(lives: pd.Series, rate: float) -> pd.Series:
    """:func:`capital_recovery_factor` of each life in years (NaN where there is none: an asset the scenario lacks)."""
    return lives.astype(float).map(lambda n: capital_recovery_factor(rate, int(n)) if n >= 1 else float("nan"))


# -- one year's trace -------------------------------------------------------------------------------
def _trace_year(
    nodes: list[str], hours: float, sites: pd.DataFrame, supplies: pd.DataFrame, arcs: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Campus rows with ``grid_usd`` and ``wheeling_usd``, and the feeds (MW: MWh over ``hours``), for one year."""
    sites = sites.copy()
    grid = sites.groupby("site_id")["grid_mwh"].sum()
    own = supplies[supplies["dedicated_to"].notna()]
    offered = own.groupby("dedicated_to")["mwh"].sum()
    used_share = (grid.reindex(offered.index).fillna(0.0) / offered.where(offered > 0)).clip(upper=1.0).fillna(1.0)
    share = own["dedicated_to"].map(used_share).astype(float).fillna(0.0)  # of each dedicated supply's energy and cost, its campus's part
    pool = pd.concat(
        [
            supplies[supplies["dedicated_to"].isna()][["supply_id", "node_id", "mwh", "usd"]],
            own[["supply_id", "node_id"]].assign(mwh=own["mwh"] * (1.0 - share), usd=own["usd"] * (1.0 - share)),
        ]
    )
    index = {n: i for i, n in enumerate(nodes)}
    origin = {g: j for j, g in enumerate(dict.fromkeys(pool["supply_id"]))}
    prices, mix = _node_prices(index, origin, pool, arcs)
    ded = own.assign(mwh=own["mwh"] * share, usd=own["usd"] * share)
    ded_mwh = ded.groupby("dedicated_to")["mwh"].sum()
    sites["dedicated_mwh"] = sites["site_id"].map(ded_mwh).fillna(0.0)
    pooled = (sites["grid_mwh"] - sites["dedicated_mwh"]).clip(lower=0.0)
    at = sites["node_id"].map(index).to_numpy(dtype=int)
    sites["grid_usd"] = sites["site_id"].map(ded.groupby("dedicated_to")["usd"].sum()).fillna(0.0) + pooled * prices[at, 0]
    sites["wheeling_usd"] = pooled * prices[at, 1]
    nodes_of = pool.drop_duplicates("supply_id").set_index("supply_id")["node_id"]
    reaching = pooled.to_numpy()[:, None] * mix[at, :] / hours  # MW of each pooled supply at each campus
    row, col = np.nonzero(reaching > FEED_TOL_MW)
    supply_ids = np.array(list(origin), dtype=object)[col]
    shared = pd.DataFrame(
        {"site_id": sites["site_id"].to_numpy()[row], "supply_id": supply_ids, "supply_node_id": nodes_of.reindex(supply_ids).to_numpy()}
    ).assign(dedicated=False, mw=reaching[row, col])
    direct = ded[ded["mwh"] > FEED_TOL_MW * hours]
    direct = pd.DataFrame(
        {"site_id": direct["dedicated_to"], "supply_id": direct["supply_id"], "supply_node_id": direct["node_id"], "dedicated": True}
    ).assign(mw=direct["mwh"].to_numpy() / hours)
    feeds = pd.concat([f for f in (shared, direct) if len(f)], ignore_index=True) if len(shared) or len(direct) else shared
    year = int(sites["year"].iloc[0])
    return sites.drop(columns="dedicated_mwh"), feeds.assign(year=year)


def _node_prices(
    index: Mapping[str, int], origin: Mapping[str, int], pool: pd.DataFrame, arcs: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Per node: (supply price, wheeling price) [USD/MWh], and the share of its pool from each pooled supply."""
    n = len(index)
    local = np.zeros(n)
    cost = np.zeros((n, 2))
    origins = np.zeros((n, len(origin)))
    at = pool["node_id"].map(index).to_numpy(dtype=int)
    np.add.at(local, at, pool["mwh"].to_numpy(dtype=float))
    np.add.at(cost[:, 0], at, pool["usd"].to_numpy(dtype=float))
    np.add.at(origins, (at, pool["supply_id"].map(origin).to_numpy(dtype=int)), pool["mwh"].to_numpy(dtype=float))
    send, receive = arcs["sender"].map(index).to_numpy(dtype=int), arcs["receiver"].map(index).to_numpy(dtype=int)
    sent = arcs["sent_mwh"].to_numpy(dtype=float)
    received = sent * arcs["keep"].to_numpy(dtype=float)
    np.add.at(cost[:, 1], receive, sent * arcs["wheeling"].to_numpy(dtype=float))
    total = local.copy()
    np.add.at(total, receive, received)
    idle = total <= 0
    passes_cost, passes_energy = np.diag(np.where(idle, 1.0, total)), np.diag(np.where(idle, 1.0, total))
    np.subtract.at(passes_cost, (receive, send), sent)
    np.subtract.at(passes_energy, (receive, send), received)
    if not all(np.isfinite(a).all() for a in (passes_cost, cost, origins)):  # a plan whose figures are not numbers
        return np.full(cost.shape, np.nan), np.full(origins.shape, np.nan)
    # Least squares is the exact solution whenever the system is regular (every flow that loops loses or leaves energy).
    prices = np.linalg.lstsq(passes_cost, cost, rcond=None)[0]
    mix = np.linalg.lstsq(passes_energy, origins, rcond=None)[0] if len(origin) else origins
    return prices, mix


# -- the power access of each campus ----------------------------------------------------------------
#: The power-access table: column -> meaning.
ACCESS_COLUMNS: dict[str, str] = {
    "site_id": "campus (rows for the years it is open)",
    "node_id": "grid node it draws from",
    "year": "modelled year",
    "facility_mw": "peak facility power",
    "grid_firm_mw": "firm MW of its interconnection tranches energised by then (NaN: no tranches, the grid is not limited)",
    "grid_draw_mw": "peak grid draw: facility_mw less on-site generation",
    "onsite_capacity_mw": "on-site generation and batteries built (MW)",
    "onsite_mw": "average on-site generation",
    "nonfirm_mw": "non-firm grid MW it may draw, shed in a share of hours",
    "dedicated_mw": "average MW from supplies dedicated to it",
    "grid_mw": "average MW from the grid, dedicated supplies included",
    "price_usd_per_mwh": "delivered energy price, everything included",
    "sources": "supplies feeding it, largest first: average MW reaching it (dedicated marked)",
}


def access(tables: Mapping[str, pd.DataFrame], delivered: Delivery) -> pd.DataFrame:
    """Per campus and year it is open: where its power comes from and what it costs (:data:`ACCESS_COLUMNS`)."""
    sites = tables["sites"]
    frame = sites.loc[sites["open"].astype(float) > 0.5, ["site_id", "node_id", "year", "facility_mw"]].copy()
    keys = pd.MultiIndex.from_frame(frame[["site_id", "year"]])
    tranches = tables.get("interconnection")
    firm = tranches.groupby(["site_id", "year"])["site_firm_mw"].first() if tranches is not None and len(tranches) else pd.Series()
    onsite, curtailment = tables.get("onsite"), tables.get("curtailment")
    generation = _per_site_year(onsite, "generation_mw")
    feeds = delivered.feeds
    by_feed = feeds.groupby(["site_id", "year"])
    dedicated = _per_site_year(feeds[feeds["dedicated"].astype(bool)], "mw")
    frame["grid_firm_mw"] = keys.map(firm.to_dict().get).astype(float)
    frame["onsite_capacity_mw"] = _at(keys, _per_site_year(onsite, "capacity_mw"))
    frame["onsite_mw"] = _at(keys, generation)
    frame["grid_draw_mw"] = frame["facility_mw"] - frame["onsite_mw"]
    frame["nonfirm_mw"] = _at(keys, _per_site_year(curtailment, "nonfirm_mw"))
    frame["dedicated_mw"] = _at(keys, dedicated)
    frame["grid_mw"] = _at(keys, by_feed["mw"].sum())
    price = delivered.prices.set_index(["site_id", "year"])["price_usd_per_mwh"]
    frame["price_usd_per_mwh"] = keys.map(price.to_dict().get).astype(float)
    text = {key: _sources(rows) for key, rows in by_feed}
    frame["sources"] = keys.map(lambda k: text.get(k, ""))
    return frame.reindex(columns=list(ACCESS_COLUMNS)).reset_index(drop=True)


def _at(keys: pd.MultiIndex, values: pd.Series) -> np.ndarray:
    """``values`` (indexed by site and year) at ``keys``; 0 where absent."""
    return keys.map(values.to_dict().get).astype(float).fillna(0.0).to_numpy()


def _sources(feeds: pd.DataFrame, limit: int | None = None) -> str:
    """``g1 300 MW (dedicated), g2 120 MW``: each supply's average MW reaching the campus, largest first (the first
    ``limit`` and how many more)."""
    ordered = feeds.sort_values("mw", ascending=False)[["supply_id", "mw", "dedicated"]]
    text = [f"{g} {mw_text(mw)} MW" + (" (dedicated)" if d else "") for g, mw, d in ordered.itertuples(index=False)]
    more = len(text) - limit if limit is not None and len(text) > limit else 0
    return ", ".join(text[: len(text) - more]) + (f" and {more} more" if more else "")


def mw_text(mw: float) -> str:
    """MW for reading: whole MW from 10 up (``1,250``), two significant digits below (``1.2``)."""
    return f"{mw:,.0f}" if abs(mw) >= 10 else f"{mw:.2g}"


#: Supplies named per campus in the summary (the rest counted).
SUMMARY_SOURCES = 3


def campus_lines(access_table: pd.DataFrame, delivered: Delivery, tranches: pd.DataFrame | None) -> list[str]:
    """One line per campus for :meth:`Plan.summary`: first year, its power by its last year, tranches energised, price.

    ``abilene  from 2026: 1,200 MW = grid 900 (firm 900: 300 MW 2026, 600 MW 2028) + on-site 300; non-firm 100;
    52.1 USD/MWh; fed by g1 600 MW (dedicated), g2 300 MW``. The price is the campus's energy-weighted average over
    the years; "fed by" is the last year's, its :data:`SUMMARY_SOURCES` largest.
    """
    lines = []
    prices, feeds = delivered.prices, delivered.feeds
    energised = _energised(tranches)
    ordered = access_table.assign(first=access_table.groupby("site_id")["year"].transform("min")).sort_values(["first", "site_id"])
    for site_id, rows in ordered.groupby("site_id", sort=False):
        last = rows.iloc[-1]
        grid = f"grid {mw_text(last.grid_draw_mw)}"
        if pd.notna(last.grid_firm_mw):
            grid += f" (firm {mw_text(last.grid_firm_mw)}" + (f": {energised[site_id]})" if site_id in energised else ")")
        parts = [f"{site_id} from {rows['year'].iloc[0]}: {mw_text(last.facility_mw)} MW by {last.year} = {grid}"]
        parts[0] += f" + on-site {mw_text(last.onsite_mw)}" if last.onsite_capacity_mw > 0 else ""
        parts += [f"non-firm {mw_text(last.nonfirm_mw)}"] if last.nonfirm_mw > 0 else []
        parts.append(f"{average_price(prices[prices['site_id'] == site_id]):,.1f} USD/MWh")
        fed = feeds[(feeds["site_id"] == site_id) & (feeds["year"] == last.year)]
        parts += [f"fed by {_sources(fed, SUMMARY_SOURCES)}"] if len(fed) else []
        lines.append("; ".join(parts))
    return lines


def _energised(tranches: pd.DataFrame | None) -> dict[str, str]:
    """site -> ``300 MW 2026, 600 MW 2028``: each tranche taken, in the year it was energised, by year."""
    if tranches is None or tranches.empty:
        return {}
    taken = tranches[tranches["taken"].astype(float) > 0.5]
    first = taken.groupby(["site_id", "tranche_id"]).agg(year=("year", "min"), mw=("firm_mw", "max")).reset_index()
    first = first.sort_values(["site_id", "year", "tranche_id"])
    return {s: ", ".join(f"{mw_text(r.mw)} MW {r.year}" for r in rows.itertuples()) for s, rows in first.groupby("site_id")}
