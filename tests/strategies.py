"""Hypothesis strategies for small scenarios that are feasible by construction, and the edits property tests make.

:func:`feasible_scenarios` draws sites, chips, supplies, links, regions and years at random around a
*backbone* that alone can meet the demand: site ``s0`` (open from the first year) at node ``n0``, an
air-cooled chip ``c0`` on sale in every year and a supply ``g0`` at ``n0``. The demand of each year is
a share of what ``N`` backbone units deliver, and the site, the ceiling, the supply, the yearly unit
cap and any budget or emission cap leave at least 5 % over what the backbone plan needs. Everything
else is an option the optimiser may take, so a plan always exists (other supplies may be dedicated to a
site at their node or take-or-pay: costs, or fewer options, never more needs; CO2 follows the draw). On-site
generation and grid tranches are drawn by the power-access brute force (tests/model/test_brute_force.py), not
here. Units as in the scenario format.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd
from hypothesis import strategies as st

import gigawatt as gw
from gigawatt.scenario.schema import TABLES
from gigawatt.scenario.settings import Settings

FIRST_YEAR = 2026
MARGIN = 1.05  # every capacity the backbone plan uses has at least this much headroom


def _float(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def _cost(high: float) -> st.SearchStrategy[float]:
    """A cost in [0, high], zero about one time in four."""
    return st.one_of(st.just(0.0), _float(0.0, high), _float(0.0, high), _float(0.0, high))


@st.composite
def feasible_scenarios(
    draw: st.DrawFn,
    *,
    min_sites: int = 1,
    max_sites: int = 3,
    max_chips: int = 3,
    max_years: int = 3,
    max_nodes: int = 3,
    max_links: int = 2,
    one_block: bool = False,
    caps: bool = True,
) -> gw.Scenario:
    """A small validated scenario with a plan (see the module docstring).

    ``min_sites``/``max_sites`` bound the number of candidate sites. ``one_block`` gives every site a
    single block (with ``integer_units=False`` every integer column is then 0/1, for brute force).
    ``caps`` allows a capital budget and an emission cap.
    """
    steps = draw(st.lists(st.sampled_from([1, 1, 2]), min_size=0, max_size=max_years - 1))
    years = [FIRST_YEAR + sum(steps[:i]) for i in range(len(steps) + 1)]
    n_nodes = draw(st.integers(1, max_nodes))
    nodes = [{"node_id": f"n{i}", "lat": 40.0 + i, "lon": -90.0 - i} for i in range(n_nodes)]
    node_ids = [n["node_id"] for n in nodes]

    # backbone chip c0 and site s0 first: they fix the scale of everything else
    c0 = _chip(draw, "c0", years, backbone=True)
    units = draw(st.integers(1, 12))  # N: backbone units that meet the peak demand
    s0 = _site(draw, "s0", "n0", years, backbone=True)
    mw_per_unit = s0["pue"] * c0["it_kw_per_unit"] / 1000.0
    need_mw = units * mw_per_unit
    if one_block:
        s0["max_mw"] = s0["block_mw"] = need_mw * draw(_float(MARGIN, 3.0))
    else:
        s0["max_mw"] = need_mw * draw(_float(MARGIN, 3.0))
        s0["block_mw"] = s0["max_mw"] / draw(st.integers(1, 4))
    c0["max_units_per_year"] = float(units + draw(st.integers(0, 20)))
    sites = [s0] + [_site(draw, f"s{i}", draw(st.sampled_from(node_ids)), years) for i in range(1, draw(st.integers(min_sites, max_sites)))]
    chips = [c0] + [_chip(draw, f"c{i}", years) for i in range(1, draw(st.integers(1, max_chips)))]
    for s in sites[1:]:  # other sites: 0.2-3 times the backbone's need
        s["max_mw"] = s["max_mw"] * need_mw
        s["block_mw"] = s["max_mw"] if one_block else s["max_mw"] / draw(st.integers(1, 3))

    if not any(s["cooling"] == "liquid" for s in sites):
        for c in chips:
            c["cooling"] = "air"
    g0 = _supply(draw, "g0", "n0", years, capacity=need_mw * draw(_float(MARGIN, 3.0)), backbone=True)
    nodes_supplied = node_ids[1:] + [draw(st.sampled_from(node_ids)) for _ in range(draw(st.integers(0, 2)))]  # every node has one
    supplies = [g0] + [
        _supply(draw, f"g{i + 1}", node, years, capacity=need_mw * draw(_float(0.0, 3.0))) for i, node in enumerate(nodes_supplied)
    ]
    for g in supplies[1:]:  # an option may be dedicated to a site at its node, or take-or-pay: neither can make a plan fail
        campuses = [s["site_id"] for s in sites if s["node_id"] == g["node_id"]]
        g["site_id"] = draw(st.sampled_from([None, *campuses])) if campuses else None
        g["min_take_frac"] = draw(st.one_of(st.just(0.0), _float(0.0, 1.0)))
    links = []
    if n_nodes > 1:
        for i in range(draw(st.integers(0, max_links))):
            a, b = draw(st.lists(st.sampled_from(node_ids), min_size=2, max_size=2, unique=True))
            links.append(_link(draw, f"l{i}", a, b, need_mw))

    regions = draw(st.integers(0, 2))
    region_ids = [f"r{i}" for i in range(regions)] or ["all"]
    peak_eflops = units * c0["pflops_per_unit"] / 1000.0
    shares = {y: draw(st.one_of(st.just(0.0), _float(0.01, 0.98))) for y in years}  # no demand, or a real share of it
    split = {r: draw(_float(0.1, 1.0)) for r in region_ids}
    total = sum(split.values())
    demand = [{"year": y, "region_id": r, "eflops": peak_eflops * shares[y] * split[r] / total} for y in years for r in region_ids]
    tables: dict[str, list[dict]] = {"nodes": nodes, "sites": sites, "chips": chips, "supplies": supplies, "demand": demand}
    if links:
        tables["links"] = links
    if regions:
        tables["regions"] = [{"region_id": r, "lat": 40.0, "lon": -90.0, "max_latency_ms": 20.0} for r in region_ids]
    if regions and draw(st.booleans()):  # explicit pairs; otherwise pairs follow from distance and the latency bound
        serving = []
        for r in region_ids:
            for s in sites:
                if s["site_id"] == "s0" or draw(st.booleans()):
                    latency = draw(_float(0.0, 20.0)) if s["site_id"] == "s0" else draw(_float(0.0, 40.0))
                    serving.append(
                        {"region_id": r, "site_id": s["site_id"], "cost_usd_per_eflops_yr": draw(_cost(5e5)), "latency_ms": latency}
                    )
        tables["serving"] = serving

    settings: dict[str, object] = {
        "name": "random",
        "years": years,
        "discount_rate": draw(st.sampled_from([0.0, 0.05, draw(_float(0.0, 0.15))])),
        "hours_per_year": draw(st.sampled_from([8760.0, 1000.0])),
        "load_factor": draw(_float(0.5, 1.0)),
        "carbon_price_usd_per_t": draw(_cost(100.0)),
        "ceiling_mw": need_mw * draw(_float(MARGIN, 4.0)),
    }
    plan = _backbone_plan(years, settings, units, shares, c0, s0, g0, mw_per_unit)
    if caps and draw(st.booleans()):
        settings["budget_usd_per_year"] = plan["capital_per_year"] * draw(_float(MARGIN, 3.0))
    if caps and draw(st.booleans()):
        settings["emissions_cap_t_per_year"] = plan["emissions_t"] * draw(_float(MARGIN, 3.0)) + 1.0
    return gw.Scenario.from_tables(settings, {name: pd.DataFrame(rows) for name, rows in tables.items()})


def _chip(draw: st.DrawFn, chip_id: str, years: list[int], backbone: bool = False) -> dict:
    first = years[0] if backbone else draw(st.sampled_from(years))
    return {
        "chip_id": chip_id,
        "first_year": first - (draw(st.integers(0, 2)) if backbone else 0),
        "last_year": years[-1] + draw(st.integers(0, 2)) if backbone else draw(st.sampled_from([y for y in years if y >= first])),
        "accelerators_per_unit": 8,
        "it_kw_per_unit": draw(_float(10.0, 150.0)),
        "pflops_per_unit": draw(_float(10.0, 400.0)),
        "capex_usd_per_unit": draw(_float(1e5, 4e6)),
        # the backbone's units must serve the period they are bought in: a life of at least the longest step
        "lifetime_years": draw(st.integers(max((b - a for a, b in itertools.pairwise(years)), default=1) if backbone else 1, 6)),
        "cooling": "air" if backbone else draw(st.sampled_from(["air", "liquid"])),
        "max_units_per_year": float(draw(st.integers(0, 40))),
    }


def _site(draw: st.DrawFn, site_id: str, node: str, years: list[int], backbone: bool = False) -> dict:
    return {
        "site_id": site_id,
        "node_id": node,
        "lat": 40.0 if backbone else draw(_float(30.0, 50.0)),  # regions sit at the backbone; others may be out of reach
        "lon": -90.0 if backbone else draw(_float(-100.0, -80.0)),
        "max_mw": draw(_float(0.2, 3.0)),  # other sites: a multiple of the backbone's need, set by the caller
        "block_mw": 1.0,
        "open_cost_usd": draw(_cost(5e7)),
        "capex_usd_per_mw": draw(_cost(1.5e7)),
        "fixed_om_usd_per_mw_yr": draw(_cost(3e5)),
        "pue": draw(_float(1.0, 1.6)),
        "cooling": draw(st.sampled_from(["air", "liquid"])),
        "earliest_year": years[0] if backbone else draw(st.sampled_from(years)),
        "lifetime_years": draw(st.integers(1, 30)),
    }


def _supply(draw: st.DrawFn, supply_id: str, node: str, years: list[int], capacity: float, backbone: bool = False) -> dict:
    return {
        "supply_id": supply_id,
        "node_id": node,
        "capacity_mw": capacity,
        "energy_price_usd_per_mwh": draw(_float(0.0, 150.0)),
        "co2_t_per_mwh": draw(_float(0.0, 1.0)),
        "build_cost_usd_per_mw": draw(_cost(2e6)),
        "earliest_year": years[0] if backbone else draw(st.sampled_from(years)),
        "lifetime_years": draw(st.integers(1, 30)),
    }


def _link(draw: st.DrawFn, link_id: str, a: str, b: str, scale_mw: float) -> dict:
    expandable = draw(st.booleans())
    return {
        "link_id": link_id,
        "from_node": a,
        "to_node": b,
        "capacity_mw": scale_mw * draw(_float(0.0, 2.0)),
        "expand_max_mw": scale_mw * draw(_float(0.1, 2.0)) if expandable else 0.0,
        "expand_cost_usd_per_mw": draw(_cost(1e6)),
        "build_cost_usd": draw(_cost(2e7)),
        "loss_frac": draw(_float(0.0, 0.2)),
        "length_km": 100.0,
        "earliest_year": FIRST_YEAR,
        "lifetime_years": draw(st.integers(1, 40)),
    }


def _backbone_plan(
    years: list[int], settings: dict, units: int, shares: dict[int, float], c0: dict, s0: dict, g0: dict, mw_per_unit: float
) -> dict[str, float]:
    """The plan that proves feasibility: open s0 with all its blocks and contract g0 in full in the first year;
    each year install c0 units up to what the demand needs (a vintage is active in the modelled years whose
    whole span lies inside its ``lifetime_years``), powered by g0.

    Returns its largest capital spend per calendar year (undiscounted, as the budget counts it) and its
    largest yearly emissions (t).
    """
    weights = Settings.model_validate(settings).year_weights
    installed: dict[int, int] = {}
    capital, emissions = [], []
    for y in years:
        live = sum(n for v, n in installed.items() if y + weights[y] <= v + c0["lifetime_years"])
        need = math.ceil(units * shares[y] - 1e-9)
        installed[y] = max(0, need - live)
        spent = installed[y] * c0["capex_usd_per_unit"]
        if y == years[0]:
            spent += s0["open_cost_usd"] + s0["capex_usd_per_mw"] * s0["max_mw"] + g0["build_cost_usd_per_mw"] * g0["capacity_mw"]
        capital.append(spent / weights[y])
        active = live + installed[y]
        energy_h = settings["hours_per_year"] * settings["load_factor"]  # type: ignore[operator]
        emissions.append(active * mw_per_unit * energy_h * g0["co2_t_per_mwh"])
    assert all(n <= c0["max_units_per_year"] for n in installed.values())
    return {"capital_per_year": max(capital), "emissions_t": max(emissions)}


def usd_columns() -> dict[str, list[str]]:
    """Per table, the columns priced in USD (unit starting 'USD'), from the scenario schema."""
    return {name: [c.name for c in table.columns if c.unit.startswith("USD")] for name, table in TABLES.items()}


def usd_settings() -> list[str]:
    """Settings priced in USD, from the settings model."""
    return [name for name in Settings.model_fields if "_usd" in name]


def scale_prices(scn: gw.Scenario, k: float) -> gw.Scenario:
    """``scn`` with every USD figure (table columns and settings) multiplied by ``k``."""
    tables = {}
    for name, frame in scn.tables.items():
        frame = frame.copy()
        for col in usd_columns()[name]:
            if col in frame:
                frame[col] = frame[col] * k
        tables[name] = frame
    settings = scn.settings.model_dump()
    for key in usd_settings():
        if settings[key] is not None:
            settings[key] = settings[key] * k
    return gw.Scenario.from_tables(settings, tables)


#: Per unit of the scenario format: the power of ``power`` and of ``compute`` its figures scale by when power is
#: counted in units ``power`` times smaller (MW -> MW/power) and compute in units ``compute`` times smaller.
UNIT_POWERS = {
    "MW": (1, 0),
    "MW/yr": (1, 0),
    "kW": (1, 0),
    "USD/MW": (-1, 0),
    "USD/MW-yr": (-1, 0),
    "USD/MWh": (-1, 0),
    "t/MWh": (-1, 0),
    "EFLOP/s": (0, 1),
    "PFLOP/s": (0, 1),
    "USD/EFLOP/s-yr": (0, -1),
    "USD/kW": (-1, 0),
    "USD/kW-yr": (-1, 0),
    "USD/kWh": (-1, 0),
    "USD/MMBtu": (-1, 0),  # fuel is counted in MMBtu per MWh of power: it scales with power
    "kg/MMBtu": (-1, 0),
}


def rescale_units(scn: gw.Scenario, power: float = 1.0, compute: float = 1.0) -> gw.Scenario:
    """The same scenario written in other units: every power figure times ``power`` (per-MW figures divided by it),
    every compute figure times ``compute`` (columns found by their schema unit; settings ending ``_mw`` or ``_mw_per_year``)."""
    tables = {}
    for name, frame in scn.tables.items():
        frame = frame.copy()
        for column in TABLES[name].columns:
            p, c = UNIT_POWERS.get(column.unit, (0, 0))
            if column.name in frame and (p or c):
                frame[column.name] = frame[column.name] * power**p * compute**c
        tables[name] = frame
    settings = scn.settings.model_dump()
    for key in Settings.model_fields:
        if key.endswith(("_mw", "_mw_per_year")) and settings[key] is not None:
            settings[key] = settings[key] * power
        elif key.endswith("_usd_per_mwh"):
            settings[key] = settings[key] / power
    return gw.Scenario.from_tables(settings, tables)


def without_site(scn: gw.Scenario, site_id: str) -> gw.Scenario:
    """``scn`` without site ``site_id`` and every row of another table that references it (from the schema).

    Liquid-cooled chips go too when no liquid-cooled site is left: nothing could host them (and the
    scenario format refuses them).
    """
    tables = {}
    for name, frame in scn.tables.items():
        keep = pd.Series(True, index=frame.index)
        if name == "sites":
            keep &= frame["site_id"] != site_id
        for col, target in TABLES[name].references.items():
            if target == "sites.site_id":
                keep &= frame[col] != site_id
        tables[name] = frame[keep].reset_index(drop=True)
    if not (tables["sites"]["cooling"] == "liquid").any():
        tables["chips"] = tables["chips"][tables["chips"]["cooling"] == "air"].reset_index(drop=True)
    return gw.Scenario.from_tables(scn.settings.model_dump(), tables)


def with_site(scn: gw.Scenario, row: dict) -> gw.Scenario:
    """``scn`` with one more candidate site (serving every region, when the scenario lists pairs; else as its distance allows)."""
    tables = dict(scn.tables)
    tables["sites"] = pd.concat([scn.tables["sites"], pd.DataFrame([row])], ignore_index=True)
    if "serving" in tables:
        extra = [
            {"region_id": r, "site_id": row["site_id"], "cost_usd_per_eflops_yr": 0.0, "latency_ms": 1.0}
            for r in scn.tables["regions"].region_id
        ]
        tables["serving"] = pd.concat([scn.tables["serving"], pd.DataFrame(extra)], ignore_index=True)
    return gw.Scenario.from_tables(scn.settings.model_dump(), tables)


@st.composite
def extra_sites(draw: st.DrawFn, scn: gw.Scenario) -> dict:
    """A candidate site row for ``scn`` (new id, an existing node, sized like the scenario's sites)."""
    years = list(scn.settings.years)
    row = _site(draw, "extra", draw(st.sampled_from(list(scn.tables["nodes"].node_id))), years)
    scale = float(scn.tables["sites"].max_mw.max())
    row["max_mw"] = row["max_mw"] * scale
    row["block_mw"] = row["max_mw"] / draw(st.integers(1, 3))
    return row
