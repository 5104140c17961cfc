r"""Facility power: each site within its built capacity, and all sites within the ceiling.

Both read only the ledger's peak facility power (:attr:`gigawatt.model.ledger.Ledger.facility_mw`, IT x
``pue_peak``), so every family that registers a load counts, and the ledger is closed before they are built.

.. math::

    facility_{s,y} = \sum (\text{registered MW terms of } s, y) \le block\_mw_s \cdot blocks_{s,y}
        \qquad (\texttt{c\_site\_capacity[s, y]})

    \sum_s facility_{s,y} \le ceiling\_mw \qquad \forall y \quad (\texttt{c\_power\_ceiling[y]})

The ``power`` plan table reads the same accumulators: facility and IT power per year, and the compute
delivered (:attr:`gigawatt.model.ledger.Ledger.compute_served`).
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.family import Dual, Extraction, Family, Rows, Slack
from gigawatt.model.ledger import Ledger, linear
from gigawatt.model.options import ModelOptions

MW_PER_UNIT = "sites.pue_peak x chips.it_kw_per_unit / 1000 (MW per unit)"


def add_power(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """``c_site_capacity[s, y]`` (registered facility power <= built blocks) and ``c_power_ceiling[y]`` (total <= ``ceiling_mw``)."""
    keys = [k for k in d.site_years if ledger.facility_mw.get(k)]

    def capacity(_: object, s: str, y: int) -> object:
        return linear([*ledger.facility_mw[s, y], (-d.site[s].block_mw, m.v_blocks[s, y])]) <= 0

    m.c_site_capacity = pyo.Constraint(keys, rule=capacity)
    by_year: dict[int, list] = defaultdict(list)
    for (_, y), terms in ledger.facility_mw.items():
        by_year[y] += terms
    ceiling = d.scenario.settings.ceiling_mw
    m.c_power_ceiling = pyo.Constraint([y for y in d.years if by_year[y]], rule=lambda _, y: linear(by_year[y]) <= ceiling)


def extract_power(e: Extraction) -> None:
    """``power``: facility and IT power per year against the ceiling (the sites' ledger values summed), and the compute delivered."""
    d, led = e.data, e.ledger
    by_year = e.tables["sites"].groupby("year")[["facility_mw", "it_mw"]].sum().reindex(list(d.years), fill_value=0.0)
    frame = by_year.rename_axis("year").reset_index()
    frame["ceiling_mw"] = float(d.scenario.settings.ceiling_mw)
    frame["headroom_mw"] = frame["ceiling_mw"] - frame["facility_mw"]
    frame["eflops"] = [e.ledger_value(led.compute_served.get(y, [])) for y in d.years]
    e.tables["power"] = frame


FAMILY = Family(
    name="power",
    add=add_power,
    order=100,
    closes=True,
    rows=(
        Rows(
            "c_site_capacity",
            "MW",
            ("site_id", "year"),
            "site {site_id}",
            dual=Dual("site_capacity", "USD/MW-yr", "per_year", "saved per MW-year of extra built capacity"),
            slack=Slack(
                "site capacity",
                -1.0,
                "{year}, site {site_id}: {slack} MW more facility power than the site can be built to",
                demand_first=100.0,
                caps=1.0,
                mw=True,
            ),
            coefficients={"v_install": MW_PER_UNIT, "v_blocks": "sites.block_mw"},
        ),
        Rows(
            "c_power_ceiling",
            "MW",
            ("year",),
            "all sites",
            dual=Dual("power_ceiling", "USD/MW-yr", "per_year", "saved per MW-year of extra ceiling"),
            slack=Slack(
                "ceiling",
                -1.0,
                "{year}: the ceiling would need {total} MW ({slack} MW over {bound} MW)",
                demand_first=100.0,
                caps=1.0,
                mw=True,
                cap="ceiling",
            ),
            coefficients={"v_install": MW_PER_UNIT},
        ),
    ),
    tables={
        "power": {
            "year": "modelled year",
            "facility_mw": "total facility power registered at all sites (what the ceiling counts)",
            "it_mw": "total IT power",
            "ceiling_mw": "the ceiling",
            "headroom_mw": "ceiling_mw - facility_mw",
            "eflops": "compute delivered to demand",
        }
    },
    extract=extract_power,
)
