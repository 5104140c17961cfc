"""The map of a plan: grid nodes, links, sites and demand regions on a geographic projection.

Drawn with plotly's ``Scattergeo`` (no tile server). plotly.js fetches its country and state
outlines from a CDN unless they are already loaded in the page: :func:`geo_assets_script` returns a
``<script>`` that preloads the outlines gigawatt ships (``assets/``, Natural Earth 1:110m), which the
HTML report inlines and static export hands to the renderer, so nothing is fetched at run time.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from gigawatt.plot._common import TOL, figure, plan_years

if TYPE_CHECKING:
    from gigawatt.plan.plan import Plan

ASSETS = Path(__file__).parent / "assets"
#: Outline files shipped with gigawatt, by plotly.js topojson name (``<scope>_<resolution>m``).
OUTLINES = {"usa_110m": ASSETS / "usa_110m.json", "world_110m": ASSETS / "world_110m.json"}
#: Where ``scope="usa"`` is used: every point inside this box (lat, lon) of the 50 states.
USA_BOX = ((17.0, 72.0), (-180.0, -64.0))
LINK_SCALE = "Oranges"
YEAR_SCALE = "Viridis"
MAX_SITE_PX = 40.0  # marker diameter of the largest site
#: Feeds below this share of a campus's grid power are not drawn (a traced mix reaches far with little).
MIN_FEED_SHARE = 0.05
#: Supply-to-campus lines: (legend name, colour, dash) for the node's pool and for dedicated contracts.
FEED_STYLE = {False: ("supply to campus (width = MW)", "#2b8cbe", "solid"), True: ("dedicated supply to campus", "#31a354", "dash")}


def grid_map(plan: Plan, year: int | None = None) -> go.Figure:
    """Nodes, links, sites and regions in ``year`` (default: the last modelled year).

    Links are drawn with width proportional to their capacity (MW, each direction) and coloured by the
    expansion built so far (MW, grey when none); a line runs from each supply's node to each campus it
    feeds (:attr:`gigawatt.Plan.feeds`), width proportional to the MW reaching the campus, dashed green
    for a contract dedicated to the campus (feeds under :data:`MIN_FEED_SHARE` of the campus's grid
    power are left out); sites are sized by built capacity (MW, marker area)
    and coloured by the year they opened; candidate sites not open by ``year`` are hollow grey rings;
    regions (where demand is) are stars. Hover text gives the numbers.
    """
    years = plan_years(plan)
    year = years[-1] if year is None else int(year)
    if year not in years:
        raise ValueError(f"year {year} is not a modelled year of this plan ({', '.join(map(str, years))})")
    scn = plan.scenario
    nodes = scn.tables["nodes"].set_index("node_id")
    fig = figure(f"Grid, sites and regions in {year}", height=600)
    for trace in [*_link_traces(plan, nodes, year), *_feed_traces(plan, nodes, year)]:
        fig.add_trace(trace)
    fig.add_trace(
        go.Scattergeo(
            lat=nodes["lat"],
            lon=nodes["lon"],
            text=[_node_label(n, r) for n, r in nodes.iterrows()],
            mode="markers",
            name="grid nodes",
            marker={"symbol": "square", "size": 7, "color": "#444444"},
            hovertemplate="%{text}<extra></extra>",
        )
    )
    for trace in _site_traces(plan, year):
        fig.add_trace(trace)
    if "regions" in scn.tables:
        regions = scn.tables["regions"]
        fig.add_trace(
            go.Scattergeo(
                lat=regions["lat"],
                lon=regions["lon"],
                text=regions["region_id"],
                mode="markers+text",
                textposition="bottom center",
                name="demand regions",
                marker={"symbol": "star", "size": 14, "color": "#d62728", "line": {"width": 1, "color": "white"}},
                hovertemplate="region %{text}<extra></extra>",
            )
        )
    lats = np.concatenate([trace.lat for trace in fig.data if trace.lat is not None]).astype(float)
    lons = np.concatenate([trace.lon for trace in fig.data if trace.lon is not None]).astype(float)
    fig.update_geos(**_geo_layout(lats, lons))
    fig.update_layout(legend={"orientation": "h", "y": -0.02, "x": 0.0}, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def _node_label(node_id: str, row: pd.Series) -> str:
    name = row.get("name")
    return f"node {node_id}" + (f"<br>{name}" if isinstance(name, str) and name else "")


def _link_traces(plan: Plan, nodes: pd.DataFrame, year: int) -> list[go.Scattergeo]:
    """One line per link (plotly draws one width and colour per trace), plus a hidden trace carrying the colour bar."""
    if "links" not in plan.scenario.tables or plan.scenario.tables["links"].empty:
        return []
    links = plan.scenario.tables["links"].set_index("link_id")
    state = plan.tables["links"]
    state = state[state["year"] == year].set_index("link_id")
    capacity = state["capacity_mw"].reindex(links.index).fillna(links["capacity_mw"])
    expansion = state["expansion_mw"].reindex(links.index).fillna(0.0)
    top_cap = float(capacity.max()) or 1.0
    top_exp = max(float(expansion.max()), float(links["expand_max_mw"].max()), 1.0)
    traces = []
    for i, (link_id, row) in enumerate(links.iterrows()):
        a, b = nodes.loc[row["from_node"]], nodes.loc[row["to_node"]]
        grown = expansion[link_id] > TOL
        color = sample_colorscale(LINK_SCALE, [0.25 + 0.75 * expansion[link_id] / top_exp])[0] if grown else "#9e9e9e"
        traces.append(
            go.Scattergeo(
                lat=[a["lat"], b["lat"]],
                lon=[a["lon"], b["lon"]],
                mode="lines",
                name="grid links",
                legendgroup="links",
                showlegend=i == 0,
                line={"width": 1.0 + 7.0 * capacity[link_id] / top_cap, "color": color},
                customdata=[[link_id, capacity[link_id], expansion[link_id]]] * 2,
                hovertemplate="link %{customdata[0]}<br>capacity %{customdata[1]:,.0f} MW"
                "<br>expansion %{customdata[2]:,.0f} MW<extra></extra>",
                opacity=0.85,
            )
        )
    traces.append(
        go.Scattergeo(
            lat=[None],
            lon=[None],
            mode="markers",
            name="link expansion",
            showlegend=False,
            hoverinfo="skip",
            marker={
                "color": [0.0],
                "cmin": 0.0,
                "cmax": top_exp,
                "colorscale": [[0.0, sample_colorscale(LINK_SCALE, [0.25])[0]], [1.0, sample_colorscale(LINK_SCALE, [1.0])[0]]],
                "showscale": True,
                "colorbar": {"title": {"text": "link expansion (MW)"}, "x": 1.0, "y": 0.25, "len": 0.45},
            },
        )
    )
    return traces


def _feed_traces(plan: Plan, nodes: pd.DataFrame, year: int) -> list[go.Scattergeo]:
    """One line per (supply, campus) feed in ``year``, from the supply's node to the campus (see :func:`grid_map`)."""
    feeds = plan.feeds
    feeds = feeds[feeds["year"] == year]
    feeds = feeds[feeds["mw"] >= MIN_FEED_SHARE * feeds.groupby("site_id")["mw"].transform("sum")]
    if feeds.empty:
        return []
    campus = plan.scenario.tables["sites"].set_index("site_id")
    top = float(feeds["mw"].max())
    traces, shown = [], set()
    for row in feeds.itertuples(index=False):
        dedicated = bool(row.dedicated)
        name, color, dash = FEED_STYLE[dedicated]
        a, b = nodes.loc[row.supply_node_id], campus.loc[row.site_id]
        traces.append(
            go.Scattergeo(
                lat=[a["lat"], b["lat"]],
                lon=[a["lon"], b["lon"]],
                mode="lines",
                name=name,
                legendgroup=name,
                showlegend=dedicated not in shown,
                line={"width": 1.0 + 5.0 * row.mw / top, "color": color, "dash": dash},
                customdata=[[row.supply_id, row.site_id, row.mw, "dedicated contract" if dedicated else "over the grid"]] * 2,
                hovertemplate="supply %{customdata[0]} to site %{customdata[1]}<br>%{customdata[2]:,.1f} MW (%{customdata[3]})"
                "<extra></extra>",
                opacity=0.7,
            )
        )
        shown.add(dedicated)
    return traces


def _site_traces(plan: Plan, year: int) -> list[go.Scattergeo]:
    """Open sites (area = built MW, colour = opening year) and the candidates not open by ``year``."""
    catalogue = plan.scenario.tables["sites"].set_index("site_id")
    sites = plan.tables["sites"]
    opened = sites[(sites["open"].astype(float) > TOL) & (sites["year"] <= year)].groupby("site_id")["year"].min()
    now = sites[sites["year"] == year].set_index("site_id")
    built = now["capacity_mw"].reindex(opened.index).fillna(0.0)
    drawn = now["facility_mw"].reindex(opened.index).fillna(0.0)
    open_rows = catalogue.loc[opened.index]
    years = plan_years(plan)
    top = float(built.max()) if len(built) else 1.0
    traces = [
        go.Scattergeo(
            lat=open_rows["lat"],
            lon=open_rows["lon"],
            text=list(opened.index),  # labels on the map itself: a static export has no hover
            mode="markers+text",
            textposition="top center",
            textfont={"size": 9, "color": "#333333"},
            name="sites (area = MW built)",
            marker={
                "size": built.to_numpy(),
                "sizemode": "area",
                "sizeref": 2.0 * (top or 1.0) / MAX_SITE_PX**2,
                "sizemin": 4,
                "color": opened.to_numpy(),
                "cmin": years[0],
                "cmax": max(years[-1], years[0] + 1),
                "colorscale": YEAR_SCALE,
                "line": {"width": 0.5, "color": "white"},
                "colorbar": {"title": {"text": "opening year"}, "x": 1.0, "y": 0.75, "len": 0.45, "dtick": 1},
                "opacity": 0.85,
            },
            customdata=np.column_stack([opened.index, built.to_numpy(), drawn.to_numpy(), opened.to_numpy()]),
            hovertemplate="site %{customdata[0]}<br>opened %{customdata[3]}<br>built %{customdata[1]:,.0f} MW"
            "<br>drawing %{customdata[2]:,.0f} MW<extra></extra>",
        )
    ]
    closed = catalogue.drop(index=opened.index)
    if len(closed):
        traces.append(
            go.Scattergeo(
                lat=closed["lat"],
                lon=closed["lon"],
                text=list(closed.index),
                mode="markers",
                name="candidate sites not opened",
                marker={"size": 7, "symbol": "circle-open", "color": "#9e9e9e"},
                hovertemplate="site %{text}: not opened<extra></extra>",
            )
        )
    return traces


def _geo_layout(lats: np.ndarray, lons: np.ndarray) -> dict:
    """The US scope (Albers USA, state borders) when every point is in the US, else the world fitted to the points."""
    common = {
        "showland": True,
        "landcolor": "#f2f2ee",
        "showlakes": True,
        "lakecolor": "#e3eef7",
        "showcountries": True,
        "countrycolor": "#bbbbbb",
        "coastlinecolor": "#aaaaaa",
        "resolution": 110,
    }
    (lat0, lat1), (lon0, lon1) = USA_BOX
    ok = ~(np.isnan(lats) | np.isnan(lons))
    lats, lons = lats[ok], lons[ok]
    if len(lats) and (lats >= lat0).all() and (lats <= lat1).all() and (lons >= lon0).all() and (lons <= lon1).all():
        return common | {"scope": "usa", "projection_type": "albers usa", "showsubunits": True, "subunitcolor": "#d0d0d0"}
    return common | {"scope": "world", "projection_type": "natural earth", "fitbounds": "locations", "showsubunits": False}


def topojson_names(fig: go.Figure) -> list[str]:
    """The outline files plotly.js needs for ``fig``'s geographic subplots (``usa_110m``, ``world_110m``)."""
    used = {getattr(trace, "geo", None) or "geo" for trace in fig.data if trace.type in ("scattergeo", "choropleth")}
    names = []
    for geo_id in sorted(used):
        geo = fig.layout[geo_id]
        scope = geo.scope or "world"
        name = f"{scope.replace(' ', '-')}_{int(geo.resolution or 110)}m"
        if name not in names:
            names.append(name)
    return names


@cache
def _outline(name: str) -> str:
    if name not in OUTLINES:
        raise ValueError(f"no offline outline for {name!r}; gigawatt ships {', '.join(OUTLINES)} (scope 'usa' or 'world', resolution 110)")
    return OUTLINES[name].read_text()


def geo_assets_script(names: list[str]) -> str:
    """JavaScript that preloads the named outlines into plotly.js, so geographic charts fetch nothing."""
    if not names:
        return ""
    body = ",".join(f"{json.dumps(name)}:{_outline(name)}" for name in names)
    return (
        "window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};\n"
        f"Object.assign(window.PlotlyGeoAssets.topojson, {{{body}}});\n"
    )
