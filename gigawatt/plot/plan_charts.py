"""Charts of one plan over its years: power against the ceiling, capacity and chips by generation,
costs by category, compute delivered against demand per region.

Every function takes a :class:`gigawatt.Plan` and returns a ``plotly.graph_objects.Figure`` whose
trace values are the plan's table values in the units on the axis (MW, EFLOP/s, units, million USD).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gigawatt.plot._common import CEILING_COLOR, REFERENCE_COLOR, TOL, colors, figure, pivot, plan_years, stacked_bars, year_axis

if TYPE_CHECKING:
    from gigawatt.plan.plan import Plan


def power(plan: Plan) -> go.Figure:
    """Facility power per year (MW), stacked by site, against the ceiling (a dashed line).

    Sites that never draw power are left out; sites are stacked in the order they first draw power.
    """
    years = plan_years(plan)
    sites = plan.tables["sites"]
    table = pivot(sites, "site_id", "year", "facility_mw", years)
    table = table[(table > TOL).any(axis=1)]
    first = (table > TOL).idxmax(axis=1)
    table = table.loc[sorted(table.index, key=lambda s: (first[s], -table.loc[s].sum(), s))]
    fig = figure("Facility power by site against the ceiling", y_title="facility power (MW)")
    stacked_bars(fig, table, colors(table.index), "MW")
    _ceiling_line(fig, plan)
    fig.update_layout(barmode="stack", legend_traceorder="reversed")
    year_axis(fig, years)
    return fig


@dataclass(frozen=True)
class _Metric:
    """A per-generation column of ``plan.chips`` and how to show it."""

    label: str
    unit: str
    reference: str | None = None  # "ceiling" (facility MW), "demand" (EFLOP/s) or None


GENERATION_METRICS: dict[str, _Metric] = {
    "eflops": _Metric("active compute", "EFLOP/s", "demand"),
    "facility_mw": _Metric("facility power of active chips", "MW", "ceiling"),
    "it_mw": _Metric("IT power of active chips", "MW"),
    "active_units": _Metric("active units", "units"),
    "installed_units": _Metric("units installed", "units"),
}


def capacity(plan: Plan, metric: str = "eflops") -> go.Figure:
    """Capacity per year stacked by chip generation: active EFLOP/s (default, against total demand),
    or ``metric="facility_mw"`` (against the ceiling), ``"it_mw"`` or ``"active_units"``."""
    return _by_generation(plan, metric)


def chips(plan: Plan, metric: str = "installed_units") -> go.Figure:
    """Chip units installed per year (new vintages), stacked by generation; ``metric`` as in :func:`capacity`."""
    return _by_generation(plan, metric)


def _by_generation(plan: Plan, metric: str) -> go.Figure:
    if metric not in GENERATION_METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of: {', '.join(GENERATION_METRICS)}")
    spec = GENERATION_METRICS[metric]
    years = plan_years(plan)
    catalogue = plan.scenario.tables["chips"]
    order = list(catalogue.sort_values(["first_year", "chip_id"])["chip_id"])
    table = pivot(plan.tables["chips"], "chip_id", "year", metric, years)
    table = table.reindex([c for c in order if c in table.index])
    table = table[(table.abs() > TOL).any(axis=1)]
    fig = figure(f"{spec.label[0].upper()}{spec.label[1:]} by chip generation", y_title=f"{spec.label} ({spec.unit})")
    stacked_bars(fig, table, colors(order), spec.unit)
    if spec.reference == "ceiling":
        _ceiling_line(fig, plan)
    elif spec.reference == "demand":
        demand = _demand(plan).groupby("year")["eflops"].sum().reindex(years, fill_value=0.0)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=demand.to_numpy(),
                name="demand",
                mode="lines+markers",
                line={"color": REFERENCE_COLOR, "dash": "dot"},
                hovertemplate="demand %{x}: %{y:,.1f} EFLOP/s<extra></extra>",
            )
        )
    fig.update_layout(barmode="relative", legend_traceorder="reversed")
    year_axis(fig, years)
    return fig


#: Cost categories in the order they are stacked (capital first, then running costs).
COST_ORDER = ("site_open", "site_capex", "chip_capex", "link_capex", "supply_capex", "site_fixed_om", "energy", "carbon", "serving")


#: The views of ``plan.costs`` a cost chart can show: column -> (title, axis).
COST_VIEWS = {
    "annualised_discounted_usd": ("Annualised cost (capital as annuities when paid), discounted", "discounted cost (million USD)"),
    "annualised_usd": ("Annualised cost (capital as annuities when paid), undiscounted", "cost (million USD)"),
    "cash_usd": ("Cash spent (capital in full when built), undiscounted", "cash (million USD)"),
    "cash_discounted_usd": ("Cash spent (capital in full when built), discounted", "discounted cash (million USD)"),
    "discounted_usd": ("Cost as the objective counts it (capital in the year built), discounted", "discounted cost (million USD)"),
}


def costs(plan: Plan, view: str = "annualised_discounted_usd") -> go.Figure:
    """Cost per year (million USD), stacked by category; categories that are zero throughout are left out.

    ``view`` is a column of ``plan.costs`` (:data:`COST_VIEWS`): by default the annualised view, each capital annuity in
    the years it is paid, so the bars follow the fleet; ``cash_usd`` shows capital when it is spent.
    """
    if view not in COST_VIEWS:
        raise ValueError(f"view {view!r}: expected one of {', '.join(COST_VIEWS)}")
    title, axis = COST_VIEWS[view]
    years = plan_years(plan)
    table = pivot(plan.tables["costs"], "category", "year", view, years) / 1e6
    known = [c for c in COST_ORDER if c in table.index]
    table = table.reindex(known + sorted(set(table.index) - set(known)))
    table = table[(table.abs() > TOL).any(axis=1)]
    total = float(plan.tables["costs"][view].sum()) / 1e9
    fig = figure(f"{title}: {total:,.2f} B USD in total", y_title=axis)
    stacked_bars(fig, table, colors(COST_ORDER), "M USD")
    fig.update_layout(barmode="relative", legend_traceorder="reversed")
    year_axis(fig, years)
    return fig


def serving(plan: Plan, columns: int = 4) -> go.Figure:
    """Compute delivered (bars) against demand (line) per region and year, one panel per region, in EFLOP/s."""
    years = plan_years(plan)
    demand = pivot(_demand(plan), "region_id", "year", "eflops", years)
    served = pivot(plan.tables["serving"], "region_id", "year", "eflops", years)
    regions = list(demand.index) + sorted(set(served.index) - set(demand.index))
    cols = max(1, min(columns, len(regions)))
    rows = ceil(len(regions) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[str(r) for r in regions], horizontal_spacing=0.06, vertical_spacing=0.15)
    base = figure("Compute delivered against demand per region", height=max(350, 300 * rows))
    fig.update_layout(base.layout)
    for i, region in enumerate(regions):
        row, col = i // cols + 1, i % cols + 1
        got = served.loc[region] if region in served.index else pd.Series(0.0, index=years)
        need = demand.loc[region] if region in demand.index else pd.Series(0.0, index=years)
        fig.add_trace(
            go.Bar(
                x=years,
                y=got.to_numpy(),
                name="delivered",
                legendgroup="delivered",
                showlegend=i == 0,
                marker_color="#1f77b4",
                hovertemplate=f"{region} %{{x}}: %{{y:,.1f}} EFLOP/s delivered<extra></extra>",
            ),
            row=row,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=years,
                y=need.to_numpy(),
                name="demand",
                legendgroup="demand",
                showlegend=i == 0,
                mode="lines+markers",
                line={"color": REFERENCE_COLOR, "dash": "dot"},
                hovertemplate=f"{region} %{{x}}: %{{y:,.1f}} EFLOP/s demand<extra></extra>",
            ),
            row=row,
            col=col,
        )
        year_axis(fig, years, row=row, col=col)
        if col == 1:
            fig.update_yaxes(title_text="EFLOP/s", row=row, col=col)
    return fig


def _ceiling_line(fig: go.Figure, plan: Plan) -> None:
    power = plan.tables["power"]
    fig.add_trace(
        go.Scatter(
            x=[int(y) for y in power["year"]],
            y=power["ceiling_mw"].to_numpy(dtype=float),
            name="ceiling",
            mode="lines+markers",
            line={"color": CEILING_COLOR, "dash": "dash", "width": 2},
            marker={"symbol": "line-ew-open", "size": 14},
            hovertemplate="ceiling %{x}: %{y:,.0f} MW<extra></extra>",
        )
    )


def _demand(plan: Plan) -> pd.DataFrame:
    """Demand rows (region_id, year, eflops) of the plan's scenario, inside the plan's years."""
    demand = plan.scenario.tables["demand"]
    return demand[demand["year"].isin(plan_years(plan))][["region_id", "year", "eflops"]]
