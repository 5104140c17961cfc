"""Charts, a map and an offline HTML report (plotly; imported only when first used).

Plan charts: ``plan.plot.power()``, ``.capacity()``, ``.chips()``, ``.costs()``, ``.map()``,
``.serving()`` (or :func:`power`, ... with the plan as first argument). Across runs: :func:`sweep`
and :func:`ceiling_value`, :func:`front` (a trade-off front), :func:`tornado` (a one-at-a-time
sensitivity). Files: :func:`save` (PNG, SVG, PDF, HTML), :func:`report` (one self-contained HTML
page of a plan) and :func:`runs_report` (a page comparing a sweep's runs).
"""

from __future__ import annotations

from gigawatt.plot.accessor import CHARTS, PlanPlots
from gigawatt.plot.export import save
from gigawatt.plot.geo import grid_map
from gigawatt.plot.plan_charts import capacity, chips, costs, power, serving
from gigawatt.plot.report import alternatives_report, futures_report, report, runs_report
from gigawatt.plot.sweeps import ceiling_value, front, sweep, tornado

__all__ = [
    "CHARTS",
    "PlanPlots",
    "alternatives_report",
    "capacity",
    "ceiling_value",
    "chips",
    "costs",
    "front",
    "futures_report",
    "grid_map",
    "power",
    "report",
    "runs_report",
    "save",
    "serving",
    "sweep",
    "tornado",
]
