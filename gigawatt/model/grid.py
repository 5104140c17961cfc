r"""Node balance: at every node and year, power injected equals power withdrawn.

Reads only the ledger's injections (:attr:`gigawatt.model.ledger.Ledger.injection_mw`): supplies and
arriving flows inject, departing flows withdraw, and each site's facility power at the annual PUE
(:attr:`gigawatt.model.ledger.Ledger.energy_mw`, IT x ``pue``) is withdrawn at its node when the ledger
closes. A family that generates or stores power at a node registers there and needs no edit here.

The balance is in annual-average terms: the MW a site draws over the year while its IT runs at full
power, so a supply's draw times ``hours_per_year x load_factor`` is the energy it sells (and a supply's
``capacity_mw`` and a link's ``capacity_mw`` bound that average, not the hottest hour). The peak
(``pue_peak``) is held by site capacity and the ceiling (:mod:`gigawatt.model.power`).

.. math::

    \sum (\text{registered injections at } n, y) = 0 \quad [MW] \qquad (\texttt{c\_node\_balance[n, y]})
"""

from __future__ import annotations

import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.family import Dual, Family, Rows, Slack
from gigawatt.model.ledger import Ledger, linear
from gigawatt.model.options import ModelOptions

ENERGY_MW_PER_UNIT = "sites.pue x chips.it_kw_per_unit / 1000 (MW per unit)"


def add_node_balance(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """``c_node_balance[n, y]``: the sum of injections registered at the node is zero."""
    terms = ledger.injection_mw
    keys = [(n, y) for n in d.nodes.index for y in d.years if terms.get((n, y))]
    m.NODE_YEARS = pyo.Set(initialize=keys, dimen=2, ordered=True)
    m.c_node_balance = pyo.Constraint(m.NODE_YEARS, rule=lambda _, n, y: linear(terms[n, y]) == 0)


FAMILY = Family(
    name="node_balance",
    add=add_node_balance,
    order=110,
    closes=True,
    rows=(
        Rows(
            "c_node_balance",
            "MW",
            ("node_id", "year"),
            "node {node_id}",
            dual=Dual("node_balance", "USD/MWh", "per_mwh", "cost of one more MWh delivered at the node"),
            slack=Slack(
                "supply",
                +1.0,
                "{year}, node {node_id}: {slack} MW of power cannot be delivered (supplies and links into the node are too small)",
                demand_first=1e4,
                caps=100.0,
                mw=True,
            ),
            coefficients={"v_install": ENERGY_MW_PER_UNIT, "v_flow": "1 - links.loss_frac"},
        ),
    ),
)
