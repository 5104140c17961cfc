r"""Facility power: each site within its built capacity, and all sites within the ceiling.

Both constraints read the ledger's facility power, so every family that registers power counts.

.. math::

    facility_{s,y} = \sum (\text{registered MW terms of } s, y) \le block\_mw_s \cdot blocks_{s,y}

    \sum_s facility_{s,y} \le ceiling\_mw \qquad \forall y \quad (\texttt{c\_power\_ceiling[y]})
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.ledger import Ledger, linear


def add_site_capacity(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger) -> None:
    """``c_site_capacity[s, y]``: registered facility power <= built blocks."""
    keys = [k for k in d.site_years if ledger.facility_mw.get(k)]

    def rule(_: object, s: str, y: int) -> object:
        return linear([*ledger.facility_mw[s, y], (-d.site[s].block_mw, m.v_blocks[s, y])]) <= 0

    m.c_site_capacity = pyo.Constraint(keys, rule=rule)


def add_ceiling(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger) -> None:
    """``c_power_ceiling[y]``: total facility power <= ``ceiling_mw`` (MW)."""
    by_year: dict[int, list] = defaultdict(list)
    for (_, y), terms in ledger.facility_mw.items():
        by_year[y] += terms
    ceiling = d.scenario.settings.ceiling_mw
    m.c_power_ceiling = pyo.Constraint([y for y in d.years if by_year[y]], rule=lambda _, y: linear(by_year[y]) <= ceiling)
