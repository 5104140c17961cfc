r"""Site opening and capacity blocks.

Sets: ``SITE_YEARS`` (s, y) with y >= earliest_year of s.

.. math::

    open_{s,y} \ge open_{s,y^-}

    blocks_{s,y} = blocks_{s,y^-} + new\_blocks_{s,y}, \quad new\_blocks_{s,y} \in \mathbb{Z}_{\ge 0}

    blocks_{s,y} \le \lfloor max\_mw_s / block\_mw_s \rfloor \cdot open_{s,y}

    capacity_{s,y} = block\_mw_s \cdot blocks_{s,y} \quad [MW\ facility]

    blocks_{s,y} \ge open_{s,y} \quad (\texttt{c\_blocks\_min}; \text{without a capital budget})

    block\_mw_s \cdot new\_blocks_{s,y} \le ramp\_mw\_per\_year_s \cdot g_y \quad (\texttt{c\_site\_ramp})

    \sum_s block\_mw_s \cdot new\_blocks_{s,y} \le national\_ramp\_mw\_per\_year \cdot g_y \quad (\texttt{c\_national\_ramp})

**Construction ramps.** ``g_y`` is the number of calendar years of construction leading to modelled
year y: ``y - y^-`` since the previous modelled year, 1 for the first
(:meth:`~gigawatt.model.data.Horizon.step`). A site with ``ramp_mw_per_year`` may add that many MW of
capacity per calendar year; with years 2026, 2028, 2030 it adds at most ``2 x ramp`` by 2028 and again
by 2030, and ``1 x ramp`` in 2026 (also in a site's first year after a later ``earliest_year``: the rule
reads the horizon, not the site). ``national_ramp_mw_per_year`` (a setting) caps the sum over all sites
the same way. Rows are only built where a limit is set.

Blocks are counted by the integer blocks built each year (``v_new_blocks``); the cumulative
``v_blocks`` is then whole without being declared integer. Both forms have the same LP relaxation,
but branching on yearly builds (a lot-sizing structure) closes the pool scenario's gap far faster
than branching on cumulative counts.

``c_blocks_min`` is a dominance cut, not a rule of the scenario: a site open without blocks has no
power, so no chips and serves nothing; opening it in the first year it has a block costs no more
(the opening annuity is charged over fewer years inside the horizon). With a yearly capital budget
opening early can spread capital, so the cut is left out.

Costs (USD, discounted): opening ``open_cost_usd`` and blocks ``capex_usd_per_mw * block_mw`` as
annuities over ``lifetime_years`` from the year built, paid for the calendar years of that life inside
the horizon (a site and its blocks stay to the horizon's end; :meth:`~gigawatt.model.data.Horizon.annuity_weight`);
fixed O&M ``fixed_om_usd_per_mw_yr`` on built capacity each year. Interchangeable sites are ordered (blocks of the first >= the second).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.family import Dual, Extraction, Family, Rows, Slack, StartValues, Variables
from gigawatt.model.ledger import Ledger, entry, linear
from gigawatt.model.options import ModelOptions

#: Weight of a ramp's slack in the ``caps`` view, below the other caps' 1 (site capacity, the ceiling): a build held
#: back by the pace of construction is then explained as the ramp rather than as power beyond the capacity built
#: (which would ease it by the same amount). In the ``demand first`` view it weighs as the other caps, above demand.
RAMP_WEIGHT = 0.5


def add_sites(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """Declare ``v_open`` and ``v_blocks`` (summed from ``v_new_blocks``) with monotonicity, size, dominance and symmetry."""
    m.SITE_YEARS = pyo.Set(initialize=d.site_years, dimen=2, ordered=True)
    if not d.site_years:
        return
    max_blocks = {s: math.floor(row.max_mw / row.block_mw + 1e-9) for s, row in d.site.items()}
    m.v_open = pyo.Var(m.SITE_YEARS, domain=pyo.Binary)
    m.v_blocks = pyo.Var(m.SITE_YEARS, domain=pyo.NonNegativeReals, bounds=lambda _, s, y: (0, max_blocks[s]))
    m.v_new_blocks = pyo.Var(m.SITE_YEARS, domain=pyo.NonNegativeIntegers, bounds=lambda _, s, y: (0, max_blocks[s]))
    prev = {(s, y): d.horizon.previous(y) for s, y in d.site_years}
    steps = [(s, y) for s, y in d.site_years if (s, prev[s, y]) in m.v_open]
    m.c_open_monotone = pyo.Constraint(steps, rule=lambda _, s, y: m.v_open[s, y] >= m.v_open[s, prev[s, y]])

    def built(_: object, s: str, y: int) -> object:
        before = [(-1.0, m.v_blocks[s, prev[s, y]])] if (s, prev[s, y]) in m.v_blocks else []
        return linear([(1.0, m.v_blocks[s, y]), *before, (-1.0, m.v_new_blocks[s, y])]) == 0

    m.c_blocks_built = pyo.Constraint(m.SITE_YEARS, rule=built)
    m.c_blocks_open = pyo.Constraint(m.SITE_YEARS, rule=lambda _, s, y: m.v_blocks[s, y] <= max_blocks[s] * m.v_open[s, y])
    dominance = options.dominance_cuts and d.scenario.settings.budget_usd_per_year is None
    m.c_blocks_min = pyo.Constraint(m.SITE_YEARS if dominance else [], rule=lambda _, s, y: m.v_blocks[s, y] >= m.v_open[s, y])
    symmetric = d.symmetric_site_pairs if options.symmetry_breaking else []
    pairs = [(a, b, y) for a, b in symmetric for y in d.years if (a, y) in m.v_blocks and (b, y) in m.v_blocks]
    m.c_site_symmetry = pyo.Constraint(pairs, rule=lambda _, a, b, y: m.v_blocks[a, y] >= m.v_blocks[b, y])
    _add_ramps(m, d)

    for s, y in d.site_years:
        row = d.site[s]
        before_open = entry(m.v_open, (s, prev[s, y]))
        before_blocks = entry(m.v_blocks, (s, prev[s, y]))
        life = int(row.lifetime_years)
        ledger.capital_step("site_open", y, life, row.open_cost_usd, m.v_open[s, y], before_open)
        ledger.capital_step("site_capex", y, life, row.capex_usd_per_mw * row.block_mw, m.v_blocks[s, y], before_blocks)
        ledger.yearly("site_fixed_om", y, row.fixed_om_usd_per_mw_yr * row.block_mw, m.v_blocks[s, y])


def _add_ramps(m: pyo.ConcreteModel, d: ModelData) -> None:
    """``c_site_ramp[s, y]`` and ``c_national_ramp[y]``: capacity added within ``ramp x g_y`` MW (see the module docstring)."""
    site, h = d.site, d.horizon
    limited = [(s, y) for s, y in d.site_years if math.isfinite(site[s].ramp_mw_per_year)]
    m.c_site_ramp = pyo.Constraint(
        limited, rule=lambda _, s, y: site[s].block_mw * m.v_new_blocks[s, y] <= site[s].ramp_mw_per_year * h.step(y)
    )
    national = d.scenario.settings.national_ramp_mw_per_year
    by_year: dict[int, list] = {}
    for s, y in d.site_years if national is not None else []:
        by_year.setdefault(y, []).append((site[s].block_mw, m.v_new_blocks[s, y]))
    m.c_national_ramp = pyo.Constraint(list(by_year), rule=lambda _, y: linear(by_year[y]) <= national * h.step(y))


def extract_sites(e: Extraction) -> None:
    """``sites``: openings, blocks and built capacity per site and year; facility and IT power from the ledger."""
    d = e.data
    keys = list(d.site_years)
    opened = e.values("v_open")
    blocks = e.values("v_blocks")
    frame = pd.DataFrame(
        {
            "site_id": [s for s, _ in keys],
            "year": [y for _, y in keys],
            "open": [opened.get(k, 0.0) for k in keys],
            "blocks": [blocks.get(k, 0.0) for k in keys],
        }
    )
    if not e.relaxed:
        frame["open"] = frame["open"].round().astype(bool)
        frame["blocks"] = np.round(frame["blocks"]).astype("int64")
    frame.insert(1, "node_id", frame["site_id"].map(d.sites["node_id"]))
    frame["capacity_mw"] = frame["blocks"] * frame["site_id"].map(d.sites["block_mw"]).astype(float)
    frame["facility_mw"] = [e.ledger_value(e.ledger.facility_mw.get(k, [])) for k in keys]
    frame["it_mw"] = [e.ledger_value(e.ledger.it_mw.get(k, [])) for k in keys]
    e.tables["sites"] = frame.sort_values(["site_id", "year"]).reset_index(drop=True)


def start_sites(tables: Mapping[str, pd.DataFrame]) -> StartValues:
    """Openings and new blocks of a plan's ``sites`` table (new blocks: the increase over the site's previous row)."""
    sites = tables.get("sites")
    if sites is None or not len(sites):
        return {}
    ordered = sites.sort_values(["site_id", "year"])
    keys = list(zip(ordered["site_id"], ordered["year"], strict=True))
    values: StartValues = {}
    if "open" in ordered:
        values["v_open"] = dict(zip(keys, ordered["open"].astype(float), strict=True))
    if "blocks" in ordered:
        built = ordered.groupby("site_id")["blocks"].diff().fillna(ordered["blocks"])
        values["v_new_blocks"] = dict(zip(keys, built, strict=True))
    return values


SITE_KEY = ("site_id", "year")
FAMILY = Family(
    name="sites",
    add=add_sites,
    order=10,
    variables=(
        Variables("v_open", "-", SITE_KEY, role="opening", price_fixed=True, commitment=True),
        Variables("v_blocks", "blocks", SITE_KEY, price_fixed=True),
        Variables("v_new_blocks", "blocks", SITE_KEY, role="block", commitment=True),
    ),
    rows=(
        Rows("c_open_monotone", "-", SITE_KEY, "site {site_id}"),
        Rows("c_blocks_built", "blocks", SITE_KEY, "site {site_id}"),
        Rows(
            "c_blocks_open",
            "blocks",
            SITE_KEY,
            "site {site_id}",
            coefficients={"v_open": "sites.max_mw / sites.block_mw (blocks per site)"},
        ),
        Rows("c_blocks_min", "blocks", SITE_KEY, "site {site_id}"),
        Rows("c_site_symmetry", "blocks", ("site_id", "other_site_id", "year"), "sites {site_id} and {other_site_id}"),
        Rows(
            "c_site_ramp",
            "MW",
            SITE_KEY,
            "site {site_id}",
            dual=Dual("site_ramp", "USD/MW", "year_money", "saved per extra MW the site may add by that year (in that year's USD)"),
            slack=Slack(
                "construction ramp",
                -1.0,
                "{year}, site {site_id}: {total} MW of capacity would be added, {slack} MW more than its ramp_mw_per_year "
                "allows since the modelled year before ({bound} MW)",
                demand_first=100.0,
                caps=RAMP_WEIGHT,
                mw=True,
                cap="construction ramp",
            ),
            coefficients={"v_new_blocks": "sites.block_mw"},
        ),
        Rows(
            "c_national_ramp",
            "MW",
            ("year",),
            "all sites",
            dual=Dual("national_ramp", "USD/MW", "year_money", "saved per extra MW all sites may add by that year (in that year's USD)"),
            slack=Slack(
                "construction ramp",
                -1.0,
                "{year}: {total} MW of capacity would be added at all sites, {slack} MW more than national_ramp_mw_per_year "
                "allows since the modelled year before ({bound} MW)",
                demand_first=100.0,
                caps=RAMP_WEIGHT,
                mw=True,
                cap="national construction ramp",
            ),
            coefficients={"v_new_blocks": "sites.block_mw"},
        ),
    ),
    tables={
        "sites": {
            "site_id": "candidate campus",
            "node_id": "grid node it draws from",
            "year": "modelled year (one row per year the site may exist, from its earliest_year)",
            "open": "campus open in that year (bool)",
            "blocks": "capacity blocks built so far (int)",
            "capacity_mw": "built facility capacity = blocks x block_mw",
            "facility_mw": "peak facility power registered at the site (chips: pue_peak x it_mw), as counted against capacity "
            "and the ceiling (the node draws it_mw x the annual pue)",
            "it_mw": "IT power of the active chips",
        }
    },
    extract=extract_sites,
    start=start_sites,
)
