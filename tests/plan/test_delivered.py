"""Delivered energy price per campus and year, feeds and power access: hand-solved cases.

Every scenario uses ``hours_per_year = 1000`` and ``load_factor = 1`` (builders' defaults), so 1 average
MW is 1000 MWh, and ``discount_rate = 0``, so a yearly capital charge is capital / lifetime.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from builders import link, scenario, site, solve_verified, supply

import gigawatt as gw
from gigawatt.plan.delivered import ACCESS_COLUMNS, DELIVERED_COLUMNS, FEED_COLUMNS, _sources, access, average_price, campus_lines, delivery


def two_node_scenario(**settings: object) -> gw.Scenario:
    """Supply ``g`` (40 USD/MWh) at node m; campus ``s`` (pue 1.2) at node n, fed over link m->n (loss 0.1, wheeling 5 USD/MWh)."""
    tranche = {"tranche_id": "t", "site_id": "s", "firm_mw": 10.0, "earliest_year": 2026, "cost_usd_per_mw": 1000.0, "lifetime_years": 10}
    return scenario(
        {"years": [2026, 2027]} | settings,
        nodes=[{"node_id": "n", "lat": 40.0, "lon": -80.0}, {"node_id": "m", "lat": 35.0, "lon": -90.0}],
        sites=[site("s", pue=1.2)],
        supplies=[supply("g", node_id="m", energy_price_usd_per_mwh=40.0)],
        links=[link("m-n", "m", "n", loss_frac=0.1, wheeling_usd_per_mwh=5.0)],
        interconnection=[tranche | {"fixed_cost_usd": 0.0}],
        demand=[{"year": 2026, "eflops": 1.0}, {"year": 2027, "eflops": 1.0}],
    )


@pytest.fixture(scope="module")
def two_node_plan() -> gw.Plan:
    return solve_verified(two_node_scenario())


def test_import_over_a_link_with_wheeling_losses_and_a_tranche(two_node_plan):
    """One chip (1 MW IT) at pue 1.2 uses 1.2 MW, 1,200 MWh a year, all imported.

    To land 1,200 MWh over a link losing 10%, m sends 1,200 / 0.9 = 1,333.33 MWh, bought at 40 USD/MWh:
    53,333.33 USD (44.44 USD/MWh delivered); wheeling 5 USD per MWh sent: 6,666.67 USD (5.56 USD/MWh).
    The 10 MW tranche at 1,000 USD/MW costs 10,000 USD, a yearly charge of 10,000 / 10 years = 1,000 USD
    in 2026 and again in 2027 (0.83 USD/MWh). Price: (53,333.33 + 6,666.67 + 1,000) / 1,200 = 50.83 USD/MWh.
    """
    prices = two_node_plan.delivered
    assert list(prices.columns) == list(DELIVERED_COLUMNS)
    assert list(prices["year"]) == [2026, 2027]
    for row in prices.itertuples():
        assert (row.site_id, row.node_id, row.energy_mwh, row.grid_mwh) == ("s", "n", pytest.approx(1200.0), pytest.approx(1200.0))
        assert row.grid_usd == pytest.approx(1200.0 / 0.9 * 40.0)
        assert row.wheeling_usd == pytest.approx(1200.0 / 0.9 * 5.0)
        assert row.interconnection_usd == pytest.approx(1000.0)
        assert row.onsite_usd == 0.0 and row.curtailment_usd == 0.0
        assert row.price_usd_per_mwh == pytest.approx(61000.0 / 1200.0)
    assert two_node_plan.kpis["delivered_usd_per_mwh"] == pytest.approx(61000.0 / 1200.0)
    feeds = two_node_plan.feeds
    assert list(feeds.columns) == list(FEED_COLUMNS)
    assert feeds[["site_id", "supply_id", "supply_node_id", "dedicated"]].drop_duplicates().values.tolist() == [["s", "g", "m", False]]
    assert feeds["mw"].tolist() == pytest.approx([1.2, 1.2])  # what reaches the campus, after losses


def test_the_delivered_cost_is_the_cost_of_the_grid_energy_bought(two_node_plan):
    """Tracing assigns every USD of energy and wheeling the plan pays to a campus: the costs table's yearly energy
    and wheeling (undiscounted at rate 0, one calendar year per modelled year) equal grid_usd + wheeling_usd."""
    costs = two_node_plan.costs.groupby("category")["discounted_usd"].sum()
    prices = two_node_plan.delivered
    assert prices["grid_usd"].sum() == pytest.approx(costs["energy"])
    assert prices["wheeling_usd"].sum() == pytest.approx(costs["wheeling"])


def test_capital_is_charged_by_the_capital_recovery_factor():
    """At 7%, the 10,000 USD tranche over 10 years is charged 10,000 x 0.07 / (1.07 x (1 - 1.07^-10)) = 1,330.61 USD a year."""
    plan = solve_verified(two_node_scenario(discount_rate=0.07))
    assert plan.delivered["interconnection_usd"].tolist() == pytest.approx([1330.6, 1330.6], abs=0.05)


def tables_by_hand(sites: list[tuple], supplies: list[tuple], links: list[tuple] = ()) -> dict[str, pd.DataFrame]:
    """Plan tables written out: sites (site, node, year, it_mw), supplies (supply, node, year, draw_mw, site_id, paid_mw),
    links (link, year, fwd MW, bwd MW)."""
    site_rows = pd.DataFrame(sites, columns=["site_id", "node_id", "year", "it_mw"])
    site_rows = site_rows.assign(open=True, facility_mw=site_rows["it_mw"], capacity_mw=site_rows["it_mw"])
    supply_rows = pd.DataFrame(supplies, columns=["supply_id", "node_id", "year", "draw_mw", "site_id", "paid_mw"])
    link_rows = pd.DataFrame(list(links), columns=["link_id", "year", "flow_fwd_mw", "flow_bwd_mw"])
    return {"sites": site_rows, "supplies": supply_rows.assign(available_mw=supply_rows["paid_mw"]), "links": link_rows}


def test_a_dedicated_supply_serves_its_campus_first_and_its_surplus_joins_the_pool():
    """Node n: campus a, campus b (pue 1); supply d dedicated to a (50 USD/MWh, 2 MW paid: take-or-pay), shared g (30).

    2026: a uses 2,000 MWh, b 1,000. d sells 1,500 MWh and is paid for 2,000: 1,500 x 50 + 500 x 50 = 100,000 USD,
    all a's. g sells 1,500 MWh for 45,000 USD: the pool, 30 USD/MWh. a takes its other 500 MWh from it:
    (100,000 + 15,000) / 2,000 = 57.5 USD/MWh; b 30 USD/MWh.

    2027: a uses 1,000 MWh, b 1,000. d sells 1,500 (still 100,000 USD): a uses 1,000 of it, 2/3 of the cost,
    66,666.67 USD (66.67 USD/MWh); the other 500 MWh (33,333.33 USD) join g's 500 MWh (15,000 USD) in the pool:
    48,333.33 / 1,000 = 48.33 USD/MWh for b, half of it from d.
    """
    sites = [("a", "n", 2026, 2.0), ("b", "n", 2026, 1.0), ("a", "n", 2027, 1.0), ("b", "n", 2027, 1.0)]
    supplies = [
        ("d", "n", 2026, 1.5, "a", 2.0),
        ("g", "n", 2026, 1.5, "", 0.0),
        ("d", "n", 2027, 1.5, "a", 2.0),
        ("g", "n", 2027, 0.5, "", 0.0),
    ]
    scn = scenario(
        {"years": [2026, 2027]},
        sites=[site("a"), site("b")],
        supplies=[supply("d", energy_price_usd_per_mwh=50.0), supply("g", energy_price_usd_per_mwh=30.0)],
    )
    result = delivery(scn, tables_by_hand(sites, supplies))
    prices = result.prices.set_index(["site_id", "year"])["price_usd_per_mwh"]
    assert prices.to_dict() == pytest.approx(
        {("a", 2026): 57.5, ("a", 2027): 200000 / 3 / 1000, ("b", 2026): 30.0, ("b", 2027): 48.3333333}
    )
    feeds = result.feeds.set_index(["site_id", "year", "supply_id"])
    assert feeds["mw"].to_dict() == pytest.approx(
        {
            ("a", 2026, "d"): 1.5,
            ("a", 2026, "g"): 0.5,
            ("b", 2026, "g"): 1.0,
            ("a", 2027, "d"): 1.0,
            ("b", 2027, "d"): 0.5,
            ("b", 2027, "g"): 0.5,
        }
    )
    assert feeds["dedicated"].to_dict() == {
        ("a", 2026, "d"): True,
        ("a", 2026, "g"): False,
        ("b", 2026, "g"): False,
        ("a", 2027, "d"): True,
        ("b", 2027, "d"): False,  # d's surplus reaches b through the pool, not as a's contract
        ("b", 2027, "g"): False,
    }
    assert _sources(result.feeds[result.feeds["year"] == 2026].query("site_id == 'a'"), limit=1) == "d 1.5 MW (dedicated) and 1 more"
    spent = result.prices[["grid_usd", "wheeling_usd"]].to_numpy().sum()
    assert spent == pytest.approx(100000 + 45000 + 100000 + 15000)  # every USD paid for supply lands on a campus


def test_tracing_mixes_at_each_node_and_carries_losses_and_wheeling_downstream():
    """m (supply g, 20 USD/MWh) -> x (supply h, 50 USD/MWh; campus p) -> n (campus q).

    Link m-x (loss 0.2, wheeling 2) sends 1,250 MWh: x receives 1,000 at 1,250 x (20 + 2) = 27,500 USD.
    x's pool: h's 1,000 MWh (50,000 USD) + 1,000 received = 2,000 MWh for 77,500 USD: 38.75 USD/MWh
    (37.5 supply, 1.25 wheeling), half from g, half from h. p uses 1,000 MWh there: 38.75 USD/MWh.
    Link x-n (loss 0.5, wheeling 4) sends x's other 1,000 MWh: n receives 500 for 1,000 x (38.75 + 4)
    = 42,750 USD, 85.5 USD/MWh for q (supply 37,500 / 500 = 75, wheeling 5,250 / 500 = 10.5);
    q gets 250 MWh from each of g and h (0.25 MW).
    """
    nodes = [{"node_id": k, "lat": 40.0, "lon": -80.0 - i} for i, k in enumerate("mxn")]
    scn = scenario(
        nodes=nodes,
        sites=[site("p", node_id="x"), site("q", node_id="n")],
        supplies=[supply("g", node_id="m", energy_price_usd_per_mwh=20.0), supply("h", node_id="x", energy_price_usd_per_mwh=50.0)],
        links=[
            link("m-x", "m", "x", loss_frac=0.2, wheeling_usd_per_mwh=2.0),
            link("n-x", "n", "x", loss_frac=0.5, wheeling_usd_per_mwh=4.0),
        ],
    )
    sites = [("p", "x", 2026, 1.0), ("q", "n", 2026, 0.5)]
    supplies = [("g", "m", 2026, 1.25, "", 0.0), ("h", "x", 2026, 1.0, "", 0.0)]
    links = [("m-x", 2026, 1.25, 0.0), ("n-x", 2026, 0.0, 1.0)]  # n-x is drawn from n to x: x -> n is its backward flow
    result = delivery(scn, tables_by_hand(sites, supplies, links))
    prices = result.prices.set_index("site_id")
    assert prices.loc["p", "price_usd_per_mwh"] == pytest.approx(38.75)
    assert (prices.loc["q", "grid_usd"], prices.loc["q", "wheeling_usd"]) == (pytest.approx(37500.0), pytest.approx(5250.0))
    assert prices.loc["q", "price_usd_per_mwh"] == pytest.approx(85.5)
    feeds = result.feeds[result.feeds["site_id"] == "q"].set_index("supply_id")
    assert feeds["mw"].to_dict() == pytest.approx({"g": 0.25, "h": 0.25})
    assert feeds["supply_node_id"].to_dict() == {"g": "m", "h": "x"}


def test_onsite_generation_and_curtailment_from_their_tables():
    """Campus s (1 MW IT, pue 1): 1,000 MWh a year; a turbine generates 0.4 MW (400 MWh), the grid (g, 40 USD/MWh) 600.

    Turbine: 100,000 USD of capital in 2026 over 20 years, 5,000 USD a year in both years; fixed 2,000; fuel and
    O&M 12,000; 200 t CO2 at 50 USD/t, 10,000: on-site 29,000 USD. Curtailment loses 3,000 USD of compute.
    Grid 600 x 40 = 24,000. Price (24,000 + 29,000 + 3,000) / 1,000 = 56 USD/MWh in each year.
    """
    scn = scenario({"years": [2026, 2027], "carbon_price_usd_per_t": 50.0}, supplies=[supply("g", energy_price_usd_per_mwh=40.0)])
    generators = pd.DataFrame([{"tech_id": "turbine", "kind": "generator", "lifetime_years": 20}])
    scn = dataclasses.replace(scn, tables={**scn.tables, "generators": generators})
    tables = tables_by_hand([("s", "n", y, 1.0) for y in (2026, 2027)], [("g", "n", y, 0.6, "", 0.0) for y in (2026, 2027)])
    onsite = {"site_id": "s", "tech_id": "turbine", "kind": "generator", "capacity_mw": 0.5, "generation_mw": 0.4}
    onsite |= {"fixed_usd": 2000.0, "energy_usd": 12000.0, "co2_t": 200.0}
    tables["onsite"] = pd.DataFrame([onsite | {"year": 2026, "capital_usd": 1e5}, onsite | {"year": 2027, "capital_usd": 0.0}])
    curtailment = {"site_id": "s", "nonfirm_mw": 0.2, "curtailed_mwh": 1.5, "lost_usd": 3000.0}
    tables["curtailment"] = pd.DataFrame([curtailment | {"year": 2026}, curtailment | {"year": 2027}])
    result = delivery(scn, tables)
    for row in result.prices.itertuples():
        assert (row.energy_mwh, row.grid_mwh) == (pytest.approx(1000.0), pytest.approx(600.0))
        assert (row.grid_usd, row.onsite_usd, row.curtailment_usd) == (pytest.approx(24000.0), pytest.approx(29000.0), 3000.0)
        assert row.price_usd_per_mwh == pytest.approx(56.0)
    view = access(tables, result)
    assert list(view.columns) == list(ACCESS_COLUMNS)
    row = view.iloc[-1]
    assert (row.facility_mw, row.onsite_capacity_mw, row.onsite_mw, row.nonfirm_mw) == (1.0, 0.5, 0.4, 0.2)
    assert row.grid_draw_mw == pytest.approx(0.6) and row.grid_mw == pytest.approx(0.6) and row.sources == "g 0.6 MW"
    assert pd.isna(row.grid_firm_mw)  # no tranches: the grid does not limit it
    assert campus_lines(view, result, None) == [
        "s from 2026: 1 MW by 2027 = grid 0.6 + on-site 0.4; non-firm 0.2; 56.0 USD/MWh; fed by g 0.6 MW"
    ]


def test_average_price_weights_by_energy():
    """1,000 MWh at 40 USD/MWh and 3,000 MWh at 60: (40,000 + 180,000) / 4,000 = 55 USD/MWh, not the plain mean 50."""
    prices = pd.DataFrame({"energy_mwh": [1000.0, 3000.0], "grid_usd": [40000.0, 150000.0], "wheeling_usd": [0.0, 30000.0]})
    prices = prices.assign(interconnection_usd=0.0, onsite_usd=0.0, curtailment_usd=0.0)
    assert average_price(prices) == pytest.approx(55.0)
    assert pd.isna(average_price(prices.iloc[:0]))


def test_access_and_summary_show_each_campus(two_node_plan):
    view = two_node_plan.access
    assert view[["site_id", "year", "grid_firm_mw"]].values.tolist() == [["s", 2026, 10.0], ["s", 2027, 10.0]]
    assert view["sources"].tolist() == ["g 1.2 MW", "g 1.2 MW"]
    text = two_node_plan.summary()
    assert "delivered energy at 50.8 USD/MWh on average" in text
    assert "s from 2026: 1.2 MW by 2027 = grid 1.2 (firm 10: 10 MW 2026); 50.8 USD/MWh; fed by g 1.2 MW" in text
