"""The independent verifier: solved plans pass, and one violation injected per rule is named with its entity and year."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pytest
from builders import ROOT, chip, link, scenario, site, supply
from hypothesis import given, settings
from hypothesis import strategies as st

import gigawatt as gw
from gigawatt.model.data import Horizon
from gigawatt.plan import verify as verify_module
from gigawatt.plan.tables import PLAN_TABLES
from gigawatt.plan.verify import Violation, verify
from gigawatt.scenario import Settings

NODES = [
    {"node_id": "A", "lat": 40.0, "lon": -75.0},
    {"node_id": "B", "lat": 41.0, "lon": -80.0},
    {"node_id": "C", "lat": 35.0, "lon": -100.0},
]
SETTINGS = {
    "years": [2026, 2028, 2030],
    "discount_rate": 0.05,
    "ceiling_mw": 260.0,
    "hours_per_year": 8760.0,
    "load_factor": 0.8,
    "carbon_price_usd_per_t": 40.0,
    "budget_usd_per_year": 4e9,
    "emissions_cap_t_per_year": 1e6,
}
COSTS = {"open_cost_usd": 5e6, "capex_usd_per_mw": 8e6, "fixed_om_usd_per_mw_yr": 1e5, "lifetime_years": 25}
RICH = {
    "nodes": NODES,
    "sites": [
        site("s1", node_id="A", lat=40.0, lon=-75.0, max_mw=120.0, block_mw=20.0, pue=1.2, **COSTS),
        site("s2", node_id="B", lat=41.0, lon=-80.0, max_mw=100.0, block_mw=25.0, pue=1.3, cooling="air", **COSTS),
        site("s3", node_id="C", lat=35.0, lon=-100.0, max_mw=200.0, block_mw=50.0, pue=1.1, earliest_year=2028, **COSTS),
    ],
    "links": [
        link(
            "l1",
            "A",
            "B",
            capacity_mw=40.0,
            expand_max_mw=100.0,
            expand_cost_usd_per_mw=2e5,
            build_cost_usd=5e6,
            loss_frac=0.02,
            earliest_year=2028,
        ),
        link("l2", "B", "C", capacity_mw=60.0, loss_frac=0.04, lifetime_years=40),
    ],
    "supplies": [
        supply("gA", node_id="A", capacity_mw=100.0, energy_price_usd_per_mwh=70.0, co2_t_per_mwh=0.4, lifetime_years=30),
        supply("gB", node_id="B", capacity_mw=60.0, energy_price_usd_per_mwh=55.0, co2_t_per_mwh=0.5, lifetime_years=30),
        supply(
            "gC",
            node_id="C",
            capacity_mw=250.0,
            energy_price_usd_per_mwh=20.0,
            build_cost_usd_per_mw=8e5,
            earliest_year=2028,
            lifetime_years=25,
        ),
    ],
    "chips": [
        chip("c1", first_year=2026, last_year=2028, it_kw_per_unit=10.0, pflops_per_unit=20.0, capex_usd_per_unit=2.5e5, lifetime_years=4),
        chip(
            "c2",
            first_year=2028,
            last_year=2030,
            it_kw_per_unit=120.0,
            pflops_per_unit=400.0,
            capex_usd_per_unit=3.5e6,
            lifetime_years=5,
            cooling="liquid",
            max_units_per_year=300.0,
        ),
    ],
    "regions": [
        {"region_id": "east", "lat": 40.5, "lon": -76.0, "max_latency_ms": 20.0},
        {"region_id": "west", "lat": 36.0, "lon": -99.0, "max_latency_ms": 20.0},
    ],
    "serving": [
        {"region_id": "east", "site_id": "s1", "cost_usd_per_eflops_yr": 1e4},
        {"region_id": "east", "site_id": "s2", "cost_usd_per_eflops_yr": 2e4},
        {"region_id": "east", "site_id": "s3", "latency_ms": 25.0},
        {"region_id": "west", "site_id": "s3"},
        {"region_id": "west", "site_id": "s2", "cost_usd_per_eflops_yr": 5e3, "latency_ms": 15.0},
    ],
    "demand": [
        {"year": 2026, "region_id": "east", "eflops": 40.0},
        {"year": 2028, "region_id": "east", "eflops": 120.0},
        {"year": 2030, "region_id": "east", "eflops": 200.0},
        {"year": 2028, "region_id": "west", "eflops": 50.0},
        {"year": 2030, "region_id": "west", "eflops": 150.0},
    ],
}


@pytest.fixture(scope="module")
def rich() -> gw.Plan:
    """Three nodes and sites (one air-cooled, one late), an expandable link with a fixed cost, a contracted supply, two regions."""
    return gw.solve(scenario(SETTINGS, **RICH), mip_gap=0.0)


def test_rich_plan_verifies_and_uses_every_family(rich):
    assert rich.status == "optimal"
    assert rich.verify() == []
    t = rich.tables
    assert t["links"]["built"].any() and (t["links"]["flow_bwd_mw"] > 0).any()
    assert t["supplies"].query("supply_id == 'gC'")["available_mw"].gt(0).any()
    assert set(t["serving"]["region_id"]) == {"east", "west"}
    assert not t["sites"].query("site_id == 's2'")["open"].any(), "s2 stays closed (mutations rely on it)"


POOL_DEMAND = {"demand": [{"year": 2026, "eflops": 5.0}, {"year": 2027, "eflops": 20.0}]}
GAPPED_DEMAND = {"demand": [{"year": 2026, "eflops": 2.5}, {"year": 2029, "eflops": 7.5}]}


@pytest.mark.parametrize(
    "settings, tables, integer_units",
    [
        ({"years": [2026, 2027], "ceiling_mw": 30.0, "discount_rate": 0.07}, POOL_DEMAND, True),
        ({"years": [2026, 2029], "ceiling_mw": 30.0, "discount_rate": 0.03}, GAPPED_DEMAND, False),
    ],
    ids=["pool", "continuous-units-gapped-years"],
)
def test_single_pool_plans_verify(settings, tables, integer_units):
    scn = scenario(settings, chips=[chip("a", it_kw_per_unit=500.0, lifetime_years=3)], **tables)
    plan = gw.solve(scn, mip_gap=0.0, integer_units=integer_units)
    assert plan.verify() == []
    assert verify(plan.scenario, plan.tables, plan.objective, columns=PLAN_TABLES, integer_units=integer_units) == []


def test_peak_pue_ramps_and_wheeling_verify():
    """The rich scenario with a peak PUE (s1 1.3, the others pue x 1.1), ramps and a wheeling charge: the plan verifies.

    s1 ramps 20 MW a year, so it holds 20 MW in 2026 (one block, the ramp binding) and s2 opens to help; all sites
    add at most 60 MW a year (120 MW between 2026 and 2028). Facility power is IT x pue_peak, the node draws IT x pue.
    """
    rich = RICH | {
        "sites": [RICH["sites"][0] | {"ramp_mw_per_year": 20.0, "pue_peak": 1.3}, *RICH["sites"][1:]],
        "links": [RICH["links"][0], RICH["links"][1] | {"wheeling_usd_per_mwh": 4.0}],
    }
    plan = gw.solve(scenario(SETTINGS | {"pue_peak_factor": 1.1, "national_ramp_mw_per_year": 60.0}, **rich), mip_gap=0.0)
    assert plan.status == "optimal" and plan.verify() == []
    sites = plan.sites.set_index(["site_id", "year"])
    assert sites.loc[("s1", 2026), "capacity_mw"] == 20.0 and sites.loc[("s2", 2026), "open"]
    peak = plan.sites.site_id.map({"s1": 1.3, "s2": 1.3 * 1.1, "s3": 1.1 * 1.1})
    assert plan.sites.facility_mw.tolist() == pytest.approx((plan.sites.it_mw * peak).tolist())
    assert plan.costs.query("category == 'wheeling'")["discounted_usd"].sum() > 0


def test_verifier_shares_no_code_with_the_model():
    code = (
        "import sys, gigawatt.plan.verify; print([m for m in sys.modules if m.startswith(('pyomo', 'gigawatt.model', 'gigawatt.solvers'))])"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_shipped_tiny_scenario_verifies():
    folder = ROOT / "scenarios" / "tiny"
    if not (folder / "scenario.yaml").exists():
        pytest.skip("scenarios/tiny not shipped yet")
    plan = gw.solve(gw.load_scenario(folder), mip_gap=0.0)
    assert plan.verify() == []


# -- one injected violation per rule ----------------------------------------------------------------


@dataclass
class Case:
    """What a mutation may change: the scenario checked against, the plan's tables (copies), the objective."""

    scenario: gw.Scenario
    tables: dict[str, pd.DataFrame]
    objective: float


Mutation = Callable[[Case], tuple[str, int | None]]  # changes the case; returns the expected (entity, year)


def _row(frame: pd.DataFrame, query: str) -> int:
    """Index of the first row matching ``query`` (asserts there is one)."""
    hits = frame.query(query).index
    assert len(hits), f"no row with {query}"
    return hits[0]


def _set(case: Case, table: str, query: str, entity: str, **values: object) -> tuple[str, int]:
    """Overwrite columns of the first row of ``table`` matching ``query``; ``entity`` formats over that row."""
    frame = case.tables[table]
    i = _row(frame, query)
    for col, value in values.items():
        new = value(frame.loc[i]) if callable(value) else value
        if pd.api.types.is_integer_dtype(frame[col]) and new != round(new):
            frame[col] = frame[col].astype(float)
        frame.loc[i, col] = new
    return entity.format(**frame.loc[i]), int(frame.loc[i, "year"])


def _add(case: Case, table: str, entity: str, **row: object) -> tuple[str, int]:
    """Append a row (other columns 0/False) to ``table``."""
    frame = case.tables[table]
    new = {c: (False if frame[c].dtype == bool else 0) for c in frame.columns} | row
    case.tables[table] = pd.concat([frame, pd.DataFrame([new])], ignore_index=True)
    return entity.format(**new), int(new["year"])


def _chip_row(chip_id: str, site_id: str, year: int, units: float, it_kw: float, pue: float, pflops: float) -> dict:
    it = units * it_kw / 1000
    return dict(
        chip_id=chip_id,
        site_id=site_id,
        year=year,
        installed_units=units,
        active_units=units,
        it_mw=it,
        facility_mw=it * pue,
        eflops=units * pflops / 1000,
    )


def _drop_column(case: Case) -> tuple[str, None]:
    case.tables["chips"] = case.tables["chips"].drop(columns="eflops")
    return "table chips", None


def _drop_row(table: str, query: str, entity: str) -> Mutation:
    def mutate(case: Case) -> tuple[str, int]:
        frame = case.tables[table]
        i = _row(frame, query)
        case.tables[table] = frame.drop(index=i)
        return entity.format(**frame.loc[i]), int(frame.loc[i, "year"])

    return mutate


def _blocks_down(case: Case) -> tuple[str, int]:
    sites = case.tables["sites"]
    prev = sites.groupby("site_id")["blocks"].shift(1)
    i = sites.index[prev >= 1][0]
    sites.loc[i, "blocks"] = prev[i] - 1
    return f"site {sites.loc[i, 'site_id']}", int(sites.loc[i, "year"])


def _above_ceiling(case: Case) -> tuple[str, int]:
    _, year = _set(case, "sites", "site_id == 's2' and year == 2030", SITE, facility_mw=300.0)
    return "all sites", year


def _override(entity: str, year: int | None = None, **settings: object) -> Mutation:
    def mutate(case: Case) -> tuple[str, int | None]:
        case.scenario = case.scenario.with_overrides(**settings)
        return entity, year

    return mutate


def _cells(entity: str, year: int, **cells: object) -> Mutation:
    """The same plan checked against the scenario with table cells overridden (``sites__s1__pue`` for ``sites[s1].pue``)."""

    def mutate(case: Case) -> tuple[str, int]:
        keys = {"{}[{}].{}".format(*key.split("__")): value for key, value in cells.items()}
        case.scenario = case.scenario.with_overrides(keys)
        return entity, year

    return mutate


def _objective(case: Case) -> tuple[str, None]:
    case.objective *= 1.001
    return "objective", None


SITE = "site {site_id}"
CHIPS = "chip {chip_id} at site {site_id}"
S1_BUILT = "site_id == 's1' and blocks > 0"
MUTATIONS: list[tuple[str, Mutation]] = [
    # table shape
    ("table_shape", _drop_column),
    ("nan_value", lambda c: _set(c, "sites", S1_BUILT, SITE, facility_mw=float("nan"))),
    ("negative_value", lambda c: _set(c, "links", "link_id == 'l2'", "link {link_id}", flow_fwd_mw=-1.0)),
    ("missing_row", _drop_row("sites", "site_id == 's2'", SITE)),
    ("missing_row", _drop_row("supplies", "supply_id == 'gC'", "supply {supply_id}")),
    ("unknown_key", lambda c: _add(c, "sites", "site nowhere", site_id="nowhere", node_id="A", year=2026)),
    # sites
    ("site_earliest_year", lambda c: _add(c, "sites", SITE, site_id="s3", node_id="C", year=2026)),
    ("site_open_monotone", lambda c: _set(c, "sites", "site_id == 's1' and year == 2030", SITE, open=False)),
    ("site_blocks_monotone", _blocks_down),
    (
        "site_blocks_integer",
        lambda c: _set(c, "sites", S1_BUILT, SITE, blocks=lambda r: r.blocks + 0.5, capacity_mw=lambda r: r.blocks * 20),
    ),
    ("site_max_blocks", lambda c: _set(c, "sites", S1_BUILT, SITE, blocks=7, capacity_mw=140.0)),
    ("site_blocks_open", lambda c: _set(c, "sites", "site_id == 's2'", SITE, blocks=1, capacity_mw=25.0)),
    ("site_capacity_mw", lambda c: _set(c, "sites", S1_BUILT, SITE, capacity_mw=lambda r: r.capacity_mw + 1)),
    ("site_capacity", lambda c: _set(c, "sites", S1_BUILT, SITE, facility_mw=lambda r: r.capacity_mw + 1)),
    ("site_facility_mw", lambda c: _set(c, "sites", "facility_mw > 0", SITE, facility_mw=lambda r: r.facility_mw * 0.999)),
    ("site_it_mw", lambda c: _set(c, "sites", "it_mw > 0", SITE, it_mw=lambda r: r.it_mw * 1.001)),
    ("site_node", lambda c: _set(c, "sites", "site_id == 's1'", SITE, node_id="B")),
    # ramps (s1 adds 40 MW in 2026, 20 in 2028, 20 in 2030)
    ("site_ramp", _cells("site s1", 2026, sites__s1__ramp_mw_per_year=30.0)),
    ("national_ramp", _override("all sites", 2026, national_ramp_mw_per_year=30.0)),
    # chips
    ("chip_sale_window", lambda c: _add(c, "chips", CHIPS, **_chip_row("c1", "s1", 2030, 1, 10.0, 1.2, 20.0))),
    ("chip_cooling", lambda c: _add(c, "chips", CHIPS, **_chip_row("c2", "s2", 2028, 1, 120.0, 1.3, 400.0))),
    ("chip_site_earliest_year", lambda c: _add(c, "chips", CHIPS, **_chip_row("c1", "s3", 2026, 1, 10.0, 1.1, 20.0))),
    ("chip_units_integer", lambda c: _set(c, "chips", "installed_units > 0", CHIPS, installed_units=lambda r: r.installed_units + 0.5)),
    ("chip_active_units", lambda c: _set(c, "chips", "active_units > 0", CHIPS, active_units=lambda r: r.active_units + 1)),
    ("chip_active_units", _drop_row("chips", "installed_units == 0 and active_units > 0", CHIPS)),
    ("chip_supply", lambda c: _set(c, "chips", "chip_id == 'c2' and installed_units > 0", "chip {chip_id}", installed_units=601)),
    ("chip_it_mw", lambda c: _set(c, "chips", "it_mw > 0", CHIPS, it_mw=lambda r: r.it_mw * 1.001)),
    ("chip_facility_mw", lambda c: _set(c, "chips", "facility_mw > 0", CHIPS, facility_mw=lambda r: r.facility_mw * 1.001)),
    ("chip_eflops", lambda c: _set(c, "chips", "eflops > 0", CHIPS, eflops=lambda r: r.eflops * 1.001)),
    ("chip_facility_mw", _cells("chip c1 at site s1", 2026, sites__s1__pue_peak=1.5)),
    # the ceiling and the power table
    ("power_ceiling", _above_ceiling),
    ("power_facility_mw", lambda c: _set(c, "power", "year == 2028", "all sites", facility_mw=lambda r: r.facility_mw + 1)),
    ("power_headroom_mw", lambda c: _set(c, "power", "year == 2028", "all sites", headroom_mw=lambda r: r.headroom_mw - 1)),
    ("power_ceiling_mw", lambda c: _set(c, "power", "year == 2026", "all sites", ceiling_mw=300.0)),
    # supplies
    ("supply_draw", lambda c: _set(c, "supplies", "supply_id == 'gC'", "supply {supply_id}", draw_mw=lambda r: r.available_mw + 1)),
    ("supply_capacity", lambda c: _set(c, "supplies", "supply_id == 'gA'", "supply {supply_id}", available_mw=101.0)),
    (
        "supply_contract_monotone",
        lambda c: _set(c, "supplies", "supply_id == 'gC' and year == 2030", "supply {supply_id}", available_mw=1.0, draw_mw=0.0),
    ),
    (
        "supply_earliest_year",
        lambda c: _add(c, "supplies", "supply {supply_id}", supply_id="gC", node_id="C", year=2026, draw_mw=1.0, available_mw=1.0),
    ),
    ("supply_energy_mwh", lambda c: _set(c, "supplies", "energy_mwh > 0", "supply {supply_id}", energy_mwh=lambda r: r.energy_mwh * 1.001)),
    ("supply_co2_t", lambda c: _set(c, "supplies", "co2_t > 0", "supply {supply_id}", co2_t=lambda r: r.co2_t * 1.001)),
    ("supply_site", lambda c: _set(c, "supplies", "supply_id == 'gA'", "supply {supply_id}", site_id="s1")),
    ("supply_paid", lambda c: _set(c, "supplies", "supply_id == 'gB' and year == 2026", "supply {supply_id}", paid_mw=1.0)),
    ("supply_min_take", _cells("supply gA", 2026, supplies__gA__min_take_frac=0.5)),  # gA draws nothing in 2026
    ("dedicated_supply", _cells("site s2", 2026, supplies__gB__site_id="s2")),  # s2 stays closed; gB feeds s1 in 2026
    ("cost", lambda c: _set(c, "supplies", "supply_id == 'gA' and year == 2026", "cost energy", paid_mw=10.0)),  # energy is paid on paid_mw
    # links
    (
        "link_capacity",
        lambda c: _set(c, "links", "link_id == 'l2'", "link {link_id}", flow_bwd_mw=61.0, loss_mw=lambda r: 0.04 * (r.flow_fwd_mw + 61)),
    ),
    ("link_capacity_mw", lambda c: _set(c, "links", "link_id == 'l1'", "link {link_id}", capacity_mw=lambda r: r.capacity_mw + 1)),
    ("link_loss_mw", lambda c: _set(c, "links", "loss_mw > 0", "link {link_id}", loss_mw=lambda r: r.loss_mw * 1.001)),
    ("link_expansion_max", lambda c: _set(c, "links", "link_id == 'l1' and year == 2030", "link {link_id}", expansion_mw=101.0)),
    ("link_expansion_monotone", lambda c: _set(c, "links", "link_id == 'l1' and year == 2030", "link {link_id}", expansion_mw=0.0)),
    ("link_earliest_year", lambda c: _set(c, "links", "link_id == 'l1' and year == 2026", "link {link_id}", expansion_mw=1.0, built=True)),
    ("link_built", lambda c: _set(c, "links", "link_id == 'l1' and expansion_mw > 0", "link {link_id}", built=False)),
    ("link_built_monotone", lambda c: _set(c, "links", "link_id == 'l1' and year == 2030", "link {link_id}", built=False)),
    # node balance
    ("node_balance", lambda c: _set(c, "links", "link_id == 'l2' and flow_bwd_mw > 0", "node B", flow_bwd_mw=0.0)),
    ("node_balance", lambda c: _set(c, "supplies", "supply_id == 'gC' and draw_mw > 0", "node C", draw_mw=lambda r: r.draw_mw * 1.001)),
    ("node_balance", _cells("node A", 2026, sites__s1__pue=1.1, sites__s1__pue_peak=1.2)),  # the node draws IT x the annual pue
    # serving
    (
        "serving_pair",
        lambda c: _add(c, "serving", "region {region_id} from site {site_id}", region_id="east", site_id="s3", year=2030, eflops=1.0),
    ),
    (
        "serving_pair",
        lambda c: _add(c, "serving", "region {region_id} from site {site_id}", region_id="west", site_id="s1", year=2030, eflops=1.0),
    ),
    (
        "serving_open",
        lambda c: _add(c, "serving", "region {region_id} from site {site_id}", region_id="east", site_id="s2", year=2026, eflops=1.0),
    ),
    ("site_compute", lambda c: _set(c, "serving", "site_id == 's3' and year == 2030", "site {site_id}", eflops=lambda r: r.eflops + 10)),
    (
        "demand",
        lambda c: _set(c, "serving", "region_id == 'west' and year == 2030", "region {region_id}", eflops=lambda r: r.eflops * 0.999),
    ),
    # policies: the same plan checked against a scenario with tighter caps
    ("budget", _override("all investments", 2026, budget_usd_per_year=1e8)),
    ("emissions_cap", _override("all supplies", 2026, emissions_cap_t_per_year=1e3)),
    # costs and objective
    ("cost", lambda c: _set(c, "costs", "category == 'chip_capex'", "cost {category}", discounted_usd=lambda r: r.discounted_usd * 1.001)),
    ("cost", _drop_row("costs", "category == 'energy' and discounted_usd > 0", "cost {category}")),
    ("cost", _cells("cost wheeling", 2028, links__l2__wheeling_usd_per_mwh=5.0)),  # l2 carries power from 2028
    ("objective", _objective),
]


@pytest.mark.parametrize("constraint, mutate", MUTATIONS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(MUTATIONS)])
def test_injected_violation_is_named(rich, constraint, mutate):
    case = Case(rich.scenario, {name: frame.copy() for name, frame in rich.tables.items()}, rich.objective)
    entity, year = mutate(case)
    found = verify(case.scenario, case.tables, case.objective, columns=PLAN_TABLES)
    assert any((v.constraint, v.entity, v.year) == (constraint, entity, year) for v in found), found
    hit = next(v for v in found if v.constraint == constraint)
    assert isinstance(hit, Violation) and hit.amount > 0 and str(hit) == hit.message and entity in hit.message


# -- compute not delivered: the unserved table, its value, the compute objective and the total budget ----------------

OUTSIDE_REGIONS = [{"region_id": r, "lat": 40.0, "lon": -80.0, "max_latency_ms": 10.0} for r in ("east", "west")]
OUTSIDE_DEMAND = [{"year": y, "region_id": "east", "eflops": 1.0} for y in (2026, 2027)] + [
    {"year": y, "region_id": "west", "eflops": 4.0, "value_usd_per_eflops_yr": 3e6} for y in (2026, 2027)
]


@pytest.fixture(scope="module")
def outside() -> gw.Plan:
    """Ceiling 3 MW (3 EFLOP/s): east's strict 1 EFLOP/s served, west (valued) gets 2 of its 4 each year; the plan is
    solved with ``objective: compute`` and a budget it leaves slack (5e6 USD: chips of life 2 cost 3e6)."""
    settings = {"years": [2026, 2027], "discount_rate": 0.05, "ceiling_mw": 3.0, "objective": "compute", "budget_usd": 5e6}
    return gw.solve(scenario(settings, chips=[chip("a", lifetime_years=2)], regions=OUTSIDE_REGIONS, demand=OUTSIDE_DEMAND), mip_gap=0.0)


def _unserved_row(region: str, year: int, eflops: float) -> Mutation:
    def mutate(case: Case) -> tuple[str, int]:
        return _add(case, "unserved", "region {id}", workload="inference", id=region, year=year, eflops=eflops)

    return mutate


def _revalue(value: float) -> Mutation:
    """The same plan checked against west's demand valued at ``value``: its unserved compute costs more."""

    def mutate(case: Case) -> tuple[str, int]:
        case.scenario = case.scenario.with_overrides({"demand[region_id=west].value_usd_per_eflops_yr": value})
        return "cost unserved_inference", 2027

    return mutate


OUTSIDE_MUTATIONS: list[tuple[str, Mutation]] = [
    ("demand", lambda c: _set(c, "unserved", "id == 'west' and year == 2027", "region {id}", eflops=lambda r: r.eflops * 0.9)),
    ("cost", lambda c: _set(c, "unserved", "id == 'west' and year == 2026", "cost unserved_inference", eflops=2.5)),
    ("cost", _revalue(3.1e6)),
    ("unserved_strict", _unserved_row("east", 2026, 0.5)),
    ("unserved_max", lambda c: _set(c, "unserved", "id == 'west' and year == 2026", "region {id}", eflops=4.5)),
    ("unknown_key", lambda c: (_unserved_row("north", 2026, 1.0)(c)[0].replace("region", "inference"), 2026)),
    ("objective", _override("objective", None, objective="cost")),
    ("total_budget", _override("all costs", 2026, budget_usd=2e6)),
]


def test_an_outside_option_plan_verifies(outside):
    """What the tampering below starts from: 2 of west's 4 EFLOP/s unserved in each year, nothing of east's."""
    assert outside.status == "optimal"
    assert outside.verify() == []
    assert outside.unserved.set_index(["id", "year"])["eflops"].to_dict() == pytest.approx({("west", 2026): 2.0, ("west", 2027): 2.0})


@pytest.mark.parametrize("constraint, mutate", OUTSIDE_MUTATIONS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(OUTSIDE_MUTATIONS)])
def test_tampered_unserved_compute_is_named(outside, constraint, mutate):
    case = Case(outside.scenario, {name: frame.copy() for name, frame in outside.tables.items()}, outside.objective)
    entity, year = mutate(case)
    found = verify(case.scenario, case.tables, case.objective, columns=PLAN_TABLES)
    assert any((v.constraint, v.entity, v.year) == (constraint, entity, year) for v in found), found


def test_continuous_units_skip_integrality(rich):
    tables = {name: frame.copy() for name, frame in rich.tables.items()}
    tables["chips"]["installed_units"] = tables["chips"]["installed_units"].astype(float)
    tables["chips"].loc[0, "installed_units"] += 0.5
    found = {v.constraint for v in verify(rich.scenario, tables, columns=PLAN_TABLES, integer_units=False)}
    assert "chip_units_integer" not in found and "chip_active_units" in found


# -- lifetimes over years that step by more than one ---------------------------------------------------


def test_a_vintage_counted_beyond_its_life_is_flagged():
    """Years 2026, 2028, 2030 (2 calendar years each), chip a of life 5 on sale in 2026 only, 1 EFLOP/s in 2026 and
    2028, r = 0. The plan buys one a in 2026: active 2026 and 2028, paying 4 x 1e6/5 = 0.8e6.

    The same plan counting the unit in 2030 too (its life ends in 2030, inside the period 2030-2031) and paying
    the 5 years 2026-2030 (1e6) is the old reading: the verifier names the active units of 2030 and the cost.
    """
    chips = [chip("a", last_year=2026, lifetime_years=5)]
    demand = [{"year": 2026, "eflops": 1.0}, {"year": 2028, "eflops": 1.0}]
    plan = gw.solve(scenario({"years": [2026, 2028, 2030]}, chips=chips, demand=demand), mip_gap=0.0)
    assert plan.verify() == [] and plan.objective == pytest.approx(0.8e6, rel=1e-9)
    assert set(plan.chips.year) == {2026, 2028}
    tables = {name: frame.copy() for name, frame in plan.tables.items()}
    tables["chips"] = pd.concat([tables["chips"], tables["chips"].iloc[[0]].assign(year=2030, installed_units=0)], ignore_index=True)
    costs = tables["costs"]
    costs.loc[(costs.category == "chip_capex") & (costs.year == 2026), "discounted_usd"] = 1e6
    found = {(v.constraint, v.entity, v.year) for v in verify(plan.scenario, tables, 1e6, columns=PLAN_TABLES)}
    assert ("chip_active_units", "chip a at site s", 2030) in found
    assert ("cost", "cost chip_capex", 2026) in found


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.integers(1, 5), max_size=5),
    lives=st.lists(st.integers(1, 12), min_size=1, max_size=4),
    rate=st.sampled_from([0.0, 0.07]),
)
def test_verifier_reads_lifetimes_as_the_model_does(steps, lives, rate):
    """The verifier's active years and chip annuities (pandas, no model import) equal the model's Horizon on random steps."""
    years = [2026 + sum(steps[:i]) for i in range(len(steps) + 1)]
    base = {"name": "t", "years": years, "discount_rate": rate, "ceiling_mw": 1.0, "hours_per_year": 1000.0, "load_factor": 1.0}
    cfg = Settings.model_validate(base)
    h = Horizon.from_settings(cfg)
    grid = pd.DataFrame([(v, y, life) for v in years for y in years for life in lives], columns=["vintage", "year", "life"])
    expected = [h.in_service(v, life, y) for v, y, life in grid.itertuples(index=False)]
    assert list(verify_module.in_service(cfg, grid["vintage"], grid["year"], grid["life"])) == expected
    through = verify_module.service_end(cfg, grid["vintage"], grid["life"])
    assert list(through) == [h.service_end(v, life) for v, _, life in grid.itertuples(index=False)]
    weights = verify_module.annuity_weight(cfg, grid["vintage"], grid["life"], through)
    model = [h.annuity_weight(v, life, h.service_end(v, life)) for v, _, life in grid.itertuples(index=False)]
    assert weights == pytest.approx(model, rel=1e-12, abs=1e-15)


TRAINING = {
    "sites": [
        site("t1", max_mw=100.0, block_mw=10.0),
        site("t2", lat=41.0, max_mw=100.0, block_mw=10.0),
        site("t3", lon=-100.0, max_mw=100.0, block_mw=10.0),
    ],
    "chips": [chip("a", family="nvidia"), chip("b", family="amd", capex_usd_per_unit=2e6)],
    "demand": [{"year": 2026, "eflops": 10.0}],
    "training_runs": [
        {
            "run_id": "split",
            "first_year": 2026,
            "last_year": 2027,
            "eflops": 144.0,
            "max_campuses": 2,
            "bandwidth_tbps": 10.0,
            "families": "nvidia",
        },
        {"run_id": "lost", "first_year": 2027, "last_year": 2027, "eflops": 500.0, "value_usd": 3e8},
    ],
    "training_sites": [{"run_id": "split", "site_id": "t1", "cost_usd": 1e6}, {"run_id": "split", "site_id": "t2", "cost_usd": 2e6}],
}


@pytest.fixture(scope="module")
def training() -> gw.Plan:
    """A run of 144 EFLOP/s split over t1 and t2 (150 with the 4 % loss) on nvidia in 2026-2027, paying bandwidth and
    placement; a 500 EFLOP/s run no campus group can host, left unplaced at 3e8 USD of 2027; 10 EFLOP/s of inference."""
    return gw.solve(scenario({"years": [2026, 2027], "discount_rate": 0.05}, **TRAINING), mip_gap=0.0)


def test_training_plan_verifies(training):
    assert training.verify() == []
    placements = training.placements.set_index("run_id")
    assert placements.at["split", "sites"] == "t1;t2" and not placements.at["lost", "placed"]
    assert training.unserved[["workload", "id", "year", "eflops"]].values.tolist() == [["training", "lost", 2027, 500.0]]


def _set_cell(table: str, row: int, column: str, value: object) -> Callable[[dict], None]:
    def edit(tables: dict) -> None:
        tables[table].loc[tables[table].index[row], column] = value

    return edit


def _scale_training(tables: dict) -> None:
    tables["training"]["eflops"] *= 0.99


def _unplace(tables: dict) -> None:
    tables["placements"].loc[0, "placed"] = False
    tables["training"] = tables["training"].iloc[0:0]


@pytest.mark.parametrize(
    "edit, constraint",
    [
        (_set_cell("placements", 0, "sites", "t1;t3"), "placement_latency"),
        (_set_cell("placements", 0, "campuses", 3), "placement_campuses"),
        (_set_cell("placements", 0, "family", "amd"), "placement_family"),
        (_set_cell("placements", 0, "bandwidth_usd_per_yr", 1.0), "placement_bandwidth"),
        (_set_cell("placements", 0, "placement_cost_usd", 0.0), "placement_cost"),
        (_set_cell("placements", 0, "latency_ms", 5.0), "placement_latency_ms"),
        (_set_cell("training", 0, "site_id", "t3"), "training_site"),
        (_set_cell("training", 0, "family", "amd"), "training_family"),
        (_scale_training, "training_need"),
        (_unplace, "placement_required"),
        (_set_cell("unserved", 0, "eflops", 400.0), "training_unserved"),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_training_violations_are_named(training, edit, constraint):
    tables = {name: frame.copy() for name, frame in training.tables.items()}
    tables["placements"] = tables["placements"].sort_values("run_id", ascending=False, ignore_index=True)  # split first
    edit(tables)
    found = {v.constraint for v in verify(training.scenario, tables, training.objective, columns=PLAN_TABLES)}
    assert constraint in found, found


def test_training_beyond_a_familys_compute_is_caught(training):
    """The split run's compute at t1 relabelled as amd: no amd chips there (family_compute), nor is amd its family."""
    tables = {name: frame.copy() for name, frame in training.tables.items()}
    tables["training"]["family"] = "amd"
    found = {v.constraint for v in verify(training.scenario, tables, training.objective, columns=PLAN_TABLES)}
    assert {"family_compute", "training_family"} <= found


def test_an_annualised_cost_view_that_does_not_add_up_is_named(rich):
    """The annualised view, discounted and summed over years, must equal each category's cost (the objective's view)."""
    tables = {name: frame.copy() for name, frame in rich.tables.items()}
    costs = tables["costs"]
    row = costs.index[(costs["category"] == "chip_capex") & (costs["annualised_discounted_usd"] > 0)][0]
    costs.loc[row, "annualised_discounted_usd"] *= 1.5
    found = verify(rich.scenario, tables, rich.objective, columns=PLAN_TABLES)
    assert [v.entity for v in found if v.constraint == "cost_views"] == ["cost chip_capex"]
