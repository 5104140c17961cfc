"""Non-firm grid connection and curtailment: hand-solved cases where a campus connects early on curtailable MW.

Builders' defaults (tests/builders.py): a free 100 MW site of PUE 1, free power, a chip of 1 MW and
1 EFLOP/s a unit at 1e6 USD with a one-year life (a unit bought every year), discount rate 0, 1,000
hours a year at load factor 1. Each EFLOP/s of demand is one unit, so 1 MW at the site serving it.

The cases: site ``near`` (free power at node n) has one tranche, 5 MW firm from 2028 at 1e4 USD/MW with a
three-year life (r = 0: taken in 2026 it pays its whole 5e4 USD inside the horizon, taken in 2028 a third,
1.667e4), which also offers 5 MW non-firm from 2026, shed in 1 % of hours (10 h a year). Site ``far``
(node m, no link) buys power at 100 USD/MWh: 1 MW there costs 1e5 USD a year. 1 EFLOP/s a year.
Waiting for the firm MW costs 2 x 1e5 (far in 2026-2027) + 1.667e4 = 2.1667e5 USD; connecting early on
non-firm MW costs 5e4 plus the curtailed load of 2026-2027: 1 MW x 10 h = 10 MWh a year, lost or covered.
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from builders import generator, scenario, site, solve_verified, supply, tranche

import gigawatt as gw
from gigawatt.matrix.compile import compile_model
from gigawatt.model.families import families
from gigawatt.plan.infeasibility import explain
from gigawatt.plan.tables import PLAN_TABLES
from gigawatt.plan.verify import verify

TWO_NODES = [{"node_id": "n", "lat": 40.0, "lon": -80.0}, {"node_id": "m", "lat": 41.0, "lon": -80.0}]
SITES = [site("near"), site("far", node_id="m")]
SUPPLIES = [supply("g"), supply("h", node_id="m", energy_price_usd_per_mwh=100.0)]
ONE_A_YEAR = [{"year": y, "eflops": 1.0} for y in (2026, 2027, 2028)]
CHIPS = 3e6


def flexible(**kw: object) -> dict:
    row = tranche(
        "t1",
        site_id="near",
        firm_mw=5.0,
        earliest_year=2028,
        cost_usd_per_mw=1e4,
        lifetime_years=3,
        nonfirm_mw=5.0,
        nonfirm_earliest_year=2026,
        curtailment_frac=0.01,
    )
    return row | kw


def battery(**kw: object) -> dict:
    """10 USD/kW and 1 USD/kWh (1e4 USD per MW, 1e3 per MWh), three-year life: 1 MW for a 4-hour event, 1e4 + 4e3 USD."""
    row = generator("bess", kind="battery", capex_usd_per_kw=10.0, capex_usd_per_kwh=1.0, lifetime_years=3, max_mw_per_site=10.0)
    return row | kw


def case(lost_usd_per_mwh: float, nodes: list[dict] | None = None, **tables: list[dict]) -> gw.Scenario:
    settings = {"years": [2026, 2027, 2028], "lost_compute_usd_per_mwh": lost_usd_per_mwh, "curtailment_event_hours": 4.0}
    return scenario(
        settings,
        nodes=nodes or TWO_NODES,
        sites=SITES,
        supplies=SUPPLIES,
        demand=ONE_A_YEAR,
        interconnection=[flexible()],
        **tables,
    )


def test_the_nonfirm_connection_is_taken_when_lost_compute_is_cheaper():
    """At 2,000 USD/MWh, 10 MWh lost a year is 2e4 USD: early costs 5e4 + 2 x 2e4 = 9e4 < 2.1667e5 for waiting.
    Total 3e6 + 9e4 = 3.09e6 USD."""
    plan = solve_verified(case(2000.0))
    assert plan.objective == pytest.approx(CHIPS + 9e4, rel=1e-9)
    rows = plan.interconnection.set_index("year")
    assert rows.loc[2026, ["taken", "firm_mw", "nonfirm_mw", "grid_draw_mw"]].tolist() == [True, 0.0, 1.0, 1.0]
    curtailed = plan.tables["curtailment"].set_index("year")
    assert curtailed.loc[2026, ["nonfirm_mw", "curtailed_mwh", "covered_mwh", "lost_mwh", "lost_usd"]].tolist() == pytest.approx(
        [1.0, 10.0, 0.0, 10.0, 2e4]
    )
    costs = plan.costs.set_index(["category", "year"])["discounted_usd"]
    assert costs["lost_compute", 2026] == pytest.approx(2e4)


def test_the_nonfirm_connection_is_declined_when_lost_compute_costs_more():
    """At 20,000 USD/MWh, 2e5 USD a year lost: early costs 5e4 + 4e5 = 4.5e5 > 2.1667e5, so far serves 2026-2027 and the
    tranche is taken in 2028 for its firm MW. Total 3e6 + 2e5 + 5e4 / 3."""
    plan = solve_verified(case(20000.0))
    assert plan.objective == pytest.approx(CHIPS + 2e5 + 5e4 / 3, rel=1e-9)
    assert plan.interconnection.set_index("year")["taken"].to_dict() == {2026: False, 2027: False, 2028: True}
    assert plan.tables["curtailment"]["lost_mwh"].sum() == pytest.approx(0.0)


@pytest.mark.parametrize(("per_kwh", "covered"), [(1.0, True), (10.0, False)])
def test_a_battery_covers_the_event_when_cheaper_than_lost_compute(per_kwh, covered):
    """At 2,000 USD/MWh the lost compute of 2026-2027 is 4e4 USD. A battery of 1 MW and 4 MWh (1 MW for a 4-hour event)
    costs 1e4 + 4 x 1e3 = 1.4e4 USD at 1 USD/kWh: it is built and covers both years' 10 MWh (total 3e6 + 5e4 + 1.4e4).
    At 10 USD/kWh it costs 1e4 + 4e4 = 5e4 > 4e4: the load is lost instead (3e6 + 9e4)."""
    plan = solve_verified(case(2000.0, generators=[battery(capex_usd_per_kwh=per_kwh)]))
    if covered:
        assert plan.objective == pytest.approx(CHIPS + 5e4 + 1.4e4, rel=1e-9)
        row = plan.tables["onsite"].set_index("year").loc[2026]
        assert row[["kind", "capacity_mw", "capacity_mwh", "generation_mw", "cover_mw"]].tolist() == ["battery", 1.0, 4.0, 0.0, 1.0]
        curtailed = plan.tables["curtailment"].set_index("year").loc[2026]
        assert curtailed[["covered_mwh", "lost_mwh"]].tolist() == pytest.approx([10.0, 0.0])
    else:
        assert plan.objective == pytest.approx(CHIPS + 9e4, rel=1e-9)
        assert plan.tables["onsite"]["capacity_mw"].sum() == pytest.approx(0.0)


def test_spare_generator_capacity_covers_the_event_paying_its_fuel():
    """A turbine of 1 MW (100 USD/kW: 1e5 USD over its three-year life) is dearer than the lost compute; at 0 USD/kW
    with fuel at 50 USD/MWh (10 MMBtu x 5 USD) it stands idle and covers 10 MWh a year for 500 USD of fuel, against
    2e4 lost: 3e6 + 5e4 + 2 x 500 = 3.051e6 USD, 5 t of CO2 a year (0.5 t/MWh)."""
    gas = generator(
        "turb",
        heat_rate_mmbtu_per_mwh=10.0,
        fuel_price_usd_per_mmbtu=5.0,
        co2_kg_per_mmbtu=50.0,
        lifetime_years=3,
        max_mw_per_site=1.0,
    )
    plan = solve_verified(case(2000.0, generators=[gas]))
    assert plan.objective == pytest.approx(CHIPS + 5e4 + 1e3, rel=1e-9)
    row = plan.tables["onsite"].set_index(["site_id", "year"]).loc[("near", 2026)]  # free capacity elsewhere is degenerate
    assert row[["generation_mw", "cover_mw", "energy_mwh", "energy_usd", "co2_t"]].tolist() == pytest.approx([0.0, 1.0, 10.0, 500.0, 5.0])


def test_the_node_cap_limits_nonfirm_mw():
    """With nonfirm_cap_mw = 0 at node n the early connection is impossible: the plan waits (3e6 + 2e5 + 5e4 / 3)."""
    nodes = [TWO_NODES[0] | {"nonfirm_cap_mw": 0.0}, TWO_NODES[1]]
    plan = solve_verified(case(2000.0, nodes=nodes))
    assert plan.objective == pytest.approx(CHIPS + 2e5 + 5e4 / 3, rel=1e-9)


def test_a_missing_headroom_is_explained_in_domain_terms():
    """One site, 1 EFLOP/s in 2026 (1 MW) with only a 1 MW non-firm tranche, at a node capped at 0.5 MW non-firm: 0.5 MW
    short. The caps view eases the node's non-firm headroom or the site's grid connection by 0.5 MW, in planners' words."""
    scn = scenario(
        nodes=[{"node_id": "n", "lat": 40.0, "lon": -80.0, "nonfirm_cap_mw": 0.5}],
        demand=[{"year": 2026, "eflops": 1.0}],
        interconnection=[flexible(site_id="s", firm_mw=1.0, earliest_year=2027, nonfirm_mw=1.0)],
    )
    m = gw.build_model(scn)
    table = explain(compile_model(m), m.data)
    rows = table[table.requirement.isin(["non-firm headroom", "grid connection"]) & (table.option == "caps")]
    assert rows.shortfall.sum() == pytest.approx(0.5)
    wording = {
        "non-firm headroom": "node n needs 0.5 MW more non-firm headroom by 2026 than its nonfirm_cap_mw of 0.5 MW",
        "grid connection": "site s needs 0.5 MW more grid connection by 2026 than its interconnection tranches can give, "
        "or on-site generation",
    }
    assert rows.change.iloc[0] == wording[rows.requirement.iloc[0]]


def test_every_component_is_declared():
    model = gw.build_model(case(2000.0, generators=[battery()]))
    assert list(model.v_tranche) == [("near", "t1", y) for y in (2026, 2027, 2028)]
    declared = {name for family in families() for name in family.components}
    built = {c.local_name for c in model.component_objects((pyo.Var, pyo.Constraint)) if c.local_name.startswith(("c_", "v_"))}
    assert {"v_nonfirm", "v_lost", "c_curtailment", "c_nonfirm_taken", "v_onsite_cover", "c_onsite_battery_energy"} <= built <= declared


def _found(plan: gw.Plan, table: str, year: int, column: str, value: object, scn: gw.Scenario | None = None) -> set[str]:
    tables = dict(plan.tables)
    frame = tables[table].copy()
    frame.loc[frame.year == year, column] = value
    tables[table] = frame
    return {v.constraint for v in verify(scn or plan.scenario, tables, plan.objective, columns=PLAN_TABLES)}


@pytest.mark.parametrize(
    ("table", "year", "column", "value", "rule"),
    [
        ("interconnection", 2026, "nonfirm_mw", 6.0, "interconnection_nonfirm"),
        ("interconnection", 2026, "nonfirm_mw", 0.0, "interconnection"),
        ("interconnection", 2026, "firm_mw", 5.0, "interconnection_firm_mw"),
        ("curtailment", 2026, "nonfirm_mw", 2.0, "curtailment_nonfirm_mw"),
        ("curtailment", 2026, "curtailed_mwh", 5.0, "curtailment_curtailed_mwh"),
        ("curtailment", 2026, "covered_mwh", 5.0, "curtailment_covered_mwh"),
        ("curtailment", 2026, "lost_mwh", 5.0, "curtailment_balance"),
        ("onsite", 2026, "capacity_mwh", 2.0, "onsite_battery_energy"),
        ("onsite", 2026, "cover_mw", 2.0, "onsite_available"),
        ("onsite", 2026, "generation_mw", 0.5, "onsite_kind"),
    ],
)
def test_the_verifier_catches_a_bad_curtailment(table, year, column, value, rule):
    """The battery plan broken by hand: each broken rule is named."""
    plan = solve_verified(case(2000.0, generators=[battery()]))
    assert rule in _found(plan, table, year, column, value)


def test_the_verifier_catches_a_node_over_its_cap():
    """The unconstrained plan uses 1 MW non-firm at node n in 2026; under a cap of 0.5 MW it breaks nonfirm_cap."""
    plan = solve_verified(case(2000.0))
    capped = case(2000.0, nodes=[TWO_NODES[0] | {"nonfirm_cap_mw": 0.5}, TWO_NODES[1]])
    assert "nonfirm_cap" in {v.constraint for v in verify(capped, plan.tables, columns=PLAN_TABLES)}


def test_the_lost_usd_column_is_checked():
    plan = solve_verified(case(2000.0))
    assert "curtailment_lost_usd" in _found(plan, "curtailment", 2026, "lost_usd", 1.0)


def test_the_summary_names_onsite_and_nonfirm():
    """The battery case: 1 MW of battery built, 1 MW non-firm at near, 2 x 10 MWh covered, nothing lost."""
    summary = solve_verified(case(2000.0, generators=[battery()])).summary()
    assert "on-site         0 MW generators, 1 MW batteries built, 0 MW retired" in summary
    assert "non-firm grid   up to 1 MW at a site, 0 MWh of compute lost, 20 MWh covered on site" in summary
