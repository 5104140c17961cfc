"""Compare two plans: KPIs side by side, and what changed per site, chip generation and grid link."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from gigawatt.plan.plan import Plan

COLUMNS = ["section", "item", "metric", "this", "other", "change"]
RTOL = 1e-6  # relative difference below which two figures are the same (solver round-off)


def _site_figures(plan: Plan) -> pd.DataFrame:
    """Per site ever opened: ``opening_year``, ``capacity_mw`` (built, final year) and ``peak_facility_mw``."""
    sites = plan.tables["sites"]
    last = sites["year"].max() if len(sites) else None
    opened = sites[sites["open"].astype(float) > RTOL].groupby("site_id")["year"].min()
    final = sites[sites["year"] == last].set_index("site_id")["capacity_mw"]
    peak = sites.groupby("site_id")["facility_mw"].max()
    return pd.DataFrame({"opening_year": opened, "capacity_mw": final, "peak_facility_mw": peak}).loc[opened.index]


def _chip_figures(plan: Plan) -> pd.DataFrame:
    """Per chip generation installed: ``units_installed`` over the horizon and ``eflops_final_year`` (active)."""
    chips = plan.tables["chips"]
    last = plan.tables["power"]["year"].max()
    units = chips.groupby("chip_id")["installed_units"].sum()
    final = chips[chips["year"] == last].groupby("chip_id")["eflops"].sum()
    return pd.DataFrame({"units_installed": units, "eflops_final_year": final}).fillna(0.0)


def _link_figures(plan: Plan) -> pd.DataFrame:
    """Per link: ``expansion_mw`` built by the final year."""
    links = plan.tables["links"]
    last = links[links["year"] == links["year"].max()] if len(links) else links
    return last.set_index("link_id")[["expansion_mw"]]


SECTIONS: dict[str, Callable[[Plan], pd.DataFrame]] = {"site": _site_figures, "chip": _chip_figures, "link": _link_figures}


def diff(this: Plan, other: Plan) -> pd.DataFrame:
    """A tidy comparison of ``this`` and ``other`` plan: columns ``section, item, metric, this, other, change``.

    ``change`` is ``other - this``. Section ``kpi`` lists every KPI of :attr:`Plan.kpis` (item
    ``plan``), changed or not; sections ``site`` (``opening_year``, ``capacity_mw`` built in the final
    year, ``peak_facility_mw``), ``chip`` (``units_installed`` over the horizon, ``eflops_final_year``)
    and ``link`` (``expansion_mw`` by the final year) list only the figures that differ. A site
    opened in one plan only has NaN for the other's opening year; units are in the metric names.
    ``attrs["names"]`` holds the two scenarios' names.
    """
    k1, k2 = this.kpis, other.kpis
    rows = [("kpi", "plan", key, float(k1[key]), float(k2.get(key, np.nan))) for key in k1]
    for section, figures in SECTIONS.items():
        a, b = figures(this), figures(other)
        items = list(a.index) + [i for i in b.index if i not in a.index]
        for item in items:
            for metric in a.columns:
                x, y = _value(a, item, metric), _value(b, item, metric)
                if _differs(x, y):
                    rows.append((section, str(item), metric, x, y))
    frame = pd.DataFrame(rows, columns=COLUMNS[:-1])
    frame["change"] = frame["other"] - frame["this"]
    frame.attrs["names"] = (this.scenario.name, other.scenario.name)
    return frame


def _value(table: pd.DataFrame, item: object, metric: str) -> float:
    """The figure; for an item absent from the plan, 0 (nothing built) or NaN for the opening year of a site never opened."""
    if item in table.index:
        return float(table.at[item, metric])
    return float("nan") if metric == "opening_year" else 0.0


def _differs(x: float, y: float) -> bool:
    if np.isnan(x) or np.isnan(y):
        return np.isnan(x) != np.isnan(y)
    return abs(x - y) > RTOL * max(1.0, abs(x), abs(y))
