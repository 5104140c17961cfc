"""Why a scenario has no plan: an elastic re-solve of the matrix, and a cheap audit before solving.

:func:`explain` copies the compiled standard form and adds one non-negative *slack* column to each
row of the requirement families. A slack loosens its row in the planner's direction:

Which rows get a slack, in which direction, with which weight and wording, is declared by each row's
family (:class:`gigawatt.model.family.Slack`); today: demand unserved (``c_demand``, EFLOP/s), facility
power over the ceiling (``c_power_ceiling``, MW), chip units over the supply cap (``c_chip_supply``),
capital over the budget (``c_budget``, USD), CO2 over the cap (``c_emissions``, t), flow over a link's
capacity (``c_link_capacity``, MW), facility power over what a site can be built to
(``c_site_capacity``, MW) and power a node cannot get (``c_node_balance``, MW).

Column upper bounds that duplicate these caps (declared ``elastic_free_upper``: chip units, flows) are
lifted so the slack on the row can act.

**Penalties.** The elastic problem is a pure phase-1 problem: the plan's own costs are dropped and
only slack is penalised, so the reported violation is the smallest possible, never traded against
money. Each slack costs ``weight / scale`` per unit, where ``scale`` is shared by a family's rows
(largest |bound| of the family, at least 1; the ceiling in MW for every MW family) so amounts are
compared in planners' units inside a family and relative to the size of the cap across families.
Two views are solved:

* ``demand first`` (the families' ``demand_first`` weights: demand 1, caps 100, node supply 10,000):
  how much demand cannot be met (and anything that must give even with demand cut).
* ``caps`` (``caps`` weights: demand hard, caps 1, node supply 100: power "from nowhere" is the last
  resort, after raising a link, the ceiling or the emission cap): which cap must rise by how much.

Both are LP relaxations (fast; whole chip units, blocks and openings ignored). When the LP needs no
slack but the MIP is infeasible (integrality is the cause), the views are re-solved as MIPs with a
short time limit. ``findings.attrs["note"]`` says which was used.

:func:`audit` bounds compute from the data alone (ceiling, chip supply, site sizes) and lists the
years whose demand exceeds a bound: each finding proves the scenario infeasible.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from gigawatt.matrix.compile import CompiledModel
from gigawatt.model import families
from gigawatt.model.data import ModelData
from gigawatt.model.family import Rows, Slack
from gigawatt.solvers import highs
from gigawatt.solvers.base import SolveOptions, StandardForm, TerminationCondition

COLUMNS = ["requirement", "entity", "year", "shortfall", "unit", "message"]
LP_NOTE = "LP relaxation of the elastic problem: whole chip units, blocks and openings are relaxed"
MIP_NOTE = "elastic MIP (the LP relaxation needs no slack: whole units, blocks or openings cause the infeasibility)"
REL_TOL = 1e-6  # slack below REL_TOL x family scale counts as zero
#: HiGHS ``iis_strategy`` that returns a row conflict for an infeasible LP (0 returns none here).
IIS_STRATEGY = 2
#: The two elastic views, by the :class:`~gigawatt.model.family.Slack` field holding their weights.
VIEWS = ("demand_first", "caps")


def _num(value: float) -> str:
    """A planner-friendly number: one decimal below 100, thousands separators above."""
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def _slacked() -> dict[str, Rows]:
    """The row components whose family declares a slack, by name."""
    return {name: rows for name, rows in families.rows().items() if rows.slack is not None}


@dataclass(frozen=True)
class _Slacks:
    """The elastic copy: its form, and per slack column the row it eases and that row's component."""

    form: StandardForm
    rows: np.ndarray  # original row of each slack column
    families: list[str]
    n_original: int


def _bound(form: StandardForm, row: int, slack: Slack) -> float:
    """The bound a slack eases: the lower bound of a requirement (+1), the upper bound of a cap (-1)."""
    return float(form.row_lower[row] if slack.sign > 0 else form.row_upper[row])


def _scales(compiled: CompiledModel, data: ModelData) -> dict[str, float]:
    """Per family, the size its slacks are measured against (the ceiling in MW for MW families)."""
    slacked = _slacked()
    largest: dict[str, float] = defaultdict(lambda: 1.0)
    form = compiled.form
    for i, (name, _, _) in enumerate(compiled.row_constraints):
        if name in slacked:
            b = abs(_bound(form, i, slacked[name].slack))  # type: ignore[arg-type]
            if np.isfinite(b):
                largest[name] = max(largest[name], b)
    ceiling = max(float(data.scenario.settings.ceiling_mw), 1.0)
    return {name: ceiling if rows.slack.mw else largest[name] for name, rows in slacked.items()}  # type: ignore[union-attr]


def _lifted_upper(compiled: CompiledModel) -> np.ndarray:
    """Column upper bounds with those that repeat a slackened cap (declared ``elastic_free_upper``) set to infinity."""
    upper = compiled.form.col_upper.copy()
    upper[compiled.columns(*(v.name for v in families.variables().values() if v.elastic_free_upper))] = np.inf
    return upper


def _weights(view: str) -> dict[str, float]:
    """Slack weight per row component in ``view``; a component left out has no slack there (its rows stay hard)."""
    out = {}
    for name, rows in _slacked().items():
        weight = getattr(rows.slack, view)
        if weight is not None:
            out[name] = float(weight)
    return out


def _elastic(compiled: CompiledModel, weights: dict[str, float], scales: dict[str, float]) -> _Slacks:
    """Copy of the form with a penalised slack column per row of the weighted components; original costs dropped."""
    form = compiled.form
    slacked = _slacked()
    rows = [i for i, (name, _, _) in enumerate(compiled.row_constraints) if name in weights]
    names = [compiled.row_constraints[i][0] for i in rows]
    signs = np.array([slacked[f].slack.sign for f in names])  # type: ignore[union-attr]
    penalty = np.array([weights[f] / scales[f] for f in names])
    n_rows, n_cols = form.shape
    S = sparse.csc_array((signs, (np.asarray(rows, dtype=np.int64), np.arange(len(rows)))), shape=(n_rows, len(rows)))
    elastic = StandardForm(
        c=np.concatenate([np.zeros(n_cols), penalty]),
        offset=0.0,
        A=sparse.hstack([form.A, S], format="csc"),
        row_lower=form.row_lower,
        row_upper=form.row_upper,
        col_lower=np.concatenate([form.col_lower, np.zeros(len(rows))]),
        col_upper=np.concatenate([_lifted_upper(compiled), np.full(len(rows), np.inf)]),
        integrality=np.concatenate([form.integrality, np.zeros(len(rows), dtype=form.integrality.dtype)]),
    )
    return _Slacks(elastic, np.asarray(rows, dtype=np.int64), names, n_cols)


def _solve(slacks: _Slacks, relax: bool, time_limit: float) -> np.ndarray | None:
    """Slack values of the elastic problem (None when HiGHS finds no solution)."""
    result = highs.solve(slacks.form, SolveOptions(time_limit=time_limit, mip_gap=1e-6), relax=relax)
    if result.x is None or result.termination not in (TerminationCondition.OPTIMAL, TerminationCondition.TIME_LIMIT):
        return None
    return result.x


def _binding_caps(compiled: CompiledModel, x: np.ndarray, year: int) -> list[str]:
    """Caps of ``year`` that the elastic solution sits on: the ceiling, chip supply, budget, emissions, links, supplies."""
    form = compiled.form
    activity = form.A @ x[: form.shape[1]]
    caps = {name: rows for name, rows in _slacked().items() if rows.slack.cap is not None}  # type: ignore[union-attr]
    out = []
    for i, (name, key, _) in enumerate(compiled.row_constraints):
        rows = caps.get(name)
        if rows is None or rows.year(key) != year:
            continue
        ub = form.row_upper[i]
        if np.isfinite(ub) and activity[i] >= ub - REL_TOL * max(1.0, abs(ub)):
            where = f" ({rows.describe(key)})" if len(rows.index) > 1 else ""
            out.append(f"the {_num(ub)} {rows.unit} {rows.slack.cap}{where}")  # type: ignore[union-attr]
    for spec in families.variables().values():
        if spec.at_upper is None:
            continue
        keys, cols = compiled.indexed_columns(spec.name)
        for key, col in zip(keys, cols, strict=True):
            fields = dict(zip(spec.index, key if isinstance(key, tuple) else (key,), strict=True))
            if fields.get("year") == year and x[col] >= form.col_upper[col] - REL_TOL * max(1.0, form.col_upper[col]):
                out.append(spec.at_upper.format_map({**fields, "bound": _num(form.col_upper[col])}))
    return out


def _findings(compiled: CompiledModel, data: ModelData, slacks: _Slacks, x: np.ndarray, scales: dict[str, float]) -> pd.DataFrame:
    """One finding per non-zero slack, in planners' words; demand findings name the caps they sit under."""
    records = []
    slacked = _slacked()
    for j, (row, name) in enumerate(zip(slacks.rows, slacks.families, strict=True)):
        value = float(x[slacks.n_original + j])
        if value <= REL_TOL * scales[name]:
            continue
        rows = slacked[name]
        slack = rows.slack
        assert slack is not None
        key = compiled.row_constraints[row][1]
        year, fields = rows.year(key), rows.key_fields(key)
        bound = _bound(compiled.form, row, slack)
        message = slack.message.format_map(
            {**fields, "slack": _num(value), "bound": _num(bound), "total": _num(bound + slack.sign * -value)}
        )
        if slack.under_caps:
            binding = _binding_caps(compiled, x, year)
            message += f" under {', '.join(binding)}" if binding else ""
        entity = slack.entity.format_map(fields) if slack.entity else rows.describe(key)
        records.append((slack.requirement, entity, year, value, rows.unit, message))
    return pd.DataFrame(records, columns=COLUMNS)


def _view(compiled: CompiledModel, data: ModelData, weights: dict[str, float], relax: bool, time_limit: float) -> pd.DataFrame | None:
    """Findings of one elastic view (None when even the elastic problem has no solution)."""
    scales = _scales(compiled, data)
    slacks = _elastic(compiled, weights, scales)
    x = _solve(slacks, relax, time_limit)
    return None if x is None else _findings(compiled, data, slacks, x, scales)


def _merge(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """``first`` then the rows of ``second`` about a (requirement, entity, year) not already in ``first``."""
    seen = set(zip(first.requirement, first.entity, first.year, strict=True))
    extra = [k not in seen for k in zip(second.requirement, second.entity, second.year, strict=True)]
    parts = [f for f in (first, second[extra]) if len(f)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)


def _unexplained(data: ModelData) -> pd.DataFrame:
    """A single finding for when no slack helps: the conflict is in rows outside the requirement families."""
    message = "the scenario stays infeasible with every requirement relaxed: a conflict among structural rows (a modelling error?)"
    return pd.DataFrame([("model", "all", data.years[0], float("nan"), "", message)], columns=COLUMNS)


def explain(compiled: CompiledModel, data: ModelData, *, time_limit: float = 10.0) -> pd.DataFrame:
    """Findings (``COLUMNS``) of an infeasible compiled model: the smallest violations that make it feasible.

    Rows: first the ``demand first`` view (demand unserved, EFLOP/s), then the ``caps`` view (which cap
    must rise, in MW, units, USD or t) for what the first did not already name. ``attrs["note"]`` says
    whether integrality was relaxed. ``time_limit`` (seconds) bounds each solve. Empty when no slack is
    needed even as a MIP (the model is feasible).
    """
    views = tuple(_weights(view) for view in VIEWS)
    for relax, note in ((True, LP_NOTE), (False, MIP_NOTE)):
        if not relax and compiled.form.n_integer == 0:
            break
        found = [_view(compiled, data, weights, relax, time_limit) for weights in views]
        if found[0] is None and found[1] is None:
            out = _unexplained(data)
        else:
            out = _merge(*(f if f is not None else pd.DataFrame(columns=COLUMNS) for f in found))
        if len(out):
            out.attrs["note"] = note
            return out
    out = pd.DataFrame(columns=COLUMNS)
    out.attrs["note"] = "no slack needed: the elastic problem is feasible as stated"
    return out


def summary(findings: pd.DataFrame, limit: int = 3) -> str:
    """The first ``limit`` messages joined, with a count of the rest: for an exception message."""
    head = "; ".join(findings.message.head(limit))
    rest = len(findings) - limit
    return head + (f"; and {rest} more" if rest > 0 else "")


# -- audit: bounds from the data alone -------------------------------------------------------------------------------------


def _usable_chips(data: ModelData, year: int) -> list[str]:
    """Chips with a vintage (modelled year on sale) active in ``year`` (its life covering the whole modelled year)."""
    out = []
    for c, row in data.chip.items():
        vintages = [v for v in data.years if row.first_year <= v <= row.last_year and data.horizon.in_service(v, row.lifetime_years, year)]
        if vintages:
            out.append(c)
    return out


def _pairs(data: ModelData, year: int) -> list[tuple[str, str, float]]:
    """(chip, site, EFLOP/s per MW of facility power) for chips usable in ``year`` at sites open-able by then."""
    out = []
    for c in _usable_chips(data, year):
        cr = data.chip[c]
        for s, sr in data.site.items():
            if sr.earliest_year <= year and (cr.cooling == "air" or sr.cooling == "liquid"):
                out.append((c, s, cr.pflops_per_unit / cr.it_kw_per_unit / sr.pue))
    return out


def _chip_supply_eflops(data: ModelData, year: int) -> float:
    """Most EFLOP/s the chip supply caps allow in ``year``: all units of every active vintage (EFLOP/s)."""
    total = 0.0
    for row in data.chip.values():
        for v in data.years:
            if row.first_year <= v <= row.last_year and data.horizon.in_service(v, row.lifetime_years, year):
                total += row.max_units_per_year * data.horizon.weights[v] * row.pflops_per_unit / 1000.0
    return total


def _audit_year(data: ModelData, year: int, demand: float) -> list[tuple]:
    """Findings for one year: demand (EFLOP/s) against the ceiling, chip supply and site-size bounds."""
    if demand <= 0:
        return []
    pairs = _pairs(data, year)
    if not pairs:
        last = year + data.horizon.weights[year] - 1
        span = f"{year}-{last}" if last > year else str(year)
        chip = f"no chip on sale by then, with a life lasting through {span},"
        msg = f"{year}: {_num(demand)} EFLOP/s demanded but {chip} fits a site open-able by then"
        return [("demand", "all regions", year, demand, "EFLOP/s", msg)]
    ceiling = float(data.scenario.settings.ceiling_mw)
    c, s, best = max(pairs, key=lambda p: p[2])
    cr = data.chip[c]
    out = []
    by_ceiling = ceiling * best  # MW x EFLOP/s per MW
    if demand > by_ceiling * (1 + REL_TOL):
        msg = (
            f"{year}: {_num(demand)} EFLOP/s demanded but the {_num(ceiling)} MW ceiling delivers at most {_num(by_ceiling)} EFLOP/s "
            f"with the best chip on sale by then ({c}, {cr.pflops_per_unit / cr.it_kw_per_unit:,.3g} PFLOP/s per kW IT) "
            f"at the best PUE ({data.site[s].pue:,.3g}, site {s}); the ceiling would need {_num(ceiling * demand / by_ceiling)} MW"
        )
        out.append(("ceiling", "all sites", year, demand - by_ceiling, "EFLOP/s", msg))
    by_supply = _chip_supply_eflops(data, year)
    if demand > by_supply * (1 + REL_TOL):
        msg = f"{year}: {_num(demand)} EFLOP/s demanded but every chip unit the supply caps allow delivers {_num(by_supply)} EFLOP/s"
        out.append(("chip supply", "all chips", year, demand - by_supply, "EFLOP/s", msg))
    best_site = defaultdict(float)
    for _, site_id, eff in pairs:
        best_site[site_id] = max(best_site[site_id], eff)
    by_sites = sum(data.site[k].max_mw * eff for k, eff in best_site.items())
    if demand > by_sites * (1 + REL_TOL):
        msg = f"{year}: {_num(demand)} EFLOP/s demanded but the sites open-able by then hold at most {_num(by_sites)} EFLOP/s at full size"
        out.append(("site capacity", "all sites", year, demand - by_sites, "EFLOP/s", msg))
    return out


def audit(data: ModelData) -> pd.DataFrame:
    """Years whose total demand (EFLOP/s) exceeds what the data allows, before any solve; each row proves infeasibility.

    Bounds per year: ceiling_mw x best EFLOP/s per MW (best usable chip's PFLOP/s per kW IT over the
    best PUE of a compatible site open-able by then); all chip units the supply caps allow; every
    open-able site at ``max_mw``. ``shortfall`` is demand minus the bound, in EFLOP/s.
    """
    totals: dict[int, float] = defaultdict(float)
    for (_, y), value in data.demand.items():
        if y in data.years:
            totals[y] += value
    records = [f for y in data.years for f in _audit_year(data, y, totals[y])]
    return pd.DataFrame(records, columns=COLUMNS)


__all__ = ["COLUMNS", "audit", "explain", "summary"]


def conflict(compiled: CompiledModel) -> pd.DataFrame:
    """An irreducible infeasible subset (IIS) of the LP relaxation's rows, from HiGHS.

    Returns one row per constraint in the conflict (``constraint``, ``index``), empty when the LP
    relaxation is feasible (the MIP's infeasibility then lies in integrality) or HiGHS finds none.
    """
    h = highs.new_highs()
    h.setOptionValue("iis_strategy", IIS_STRATEGY)
    h.passModel(highs.to_highs(compiled.form, relax=True))
    h.run()
    columns = ["constraint", "index"]
    if h.getModelStatus() != highs.highspy.HighsModelStatus.kInfeasible:
        return pd.DataFrame(columns=columns)
    _, iis = h.getIis()
    rows = [compiled.row_constraints[i][:2] for i in iis.row_index_] if iis.valid_ else []
    return pd.DataFrame(rows, columns=columns)
