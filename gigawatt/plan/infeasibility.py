"""Why a scenario has no plan: an elastic re-solve of the matrix, and a cheap audit before solving.

:func:`explain` copies the compiled standard form and adds one non-negative *slack* column to each
row of the requirement families. A slack loosens its row in the planner's direction:

Which rows get a slack, in which direction, with which weight and wording, is declared by each row's
family (:class:`gigawatt.model.family.Slack`); today: demand unserved (``c_demand``, EFLOP/s), facility
power over the ceiling (``c_power_ceiling``, MW), chip units over the supply cap (``c_chip_supply``),
capital over the budget (``c_budget``, USD), the plan's discounted cost over ``budget_usd`` (``c_budget_total``,
USD), CO2 over the cap (``c_emissions``, t), flow over a link's capacity (``c_link_capacity``, MW), facility power
over what a site can be built to (``c_site_capacity``, MW), capacity added faster than a construction ramp allows (``c_site_ramp``,
``c_national_ramp``, MW; weighted below the other caps in the ``caps`` view, so a build held back by
the pace of construction is named as the ramp) and power a node cannot get (``c_node_balance``, MW).

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

**Joint changes, checked.** Each view's non-zero slacks are one *option*: changes needed together
(the slacks of one solution), never a menu of alternatives; one change alone may not be enough (for
``scenarios/pool`` at 4,000 MW the ceiling must rise *and* chip supply caps with it). Amounts are rounded up
to the figures shown, then the option is applied to the model (:func:`relaxed`: each row's bound eased
by its amount) and re-solved: the LP relaxation, then the MIP, for feasibility only. When the MIP is
infeasible with the LP's amounts (whole units need more), the view's elastic MIP gives larger amounts,
kept only if their re-solve finds a solution. ``check`` states what was shown (a
:class:`Verdict`); each message ends by saying whether its change suffices alone or is one of several
needed together, so a single line read alone does not mislead.

:func:`audit` bounds compute from the data alone (ceiling, chip supply, site sizes) and lists the
years whose demand exceeds a bound: each finding proves the scenario infeasible.
"""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import sparse

from gigawatt.matrix.compile import CompiledModel
from gigawatt.model import families
from gigawatt.model.data import ModelData
from gigawatt.model.family import Rows, Slack
from gigawatt.solvers import highs
from gigawatt.solvers.base import SolveOptions, StandardForm, TerminationCondition

#: ``option``: the view whose joint change the row belongs to (``demand_first``, ``caps``), or ``audit``;
#: ``check``: what re-solving with the option's changes showed; ``change``: the message without the
#: together/alone remark; ``constraint`` and ``key``: the row the change eases.
COLUMNS = ["requirement", "entity", "year", "shortfall", "unit", "message", "option", "check", "change", "constraint", "key"]
#: Each explanation option, in planners' words.
OPTIONS = {"demand_first": "serve less demand", "caps": "meet all demand and raise caps"}
AUDIT_HEADING = "before any solve, each of these alone proves there is no plan"
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


def _solve(slacks: _Slacks, relax: bool, options: SolveOptions) -> np.ndarray | None:
    """Slack values of the elastic problem (None when HiGHS finds no solution)."""
    result = highs.solve(slacks.form, options, relax=relax)
    if result.x is None or result.termination not in (TerminationCondition.OPTIMAL, TerminationCondition.TIME_LIMIT):
        return None
    return result.x


#: Columns of one kind at their upper bound named one by one up to this many; more are counted instead.
AT_UPPER_LISTED = 3


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
        at_upper = []
        for key, col in zip(keys, cols, strict=True):
            fields = dict(zip(spec.index, key if isinstance(key, tuple) else (key,), strict=True))
            if fields.get("year") == year and x[col] >= form.col_upper[col] - REL_TOL * max(1.0, form.col_upper[col]):
                at_upper.append(spec.at_upper.format_map({**fields, "bound": _num(form.col_upper[col])}))
        if len(at_upper) > AT_UPPER_LISTED and spec.at_upper_many is not None:
            at_upper = [spec.at_upper_many.format(n=len(at_upper))]
        out += at_upper
    return out


def _amount(value: float, bound: float, sign: float) -> float:
    """``value`` rounded up to the precision it is shown with: 1 when it or the eased bound reaches 100, else 0.1.

    Easing a bound further keeps a feasible problem feasible, so the rounded amount still works; the
    explanation states, and the check applies, exactly the amount shown.
    """
    grid = 1.0 if max(abs(value), abs(bound - sign * value)) >= 100 else 0.1
    return round(math.ceil(value / grid - 1e-6) * grid, 1)


def _findings(compiled: CompiledModel, slacks: _Slacks, x: np.ndarray, scales: dict[str, float]) -> pd.DataFrame:
    """One change per non-zero slack (rounded up, :func:`_amount`), in planners' words; option and check left blank."""
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
        amount = _amount(value, bound, slack.sign)
        change = slack.message.format_map(
            {**fields, "slack": _num(amount), "bound": _num(bound), "total": _num(bound - slack.sign * amount)}
        )
        if slack.under_caps:
            binding = _binding_caps(compiled, x, year)
            change += f" under {', '.join(binding)}" if binding else ""
        entity = slack.entity.format_map(fields) if slack.entity else rows.describe(key)
        records.append((slack.requirement, entity, year, amount, rows.unit, change, "", "", change, name, key))
    return pd.DataFrame(records, columns=COLUMNS)


def relaxed(compiled: CompiledModel, findings: pd.DataFrame) -> StandardForm:
    """The compiled form with the changes of ``findings`` (rows of one option of :func:`explain`) applied.

    Each change eases its row's bound by ``shortfall``: a requirement's lower bound drops by it, a cap's
    upper bound rises by it. Column upper bounds that repeat a cap are lifted, as in the elastic problem
    (the row keeps the cap). Solving this form says whether the changes together make the model feasible.
    """
    form = compiled.form
    where = {(name, key): i for i, (name, key, _) in enumerate(compiled.row_constraints)}
    slacked = _slacked()
    lower, upper = form.row_lower.copy(), form.row_upper.copy()
    for name, key, amount in zip(findings.constraint, findings.key, findings.shortfall, strict=True):
        i = where[name, key]
        if slacked[name].slack.sign > 0:  # type: ignore[union-attr]
            lower[i] -= amount
        else:
            upper[i] += amount
    return replace(form, row_lower=lower, row_upper=upper, col_upper=_lifted_upper(compiled))


class Verdict(enum.Enum):
    """What re-solving the model with an option's changes showed."""

    FEASIBLE = "feasible"  # a solution exists with the changes (whole units, blocks and openings included)
    ROUNDED = "rounded"  # feasible with the elastic MIP's amounts, after the LP relaxation's fell short
    LP_ONLY = "lp_only"  # the LP relaxation is feasible; the MIP found no solution (nor proved none) in time
    SHORT = "short"  # the LP relaxation is feasible, the MIP is not, and no larger change was found in time
    UNCONFIRMED = "unconfirmed"  # not even the LP relaxation was shown feasible

    def text(self, seconds: float, n: int) -> str:
        """The verdict on ``n`` changes in planners' words; ``seconds`` is the time limit of each re-solve."""
        these = "this change" if n == 1 else "these changes"
        whole = "whole units, blocks and openings"
        return {
            Verdict.FEASIBLE: f"checked: feasible with {these}",
            Verdict.ROUNDED: f"checked: feasible with {these} ({whole} need more than the LP relaxation's amounts)",
            Verdict.LP_ONLY: f"checked: the LP relaxation is feasible with {these}; {whole} not confirmed within {seconds:g} s",
            Verdict.SHORT: f"checked: the LP relaxation is feasible with {these}, but {whole} need more (none found in {seconds:g} s)",
            Verdict.UNCONFIRMED: f"not confirmed: the re-solve with {these} found no solution within {seconds:g} s",
        }[self]


def _check(compiled: CompiledModel, findings: pd.DataFrame, options: SolveOptions) -> Verdict:
    """Re-solve the model with the changes of ``findings`` applied: its LP relaxation, then (if it has integers) the MIP.

    Only feasibility matters, so the objective is dropped (a MIP then stops at its first solution).
    """
    form = relaxed(compiled, findings)
    form = replace(form, c=np.zeros(form.shape[1]), offset=0.0)
    form = compiled.scaling.apply(form) if compiled.scaling is not None else form
    if highs.solve(form, options, relax=True).termination is not TerminationCondition.OPTIMAL:
        return Verdict.UNCONFIRMED
    if form.n_integer == 0:
        return Verdict.FEASIBLE
    result = highs.solve(form, options)
    if result.has_solution:
        return Verdict.FEASIBLE
    infeasible = result.termination in (TerminationCondition.INFEASIBLE, TerminationCondition.INFEASIBLE_OR_UNBOUNDED)
    return Verdict.SHORT if infeasible else Verdict.LP_ONLY


def _stated(findings: pd.DataFrame, view: str, verdict: Verdict, seconds: float) -> pd.DataFrame:
    """``findings`` as one option: its view, the check, and each message saying whether the change works alone or together."""
    n = len(findings)
    check = verdict.text(seconds, n)
    if n > 1:
        suffix = f" (one of {n} changes needed together; {check})"
    elif verdict in (Verdict.FEASIBLE, Verdict.ROUNDED):
        suffix = " (this change alone suffices, checked)"
    else:
        suffix = f" (the only change found; {check})"
    return findings.assign(option=view, check=check, message=findings.change + suffix)


def _option(compiled: CompiledModel, data: ModelData, view: str, relax: bool, options: SolveOptions) -> pd.DataFrame | None:
    """The joint change of one elastic view, checked by re-solving (None when even the elastic problem has no solution).

    The LP relaxation's amounts come first; when the MIP is infeasible with them (whole units need more),
    the elastic MIP's amounts are tried instead and kept if the re-solve confirms them.
    """
    scales = _scales(compiled, data)
    slacks = _elastic(compiled, _weights(view), scales)
    x = _solve(slacks, relax, options)
    if x is None:
        return None
    findings = _findings(compiled, slacks, x, scales)
    if findings.empty:
        return findings
    verdict = _check(compiled, findings, options)
    if verdict is Verdict.SHORT and relax:
        x = _solve(slacks, False, options)
        whole = None if x is None else _findings(compiled, slacks, x, scales)
        if whole is not None and len(whole) and _check(compiled, whole, options) is Verdict.FEASIBLE:
            findings, verdict = whole, Verdict.ROUNDED
    return _stated(findings, view, verdict, float(options.time_limit or 0.0))


def _distinct(found: list[pd.DataFrame | None]) -> pd.DataFrame:
    """The options in order, leaving out one that repeats the changes of an earlier one."""
    kept: list[pd.DataFrame] = []
    seen: set[frozenset] = set()
    for table in found:
        if table is None or table.empty:
            continue
        changes = frozenset(zip(table.constraint, table.key, table.shortfall, strict=True))
        if changes not in seen:
            seen.add(changes)
            kept.append(table)
    return pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=COLUMNS)


def _unexplained(data: ModelData) -> pd.DataFrame:
    """A single finding for when no slack helps: the conflict is in rows outside the requirement families."""
    message = "the scenario stays infeasible with every requirement relaxed: a conflict among structural rows (a modelling error?)"
    return pd.DataFrame([("model", "all", data.years[0], float("nan"), "", message, "structural", "", message, "", None)], columns=COLUMNS)


def explain(compiled: CompiledModel, data: ModelData, *, time_limit: float = 10.0, threads: int | None = None) -> pd.DataFrame:
    """Findings (``COLUMNS``) of an infeasible compiled model: joint changes that make it feasible, each checked.

    Up to two options, each a set of changes needed together (``option``): ``demand_first`` (serve less
    demand, EFLOP/s, and ease what must give even then) and ``caps`` (meet all demand; which caps must
    rise, in MW, units, USD or t). An option repeating an earlier one is left out. Amounts
    (``shortfall``) are rounded up to the figures shown; ``check`` says what re-solving the model with
    the option's changes applied (:func:`relaxed`) showed, and each ``message`` says whether its change
    suffices alone or is one of several needed together. ``attrs["note"]`` says whether the elastic
    problem relaxed integrality. ``time_limit`` (seconds) and ``threads`` apply to each solve. Empty
    when no slack is needed even as a MIP (the model is feasible).
    """
    options = SolveOptions(time_limit=time_limit, mip_gap=1e-6, threads=threads)
    for relax, note in ((True, LP_NOTE), (False, MIP_NOTE)):
        if not relax and compiled.form.n_integer == 0:
            break
        found = [_option(compiled, data, view, relax, options) for view in VIEWS]
        out = _unexplained(data) if all(f is None for f in found) else _distinct(found)
        if len(out):
            out.attrs["note"] = note
            return out
    out = pd.DataFrame(columns=COLUMNS)
    out.attrs["note"] = "no slack needed: the elastic problem is feasible as stated"
    return out


def groups(findings: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """The findings as (heading, items) per option, in order: an explanation's joint changes, or an audit's proofs."""
    out = []
    options = list(dict.fromkeys(findings.option))
    for i, option in enumerate(options):
        group = findings[findings.option == option]
        if option not in OPTIONS:
            out.append((AUDIT_HEADING if option == "audit" else "", list(group.message)))
            continue
        together = "this change alone" if len(group) == 1 else f"these {len(group)} changes together"
        lead = ("either " if len(options) > 1 else "") if i == 0 else "or "
        out.append((f"{lead}{OPTIONS[option]}, {together} ({group.check.iloc[0]})", list(group.change)))
    return out


def summary(findings: pd.DataFrame, limit: int = 3) -> str:
    """One line for an exception message: per option its heading and first ``limit`` changes, with a count of the rest."""
    parts = []
    for heading, items in groups(findings):
        listed = "; ".join(items[:limit]) + (f"; and {len(items) - limit} more" if len(items) > limit else "")
        parts.append(f"{heading}: {listed}" if heading else listed)
    return ". ".join(parts)


# -- audit: bounds from the data alone -------------------------------------------------------------------------------------


def _vintages(data: ModelData, chip: str, year: int) -> list[int]:
    """Modelled years ``chip`` is on sale in whose vintage is active in ``year`` (its life covering the whole modelled year)."""
    row = data.chip[chip]
    return [v for v in data.years if row.first_year <= v <= row.last_year and data.horizon.in_service(v, row.lifetime_years, year)]


def _usable_chips(data: ModelData, year: int) -> list[str]:
    """Chips with a vintage active in ``year``."""
    return [c for c in data.chip if _vintages(data, c, year)]


def _pairs(data: ModelData, year: int) -> list[tuple[str, str, float]]:
    """(chip, site, EFLOP/s per MW of facility power) for chips usable in ``year`` at sites open-able by then."""
    out = []
    for c in _usable_chips(data, year):
        cr = data.chip[c]
        for s, sr in data.site.items():
            if sr.earliest_year <= year and (cr.cooling == "air" or sr.cooling == "liquid"):
                out.append((c, s, cr.pflops_per_unit / cr.it_kw_per_unit / sr.pue_peak))
    return out


def _chip_supply_eflops(data: ModelData, year: int) -> float:
    """Most EFLOP/s the chip supply caps allow in ``year``: all units of every active vintage (EFLOP/s)."""
    total = 0.0
    for c, row in data.chip.items():
        for v in _vintages(data, c, year):
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
            f"at the best peak PUE ({data.site[s].pue_peak:,.3g}, site {s}); "
            f"the ceiling would need at least {_num(ceiling * demand / by_ceiling)} MW"
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
    """Years whose total strict demand (EFLOP/s, rows without a value) exceeds what the data allows, before any solve;
    each row proves infeasibility.

    Bounds per year: ceiling_mw x best EFLOP/s per MW (best usable chip's PFLOP/s per kW IT over the
    best PUE of a compatible site open-able by then); all chip units the supply caps allow; every
    open-able site at ``max_mw``. ``shortfall`` is demand minus the bound, in EFLOP/s.
    """
    totals: dict[int, float] = defaultdict(float)
    for (r, y), value in data.demand.items():
        if y in data.years and (r, y) not in data.demand_value:  # valued demand may go unserved
            totals[y] += value
    records = [(*f, "audit", "", f[5], "", None) for y in data.years for f in _audit_year(data, y, totals[y])]
    return pd.DataFrame(records, columns=COLUMNS)


__all__ = ["COLUMNS", "OPTIONS", "Verdict", "audit", "conflict", "explain", "groups", "relaxed", "summary"]


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
