r"""Early retirement of chip units: a vintage's units can be switched off before the end of their life.

Under a binding ceiling an old, power-hungry fleet blocks newer chips; retiring it frees its power.
Retired units stop drawing power and stop counting compute; their capital stays paid (the annuity of
:mod:`gigawatt.model.chips` is unchanged); a share of the unit price can come back as salvage.

Sets: ``RETIRE_INDEX`` (c, s, v, y): vintage v of chip c at site s, in every modelled year y after v in
which the vintage is active (:math:`v < y`, :math:`y + w_y \le v + L_c`: the whole of y inside its life, as
in :mod:`gigawatt.model.chips`); a unit is retired at the start of a year after the one it was installed in.

.. math::

    retired_{c,s,v,y} \ge retired_{c,s,v,y^-} \qquad (\texttt{c\_retire\_monotone}; \text{cumulative, for good})

    retired_{c,s,v,y_{last}} \le install_{c,s,v} \qquad (\texttt{c\_retire\_installed}; \text{the last year of the vintage})

Registers, per (s, y), ``-pue_peak_s it_kw_c / 1000 * retired`` peak facility power [MW] (at the annual
``pue_s`` for the node's energy; and the IT power) and
``-pflops_c / 1000 * retired`` compute [EFLOP/s] (also of the chip's
accelerator family). Salvage (category ``chip_salvage``, a negative cost)
for the units retired in year y, in y's money discounted to the first year:

.. math::

    - salvage\_frac_c \cdot capex\_usd\_per\_unit_c \cdot \max\!\left(0, 1 - \frac{y - v}{L_c}\right)
      (1 + r)^{-(y - Y_0)} \, (retired_{c,s,v,y} - retired_{c,s,v,y^-})

``retired`` is a whole number of units unless chip units are continuous (``integer_units=False``). The
family is on with ``ModelOptions(retirement=True)`` (``gw.solve(..., retirement=True)``).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from gigawatt.model.chips import with_unit_power
from gigawatt.model.data import ModelData
from gigawatt.model.family import Extraction, Family, Rows, Variables
from gigawatt.model.ledger import Ledger, entry, linear
from gigawatt.model.options import ModelOptions


def retire_index(d: ModelData) -> list[tuple[str, str, int, int]]:
    """(chip, site, vintage, year) for every year after the install year in which the vintage is active."""
    return [(c, s, v, y) for (c, s, y), vintages in d.active_vintages().items() for v in vintages if v < y]


def salvage_share(d: ModelData, c: str, v: int, y: int) -> float:
    """USD recovered per unit of vintage ``v`` retired in ``y``, discounted to the first year: the unit's price x
    ``salvage_frac``, falling linearly with age to 0 at the end of its life."""
    row = d.chip[c]
    remaining = max(0.0, 1.0 - (y - v) / row.lifetime_years)
    return float(row.salvage_frac) * row.capex_usd_per_unit * remaining * d.horizon.discount(y)


def add_retirement(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """Declare ``v_retired`` (cumulative units of a vintage retired by a year); register the power, compute and salvage it removes."""
    index = sorted(retire_index(d)) if options.retirement else []
    m.RETIRE_INDEX = pyo.Set(initialize=index, dimen=4, ordered=True)
    if not index:
        return
    domain = pyo.NonNegativeIntegers if options.integer_units else pyo.NonNegativeReals
    m.v_retired = pyo.Var(m.RETIRE_INDEX, domain=domain, bounds=lambda _, c, s, v, y: (0.0, m.v_install[c, s, v].ub))
    prev = {k: (*k[:3], d.horizon.previous(k[3])) for k in index}
    steps = [k for k in index if prev[k] in m.v_retired]
    m.c_retire_monotone = pyo.Constraint(steps, rule=lambda _, c, s, v, y: m.v_retired[c, s, v, y] >= m.v_retired[prev[c, s, v, y]])
    last: dict[tuple[str, str, int], int] = {}
    for c, s, v, y in index:
        last[c, s, v] = max(y, last.get((c, s, v), y))
    m.c_retire_installed = pyo.Constraint(
        [(*k, y) for k, y in last.items()],
        rule=lambda _, c, s, v, y: linear([(1.0, m.v_retired[c, s, v, y]), (-1.0, m.v_install[c, s, v])]) <= 0,
    )
    for c, s, v, y in index:
        retired, row = m.v_retired[c, s, v, y], d.chip[c]
        it_mw, site = row.it_kw_per_unit / 1000.0, d.site[s]
        ledger.power(s, y, -site.pue_peak * it_mw, -it_mw, retired, energy_mw=-site.pue * it_mw)
        ledger.supply_compute(s, y, -row.pflops_per_unit / 1000.0, retired, family=row.family)
        value = salvage_share(d, c, v, y)
        if value:
            ledger.discounted("chip_salvage", y, -value, retired)
            before = entry(m.v_retired, prev[c, s, v, y])
            if before is not None:
                ledger.discounted("chip_salvage", y, value, before)


def extract_retirement(e: Extraction) -> None:
    """``retirements`` per vintage and year; ``chips`` gains ``retired_units`` and loses them from its active units and power."""
    d = e.data
    retired = {k: v for k, v in e.values("v_retired").items() if v > 1e-9}
    keys = sorted(retired)
    frame = pd.DataFrame(
        {
            "chip_id": [k[0] for k in keys],
            "site_id": [k[1] for k in keys],
            "vintage": [k[2] for k in keys],
            "year": [k[3] for k in keys],
            "retired_units": [retired[k] for k in keys],
        }
    )
    e.tables["retirements"] = frame
    chips = e.tables["chips"]
    by_year: dict[tuple[str, str, int], float] = defaultdict(float)
    for (c, s, _, y), units in retired.items():
        by_year[c, s, y] += units
    gone = np.array([by_year.get(k, 0.0) for k in zip(chips["chip_id"], chips["site_id"], chips["year"], strict=True)], dtype=float)
    chips = chips.assign(retired_units=gone, active_units=chips["active_units"] - gone)
    e.tables["chips"] = with_unit_power(chips, d)


FAMILY = Family(
    name="retirement",
    add=add_retirement,
    order=25,
    variables=(Variables("v_retired", "units", ("chip_id", "site_id", "vintage", "year"), role="unit", commitment=True),),
    rows=(
        Rows("c_retire_monotone", "units", ("chip_id", "site_id", "vintage", "year"), "chip {chip_id} of {vintage} at site {site_id}"),
        Rows("c_retire_installed", "units", ("chip_id", "site_id", "vintage", "year"), "chip {chip_id} of {vintage} at site {site_id}"),
    ),
    tables={
        "chips": {
            "retired_units": "units of the active vintages retired early (no longer powered or counted)",
            "active_units": "units of every vintage whose lifetime_years cover the whole modelled year, less those retired",
        },
        "retirements": {
            "chip_id": "accelerator generation",
            "site_id": "where the units are",
            "vintage": "modelled year the units were installed",
            "year": "modelled year (rows with units retired)",
            "retired_units": "units of the vintage retired by that year (cumulative; retired for good)",
        },
    },
    extract=extract_retirement,
)
