"""Charts across many runs: any sweep column against another, and the value of the ceiling.

Both take plain DataFrames: the frame of :func:`gigawatt.sweep` / :func:`gigawatt.load_runs`
(one row per run) and the frame of :func:`gigawatt.ceiling_value` (one row per ceiling).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pandas.api.types import is_numeric_dtype
from plotly.subplots import make_subplots

from gigawatt.plot._common import CEILING_COLOR, REFERENCE_COLOR, colors, figure

#: How a column is shown: a factor applied to its values and the axis label. Checked in order: exact names, then suffixes.
UNITS: dict[str, tuple[float, str]] = {
    "total_cost_usd": (1e-9, "total cost (B USD, discounted)"),
    "objective_usd": (1e-9, "objective (B USD, discounted)"),
    "bound_usd": (1e-9, "bound (B USD, discounted)"),
    "usd_per_eflops_yr": (1e-6, "cost of compute (M USD per EFLOP/s-year)"),
    "ceiling_dual_max_usd_per_mw_yr": (1e-3, "ceiling dual given the build, max over years (k USD per MW-year)"),
    "value_usd_per_mw_yr": (1e-3, "value of a GW from the previous ceiling (k USD per MW-year)"),
    "co2_t": (1e-6, "CO2 over the horizon (Mt)"),
    "delivered_eflops_yr": (1.0, "compute delivered over the horizon (EFLOP/s-years)"),
    "gap": (100.0, "MIP gap (%)"),
    "peak_facility_mw": (1.0, "peak facility power (MW)"),
    "ceiling_mw": (1.0, "ceiling (MW)"),
    "final_year_eflops": (1.0, "compute delivered in the final year (EFLOP/s)"),
    "final_year_unserved_eflops": (1.0, "compute not delivered in the final year (EFLOP/s)"),
    "sites_opened": (1.0, "campuses opened"),
    "forgone_usd": (1e-9, "value of compute not delivered (B USD, discounted)"),
    "_usd_per_mw_yr": (1e-3, "k USD per MW-year"),
    "_usd": (1e-9, "B USD"),
    "_mw": (1.0, "MW"),
    "_eflops": (1.0, "EFLOP/s"),
    "seconds": (1.0, "seconds"),
}


def axis(column: str) -> tuple[float, str]:
    """The factor and axis label for a column (``total_cost_usd`` -> 1e-9, "total cost (B USD, discounted)")."""
    if column in UNITS:
        return UNITS[column]
    if column.startswith("mw_") and column[3:].isdigit():  # the runs table's facility MW per year
        return 1.0, f"facility power in {column[3:]} (MW)"
    for suffix, (factor, unit) in UNITS.items():
        if suffix.startswith("_") and column.endswith(suffix):
            return factor, f"{column.removesuffix(suffix).replace('_', ' ')} ({unit})"
    return 1.0, column.replace("_", " ")


def sweep(runs: pd.DataFrame, x: str = "ceiling_mw", y: str = "total_cost_usd", color: str | None = None) -> go.Figure:
    """``y`` against ``x`` across runs, one line per value of ``color``; runs without a value of ``y`` are left out.

    Values are scaled to the units on the axes (see :data:`UNITS`: USD columns in billions, ...); the
    hover text names each run and its status.
    """
    missing = [c for c in (x, y, color) if c is not None and c not in runs.columns]
    if missing:
        raise ValueError(f"runs have no column {', '.join(map(repr, missing))}; columns: {', '.join(map(str, runs.columns))}")
    fx, x_label = axis(x)
    fy, y_label = axis(y)
    data = runs[runs[y].notna() & runs[x].notna()]
    dropped = len(runs) - len(data)
    title = f"{y_label} against {x_label}" + (f" ({dropped} run{'s' * (dropped != 1)} without a value left out)" if dropped else "")
    fig = figure(title[0].upper() + title[1:], x_title=x_label, y_title=y_label)
    groups = [(None, data)] if color is None else list(data.groupby(color, sort=True, dropna=False))
    palette = colors(str(k) for k, _ in groups)
    for key, part in groups:
        part = part.sort_values(x)
        name = y if color is None else f"{color}={key}"
        run_ids = part["run_id"].astype(str) if "run_id" in part else pd.Series(range(len(part)), index=part.index).astype(str)
        statuses = part["status"].astype(str) if "status" in part else pd.Series("", index=part.index)
        fig.add_trace(
            go.Scatter(
                x=part[x].to_numpy(dtype=float) * fx if is_numeric_dtype(part[x]) else part[x].astype(str).to_numpy(),
                y=part[y].to_numpy(dtype=float) * fy,
                name=name,
                mode="lines+markers",
                marker_color=palette[str(key)],
                customdata=np.column_stack([run_ids, statuses]),
                hovertemplate="run %{customdata[0]} (%{customdata[1]})<br>%{x:,.4g}, %{y:,.4g}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(showlegend=color is not None)
    return fig


#: Columns :func:`ceiling_value` draws the value of a GW from (as :func:`gigawatt.ceiling_value` and a sweep's runs give them).
VALUE_COLUMNS = ("value_usd_per_mw_yr", "value_low_usd_per_mw_yr", "value_high_usd_per_mw_yr", "value_proven")


def sensitivity_columns(runs: pd.DataFrame, keys: list[str]) -> list[str]:
    """The swept ``keys`` of a one-at-a-time sensitivity: multipliers (``key*``), at most one set per run, with a base run
    that sets none of them (what :mod:`gigawatt.sweeps.spec` writes for ``sensitivity``); none otherwise."""
    factors = [k for k in keys if k.endswith("*")]
    if not factors:
        return []
    count = runs[factors].notna().sum(axis=1)
    return factors if (count <= 1).all() and (count == 0).any() else []


def tornado(runs: pd.DataFrame, factors: list[str], y: str = "total_cost_usd") -> go.Figure:
    """A tornado chart: per parameter of a one-at-a-time sensitivity (:func:`sensitivity_columns`), the change of ``y``
    from the base run at each of its multipliers, one horizontal bar each, the widest swing on top."""
    base_rows = runs[runs[factors].isna().all(axis=1) & runs[y].notna()]
    if base_rows.empty:
        raise ValueError(f"no base run (none of {', '.join(factors)} set) with a value of {y}")
    factor, label = axis(y)
    base = float(base_rows[y].iloc[0]) * factor
    rows = [
        (key.removesuffix("*"), float(multiplier), float(value) * factor - base)
        for key in factors
        for multiplier, value in zip(runs[key], runs[y], strict=True)
        if pd.notna(multiplier) and pd.notna(value)
    ]
    frame = pd.DataFrame(rows, columns=["parameter", "multiplier", "change"])
    order = frame.groupby("parameter")["change"].agg(lambda c: c.max() - c.min()).sort_values().index
    fig = figure(
        f"Sensitivity of {label}: change from the base run ({base:,.3f})",
        x_title=f"change in {label}",
        height=max(300, 60 * len(order) + 150),
    )
    shade = colors(f"{m:g}" for m in sorted(frame["multiplier"].unique()))
    for multiplier, part in frame.groupby("multiplier"):
        bars = part.set_index("parameter")["change"].reindex(order)
        fig.add_trace(
            go.Bar(
                y=list(order),
                x=bars.to_numpy(),
                orientation="h",
                name=f"x {multiplier:g}",
                marker_color=shade[f"{multiplier:g}"],
                hovertemplate=f"%{{y}} x {multiplier:g}: %{{x:+,.3f}}<extra></extra>",
            )
        )
    fig.add_vline(x=0.0, line_color=REFERENCE_COLOR)
    fig.update_layout(barmode="overlay")
    return fig


def ceiling_value(frame: pd.DataFrame) -> go.Figure:
    """Cost and the value of a GW against the ceiling (GW, or MW below 1 GW).

    ``frame`` is :func:`gigawatt.ceiling_value`'s, or a sweep's runs that vary only the ceiling: per
    ceiling ``ceiling_mw``, ``objective_usd`` and the value of a GW from the previous ceiling with a
    plan (:data:`VALUE_COLUMNS`, :mod:`gigawatt.plan.value`). Top: discounted total cost (B USD).
    Bottom, in USD per MW-year: the value drawn as a level across its interval, its proven range as
    an error bar at the interval's middle (hollow when not proven), and, when the frame has them,
    the ceiling's duals given each plan's build (``dual_weighted_mean_usd_per_mw_yr``). Ceilings
    without a plan are shaded.
    """
    for column in ("ceiling_mw", "objective_usd", *VALUE_COLUMNS):
        if column not in frame.columns:
            raise ValueError(f"frame has no column {column!r}; expected gigawatt.ceiling_value's or a sweep's runs")
    data = frame.sort_values("ceiling_mw").drop_duplicates("ceiling_mw", keep="last").reset_index(drop=True)
    feasible = data[data["objective_usd"].notna()].reset_index(drop=True)
    mw = data["ceiling_mw"].to_numpy(dtype=float)
    x_scale, x_unit = (1e-3, "GW") if np.nanmax(mw, initial=0.0) >= 1000.0 else (1.0, "MW")
    x = feasible["ceiling_mw"].to_numpy(dtype=float) * x_scale
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.5, 0.5])
    fig.update_layout(figure("What the ceiling is worth", height=650).layout)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=feasible["objective_usd"].to_numpy(dtype=float) / 1e9,
            name="total cost",
            mode="lines+markers",
            line={"color": REFERENCE_COLOR},
            hovertemplate=f"%{{x:,.4g}} {x_unit}: %{{y:,.4f}} B USD<extra>total cost</extra>",
        ),
        row=1,
        col=1,
    )
    valued = feasible["value_usd_per_mw_yr"].notna().to_numpy() & (np.arange(len(feasible)) > 0)  # from the previous ceiling
    if valued.any():
        start, end = np.roll(x, 1)[valued], x[valued]
        figure_, low, high = (feasible[c].to_numpy(dtype=float)[valued] for c in VALUE_COLUMNS[:3])
        gaps = np.full(len(end), np.nan)
        fig.add_trace(
            go.Scatter(
                x=np.column_stack([start, end, gaps]).ravel(),
                y=np.column_stack([figure_, figure_, gaps]).ravel(),
                name="value of a GW (re-optimised)",
                mode="lines",
                line={"color": "#1f77b4", "width": 3},
                connectgaps=False,
                hovertemplate=f"%{{x:,.4g}} {x_unit}: %{{y:,.4g}} USD per MW-year over this interval<extra></extra>",
            ),
            row=2,
            col=1,
        )
        proven = feasible["value_proven"].to_numpy(dtype=bool)[valued]
        fig.add_trace(
            go.Scatter(
                x=(start + end) / 2.0,
                y=figure_,
                name="proven range",
                mode="markers",
                marker={"color": "#1f77b4", "symbol": np.where(proven, "circle", "circle-open")},
                error_y={"type": "data", "symmetric": False, "array": high - figure_, "arrayminus": figure_ - low},
                customdata=np.column_stack([low, high, np.where(proven, "proven", "NOT proven")]),
                hovertemplate="%{customdata[2]}: %{customdata[0]:,.4g} to %{customdata[1]:,.4g} USD per MW-year<extra></extra>",
            ),
            row=2,
            col=1,
        )
    if "dual_weighted_mean_usd_per_mw_yr" in feasible.columns and feasible["dual_weighted_mean_usd_per_mw_yr"].notna().any():
        dual = feasible["dual_weighted_mean_usd_per_mw_yr"].to_numpy(dtype=float)
        has = ~np.isnan(dual)
        fig.add_trace(
            go.Scatter(
                x=x[has],
                y=dual[has],
                name="ceiling dual given the build (weighted mean over years)",
                mode="markers",
                marker={"symbol": "diamond", "size": 10, "color": CEILING_COLOR},
                hovertemplate=f"%{{x:,.4g}} {x_unit}: %{{y:,.4g}} USD per MW-year<extra>duals</extra>",
            ),
            row=2,
            col=1,
        )
    no_plan = mw[data["objective_usd"].isna().to_numpy()] * x_scale
    if len(no_plan):
        half = (np.diff(mw).min() if len(mw) > 1 else 100.0) * x_scale / 2.0  # shade up to halfway to the neighbours
        fig.add_vrect(x0=no_plan.min() - half, x1=no_plan.max() + half, fillcolor="#bbbbbb", opacity=0.3, line_width=0)
        fig.add_annotation(x=no_plan.min() - half, y=1.0, xref="x", yref="paper", text="no plan", showarrow=False, xanchor="left")
    fig.update_yaxes(title_text="total cost (B USD, discounted)", row=1, col=1)
    fig.update_yaxes(title_text="value of a GW (USD per MW-year)", row=2, col=1)
    fig.update_xaxes(title_text=f"ceiling ({x_unit})", row=2, col=1)
    return fig


def front(frame: pd.DataFrame, measure: str = "co2_t") -> go.Figure:
    """Cost against ``measure`` over the points of a trade-off front (:func:`gigawatt.analysis.front.front`'s table).

    Points joined in the order stepped; those another point beats on both axes (``dominated``) drawn hollow
    in the ceiling's colour. Points without a plan are left out.
    """
    for column in (measure, "objective_usd", "dominated"):
        if column not in frame.columns:
            raise ValueError(f"frame has no column {column!r}; expected the table of a gigawatt front")
    data = frame[frame["objective_usd"].notna()]
    x_factor, x_title = axis(measure)
    fig = figure("Trade-off front", x_title=x_title, y_title="total cost (B USD, discounted)")
    for dominated, name, color, symbol in (
        (False, "on the front", REFERENCE_COLOR, "circle"),
        (True, "dominated", CEILING_COLOR, "circle-open"),
    ):
        part = data[data["dominated"] == dominated]
        fig.add_trace(
            go.Scatter(
                x=part[measure].to_numpy(dtype=float) * x_factor,
                y=part["objective_usd"].to_numpy(dtype=float) / 1e9,
                name=name,
                mode="markers",
                marker={"color": color, "symbol": symbol, "size": 10},
                hovertemplate="%{x:,.4g}: %{y:,.4f} B USD<extra>" + name + "</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=data[measure].to_numpy(dtype=float) * x_factor,
            y=data["objective_usd"].to_numpy(dtype=float) / 1e9,
            mode="lines",
            line={"color": REFERENCE_COLOR, "width": 1, "dash": "dot"},
            showlegend=False,
            hoverinfo="skip",
        )
    )
    return fig
