r"""Site interconnection with time to power: a site draws from the grid at most the firm MW of its energised tranches,
plus the non-firm MW it uses.

A tranche (``interconnection.csv``) is firm grid capacity for one site: ``firm_mw`` from its
``earliest_year`` on (the queue and the lead time of the substation and network upgrades), at
``cost_usd_per_mw`` per firm MW plus ``fixed_cost_usd``. The plan takes a tranche in some year or
declines it; once taken it stays. A tranche may also offer ``nonfirm_mw`` of non-firm (flexible)
connection from ``nonfirm_earliest_year`` (:math:`e^{nf}_t`, which may come before the firm
:math:`e_t`): MW the campus may draw on condition that it sheds them in ``curtailment_frac`` of hours
(:mod:`gigawatt.model.curtailment` prices the shed load). Non-firm MW live here, with the tranche
they come with, because the grid-draw row must read them; what happens when they are shed is the
curtailment family's.

Sets: ``TRANCHE_YEARS`` (s, t, y): tranche t of site s in every modelled year y from its first year,
:math:`\min(e_t, e^{nf}_t)` (:math:`e_t` when it offers no non-firm MW); ``NONFIRM_YEARS``: those with
:math:`nonfirm\_mw_t > 0` and :math:`y \ge e^{nf}_t`.

.. math::

    taken_{s,t,y} \ge taken_{s,t,y^-} \qquad (\texttt{c\_tranche\_monotone}; \text{energised for good})

    nonfirm_{s,t,y} \le nonfirm\_mw_t \; taken_{s,t,y} \qquad (\texttt{c\_nonfirm\_taken})

    \sum_{s \text{ at } n,\; t \text{ of } s} nonfirm_{s,t,y} \le nonfirm\_cap\_mw_n
        \qquad (\texttt{c\_nonfirm\_cap[n, y]}, \text{nodes with a cap})

    facility_{s,y} - onsite_{s,y} \le \sum_{t \text{ of } s,\; e_t \le y} firm\_mw_t \; taken_{s,t,y}
        + \sum_{t \text{ of } s} nonfirm_{s,t,y} \qquad (\texttt{c\_interconnection[s, y]})

for every site with tranches and every year it registers power: the left side is the site's grid draw,
read from the closed ledger (:meth:`gigawatt.model.ledger.Ledger.grid_draw`), so supply a family
registers behind the site's meter (:meth:`~gigawatt.model.ledger.Ledger.onsite`) lowers it. In a year
before any of its tranches can be energised such a site draws nothing. Sites without tranches (every
site of a scenario without the table) draw what they need: the family then adds no column or row.

Cost (category ``interconnection``, USD, discounted): ``cost_usd_per_mw * firm_mw + fixed_cost_usd`` as
capital in the year the tranche is taken, an annuity over ``lifetime_years`` paid for the calendar years
of that life inside the horizon (a connection stays to the horizon's end); a declined tranche costs
nothing. A tranche taken before its ``earliest_year`` for its non-firm MW pays from the year it is taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

import pandas as pd
import pyomo.environ as pyo

from gigawatt.model.data import ModelData, rows
from gigawatt.model.family import Dual, Extraction, Family, Rows, Slack, StartValues, Variables
from gigawatt.model.ledger import Ledger, entry, linear
from gigawatt.model.options import ModelOptions
from gigawatt.model.power import MW_PER_UNIT


def tranches(d: ModelData) -> dict[str, SimpleNamespace]:
    """The scenario's tranches by ``tranche_id`` (none without an ``interconnection`` table), ``nonfirm_earliest_year``
    filled (:meth:`gigawatt.scenario.Scenario.nonfirm_earliest_year`) and ``first_year``, the first year it can be taken."""
    table = d.scenario.tables.get("interconnection")
    if table is None:
        return {}
    table = table.set_index("tranche_id", drop=False)
    table = table.assign(nonfirm_earliest_year=d.scenario.nonfirm_earliest_year())
    first = table["earliest_year"].where(table["nonfirm_mw"] <= 0, table[["earliest_year", "nonfirm_earliest_year"]].min(axis=1))
    return rows(table.assign(first_year=first))


def tranche_years(d: ModelData) -> list[tuple[str, str, int]]:
    """(site, tranche, year) for every modelled year a tranche can be taken in, by site, tranche and year."""
    return sorted((t.site_id, t.tranche_id, y) for t in tranches(d).values() for y in d.years if y >= t.first_year)


def nonfirm_years(d: ModelData) -> list[tuple[str, str, int]]:
    """(site, tranche, year) for every modelled year a tranche's non-firm MW can be used in."""
    info = tranches(d)
    return [(s, t, y) for s, t, y in tranche_years(d) if info[t].nonfirm_mw > 0 and y >= info[t].nonfirm_earliest_year]


def site_curtailment(d: ModelData) -> dict[str, float]:
    """Per site offered non-firm MW, the share of hours they are shed: the largest ``curtailment_frac`` of its tranches
    offering them (a site's non-firm MW are shed together; one such tranche per site is the usual case)."""
    out: dict[str, float] = {}
    for t in tranches(d).values():
        if t.nonfirm_mw > 0:
            out[t.site_id] = max(float(t.curtailment_frac), out.get(t.site_id, 0.0))
    return out


def tranche_capital(t: SimpleNamespace) -> float:
    """USD spent when tranche ``t`` is taken: ``cost_usd_per_mw * firm_mw + fixed_cost_usd``."""
    return float(t.cost_usd_per_mw * t.firm_mw + t.fixed_cost_usd)


def add_interconnection(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """Declare ``v_tranche`` (taken by a year), monotone, and ``v_nonfirm`` (non-firm MW used) within the tranches taken and
    the nodes' caps; register each tranche's capital in the year it is taken."""
    index = tranche_years(d)
    m.TRANCHE_YEARS = pyo.Set(initialize=index, dimen=3, ordered=True)
    if not index:
        return
    info = tranches(d)
    m.v_tranche = pyo.Var(m.TRANCHE_YEARS, domain=pyo.Binary)
    prev = {(s, t, y): (s, t, d.horizon.previous(y)) for s, t, y in index}
    steps = [k for k in index if prev[k] in m.v_tranche]
    m.c_tranche_monotone = pyo.Constraint(steps, rule=lambda _, s, t, y: m.v_tranche[s, t, y] >= m.v_tranche[prev[s, t, y]])
    for s, t, y in index:
        row = info[t]
        before = entry(m.v_tranche, prev[s, t, y])
        ledger.capital_step("interconnection", y, int(row.lifetime_years), tranche_capital(row), m.v_tranche[s, t, y], before)
    nonfirm = nonfirm_years(d)
    if not nonfirm:
        return
    m.v_nonfirm = pyo.Var(nonfirm, domain=pyo.NonNegativeReals)
    m.c_nonfirm_taken = pyo.Constraint(
        nonfirm, rule=lambda _, s, t, y: linear([(1.0, m.v_nonfirm[s, t, y]), (-float(info[t].nonfirm_mw), m.v_tranche[s, t, y])]) <= 0
    )
    caps = d.nodes["nonfirm_cap_mw"].dropna().to_dict()
    at_node: dict[tuple[str, int], list] = {}
    for s, t, y in nonfirm:
        node = d.site[s].node_id
        if node in caps:
            at_node.setdefault((node, y), []).append((1.0, m.v_nonfirm[s, t, y]))
    m.c_nonfirm_cap = pyo.Constraint(list(at_node), rule=lambda _, n, y: linear(at_node[n, y]) <= float(caps[n]))


def close_interconnection(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """``c_interconnection[s, y]``: the site's grid draw (from the closed ledger) within its energised firm MW and the
    non-firm MW it uses."""
    info = tranches(d)
    if not info:
        return
    energised: dict[tuple[str, int], list] = {}
    for s, t, y in tranche_years(d):
        if y >= info[t].earliest_year:
            energised.setdefault((s, y), []).append((-float(info[t].firm_mw), m.v_tranche[s, t, y]))
    for s, t, y in nonfirm_years(d):
        energised.setdefault((s, y), []).append((-1.0, m.v_nonfirm[s, t, y]))
    connected = {t.site_id for t in info.values()}
    draws = {(s, y): ledger.grid_draw(s, y) for s, y in d.site_years if s in connected}
    keys = [k for k, draw in draws.items() if draw]
    m.c_interconnection = pyo.Constraint(keys, rule=lambda _, s, y: linear([*draws[s, y], *energised.get((s, y), [])]) <= 0)


def extract_interconnection(e: Extraction) -> None:
    """``interconnection``: per tranche and year, taken or not, its firm and non-firm MW, the site's connection and grid
    draw, capital spent."""
    d = e.data
    index = tranche_years(d)
    info = tranches(d)
    taken = e.values("v_tranche")
    frame = pd.DataFrame(
        {
            "tranche_id": pd.Series([t for _, t, _ in index], dtype=object),
            "site_id": pd.Series([s for s, _, _ in index], dtype=object),
            "year": [y for _, _, y in index],
            "taken": [taken.get(k, 0.0) for k in index],
        }
    )
    if not e.relaxed:
        frame["taken"] = frame["taken"].round().astype(bool)
    share = frame["taken"].astype(float)
    firm = frame["tranche_id"].map({t: float(r.firm_mw) for t, r in info.items()}).astype(float)
    energised = frame["year"] >= frame["tranche_id"].map({t: r.earliest_year for t, r in info.items()})
    frame["firm_mw"] = share * firm * energised
    nonfirm = e.values("v_nonfirm")
    frame["nonfirm_mw"] = [nonfirm.get(k, 0.0) for k in index]
    frame["site_firm_mw"] = frame.groupby(["site_id", "year"])["firm_mw"].transform("sum")
    frame["grid_draw_mw"] = [e.ledger_value(e.ledger.grid_draw(s, y)) for s, _, y in index]
    new = share - share.groupby(frame["tranche_id"]).shift(1).fillna(0.0)
    frame["capital_usd"] = new * frame["tranche_id"].map({t: tranche_capital(r) for t, r in info.items()}).astype(float)
    e.tables["interconnection"] = frame


def start_interconnection(tables: Mapping[str, pd.DataFrame]) -> StartValues:
    """Tranches taken, from a plan's ``interconnection`` table."""
    tranches = tables.get("interconnection")
    if tranches is None or not len(tranches) or "taken" not in tranches:
        return {}
    keys = zip(tranches["site_id"], tranches["tranche_id"], tranches["year"], strict=True)
    return {"v_tranche": dict(zip(keys, tranches["taken"].astype(float), strict=True))}


TRANCHE_KEY = ("site_id", "tranche_id", "year")
FAMILY = Family(
    name="interconnection",
    add=add_interconnection,
    close=close_interconnection,
    order=60,
    variables=(
        Variables("v_tranche", "-", TRANCHE_KEY, role="opening", price_fixed=True, commitment=True),
        Variables("v_nonfirm", "MW", TRANCHE_KEY),
    ),
    rows=(
        Rows("c_tranche_monotone", "-", TRANCHE_KEY, "tranche {tranche_id} at site {site_id}"),
        Rows(
            "c_nonfirm_taken",
            "MW",
            TRANCHE_KEY,
            "tranche {tranche_id} at site {site_id}",
            coefficients={"v_tranche": "interconnection.nonfirm_mw"},
        ),
        Rows(
            "c_nonfirm_cap",
            "MW",
            ("node_id", "year"),
            "node {node_id}",
            dual=Dual("nonfirm_cap", "USD/MW-yr", "per_year", "saved per MW-year of extra non-firm headroom at the node"),
            slack=Slack(
                "non-firm headroom",
                -1.0,
                "node {node_id} needs {slack} MW more non-firm headroom by {year} than its nonfirm_cap_mw of {bound} MW",
                demand_first=100.0,
                caps=1.0,
                mw=True,
            ),
        ),
        Rows(
            "c_interconnection",
            "MW",
            ("site_id", "year"),
            "site {site_id}",
            dual=Dual("interconnection", "USD/MW-yr", "per_year", "saved per MW-year of extra firm grid connection at the site"),
            slack=Slack(
                "grid connection",
                -1.0,
                "site {site_id} needs {slack} MW more grid connection by {year} than its interconnection tranches can give, "
                "or on-site generation",
                demand_first=100.0,
                caps=1.0,
                mw=True,
            ),
            coefficients={"v_tranche": "interconnection.firm_mw", "v_install": MW_PER_UNIT},
        ),
    ),
    tables={
        "interconnection": {
            "tranche_id": "grid connection tranche (one row per modelled year from its earliest_year, or from its "
            "nonfirm_earliest_year when earlier and it offers non-firm MW)",
            "site_id": "site it connects",
            "year": "modelled year",
            "taken": "energised by that year (bool; once taken it stays)",
            "firm_mw": "firm MW the tranche gives that year (its firm_mw when taken and the year is from its earliest_year, else 0)",
            "nonfirm_mw": "non-firm MW of the tranche the site uses that year (at most its nonfirm_mw when taken)",
            "site_firm_mw": "firm MW of the site's tranches energised by then",
            "grid_draw_mw": "the site's peak grid draw: facility power less on-site generation (at most site_firm_mw plus the "
            "site's non-firm MW used)",
            "capital_usd": "capital spent on the tranche that year, undiscounted: cost_usd_per_mw x firm_mw + fixed_cost_usd when taken",
        }
    },
    extract=extract_interconnection,
    start=start_interconnection,
)
