r"""Near-optimal alternatives: plans within a slack of the optimum's cost, each as different as possible from those
found before, and the decisions every one of them shares (modelling to generate alternatives, for a MIP).

**The cap.** The optimum is solved first: cost :math:`C_0`, proven bound :math:`B_0 \le C^*`. Every alternative
must cost at most

.. math::

    cap = (1 + slack) \cdot B_0 \;\le\; (1 + slack) \cdot C^*

so it is within ``slack`` of the true optimum whatever gap the optimum was solved to.

**Each alternative.** With :math:`P` the plans found so far, a search and then a polish:

1. *Search*: least cost less a credit :math:`\lambda` (USD) per unit of difference from the plans found, without
   the cap (a hard cap on cost leaves HiGHS without a first plan for minutes on the default scenario; a
   credit keeps the objective shaped like cost, which the strategies solve well). For yes/no decisions
   (``sites``: :math:`o_s = open_{s,Y}`, the campus open in the last year :math:`Y`) the difference is the mean
   Hamming distance :math:`\bar d(o) = \frac{1}{|P|} \sum_{p \in P} d_p(o)`,
   :math:`d_p(o) = \sum_{s \in p} (1 - o_s) + \sum_{s \notin p} o_s`, with :math:`d_p(o) \ge 1` for every
   :math:`p` (a no-good cut: no campus set twice); the search minimises :math:`cost - \lambda \bar d`, and
   :math:`\lambda = (cap - B_0) / (2 n_0)` with :math:`n_0` the optimum's campuses: replacing all of them is
   worth the whole slack. For quantities :math:`q_k` (``mw``: MW per campus in the last year; ``nodes``: MW per
   grid node; ``vendor``: IT MW of chips installed per accelerator family; ``co2``: tonnes emitted, summed over
   the modelled years, which with one key asks for less of it) the weights of Hop-Skip-Jump MGA,
   :math:`w_k = \sum_{p \in P} q^p_k / \sum_j q^p_j` (the share of :math:`k` in each plan found), and the search
   minimises :math:`cost + \lambda \sum_k w_k q_k / (|P| \sum_j q^0_j)` with :math:`\lambda = cap - B_0`:
   what earlier plans used much costs more.
2. *Polish*: the cheapest plan as different as the search's: the search's campus set fixed (``sites``), or
   :math:`\sum_k w_k q_k` at most the search's value; warm-started from the search's plan, so it costs no
   more. It is a full :class:`~gigawatt.plan.plan.Plan` with its own bound and shadow prices, checked by the
   verifier.

A search is kept when its plan costs at most the cap (its cost is its objective less the credit it
earned); otherwise it is repeated with the credit times :data:`CREDIT_STEPS` (1, then 1/4, then 0). With no
credit a search finds the cheapest plan not yet found, so an alternative under the cap is missed only when
a solve stops at its time limit. The next search needs only what this one found, so with ``workers=2``
the polish runs beside it. Every campus counts as itself: interchangeable campuses are not ordered
(``symmetry_breaking`` off), so a swap of two is an alternative. A quantity dimension's search whose shares
are within :data:`REPEAT_L1` (L1) of an earlier plan's is a repeat, and the search stops there;
:attr:`Alternatives.stopped` says why fewer than ``k`` came back.

**What to commit now** (:meth:`Alternatives.common`): the decisions every plan shares (campuses open,
MW built by each year, grid tranches taken) against those that vary, with, for a varying decision, the
cost of the cheapest plan that takes it and of the cheapest that does not.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from gigawatt.analysis._parallel import solver_processes
from gigawatt.errors import InfeasibleScenario, NoPlan, first_line
from gigawatt.model import ModelOptions, build_model
from gigawatt.model.ledger import linear
from gigawatt.model.objective import OBJECTIVE_SCALE_USD
from gigawatt.plan.plan import Plan
from gigawatt.scenario import Scenario
from gigawatt.solvers import progress, stop
from gigawatt.solving import SolveRequest, solve, solve_model

__all__ = ["DIMENSIONS", "Alternatives", "alternatives"]

#: Two quantity plans whose shares differ by less than this (sum of absolute differences) are the same plan.
REPEAT_L1 = 1e-3
#: Tolerance in deciding whether a campus is open or a quantity is taken (a solver's rounding).
TAKEN = 1e-6

#: The credit for difference in each search for one alternative, as fractions of the first (module docstring).
CREDIT_STEPS = (1.0, 0.25, 0.0)

Terms = list[tuple[float, object]]


@dataclass(frozen=True)
class Dimension:
    """A way two plans differ: per key, a linear expression in the model and its value in a plan.

    ``binary`` dimensions are yes/no decisions (each key one 0/1 variable): Hamming distance and no-good
    cuts. The others are quantities: Hop-Skip-Jump weights on their shares.
    """

    name: str
    binary: bool
    what: str
    in_model: Callable[[pyo.ConcreteModel], dict[str, Terms]]
    in_plan: Callable[[Plan], dict[str, float]]


def _last_year(m: pyo.ConcreteModel) -> int:
    return m.data.horizon.years[-1]


def _open_terms(m: pyo.ConcreteModel) -> dict[str, Terms]:
    last = _last_year(m)
    return {s: [(1.0, m.v_open[s, y])] for s, y in m.data.site_years if y == last}


def _site_mw_terms(m: pyo.ConcreteModel) -> dict[str, Terms]:
    last = _last_year(m)
    return {s: [(m.data.site[s].block_mw, m.v_blocks[s, y])] for s, y in m.data.site_years if y == last}


def _node_mw_terms(m: pyo.ConcreteModel) -> dict[str, Terms]:
    nodes: dict[str, Terms] = {}
    for s, terms in _site_mw_terms(m).items():
        nodes.setdefault(m.data.site[s].node_id, []).extend(terms)
    return nodes


def _vendor_terms(m: pyo.ConcreteModel) -> dict[str, Terms]:
    families: dict[str, Terms] = {}
    for c, s, y in m.data.chip_site_years:
        chip = m.data.chip[c]
        families.setdefault(chip.family, []).append((chip.it_kw_per_unit / 1000.0, m.v_install[c, s, y]))
    return families


def _co2_terms(m: pyo.ConcreteModel) -> dict[str, Terms]:
    return {"co2": [t for terms in m.ledger.emissions_t.values() for t in terms]}


def _last_year_sites(plan: Plan) -> pd.DataFrame:
    sites = plan.sites
    return sites[sites["year"] == sites["year"].max()] if len(sites) else sites


def _open_in_plan(plan: Plan) -> dict[str, float]:
    last = _last_year_sites(plan)
    return dict(zip(last["site_id"], last["open"].astype(float), strict=True))


def _site_mw_in_plan(plan: Plan) -> dict[str, float]:
    last = _last_year_sites(plan)
    return dict(zip(last["site_id"], last["capacity_mw"].astype(float), strict=True))


def _node_mw_in_plan(plan: Plan) -> dict[str, float]:
    return _last_year_sites(plan).groupby("node_id")["capacity_mw"].sum().astype(float).to_dict()


def _vendor_in_plan(plan: Plan) -> dict[str, float]:
    it_kw = plan.scenario.tables["chips"].set_index("chip_id")["it_kw_per_unit"]
    rows = plan.chips
    mw = rows["installed_units"] * rows["chip_id"].map(it_kw) / 1000.0
    return mw.groupby(rows["chip_id"].map(plan.scenario.chip_family())).sum().astype(float).to_dict()


def _co2_in_plan(plan: Plan) -> dict[str, float]:
    return {"co2": float(sum(plan.tables[name]["co2_t"].sum() for name in ("supplies", "onsite")))}


#: The dimensions ``by`` may name.
DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("sites", True, "which campuses are open by the last year", _open_terms, _open_in_plan),
        Dimension("mw", False, "MW of capacity per campus by the last year", _site_mw_terms, _site_mw_in_plan),
        Dimension("nodes", False, "MW of campus capacity per grid node by the last year", _node_mw_terms, _node_mw_in_plan),
        Dimension("vendor", False, "IT MW of chips installed per accelerator family", _vendor_terms, _vendor_in_plan),
        Dimension(
            "co2", False, "CO2 from grid supplies and on-site generation (mostly gas), t summed over the years", _co2_terms, _co2_in_plan
        ),
    )
}


@dataclass(frozen=True)
class Alternatives:
    """The optimum and the near-optimal alternatives found (``plans[0]`` is the optimum), with the cap they are under.

    ``cap_usd`` is (1 + ``slack``) times the optimum's bound; ``stopped`` says why fewer than the
    plans asked for came back ('' when all did).
    """

    plans: tuple[Plan, ...]
    by: str
    slack: float
    asked: int
    cap_usd: float
    stopped: str = ""

    @property
    def optimum(self) -> Plan:
        return self.plans[0]

    def table(self) -> pd.DataFrame:
        """One row per plan: cost, how far above the optimum and its bound, campuses, and how it differs from the optimum."""
        best, bound = float(self.optimum.objective), float(self.optimum.bound)  # type: ignore[arg-type]
        first = _open_set(self.optimum)
        rows = []
        for i, plan in enumerate(self.plans):
            opened = _open_set(plan)
            rows.append(
                {
                    "plan": i,
                    "objective_usd": plan.objective,
                    "over_optimum": float(plan.objective) / best - 1.0,  # type: ignore[arg-type]
                    "over_bound": float(plan.objective) / bound - 1.0,  # type: ignore[arg-type]
                    "within_cap": float(plan.objective) <= self.cap_usd * (1 + 1e-9),  # type: ignore[arg-type]
                    "gap": plan.gap,
                    "status": plan.status,
                    "campuses": len(opened),
                    "added": ", ".join(sorted(opened - first)),
                    "dropped": ", ".join(sorted(first - opened)),
                }
            )
        return pd.DataFrame(rows)

    def common(self) -> pd.DataFrame:
        """Decisions shared by every plan against those that vary: campuses open, MW built by each year, tranches taken.

        One row per decision that any plan takes: ``decision`` (``campus open``, ``campus MW``,
        ``tranche taken``), ``entity``, ``year`` (the last year for campuses and tranches), the value in
        each plan (``plan_0``...), ``shared`` (the same in every plan), ``committed`` (the amount every plan
        takes: 1 for a yes in all, the least MW), and for a varying decision the cost of the cheapest
        plan that takes it (``cost_taken_usd``: open, more MW than ``committed``, tranche taken) and of
        the cheapest that does not (``cost_not_taken_usd``). Shared decisions come first.
        """
        costs = np.array([float(p.objective) for p in self.plans])  # type: ignore[arg-type]
        frames = [_decisions(p, i) for i, p in enumerate(self.plans)]
        values = pd.concat(frames).pivot_table(index=["decision", "entity", "year"], columns="plan", values="value", fill_value=0.0)
        values = values.reindex(columns=range(len(self.plans)), fill_value=0.0)
        matrix = values.to_numpy(dtype=float)
        keep = (np.abs(matrix) > TAKEN).any(axis=1)
        values, matrix = values[keep], matrix[keep]
        least, most = matrix.min(axis=1), matrix.max(axis=1)
        shared = most - least <= np.maximum(1e-6 * np.abs(most), TAKEN)
        taken = matrix > least[:, None] + TAKEN
        out = values.reset_index()
        out.columns = ["decision", "entity", "year", *(f"plan_{i}" for i in range(len(self.plans)))]
        out["shared"] = shared
        out["committed"] = least
        out["cost_taken_usd"] = np.where(shared, np.nan, np.where(taken, costs, np.inf).min(axis=1))
        out["cost_not_taken_usd"] = np.where(shared, np.nan, np.where(~taken, costs, np.inf).min(axis=1))
        out[["cost_taken_usd", "cost_not_taken_usd"]] = out[["cost_taken_usd", "cost_not_taken_usd"]].replace(np.inf, np.nan)
        order = {"campus open": 0, "tranche taken": 1, "campus MW": 2}
        out = out.assign(_order=out["decision"].map(order)).sort_values(
            ["shared", "_order", "entity", "year"], ascending=[False, True, True, True]
        )
        return out.drop(columns="_order").reset_index(drop=True)

    def summary(self) -> str:
        """The plans found (cost, above the optimum, campuses added and dropped) and what all of them share."""
        n = len(self.plans)
        lines = [
            f"{n} plan(s) within {self.slack:.2%} of the optimum's bound ({_b(self.cap_usd)} cap), different by {DIMENSIONS[self.by].what}:"
        ]
        for row in self.table().itertuples(index=False):
            change = "; ".join(part for part in (f"+ {row.added}" if row.added else "", f"- {row.dropped}" if row.dropped else "") if part)
            lines.append(
                f"  plan {row.plan}: {_b(row.objective_usd)}, {row.over_optimum:+.3%} on the optimum, {row.campuses} campuses"
                + (f" ({change})" if change else " (the optimum)" if row.plan == 0 else " (same campuses)")
            )
        cheaper = [str(i) for i, p in enumerate(self.plans) if float(p.objective) < float(self.optimum.objective)]  # type: ignore[arg-type]
        if cheaper:
            lines.append(
                f"  plan(s) {', '.join(cheaper)} cost less than the optimum found, which was solved to a {self.optimum.gap or 0:.2%} gap"
            )
        if self.stopped:
            lines.append(f"  stopped after {n - 1} of {self.asked} alternatives: {self.stopped}")
        common = self.common()
        shared = common[common["shared"]]
        lines.append(f"Shared by all {n} plans:")
        opened = shared[(shared["decision"] == "campus open") & (shared["committed"] > 0.5)]["entity"].tolist()
        lines.append(f"  campuses open ({len(opened)}): {', '.join(opened) or 'none'}")
        tranches = shared[(shared["decision"] == "tranche taken") & (shared["committed"] > 0.5)]["entity"].tolist()
        lines.append(f"  grid tranches taken ({len(tranches)}): {', '.join(tranches) or 'none'}")
        mw = common[common["decision"] == "campus MW"].groupby("year")["committed"].sum()
        if len(mw):
            lines.append("  MW built in every plan, by year: " + ", ".join(f"{y}: {v:,.0f}" for y, v in mw.items()))
        varying = common[~common["shared"] & (common["decision"] == "campus open")]
        if len(varying):
            lines.append("Campuses that vary (the cheapest plan with it / without it):")
            for row in varying.itertuples(index=False):
                lines.append(f"  {row.entity}: {_b(row.cost_taken_usd)} / {_b(row.cost_not_taken_usd)}")
        some = int((~common["shared"] & (common["decision"] == "tranche taken")).sum())
        if some:
            lines.append(f"  and {some} grid tranches taken in some plans only (common() lists every decision)")
        return "\n".join(lines)

    def report(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """An offline HTML page: what all plans share first, then what varies, each plan, and power per year by plan."""
        from gigawatt.plot import alternatives_report

        power = pd.concat([p.power.assign(run_id=f"plan {i}") for i, p in enumerate(self.plans)], ignore_index=True)
        title = f"Near-optimal alternatives for {self.optimum.title}"
        return alternatives_report(self.common(), self.table(), power, path, title=title, overwrite=overwrite)

    def __repr__(self) -> str:
        return self.summary()


def _b(usd: float | None) -> str:
    return "-" if usd is None or not np.isfinite(usd) else f"{usd / 1e9:,.3f} B USD"


def _open_set(plan: Plan) -> set[str]:
    return {s for s, v in _open_in_plan(plan).items() if v > 0.5}


def _decisions(plan: Plan, index: int) -> pd.DataFrame:
    """A plan's campus openings and tranches (by the last year) and MW per campus and year, as (decision, entity, year, value)."""
    sites, last = plan.sites, int(plan.sites["year"].max()) if len(plan.sites) else 0
    frames = [
        pd.DataFrame({"decision": "campus open", "entity": sites["site_id"], "year": sites["year"], "value": sites["open"].astype(float)})[
            sites["year"] == last
        ],
        pd.DataFrame(
            {"decision": "campus MW", "entity": sites["site_id"], "year": sites["year"], "value": sites["capacity_mw"].astype(float)}
        ),
    ]
    tranches = plan.tables.get("interconnection")
    if tranches is not None and len(tranches):
        final = tranches[tranches["year"] == tranches["year"].max()]
        frames.append(
            pd.DataFrame(
                {"decision": "tranche taken", "entity": final["tranche_id"], "year": final["year"], "value": final["taken"].astype(float)}
            )
        )
    return pd.concat(frames, ignore_index=True).assign(plan=index)


def alternatives(
    scenario: Scenario,
    k: int = 5,
    slack: float = 0.01,
    by: str = "sites",
    *,
    optimum: Plan | None = None,
    workers: int = 1,
    **solve_kwargs: object,
) -> Alternatives:
    """The optimum and up to ``k`` plans within ``slack`` of it, each as different as possible from those before.

    ``by`` names the dimension (:data:`DIMENSIONS`: ``sites``, ``mw``, ``nodes``, ``vendor``, ``co2``).
    ``optimum`` is a plan of ``scenario`` already solved (else it is solved here). With ``workers=2`` each
    alternative's polish runs in a worker process beside the next search. ``solve_kwargs`` as :func:`gigawatt.solve`
    (``time_limit`` and ``mip_gap`` per solve, ``threads``, ``progress``...). The method is in the module
    docstring. Raises ValueError for an unknown ``by``, a ``k`` below 0, a ``slack`` outside [0, 1) or
    ``workers`` below 1, and :class:`~gigawatt.errors.InfeasibleScenario` or :class:`~gigawatt.errors.NoPlan`
    when the optimum has no plan.
    """
    if by not in DIMENSIONS:
        raise ValueError(f"by={by!r}: expected one of {', '.join(map(repr, DIMENSIONS))}")
    for name, value, least in (("k", k, 0), ("workers", workers, 1)):
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= least):
            raise ValueError(f"{name}={value!r}: expected a whole number >= {least}")
    if not (isinstance(slack, int | float) and 0 <= slack < 1):
        raise ValueError(f"slack={slack!r}: expected a relative slack >= 0 and < 1 (0.01 is 1%)")
    request = SolveRequest.from_keywords(**solve_kwargs)
    dimension = DIMENSIONS[by]
    with stop.handling(), solver_processes(workers - 1) as submit:
        if optimum is None:
            with progress.scope(plans=True, bounds=True, phase="optimum"):
                optimum = solve(scenario, request)
        if optimum.bound is None or optimum.objective is None:
            raise NoPlan(f"no alternatives for scenario {scenario.name!r}: the optimum has no bound", optimum.status)
        cap = (1.0 + slack) * float(optimum.bound)
        found, polishes, stopped = [dimension.in_plan(optimum)], [], ""
        while len(polishes) < k:
            if stop.requested():
                stopped = "interrupted (Ctrl-C)"
                break
            searched, stopped = _search_under_cap(scenario, request, dimension, found, cap, float(optimum.bound))
            if searched is None:
                break
            job = functools.partial(_polish, scenario, request, dimension, list(found), searched, len(found))
            polishes.append(submit(job))
            found.append(dimension.in_plan(searched))
        plans = [optimum]
        for polished in polishes:
            plan, why = polished.result()
            if plan is None or float(plan.objective) > cap * (1.0 + 1e-9):  # type: ignore[arg-type]
                stopped = why or f"the polish of alternative {len(plans)} costs {_b(plan.objective)}, above the cap"  # type: ignore[union-attr]
                break
            plans.append(plan)
    return Alternatives(tuple(plans), by, float(slack), k, cap, stopped)


def _search_under_cap(
    scenario: Scenario, request: SolveRequest, dimension: Dimension, found: list[dict[str, float]], cap: float, bound: float
) -> tuple[Plan | None, str]:
    """The next alternative's search, at falling credits until its plan costs at most the cap; or None and why not."""
    index = len(found)
    # the full slack buys replacing every campus of the optimum (a mean distance of twice their number), or every share
    most = max(2.0 * sum(v > 0.5 for v in found[0].values()), 1.0) if dimension.binary else 1.0
    credit, why = (cap - bound) / most, ""
    for factor in CREDIT_STEPS if cap > bound else (0.0,):
        searched, cost, why = _search(scenario, request, dimension, found, credit * factor, index)
        if searched is None:
            return None, why
        if cost <= cap * (1.0 + 1e-9):
            if not dimension.binary and min(_l1(dimension.in_plan(searched), p) for p in found) < REPEAT_L1:
                return None, f"alternative {index} repeats an earlier plan's {dimension.what}"
            return searched, ""
        why = f"the {'cheapest ' if factor == 0 else ''}plan found {_different(dimension)} costs {_b(cost)}, above the cap"
    return None, why


def _different(dimension: Dimension) -> str:
    return "with a new campus set" if dimension.binary else f"different in {dimension.what}"


def _model(scenario: Scenario, request: SolveRequest) -> pyo.ConcreteModel:
    """The scenario's model for a search or a polish; every campus counts as itself (interchangeable ones are not ordered, so
    that a swap of two is an alternative)."""
    return build_model(scenario, ModelOptions(integer_units=request.integer_units, retirement=request.retirement, symmetry_breaking=False))


def _search(
    scenario: Scenario, request: SolveRequest, dimension: Dimension, found: list[dict[str, float]], credit: float, index: int
) -> tuple[Plan | None, float, str]:
    """The search: least cost less ``credit`` USD per unit of difference (mean distance or weighted share); its plan and cost."""
    m = _model(scenario, request)
    terms = dimension.in_model(m)
    if dimension.binary:
        distances = [_hamming(terms, p) for p in found]
        m.c_mga_distinct = pyo.Constraint(range(len(found)), rule=lambda _, i: linear(*distances[i]) >= 1)
        difference = [(-a / len(found), v) for d, _ in distances for a, v in d]
        constant = -sum(c for _, c in distances) / len(found)
    else:
        weights = _weights(found)
        scale = max(sum(found[0].values()), TAKEN) * len(found)
        difference, constant = [(weights.get(key, 0.0) * a / scale, v) for key, ts in terms.items() for a, v in ts], 0.0
    m.obj.deactivate()
    m.mga_objective = pyo.Objective(expr=m.obj.expr + credit / OBJECTIVE_SCALE_USD * linear(difference, constant), sense=pyo.minimize)
    try:
        with progress.scope(plans=False, bounds=False, phase=f"alternative {index}: search"):
            searched = solve_model(m, request, duals=False, explain=False)
    except InfeasibleScenario:
        return None, np.inf, f"no plan {_different(dimension)} exists"
    except NoPlan as error:
        return None, np.inf, f"the search found no plan {_different(dimension)} ({error.termination})"
    values = dimension.in_plan(searched)
    if dimension.binary:  # minus the mean distance
        reached = -float(np.mean([sum((values.get(k, 0.0) > 0.5) != (p.get(k, 0.0) > 0.5) for k in terms) for p in found]))
    else:
        reached = sum(weights.get(key, 0.0) * v for key, v in values.items()) / scale
    return searched, float(searched.objective) - credit * reached, ""  # type: ignore[arg-type]


def _polish(
    scenario: Scenario, request: SolveRequest, dimension: Dimension, found: list[dict[str, float]], searched: Plan, index: int
) -> tuple[Plan | None, str]:
    """The cheapest plan as different as the search's: its campus set fixed, or its weighted share as a most; warm-started."""
    m = _model(scenario, request)
    held = dimension.in_model(m)
    values = dimension.in_plan(searched)
    if dimension.binary:
        for key, ts in held.items():
            for _, var in ts:  # bounds, not fixed: a fixed variable would leave the compiled columns
                var.setlb(1.0 if values.get(key, 0.0) > 0.5 else 0.0)
                var.setub(var.lb)
    else:
        weights = _weights(found)
        reached = sum(weights.get(key, 0.0) * v for key, v in values.items())
        weighted = [(weights.get(key, 0.0) * a, v) for key, ts in held.items() for a, v in ts]
        if any(a for a, _ in weighted):  # nothing the plans found used: nothing to hold
            m.c_mga_held = pyo.Constraint(expr=linear(weighted) <= reached + max(1e-6 * abs(reached), 1e-6))
    try:
        with progress.scope(plans=True, bounds=False, phase=f"alternative {index}: polish"):
            return solve_model(m, request, start=searched), ""
    except (InfeasibleScenario, NoPlan) as error:  # the search's plan fits: only a solver's tolerance gets here
        return None, f"the polish of alternative {index} found no plan ({first_line(error)})"


def _hamming(terms: Mapping[str, Terms], plan: Mapping[str, float]) -> tuple[Terms, float]:
    """Hamming distance to ``plan``: linear terms and a constant (the keys ``plan`` takes count 1 - o, the others o)."""
    out: Terms = []
    for key, ts in terms.items():
        sign = -1.0 if plan.get(key, 0.0) > 0.5 else 1.0
        out.extend((sign * a, v) for a, v in ts)
    return out, float(sum(1 for key in terms if plan.get(key, 0.0) > 0.5))


def _weights(found: list[dict[str, float]]) -> dict[str, float]:
    """Hop-Skip-Jump weights: per key, its share summed over the plans found."""
    weights: dict[str, float] = {}
    for plan in found:
        total = sum(v for v in plan.values() if v > 0)
        for key, v in plan.items():
            if total > 0 and v > 0:
                weights[key] = weights.get(key, 0.0) + v / total
    return weights


def _l1(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Sum of absolute differences between the shares of two plans."""
    ta, tb = max(sum(a.values()), TAKEN), max(sum(b.values()), TAKEN)
    return sum(abs(a.get(key, 0.0) / ta - b.get(key, 0.0) / tb) for key in set(a) | set(b))
