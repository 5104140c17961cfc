r"""Site opening and capacity blocks.

Sets: ``SITE_YEARS`` (s, y) with y >= earliest_year of s.

.. math::

    open_{s,y} \ge open_{s,y^-}, \quad blocks_{s,y} \ge blocks_{s,y^-}

    blocks_{s,y} \le \lfloor max\_mw_s / block\_mw_s \rfloor \cdot open_{s,y}

    capacity_{s,y} = block\_mw_s \cdot blocks_{s,y} \quad [MW\ facility]

Costs (USD, discounted): opening ``open_cost_usd`` and blocks ``capex_usd_per_mw * block_mw`` as
annuities over ``lifetime_years`` from the year built; fixed O&M ``fixed_om_usd_per_mw_yr`` on
built capacity each year. Interchangeable sites are ordered (blocks of the first >= the second).
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.ledger import Ledger
from gigawatt.model.options import ModelOptions


def add_sites(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """Declare ``v_open``, ``v_blocks`` and their monotonicity, size and symmetry constraints."""
    m.SITE_YEARS = pyo.Set(initialize=d.site_years, dimen=2, ordered=True)
    if not d.site_years:
        return
    max_blocks = {s: math.floor(row.max_mw / row.block_mw + 1e-9) for s, row in d.site.items()}
    m.v_open = pyo.Var(m.SITE_YEARS, domain=pyo.Binary)
    m.v_blocks = pyo.Var(m.SITE_YEARS, domain=pyo.NonNegativeIntegers, bounds=lambda _, s, y: (0, max_blocks[s]))
    prev = {(s, y): d.horizon.previous(y) for s, y in d.site_years}
    steps = [(s, y) for s, y in d.site_years if (s, prev[s, y]) in m.v_open]
    m.c_open_monotone = pyo.Constraint(steps, rule=lambda _, s, y: m.v_open[s, y] >= m.v_open[s, prev[s, y]])
    m.c_blocks_monotone = pyo.Constraint(steps, rule=lambda _, s, y: m.v_blocks[s, y] >= m.v_blocks[s, prev[s, y]])
    m.c_blocks_open = pyo.Constraint(m.SITE_YEARS, rule=lambda _, s, y: m.v_blocks[s, y] <= max_blocks[s] * m.v_open[s, y])
    symmetric = d.symmetric_site_pairs if options.symmetry_breaking else []
    pairs = [(a, b, y) for a, b in symmetric for y in d.years if (a, y) in m.v_blocks and (b, y) in m.v_blocks]
    m.c_site_symmetry = pyo.Constraint(pairs, rule=lambda _, a, b, y: m.v_blocks[a, y] >= m.v_blocks[b, y])

    h = d.horizon
    for s, y in d.site_years:
        row = d.site[s]
        built_open, built_blocks = [(1.0, m.v_open[s, y])], [(1.0, m.v_blocks[s, y])]
        if (s, prev[s, y]) in m.v_open:
            built_open.append((-1.0, m.v_open[s, prev[s, y]]))
            built_blocks.append((-1.0, m.v_blocks[s, prev[s, y]]))
        annuity = h.annuity_weight(y, int(row.lifetime_years))
        block_usd = row.capex_usd_per_mw * row.block_mw
        for coef, var in built_open:
            ledger.cost("site_open", y, coef * row.open_cost_usd * annuity, var)
            ledger.capital_usd[y].append((coef * row.open_cost_usd, var))
        for coef, var in built_blocks:
            ledger.cost("site_capex", y, coef * block_usd * annuity, var)
            ledger.capital_usd[y].append((coef * block_usd, var))
        ledger.cost("site_fixed_om", y, row.fixed_om_usd_per_mw_yr * row.block_mw * h.op_weight(y), m.v_blocks[s, y])
