"""The map: nodes, links (width = capacity, colour = expansion), sites (area = MW, colour = opening year), regions."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from builders import solve_verified

import gigawatt as gw
from gigawatt.plot.geo import OUTLINES, geo_assets_script, grid_map, topojson_names


def traces(fig, name: str) -> list:
    return [t for t in fig.data if t.name == name]


def test_tiny_map_in_the_final_year(tiny_plan):
    fig = tiny_plan.plot.map()
    assert fig.layout.title.text == "Grid, sites and regions in 2027"
    assert fig.layout.geo.scope == "usa" and fig.layout.geo.projection.type == "albers usa"
    (nodes,) = traces(fig, "grid nodes")
    assert list(nodes.lat) == [41.0, 36.0] and list(nodes.lon) == [-88.0, -88.0]
    (sites,) = traces(fig, "sites (area = MW built)")
    ids = list(sites.customdata[:, 0])
    assert sorted(ids) == ["north_air", "north_liquid", "south_liquid"]
    built = dict(zip(ids, sites.marker.size, strict=True))
    opened = dict(zip(ids, sites.marker.color, strict=True))
    # Hand solution: north_air 2 blocks (40 MW), north_liquid 1 block (20 MW) in 2026; south_liquid 2 blocks (40 MW) in 2027.
    assert built == {"north_air": 40.0, "north_liquid": 20.0, "south_liquid": 40.0}
    assert opened == {"north_air": 2026, "north_liquid": 2026, "south_liquid": 2027}
    assert sites.marker.sizemode == "area"
    assert list(sites.text) == ids and sites.mode == "markers+text"  # named on the map, for a static export
    assert traces(fig, "candidate sites not opened") == []
    assert traces(fig, "demand regions") == []  # no regions table: one pool of demand
    (link,) = traces(fig, "grid links")
    assert list(link.customdata[0]) == ["north-south", 50.0, 0.0]
    assert link.line.color == "#9e9e9e"  # not expanded: grey


def test_earlier_year_shows_unopened_candidates(tiny_plan):
    fig = tiny_plan.plot.map(year=2026)
    (sites,) = traces(fig, "sites (area = MW built)")
    assert sorted(sites.customdata[:, 0]) == ["north_air", "north_liquid"]
    (closed,) = traces(fig, "candidate sites not opened")
    assert list(closed.text) == ["south_liquid"] and list(closed.lat) == [36.0]


def test_year_outside_the_horizon_is_refused(tiny_plan):
    with pytest.raises(ValueError, match="2030 is not a modelled year of this plan \\(2026, 2027\\)"):
        tiny_plan.plot.map(year=2030)


def test_expanded_link_is_wider_and_coloured(grid_plan):
    before, after = grid_map(grid_plan, 2026), grid_map(grid_plan, 2027)
    (old,), (new,) = traces(before, "grid links"), traces(after, "grid links")
    assert list(old.customdata[0]) == ["n-m", 10.0, 0.0]
    assert list(new.customdata[0]) == ["n-m", 30.0, 20.0]  # 20 MW of expansion carries the 2027 load
    assert old.line.color == "#9e9e9e" and new.line.color != "#9e9e9e"
    assert list(new.lat) == [40.0, 35.0] and list(new.lon) == [-80.0, -90.0]
    (scale,) = traces(after, "link expansion")
    assert scale.marker.cmax == 50.0 and scale.marker.showscale  # the colour bar spans the expandable range
    (regions,) = traces(after, "demand regions")
    assert list(regions.text) == ["east", "west"] and regions.marker.symbol == "star"
    (closed,) = traces(after, "candidate sites not opened")
    assert list(closed.text) == ["far"]


def test_link_width_grows_with_capacity(grid_scenario):
    scn = grid_scenario()
    links = [
        {**scn.tables["links"].iloc[0].to_dict(), "link_id": "thin", "capacity_mw": 5.0, "expand_max_mw": 0.0},
        {**scn.tables["links"].iloc[0].to_dict(), "link_id": "thick", "capacity_mw": 100.0, "expand_max_mw": 0.0},
    ]
    plan = solve_verified(gw.Scenario.from_tables(dict(scn.raw_settings), dict(scn.tables) | {"links": pd.DataFrame(links)}))
    widths = {t.customdata[0][0]: t.line.width for t in traces(plan.plot.map(), "grid links")}
    assert widths["thick"] == pytest.approx(8.0) and widths["thin"] == pytest.approx(1.0 + 7.0 * 5.0 / 100.0)


def test_sites_outside_the_us_use_a_fitted_world_map(grid_plan, grid_scenario):
    scn = grid_scenario()
    nodes = scn.tables["nodes"].assign(lat=[52.0, 48.0], lon=[13.0, 2.0])
    sites = scn.tables["sites"].assign(lat=[52.0, 48.0], lon=[13.0, 2.0])
    regions = scn.tables["regions"].assign(lat=[52.5, 48.5], lon=[13.5, 2.5])
    europe = gw.Scenario.from_tables(dict(scn.raw_settings), dict(scn.tables) | {"nodes": nodes, "sites": sites, "regions": regions})
    plan = gw.Plan(europe, grid_plan.tables, "optimal", "optimal", grid_plan.objective, grid_plan.bound, 0.0, {}, {})
    fig = plan.plot.map()
    assert fig.layout.geo.scope == "world" and fig.layout.geo.fitbounds == "locations"
    assert topojson_names(fig) == ["world_110m"]


def test_outlines_are_preloaded_for_offline_use(tiny_plan):
    fig = tiny_plan.plot.map()
    assert topojson_names(fig) == ["usa_110m"]
    script = geo_assets_script(["usa_110m"])
    assert script.startswith("window.PlotlyGeoAssets")
    body = script[script.index("{", script.index("Object.assign")) :].rstrip().removesuffix(");")
    outline = json.loads(body)["usa_110m"]
    assert outline["type"] == "Topology" and {"land", "subunits", "countries"} <= set(outline["objects"])
    assert geo_assets_script([]) == ""
    assert set(OUTLINES) == {"usa_110m", "world_110m"}
    with pytest.raises(ValueError, match="no offline outline for 'europe_50m'"):
        geo_assets_script(["europe_50m"])


def test_charts_without_maps_need_no_outlines(tiny_plan):
    assert topojson_names(tiny_plan.plot.power()) == []
    assert topojson_names(tiny_plan.plot.costs()) == []


def test_lines_run_from_each_supply_to_the_campus_it_feeds(grid_plan):
    """Supply g at node m (35, -90) feeds campus near (40, -80) over the link: 8 MW in 2026, 30 MW in 2027."""
    for year, mw in ((2026, 8.0), (2027, 30.0)):
        (feed,) = traces(grid_map(grid_plan, year), "supply to campus (width = MW)")
        assert list(feed.lat) == [35.0, 40.0] and list(feed.lon) == [-90.0, -80.0]
        assert list(feed.customdata[0]) == ["g", "near", pytest.approx(mw), "over the grid"]
        assert feed.line.width == pytest.approx(6.0) and feed.line.dash == "solid"  # the widest feed of its year


def test_dedicated_contracts_are_drawn_apart_and_small_feeds_left_out(grid_plan):
    """In 2027 let a contract k at near's node n (40, -80) give near 29 of its 30 MW, g the last 1 MW over the link:
    k's line is dashed (width 6: the widest), g's 1 MW is 3.3% of near's grid power, under the 5% drawn."""
    scn = grid_plan.scenario
    catalogue = pd.concat([scn.tables["supplies"], scn.tables["supplies"].assign(supply_id="k", node_id="n")], ignore_index=True)
    supplies = grid_plan.supplies.assign(site_id="", paid_mw=grid_plan.supplies["draw_mw"])
    supplies.loc[supplies["year"] == 2027, ["draw_mw", "paid_mw"]] = 1.0
    contract = {"supply_id": "k", "node_id": "n", "year": 2027, "available_mw": 29.0, "draw_mw": 29.0, "site_id": "near", "paid_mw": 29.0}
    links = grid_plan.links.copy()
    links.loc[links["year"] == 2027, "flow_bwd_mw"] = 1.0
    plan = dataclasses.replace(
        grid_plan,
        scenario=dataclasses.replace(scn, tables={**scn.tables, "supplies": catalogue}),
        tables={**grid_plan.tables, "supplies": pd.concat([supplies, pd.DataFrame([contract])], ignore_index=True), "links": links},
    )
    fig = grid_map(plan, 2027)
    (feed,) = traces(fig, "dedicated supply to campus")
    assert list(feed.customdata[0]) == ["k", "near", pytest.approx(29.0), "dedicated contract"]
    assert list(feed.lat) == [40.0, 40.0] and feed.line.dash == "dash" and feed.line.width == pytest.approx(6.0)
    assert traces(fig, "supply to campus (width = MW)") == []
    feeds = plan.feeds.set_index(["year", "supply_id"])
    assert feeds["mw"].to_dict() == pytest.approx({(2026, "g"): 8.0, (2027, "k"): 29.0, (2027, "g"): 1.0})
    assert feeds["dedicated"].to_dict() == {(2026, "g"): False, (2027, "k"): True, (2027, "g"): False}
