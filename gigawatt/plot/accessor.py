"""``plan.plot``: the charts of one plan as methods, each returning a plotly figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go

from gigawatt.plot import geo, plan_charts

if TYPE_CHECKING:
    from gigawatt.plan.plan import Plan


class PlanPlots:
    """Charts of a plan: ``plan.plot.power()``, ``.capacity()``, ``.chips()``, ``.costs()``, ``.map()``, ``.serving()``.

    Each returns a ``plotly.graph_objects.Figure``: ``.show()`` it in a notebook, or write it with
    :func:`gigawatt.plot.save` (PNG, SVG, PDF or HTML).
    """

    def __init__(self, plan: Plan) -> None:
        self._plan = plan

    def power(self) -> go.Figure:
        """Facility power per year stacked by site against the ceiling (MW)."""
        return plan_charts.power(self._plan)

    def capacity(self, metric: str = "eflops") -> go.Figure:
        """Active compute (EFLOP/s, against demand) per year by chip generation; ``metric`` as in :func:`gigawatt.plot.capacity`."""
        return plan_charts.capacity(self._plan, metric)

    def chips(self, metric: str = "installed_units") -> go.Figure:
        """Chip units installed per year by generation."""
        return plan_charts.chips(self._plan, metric)

    def costs(self, view: str = "annualised_discounted_usd") -> go.Figure:
        """Cost per year by category (million USD): the annualised view by default, or another column of ``plan.costs``."""
        return plan_charts.costs(self._plan, view)

    def map(self, year: int | None = None) -> go.Figure:
        """Nodes, links (width = MW, colour = expansion), sites (area = MW, colour = opening year) and regions in ``year``."""
        return geo.grid_map(self._plan, year)

    def serving(self) -> go.Figure:
        """Compute delivered against demand per region and year (EFLOP/s)."""
        return plan_charts.serving(self._plan)

    def all(self) -> dict[str, go.Figure]:
        """Every chart above by name, in the order the report shows them."""
        return {name: getattr(self, name)() for name in CHARTS}

    def __repr__(self) -> str:
        return f"<charts of {self._plan!r}: {', '.join(f'.{n}()' for n in CHARTS)}>"


#: The charts of a plan, in report order.
CHARTS = ("power", "capacity", "chips", "costs", "serving", "map")
