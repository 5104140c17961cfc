r"""Curtailment of non-firm grid connection: the shed load is carried behind the meter or lost.

A site using :math:`N_{s,y} = \sum_t nonfirm_{s,t,y}` non-firm MW (:mod:`gigawatt.model.interconnection`)
sheds them in a share :math:`f_s` of the hours of a year (``curtailment_frac``; the largest among its
tranches offering non-firm MW, :func:`~gigawatt.model.interconnection.site_curtailment`). In an annual
model the events are counted, not placed: during each, the shed MW are either carried behind the meter
(spare on-site generator capacity or battery discharge, registered by :mod:`gigawatt.model.onsite`
with :meth:`~gigawatt.model.ledger.Ledger.cover`) or are lost compute.

Sets: ``CURTAIL_YEARS`` (s, y): site-years with non-firm MW on offer.

.. math::

    N_{s,y} = \sum_{\text{cover}} cover_{s,y} + lost_{s,y} \qquad (\texttt{c\_curtailment[s, y]})

Cost (category ``lost_compute``, USD, discounted): ``lost_compute_usd_per_mwh`` x :math:`lost_{s,y} f_s H` MWh
a year (:math:`H` = ``hours_per_year``: the shed MW are counted at full power, no load factor). The
covered MWh, :math:`cover \, f_s H`, pay their on-site energy in the on-site family. The grid energy
of the site is not lowered by the shed hours (at most :math:`f_s` of the non-firm MW's energy, 0.5 % by
default): the plan pays the grid for it as if it ran, a small overstatement.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.family import Extraction, Family, Rows, Variables
from gigawatt.model.interconnection import nonfirm_years, site_curtailment
from gigawatt.model.ledger import Ledger, linear
from gigawatt.model.options import ModelOptions


def curtail_years(d: ModelData) -> list[tuple[str, int]]:
    """(site, year) for every site-year with non-firm MW on offer, sorted."""
    return sorted({(s, y) for s, _, y in nonfirm_years(d)})


def add_curtailment(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """Declare ``v_lost`` (shed MW not carried behind the meter) and register its value as lost compute."""
    index = curtail_years(d)
    m.CURTAIL_YEARS = pyo.Set(initialize=index, dimen=2, ordered=True)
    if not index:
        return
    st, shed = d.scenario.settings, site_curtailment(d)
    m.v_lost = pyo.Var(m.CURTAIL_YEARS, domain=pyo.NonNegativeReals)
    for s, y in index:
        ledger.yearly("lost_compute", y, st.lost_compute_usd_per_mwh * shed[s] * st.hours_per_year, m.v_lost[s, y])


def close_curtailment(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """``c_curtailment[s, y]``: the non-firm MW used are carried behind the meter (the ledger's cover) or lost."""
    index = curtail_years(d)
    if not index:
        return
    used: dict[tuple[str, int], list] = {}
    for s, t, y in nonfirm_years(d):
        used.setdefault((s, y), []).append((1.0, m.v_nonfirm[s, t, y]))

    def balance(_: pyo.ConcreteModel, s: str, y: int) -> object:
        carried = [(-a, x) for a, x in ledger.cover_mw.get((s, y), [])]
        return linear([*used[s, y], *carried, (-1.0, m.v_lost[s, y])]) == 0

    m.c_curtailment = pyo.Constraint(index, rule=balance)


def extract_curtailment(e: Extraction) -> None:
    """``curtailment``: per site-year with non-firm MW on offer, the MW used and the MWh shed, carried and lost."""
    d, st = e.data, e.data.scenario.settings
    index = curtail_years(d)
    shed = site_curtailment(d)
    nonfirm, lost = e.values("v_nonfirm"), e.values("v_lost")
    used: dict[tuple[str, int], float] = {}
    for (s, _, y), mw in nonfirm.items():
        used[s, y] = used.get((s, y), 0.0) + mw
    hours = pd.Series([shed[s] * st.hours_per_year for s, _ in index], dtype=float)
    f = pd.DataFrame(
        {
            "site_id": pd.Series([s for s, _ in index], dtype=object),
            "year": [y for _, y in index],
            "nonfirm_mw": [used.get(k, 0.0) for k in index],
        }
    )
    f["curtailed_mwh"] = f["nonfirm_mw"] * hours
    f["lost_mwh"] = pd.Series([lost.get(k, 0.0) for k in index], dtype=float) * hours
    f["covered_mwh"] = f["curtailed_mwh"] - f["lost_mwh"]
    f["lost_usd"] = f["lost_mwh"] * st.lost_compute_usd_per_mwh
    e.tables["curtailment"] = f


FAMILY = Family(
    name="curtailment",
    add=add_curtailment,
    close=close_curtailment,
    order=65,
    variables=(Variables("v_lost", "MW", ("site_id", "year")),),
    rows=(Rows("c_curtailment", "MW", ("site_id", "year"), "site {site_id}"),),
    tables={
        "curtailment": {
            "site_id": "site whose tranches offer non-firm MW (one row per modelled year they are on offer)",
            "year": "modelled year",
            "nonfirm_mw": "non-firm MW the site uses (sum over its tranches)",
            "curtailed_mwh": "MWh a year shed: nonfirm_mw x curtailment share x hours_per_year",
            "covered_mwh": "of which carried behind the meter (on-site generators' spare capacity, batteries)",
            "lost_mwh": "of which lost compute",
            "lost_usd": "value of the lost compute a year, undiscounted: lost_mwh x lost_compute_usd_per_mwh",
        }
    },
    extract=extract_curtailment,
)
