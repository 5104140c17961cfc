r"""Chip installs with vintages, lifetimes and supply caps.

Sets: ``CHIP_SITE_YEARS`` (c, s, v): chip c on sale in v, cooling compatible with s, v >= earliest
year of s. A vintage installed in v is active in year y while v <= y < v + lifetime_years.

.. math::

    active_{c,s,y} = \sum_{v \le y < v + L_c} install_{c,s,v}

    \sum_s install_{c,s,y} \le max\_units\_per\_year_c \cdot w_y

    install_{c,s,v} \le \overline{install}_{c,s,v} \cdot open_{s,v} \quad (\texttt{c\_install\_open})

where :math:`\overline{install}` is the column's upper bound (the supply cap or what fits in the site),
added with ``unit_open_links`` (off by default).
The last row is a valid inequality: a site closed in v has no blocks, so no power for a unit
installed then (``it_kw_per_unit`` > 0). It is implied for whole openings, but it disaggregates the
site's single ``blocks <= max_blocks * open`` row: where the LP opens a site a fraction, each chip
there is held to that fraction of its own cap (facility-location style).

Registers facility power ``pue_s * it_kw_per_unit_c / 1000 * active`` [MW] and compute
``pflops_per_unit_c / 1000 * active`` [EFLOP/s] per (s, y); capital ``capex_usd_per_unit`` as an
annuity over the chip's life.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.ledger import Ledger, linear
from gigawatt.model.options import ModelOptions


def add_chips(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """Declare ``v_install`` and ``c_chip_supply``; register power, compute, capital and cost."""
    m.CHIP_SITE_YEARS = pyo.Set(initialize=d.chip_site_years, dimen=3, ordered=True)
    if not d.chip_site_years:
        return
    chip, site, h = d.chip, d.site, d.horizon
    mw_per_unit = {(c, s): site[s].pue * chip[c].it_kw_per_unit / 1000.0 for c, s, _ in d.chip_site_years}

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

    annuity = {(c, y): h.annuity_weight(y, int(chip[c].lifetime_years)) for c in chip for y in d.years}
    by_chip_year: dict[tuple[str, int], list] = defaultdict(list)
    for c, s, y in d.chip_site_years:
        by_chip_year[c, y].append(m.v_install[c, s, y])
        capex = chip[c].capex_usd_per_unit
        ledger.cost("chip_capex", y, capex * annuity[c, y], m.v_install[c, s, y])
        ledger.capital_usd[y].append((capex, m.v_install[c, s, y]))
    m.c_chip_supply = pyo.Constraint(
        list(by_chip_year),
        rule=lambda _, c, y: linear([(1.0, x) for x in by_chip_year[c, y]]) <= chip[c].max_units_per_year * h.weights[y],
    )
    for (c, s, y), vintages in d.active_vintages().items():
        eflops = chip[c].pflops_per_unit / 1000.0
        for v in vintages:
            ledger.facility_mw[s, y].append((mw_per_unit[c, s], m.v_install[c, s, v]))
            ledger.compute_eflops[s, y].append((eflops, m.v_install[c, s, v]))
