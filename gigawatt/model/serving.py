r"""Serving compute to regions from sites within their latency bound.

Sets: ``SERVE_INDEX`` (r, s, y) for allowed pairs, sites open-able in y, demand > 0.

.. math::

    \sum_s serve_{r,s,y} + unserved_{r,y} \ge demand_{r,y}

    serve_{r,s,y} \le demand_{r,y} \cdot open_{s,y}

Registers ``serve`` as compute used at the site (:mod:`gigawatt.model.compute` holds it within the
compute installed there) and as compute delivered. Cost: ``cost_usd_per_eflops_yr`` x serve, discounted
per year.

**The outside option.** A demand row with a value :math:`v_{r,y}` (``value_usd_per_eflops_yr``) gets
:math:`0 \le unserved_{r,y} \le demand_{r,y}`: compute it does not get from the plan, bought elsewhere or
forgone at :math:`v_{r,y}\, w_y` (discounted, :meth:`Horizon.op_weight`), registered with
``ledger.forgo("unserved_inference", ...)`` and ``ledger.unserve("inference", ...)``. A region-year no
site can reach is then simply unserved. A strict row (no value) has no such column: it must be served
in full, and one no site can reach makes the scenario infeasible.

**Compute covers** (``compute_covers``, off by default, ``c_compute_cover``): valid inequalities on
blocks. A block of site s holds at most :math:`a_{s,y} = block\_mw_s \max_c pflops_c / (pue\_peak_s\, it\_kw_c)`
[EFLOP/s] (its most efficient chip active in y), so for a group G of regions, the sites :math:`S_G`
that can serve any of them and :math:`D = \sum_{r \in G} demand_{r,y}` over strict demand (valued demand may go unserved)

.. math::

    \sum_{s \in S_G} c_s \, blocks_{s,y} \ge D, \qquad c_s = \min(a_{s,y}, D)

(clipping at D is valid because blocks are whole). Its Chvatal-Gomory roundings, for each distinct
:math:`\delta = c_s` with :math:`1 < D / \delta \le` :data:`COVER_MAX_RATIO`,

.. math::

    \sum_{s \in S_G} \lceil c_s / \delta \rceil \, blocks_{s,y} \ge \lceil D / \delta \rceil

are the rows added (e.g. one site's blocks of 595 EFLOP/s serving a region that needs 756 gives
``blocks >= 2`` where the LP takes 1.27). Groups: each region, and all regions together. Left out
when ``relax`` drops integrality, so the LP stays that of the formulation.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pandas as pd
import pyomo.environ as pyo

from gigawatt.errors import InfeasibleScenario
from gigawatt.model.data import ModelData
from gigawatt.model.family import Dual, Extraction, Family, Rows, Slack, Variables
from gigawatt.model.ledger import Ledger, linear
from gigawatt.model.options import ModelOptions

#: Largest demand / coefficient ratio a compute cover is rounded at (beyond it a rounding gains little).
COVER_MAX_RATIO = 12.0


def block_eflops(d: ModelData) -> dict[tuple[str, int], float]:
    """``a_{s,y}`` [EFLOP/s]: the most compute one block of site s can hold in year y (its most efficient active chip)."""
    best: dict[tuple[str, int], float] = defaultdict(float)
    for c, s, y in d.active_vintages():
        row = d.chip[c]
        best[s, y] = max(best[s, y], row.pflops_per_unit / (d.site[s].pue_peak * row.it_kw_per_unit))
    return {(s, y): d.site[s].block_mw * eff for (s, y), eff in best.items()}


def compute_cover_rows(d: ModelData) -> list[tuple[int, float, list[tuple[float, str]]]]:
    """The compute covers as ``(year, D, [(coefficient, site)])``, before rounding (see the module docstring)."""
    a = block_eflops(d)
    reach: dict[tuple[str, int], set[str]] = defaultdict(set)
    for r, s, y in d.serve_index:
        reach[r, y].add(s)
    groups = [[r] for r in d.regions] + ([list(d.regions)] if len(d.regions) > 1 else [])
    rows = []
    for members in groups:
        for y in d.years:
            need = sum(d.demand.get((r, y), 0.0) for r in members if (r, y) not in d.demand_value)
            sites = sorted(set().union(*(reach[r, y] for r in members)))
            terms = [(min(a[s, y], need), s) for s in sites if a.get((s, y), 0.0) > 0]
            if need > 0 and terms:
                rows.append((y, need, terms))
    return rows


def rounded_covers(d: ModelData) -> list[tuple[int, float, list[tuple[float, str]]]]:
    """Chvatal-Gomory roundings of :func:`compute_cover_rows`: ``(year, rhs, [(coefficient, site)])``, whole numbers.

    Coefficients round up (safe for blocks >= 0), the right-hand side rounds down a hair before ``ceil``
    so floating-point noise can only weaken a row.
    """
    out = []
    for y, need, terms in compute_cover_rows(d):
        for delta in sorted({c for c, _ in terms}):
            ratio = need / delta
            if 1.0 + 1e-9 < ratio <= COVER_MAX_RATIO and ratio % 1.0 > 1e-6:
                out.append((y, float(math.ceil(ratio - 1e-9)), [(float(math.ceil(c / delta)), s) for c, s in terms]))
    return out


def add_serving(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """Declare ``v_serve`` and ``v_unserved`` with ``c_demand``, ``c_serve_open`` and (``compute_covers``) ``c_compute_cover``;
    register compute used, compute not delivered and its forgone value."""
    m.SERVE_INDEX = pyo.Set(initialize=d.serve_index, dimen=3, ordered=True)
    m.v_serve = pyo.Var(m.SERVE_INDEX, domain=pyo.NonNegativeReals, bounds=lambda _, r, s, y: (0.0, d.demand[r, y]))
    by_region: dict[tuple[str, int], list] = defaultdict(list)
    for r, s, y in d.serve_index:
        by_region[r, y].append((1.0, m.v_serve[r, s, y]))
        ledger.use_compute(s, y, 1.0, m.v_serve[r, s, y])
        cost = d.serve_pairs[r, s]
        if cost:
            ledger.yearly("serving", y, cost, m.v_serve[r, s, y])
    demanded = [(r, y) for (r, y), value in d.demand.items() if value > 0 and y in d.years]
    valued = [(r, y) for r, y in demanded if (r, y) in d.demand_value]
    m.UNSERVED_INDEX = pyo.Set(initialize=valued, dimen=2, ordered=True)
    m.v_unserved = pyo.Var(m.UNSERVED_INDEX, domain=pyo.NonNegativeReals, bounds=lambda _, r, y: (0.0, d.demand[r, y]))
    for r, y in valued:
        by_region[r, y].append((1.0, m.v_unserved[r, y]))
        ledger.unserve("inference", r, y, 1.0, m.v_unserved[r, y])
        ledger.forgo("unserved_inference", y, d.demand_value[r, y] * d.horizon.op_weight(y), m.v_unserved[r, y])
    unserved = [(r, y) for r, y in demanded if not by_region[r, y]]
    if unserved:
        raise InfeasibleScenario(
            f"{len(unserved)} region-year(s) have no site that can serve them",
            pd.DataFrame(
                [
                    (
                        "demand",
                        f"region {r}",
                        y,
                        d.demand[r, y],
                        "EFLOP/s",
                        f"{y}, region {r}: no site within its latency bound can open by then; {d.demand[r, y]:,.1f} EFLOP/s unserved",
                    )
                    for r, y in unserved
                ],
                columns=["requirement", "entity", "year", "shortfall", "unit", "message"],
            ),
        )
    m.DEMAND_INDEX = pyo.Set(initialize=demanded, dimen=2, ordered=True)
    m.c_demand = pyo.Constraint(m.DEMAND_INDEX, rule=lambda _, r, y: linear(by_region[r, y]) >= d.demand[r, y])
    m.c_serve_open = pyo.Constraint(m.SERVE_INDEX, rule=lambda _, r, s, y: m.v_serve[r, s, y] <= d.demand[r, y] * m.v_open[s, y])
    covers = rounded_covers(d) if options.compute_covers and not options.relax else []
    m.c_compute_cover = pyo.Constraint(
        range(len(covers)), rule=lambda _, i: linear([(c, m.v_blocks[s, covers[i][0]]) for c, s in covers[i][2]]) >= covers[i][1]
    )


def extract_serving(e: Extraction) -> None:
    """``serving``: compute delivered per region, site and year (rows with compute served)."""
    served = e.values("v_serve")
    keys = [k for k, v in served.items() if v > 1e-9]
    frame = pd.DataFrame(
        {
            "region_id": [k[0] for k in keys],
            "site_id": [k[1] for k in keys],
            "year": [k[2] for k in keys],
            "eflops": [served[k] for k in keys],
        }
    )
    e.tables["serving"] = frame.sort_values(["region_id", "site_id", "year"]).reset_index(drop=True)


FAMILY = Family(
    name="serving",
    add=add_serving,
    order=50,
    variables=(
        Variables("v_serve", "EFLOP/s", ("region_id", "site_id", "year"), dual_free_upper=True),
        Variables("v_unserved", "EFLOP/s", ("region_id", "year"), dual_free_upper=True),
    ),
    rows=(
        Rows(
            "c_demand",
            "EFLOP/s",
            ("region_id", "year"),
            "region {region_id}",
            dual=Dual("demand", "USD/EFLOP/s-yr", "per_year", "added per EFLOP/s-year of extra demand"),
            slack=Slack(
                "demand",
                +1.0,
                "{year}, region {region_id}: {slack} EFLOP/s of {bound} cannot be served",
                demand_first=1.0,
                caps=None,
                under_caps=True,
            ),
        ),
        Rows(
            "c_serve_open",
            "EFLOP/s",
            ("region_id", "site_id", "year"),
            "region {region_id} from site {site_id}",
            coefficients={"v_open": "demand.eflops"},
        ),
        Rows("c_compute_cover", "blocks", ("cover",), "compute cover {cover}"),
    ),
    tables={
        "serving": {
            "region_id": "region served ('all' for the single pool)",
            "site_id": "serving site",
            "year": "modelled year (rows with compute served)",
            "eflops": "compute delivered",
        }
    },
    extract=extract_serving,
)
