"""Why a scenario has no plan: an elastic re-solve of the matrix, and a cheap audit before solving.

:func:`explain` copies the compiled standard form and adds one non-negative *slack* column to each
row of the requirement families. A slack loosens its row in the planner's direction:

=====================  ==========  =========  =====================================================
row                    requirement unit       slack
=====================  ==========  =========  =====================================================
``c_demand[r,y]``      demand      EFLOP/s    demand that goes unserved (requirement reduced)
``c_power_ceiling[y]`` ceiling     MW         facility power over the ceiling (cap raised)
``c_chip_supply[c,y]`` chip supply units      chip units over the yearly supply cap
``c_budget[y]``        budget      USD        capital over the yearly budget
``c_emissions[y]``     emissions   t          CO2 over the yearly cap
``c_link_capacity``    link        MW         flow over the link's capacity (plus expansion)
``c_site_capacity``    site        MW         facility power over what the site can be built to
``c_node_balance[n,y]`` supply     MW         power the node cannot get from supplies and links
=====================  ==========  =========  =====================================================

Column upper bounds that duplicate these caps (``v_install``: chip supply and site fit; ``v_flow``:
link capacity plus expansion) are lifted so the slack on the row can act.

**Penalties.** The elastic problem is a pure phase-1 problem: the plan's own costs are dropped and
only slack is penalised, so the reported violation is the smallest possible, never traded against
money. Each slack costs ``weight / scale`` per unit, where ``scale`` is shared by a family's rows
(largest |bound| of the family, at least 1; the ceiling in MW for every MW family) so amounts are
compared in planners' units inside a family and relative to the size of the cap across families.
Two views are solved:

* ``demand first``: demand weight 1, caps 100, node supply 10,000: how much demand cannot be met
  (and anything that must give even with demand cut).
* ``caps``: demand hard (no slack), caps weight 1, node supply 100 (power "from nowhere" is the last
  resort, after raising a link, the ceiling or the emission cap): which cap must rise by how much.

Both are LP relaxations (fast; whole chip units, blocks and openings ignored). When the LP needs no
slack but the MIP is infeasible (integrality is the cause), the views are re-solved as MIPs with a
short time limit. ``findings.attrs["note"]`` says which was used.

:func:`audit` bounds compute from the data alone (ceiling, chip supply, site sizes) and lists the
years whose demand exceeds a bound: each finding proves the scenario infeasible.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from gigawatt.model.compile import CompiledModel
from gigawatt.model.data import ModelData
from gigawatt.solvers import highs
from gigawatt.solvers.base import SolveOptions, StandardForm, TerminationCondition

COLUMNS = ["requirement", "entity", "year", "shortfall", "unit", "message"]
#: Variable components whose upper bounds repeat a cap that has a slack (lifted in the elastic copy).
LIFTED_UPPER = ("v_install", "v_flow")
LP_NOTE = "LP relaxation of the elastic problem: whole chip units, blocks and openings are relaxed"
MIP_NOTE = "elastic MIP (the LP relaxation needs no slack: whole units, blocks or openings cause the infeasibility)"
REL_TOL = 1e-6  # slack below REL_TOL x family scale counts as zero


@dataclass(frozen=True)
class _Family:
    """One requirement family: its name, unit, the slack's sign in the row, and how to describe a slack."""

    requirement: str
    unit: str
    sign: float  # +1 raises the row's activity (eases a >= or = row), -1 lowers it (eases a <= row)
    entity: Callable[[object], str]
    message: Callable[[object, float, float], str]  # (row key, slack, row bound) -> text
    mw: bool = False  # scaled by the ceiling (MW families compare in absolute MW)


#: HiGHS ``iis_strategy`` that returns a row conflict for an infeasible LP (0 returns none here).
IIS_STRATEGY = 2


def _num(value: float) -> str:
    """A planner-friendly number: one decimal below 100, thousands separators above."""
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def _year(key: object) -> int:
    """The modelled year in a row key (the first integer of the tuple, or the key itself)."""
    for part in key if isinstance(key, tuple) else (key,):
        if isinstance(part, int | np.integer):
            return int(part)
    raise ValueError(f"no year in row key {key!r}")


FAMILIES: dict[str, _Family] = {
    "c_demand": _Family(
        "demand",
        "EFLOP/s",
        +1.0,
        lambda k: f"region {k[0]}",
        lambda k, s, b: f"{k[1]}, region {k[0]}: {_num(s)} EFLOP/s of {_num(b)} cannot be served",
    ),
    "c_power_ceiling": _Family(
        "ceiling",
        "MW",
        -1.0,
        lambda k: "all sites",
        lambda k, s, b: f"{k}: the ceiling would need {_num(b + s)} MW ({_num(s)} MW over {_num(b)} MW)",
        mw=True,
    ),
    "c_chip_supply": _Family(
        "chip supply",
        "units",
        -1.0,
        lambda k: f"chip {k[0]}",
        lambda k, s, b: f"{k[1]}, chip {k[0]}: {_num(b + s)} units would be needed ({_num(s)} over the supply cap of {_num(b)})",
    ),
    "c_budget": _Family(
        "budget",
        "USD",
        -1.0,
        lambda k: "capital",
        lambda k, s, b: f"{k}: capital spending would need {b + s:,.0f} USD ({s:,.0f} USD over the budget of {b:,.0f} USD)",
    ),
    "c_emissions": _Family(
        "emissions",
        "t",
        -1.0,
        lambda k: "all supplies",
        lambda k, s, b: f"{k}: emissions would reach {_num(b + s)} t CO2 ({_num(s)} t over the cap of {_num(b)} t)",
    ),
    "c_link_capacity": _Family(
        "link capacity",
        "MW",
        -1.0,
        lambda k: f"link {k[0]} {k[2]}",
        lambda k, s, b: f"{k[1]}, link {k[0]} ({k[2]}): {_num(s)} MW more than its capacity of {_num(b)} MW (plus any expansion)",
        mw=True,
    ),
    "c_site_capacity": _Family(
        "site capacity",
        "MW",
        -1.0,
        lambda k: f"site {k[0]}",
        lambda k, s, b: f"{k[1]}, site {k[0]}: {_num(s)} MW more facility power than the site can be built to",
        mw=True,
    ),
    "c_node_balance": _Family(
        "supply",
        "MW",
        +1.0,
        lambda k: f"node {k[0]}",
        lambda k, s, b: f"{k[1]}, node {k[0]}: {_num(s)} MW of power cannot be delivered (supplies and links into the node are too small)",
        mw=True,
    ),
}
CAPS = tuple(name for name in FAMILIES if name not in ("c_demand", "c_node_balance"))
#: Slack weight per family in each view; a family left out has no slack (its rows stay hard).
DEMAND_FIRST = {"c_demand": 1.0, **dict.fromkeys(CAPS, 100.0), "c_node_balance": 1e4}
CAPS_ONLY = {**dict.fromkeys(CAPS, 1.0), "c_node_balance": 100.0}


@dataclass(frozen=True)
class _Slacks:
    """The elastic copy: its form, and per slack column the row it eases and that row's family."""

    form: StandardForm
    rows: np.ndarray  # original row of each slack column
    families: list[str]
    n_original: int


def _bound(form: StandardForm, row: int, family: _Family) -> float:
    """The bound a slack eases: the lower bound of a requirement (+1), the upper bound of a cap (-1)."""
    return float(form.row_lower[row] if family.sign > 0 else form.row_upper[row])


def _scales(compiled: CompiledModel, data: ModelData) -> dict[str, float]:
    """Per family, the size its slacks are measured against (the ceiling in MW for MW families)."""
    largest: dict[str, float] = defaultdict(lambda: 1.0)
    form = compiled.form
    for i, (name, _, _) in enumerate(compiled.row_constraints):
        if name in FAMILIES:
            b = abs(_bound(form, i, FAMILIES[name]))
            if np.isfinite(b):
                largest[name] = max(largest[name], b)
    ceiling = max(float(data.scenario.settings.ceiling_mw), 1.0)
    return {name: ceiling if fam.mw else largest[name] for name, fam in FAMILIES.items()}


def _lifted_upper(compiled: CompiledModel) -> np.ndarray:
    """Column upper bounds with those that repeat a slackened cap (``LIFTED_UPPER``) set to infinity."""
    upper = compiled.form.col_upper.copy()
    upper[compiled.columns(*LIFTED_UPPER)] = np.inf
    return upper


def _elastic(compiled: CompiledModel, weights: dict[str, float], scales: dict[str, float]) -> _Slacks:
    """Copy of the form with a penalised slack column per row of the weighted families; original costs dropped."""
    form = compiled.form
    rows = [i for i, (name, _, _) in enumerate(compiled.row_constraints) if name in weights]
    families = [compiled.row_constraints[i][0] for i in rows]
    signs = np.array([FAMILIES[f].sign for f in families])
    penalty = np.array([weights[f] / scales[f] for f in families])
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
    return _Slacks(elastic, np.asarray(rows, dtype=np.int64), families, n_cols)


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
    out = []
    for i, (name, key, _) in enumerate(compiled.row_constraints):
        if name not in CAPS or name == "c_site_capacity" or _year(key) != year:
            continue
        ub = form.row_upper[i]
        if np.isfinite(ub) and activity[i] >= ub - REL_TOL * max(1.0, abs(ub)):
            fam = FAMILIES[name]
            where = "" if isinstance(key, int | np.integer) else f" ({fam.entity(key)})"
            what = "ceiling" if name == "c_power_ceiling" else f"{fam.requirement} cap"
            out.append(f"the {_num(ub)} {fam.unit} {what}{where}")
    keys, cols = compiled.indexed_columns("v_draw")
    for (g, y), col in zip(keys, cols, strict=True):
        if y == year and x[col] >= form.col_upper[col] - REL_TOL * max(1.0, form.col_upper[col]):
            out.append(f"supply {g} at its {_num(form.col_upper[col])} MW")
    return out


def _findings(compiled: CompiledModel, data: ModelData, slacks: _Slacks, x: np.ndarray, scales: dict[str, float]) -> pd.DataFrame:
    """One finding per non-zero slack, in planners' words; demand findings name the caps they sit under."""
    records = []
    for j, (row, name) in enumerate(zip(slacks.rows, slacks.families, strict=True)):
        value = float(x[slacks.n_original + j])
        if value <= REL_TOL * scales[name]:
            continue
        fam = FAMILIES[name]
        key = compiled.row_constraints[row][1]
        year = _year(key)
        message = fam.message(key, value, _bound(compiled.form, row, fam))
        if name == "c_demand":
            binding = _binding_caps(compiled, x, year)
            message += f" under {', '.join(binding)}" if binding else ""
        records.append((fam.requirement, fam.entity(key), year, value, fam.unit, message))
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
    views = (DEMAND_FIRST, CAPS_ONLY)
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
    """Chips with a vintage (modelled year on sale) still active in ``year``."""
    out = []
    for c, row in data.chip.items():
        vintages = [v for v in data.years if row.first_year <= v <= row.last_year and v <= year < v + row.lifetime_years]
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
            if row.first_year <= v <= row.last_year and v <= year < v + row.lifetime_years:
                total += row.max_units_per_year * data.horizon.weights[v] * row.pflops_per_unit / 1000.0
    return total


def _audit_year(data: ModelData, year: int, demand: float) -> list[tuple]:
    """Findings for one year: demand (EFLOP/s) against the ceiling, chip supply and site-size bounds."""
    if demand <= 0:
        return []
    pairs = _pairs(data, year)
    if not pairs:
        msg = f"{year}: {_num(demand)} EFLOP/s demanded but no chip on sale by then fits a site open-able by then"
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
