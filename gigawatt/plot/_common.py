"""Shared look and helpers for gigawatt's charts: layout, colours, year axes and unit scaling."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

if TYPE_CHECKING:
    from gigawatt.plan.plan import Plan

#: 48 distinct qualitative colours: enough for the default scenario's 35 sites without repeats.
PALETTE: tuple[str, ...] = tuple(qualitative.Dark24 + qualitative.Light24)
CEILING_COLOR = "#b2182b"
REFERENCE_COLOR = "#222222"
#: Values below this are treated as nothing built or drawn (solver round-off).
TOL = 1e-6


def colors(keys: Iterable[str]) -> dict[str, str]:
    """A stable colour per key, in the order given (cycling past the palette's end)."""
    return {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(keys)}


def figure(title: str, *, x_title: str | None = None, y_title: str | None = None, height: int = 450) -> go.Figure:
    """An empty figure with gigawatt's layout: white template, title, axis titles, legend on the right."""
    fig = go.Figure()
    fig.update_layout(
        template="plotly_white",
        title={"text": title, "x": 0.01, "xanchor": "left"},
        height=height,
        margin={"l": 70, "r": 30, "t": 60, "b": 50},
        legend={"traceorder": "normal"},
        hovermode="closest",
    )
    if x_title:
        fig.update_xaxes(title_text=x_title)
    if y_title:
        fig.update_yaxes(title_text=y_title)
    return fig


def year_axis(fig: go.Figure, years: Sequence[int], **selector: object) -> None:
    """Show every modelled year as a tick (and nothing in between)."""
    fig.update_xaxes(tickmode="array", tickvals=list(years), ticktext=[str(y) for y in years], title_text="year", **selector)


def pivot(frame: pd.DataFrame, index: str, column: str, value: str, years: Sequence[int]) -> pd.DataFrame:
    """``value`` summed per ``index`` (rows) and year (columns), every modelled year present, zeros filled."""
    table = frame.pivot_table(index=index, columns=column, values=value, aggfunc="sum").astype(float)
    return table.reindex(columns=list(years)).fillna(0.0)


def plan_years(plan: Plan) -> list[int]:
    """The plan's modelled years (from its power table)."""
    return [int(y) for y in plan.tables["power"]["year"]]


def stacked_bars(fig: go.Figure, table: pd.DataFrame, palette: dict[str, str], unit: str, **where: object) -> None:
    """One bar trace per row of ``table`` (rows are series, columns are years), stacked."""
    for key, row in table.iterrows():
        fig.add_trace(
            go.Bar(
                x=list(table.columns),
                y=row.to_numpy(),
                name=str(key),
                marker_color=palette.get(str(key)),
                hovertemplate=f"{key}<br>%{{x}}: %{{y:,.1f}} {unit}<extra></extra>",
            ),
            **where,
        )
