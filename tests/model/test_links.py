"""Links: a hand-solved case of losses.

Each docstring derives the optimum by hand; the test asserts the solver's objective (USD) and the
decision that produces it. Defaults (tests/builders.py): one node, free site and power, a chip of
1 MW IT and 1 EFLOP/s per unit costing 1e6 USD, discount rate 0, 1,000 hours a year at load factor 1.
"""

from __future__ import annotations

import pytest
from builders import chip, link, scenario, site, solve_verified, supply


@pytest.mark.parametrize(("loss", "expected", "remote_draw"), [(0.6, 1e6 + 100_000, 0.0), (0.4, 1e6 + 50_000 / 0.6, 1 / 0.6)])
def test_link_losses_force_a_local_supply(loss, expected, remote_draw):
    """A 1 MW load at node x; local power at 100 USD/MWh, remote power at 50 USD/MWh over a lossy link.

    1,000 h/yr: local energy costs 1 MW x 1,000 h x 100 = 100,000 USD. Remote needs 1/(1-loss) MW:
    at loss 0.6 that is 2.5 MW x 1,000 x 50 = 125,000 (local wins); at loss 0.4, 1/0.6 x 50,000 = 83,333 (remote wins).
    """
    nodes = [{"node_id": "x", "lat": 40.0, "lon": -80.0}, {"node_id": "y", "lat": 41.0, "lon": -81.0}]
    supplies = [supply("local", node_id="x", energy_price_usd_per_mwh=100.0), supply("remote", node_id="y", energy_price_usd_per_mwh=50.0)]
    plan = solve_verified(
        scenario(nodes=nodes, sites=[site("s", node_id="x")], supplies=supplies, links=[link("l", "y", "x", loss_frac=loss)])
    )
    assert plan.objective == pytest.approx(expected, rel=1e-9)
    draw = plan.supplies.set_index("supply_id")["draw_mw"]
    assert draw["remote"] == pytest.approx(remote_draw, abs=1e-9)


@pytest.mark.parametrize(("wheeling", "expected", "remote_draw"), [(0.0, 80_000.0, 1.0), (10.0, 90_000.0, 1.0), (30.0, 100_000.0, 0.0)])
def test_wheeling_charge_makes_a_cheaper_remote_supply_lose(wheeling, expected, remote_draw):
    """A 1 MW load at node x; local power at 100 USD/MWh, remote power at 80 USD/MWh over a lossless link charging
    ``wheeling`` USD per MWh sent; 1,000 h at load factor 1, so 1,000 MWh a year.

    Delivered remote energy costs 80 + wheeling per MWh: without a charge 80,000 USD (remote wins); at 10 USD/MWh
    80,000 + 10,000 of wheeling = 90,000 (remote still wins, below 100,000); at 30 USD/MWh remote would cost
    110,000, so the local supply's 100,000 wins and nothing is sent.
    """
    nodes = [{"node_id": "x", "lat": 40.0, "lon": -80.0}, {"node_id": "y", "lat": 41.0, "lon": -81.0}]
    supplies = [supply("local", node_id="x", energy_price_usd_per_mwh=100.0), supply("remote", node_id="y", energy_price_usd_per_mwh=80.0)]
    links = [link("l", "y", "x", wheeling_usd_per_mwh=wheeling)]
    chips = [chip("a", capex_usd_per_unit=0.0)]
    plan = solve_verified(scenario(nodes=nodes, sites=[site("s", node_id="x")], supplies=supplies, links=links, chips=chips))
    assert plan.objective == pytest.approx(expected, rel=1e-9)
    assert plan.supplies.set_index("supply_id")["draw_mw"]["remote"] == pytest.approx(remote_draw, abs=1e-9)
    charged = plan.costs.query("category == 'wheeling'")["discounted_usd"].sum()
    assert charged == pytest.approx(wheeling * 1000.0 * remote_draw, abs=1e-6)


@pytest.mark.parametrize(("second", "expected", "remote_draw"), [(15.0, 75_000.0, 1.0), (45.0, 100_000.0, 0.0)])
def test_a_two_hop_route_pays_the_wheeling_of_both_links(second, expected, remote_draw):
    """A 1 MW load at node x; local power at 100 USD/MWh; remote power at 50 USD/MWh at node z, reaching x only over
    z-y (10 USD/MWh wheeling) then y-x (``second`` USD/MWh), both lossless; 1,000 MWh a year.

    Delivered remote energy costs 50 + 10 + second per MWh: at 15, 75,000 USD (25,000 of it wheeling: 10,000 on
    z-y and 15,000 on y-x), below the local 100,000; at 45 it would cost 105,000, so the local supply wins.
    """
    nodes = [{"node_id": n, "lat": 40.0 + i, "lon": -80.0} for i, n in enumerate("xyz")]
    supplies = [supply("local", node_id="x", energy_price_usd_per_mwh=100.0), supply("remote", node_id="z", energy_price_usd_per_mwh=50.0)]
    links = [link("zy", "z", "y", wheeling_usd_per_mwh=10.0), link("yx", "y", "x", wheeling_usd_per_mwh=second)]
    chips = [chip("a", capex_usd_per_unit=0.0)]
    plan = solve_verified(scenario(nodes=nodes, sites=[site("s", node_id="x")], supplies=supplies, links=links, chips=chips))
    assert plan.objective == pytest.approx(expected, rel=1e-9)
    assert plan.links.set_index("link_id")["flow_fwd_mw"].to_dict() == pytest.approx({"zy": remote_draw, "yx": remote_draw}, abs=1e-9)
    charged = plan.costs.query("category == 'wheeling'")["discounted_usd"].sum()
    assert charged == pytest.approx((10.0 + second) * 1000.0 * remote_draw, abs=1e-6)
