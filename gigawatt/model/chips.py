r"""Chip installs with vintages, lifetimes and supply caps.

Sets: ``CHIP_SITE_YEARS`` (c, s, v): chip c on sale in v, cooling compatible with s, v >= earliest
year of s. A vintage installed at the start of modelled year v is active in modelled year y when the
whole span of y (calendar years y .. y + w_y - 1) lies inside its life (v .. v + L_c - 1)
(:meth:`~gigawatt.model.data.Horizon.in_service`); with yearly steps that is v <= y < v + L_c.

.. math::

    active_{c,s,y} = \sum_{v \le y,\; y + w_y \le v + L_c} install_{c,s,v}

    \sum_s install_{c,s,y} \le max\_units\_per\_year_c \cdot w_y

    install_{c,s,v} \le \overline{install}_{c,s,v} \cdot open_{s,v} \quad (\texttt{c\_install\_open})

where :math:`\overline{install}` is the column's upper bound (the supply cap or what fits in the site),
added with ``unit_open_links`` (off by default).
The last row is a valid inequality: a site closed in v has no blocks, so no power for a unit
installed then (``it_kw_per_unit`` > 0). It is implied for whole openings, but it disaggregates the
site's single ``blocks <= max_blocks * open`` row: where the LP opens a site a fraction, each chip
there is held to that fraction of its own cap (facility-location style).

Registers peak facility power ``pue_peak_s * it_kw_per_unit_c / 1000 * active`` [MW] (site capacity and the
ceiling), the same at the annual ``pue_s`` (withdrawn at the node: energy), and compute
``pflops_per_unit_c / 1000 * active`` [EFLOP/s] per (s, y), also as compute of the chip's
accelerator family; capital ``capex_usd_per_unit`` as an
annuity ``crf(r, L_c)`` paid for exactly the calendar years of the modelled years the vintage is active
in (:meth:`~gigawatt.model.data.Horizon.service_end`), so compute-years counted equal years paid.
Example (years 2026, 2028, 2030, so w = 2; r = 0; L = 5; price P): a unit bought in 2026 is active in
2026 and 2028 (calendar 2026-2029), not 2030 (its life ends in 2030, inside the period 2030-2031), and
pays 4 x P/5; the last year of its life is neither counted nor paid.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.family import Dual, Extraction, Family, Rows, Slack, StartValues, Variables
from gigawatt.model.ledger import Ledger, linear
from gigawatt.model.options import ModelOptions


def add_chips(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """Declare ``v_install`` and ``c_chip_supply``; register power, compute, capital and cost."""
    m.CHIP_SITE_YEARS = pyo.Set(initialize=d.chip_site_years, dimen=3, ordered=True)
    if not d.chip_site_years:
        return
    chip, site, h = d.chip, d.site, d.horizon
    mw_per_unit = {(c, s): site[s].pue_peak * chip[c].it_kw_per_unit / 1000.0 for c, s, _ in d.chip_site_years}

    def bound(_: object, c: str, s: str, y: int) -> tuple[float, float]:
        fit = site[s].max_mw / mw_per_unit[c, s]
        cap = chip[c].max_units_per_year * h.weights[y]
        upper = min(fit, cap)
        return 0.0, math.floor(upper + 1e-9) if options.integer_units else upper

    domain = pyo.NonNegativeIntegers if options.integer_units else pyo.NonNegativeReals
    m.v_install = pyo.Var(m.CHIP_SITE_YEARS, domain=domain, bounds=bound)
    links = list(d.chip_site_years) if options.unit_open_links and not options.relax else []
    m.c_install_open = pyo.Constraint(
        links, rule=lambda _, c, s, y: linear([(1.0, m.v_install[c, s, y]), (-bound(None, c, s, y)[1], m.v_open[s, y])]) <= 0
    )

    by_chip_year: dict[tuple[str, int], list] = defaultdict(list)
    life = {c: int(row.lifetime_years) for c, row in chip.items()}
    served_to = {(c, y): h.service_end(y, life[c]) for c, y in {(c, y) for c, _, y in d.chip_site_years}}  # per vintage, not per site
    for c, s, y in d.chip_site_years:
        by_chip_year[c, y].append(m.v_install[c, s, y])
        ledger.capital("chip_capex", y, life[c], chip[c].capex_usd_per_unit, m.v_install[c, s, y], through=served_to[c, y])
    m.c_chip_supply = pyo.Constraint(
        list(by_chip_year),
        rule=lambda _, c, y: linear([(1.0, x) for x in by_chip_year[c, y]]) <= chip[c].max_units_per_year * h.weights[y],
    )
    for (c, s, y), vintages in d.active_vintages().items():
        eflops, it_mw = chip[c].pflops_per_unit / 1000.0, chip[c].it_kw_per_unit / 1000.0
        for v in vintages:
            ledger.power(s, y, mw_per_unit[c, s], it_mw, m.v_install[c, s, v], energy_mw=site[s].pue * it_mw)
            ledger.supply_compute(s, y, eflops, m.v_install[c, s, v], family=chip[c].family)


def extract_chips(e: Extraction) -> None:
    """``chips``: units installed (a vintage) and active per chip, site and year, with their power and compute."""
    d = e.data
    installs = e.values("v_install")
    vintages = d.active_vintages()
    keys = sorted(set(installs) | set(vintages))
    installed = np.array([installs.get(k, 0.0) for k in keys], dtype=float)
    active = np.array([sum(installs.get((c, s, v), 0.0) for v in vintages.get((c, s, y), ())) for c, s, y in keys], dtype=float)
    if e.integer_units:
        installed, active = np.round(installed), np.round(active)
    frame = pd.DataFrame(
        {
            "chip_id": [k[0] for k in keys],
            "site_id": [k[1] for k in keys],
            "year": [k[2] for k in keys],
            "installed_units": installed,
            "active_units": active,
        }
    )
    frame = frame[(frame["installed_units"] > 0) | (frame["active_units"] > 0)].reset_index(drop=True)
    e.tables["chips"] = with_unit_power(frame, d)


def with_unit_power(frame: pd.DataFrame, d: ModelData) -> pd.DataFrame:
    """``frame`` (chip_id, site_id, active_units) with ``it_mw``, ``facility_mw`` and ``eflops`` of its active units."""
    frame = frame.copy()
    frame["it_mw"] = frame["active_units"] * frame["chip_id"].map(d.chips["it_kw_per_unit"]).astype(float) / 1000.0
    frame["facility_mw"] = frame["it_mw"] * frame["site_id"].map(d.sites["pue_peak"]).astype(float)
    frame["eflops"] = frame["active_units"] * frame["chip_id"].map(d.chips["pflops_per_unit"]).astype(float) / 1000.0
    return frame


def start_chips(tables: Mapping[str, pd.DataFrame]) -> StartValues:
    """Units installed, from a plan's ``chips`` table."""
    chips = tables.get("chips")
    if chips is None or not len(chips):
        return {}
    keys = zip(chips["chip_id"], chips["site_id"], chips["year"], strict=True)
    return {"v_install": dict(zip(keys, chips["installed_units"].astype(float), strict=True))}


FAMILY = Family(
    name="chips",
    add=add_chips,
    order=20,
    variables=(
        Variables(
            "v_install",
            "units",
            ("chip_id", "site_id", "year"),
            role="unit",
            dual_free_upper=True,
            elastic_free_upper=True,
            commitment=True,
        ),
    ),
    rows=(
        Rows(
            "c_chip_supply",
            "units",
            ("chip_id", "year"),
            "chip {chip_id}",
            dual=Dual("chip_supply", "USD/unit", "year_money", "saved per extra unit for sale (in that year's USD)"),
            slack=Slack(
                "chip supply",
                -1.0,
                "{year}, chip {chip_id}: {total} units would be needed ({slack} over the supply cap of {bound})",
                demand_first=100.0,
                caps=1.0,
                cap="chip supply cap",
            ),
        ),
        Rows("c_install_open", "units", ("chip_id", "site_id", "year"), "chip {chip_id} at site {site_id}"),
    ),
    tables={
        "chips": {
            "chip_id": "accelerator generation",
            "site_id": "where the units are",
            "year": "modelled year (rows where units are installed or active)",
            "installed_units": "units installed this year (a vintage; int unless integer_units=False)",
            "active_units": "units of every vintage whose lifetime_years cover the whole modelled year",
            "it_mw": "active_units x it_kw_per_unit / 1000",
            "facility_mw": "it_mw x site pue_peak (peak facility power, as counted against capacity and the ceiling)",
            "eflops": "active_units x pflops_per_unit / 1000",
        }
    },
    extract=extract_chips,
    start=start_chips,
)
