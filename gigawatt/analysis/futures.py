r"""Two-stage plans: what to commit now, not knowing which future comes, and what each future then does.

``gw.two_stage(scn, futures, commit_year=2027)`` (``gigawatt solve SCENARIO --futures FILE``):

* **Here and now.** Every decision the families declare a *commitment* (campus openings and blocks, chip
  units, early retirements, grid tranches, on-site units, supply contracts, link expansion;
  :attr:`gigawatt.model.family.Variables.commitment`) in the years up to ``commit_year`` is one decision
  shared by every future; everything after it, and every operating decision, is each future's recourse.
  One extensive-form MIP (:mod:`gigawatt.matrix.extensive`): each future's model built as a deterministic
  one is, its shared columns merged, solved with the same strategies (``phased``, ``shortlist``).
* **Objective.** Expected cost :math:`\sum_f p_f C_f`, plus ``cvar_weight`` :math:`\lambda` times the
  conditional value at risk of the cost at level ``alpha`` (the mean of the worst :math:`1-\alpha` of
  outcomes).
* **What it is worth.** With :math:`z^*_f` the cost of future :math:`f`'s own optimum (*wait and see*, each
  solved alone: in this process, or as Dask tasks with ``workers``, ``client`` or ``scheduler``):

  .. math::

      EVPI = \sum_f p_f C_f - \sum_f p_f z^*_f \qquad VSS = \sum_f p_f C^{EV}_f - \sum_f p_f C_f

  where :math:`C^{EV}_f` is the cost in future :math:`f` of committing what the *expected-value future*
  (each override replaced by its mean, :meth:`gigawatt.scenario.futures.Futures.expected_overrides`) would
  commit, the rest re-optimised in :math:`f`. Both are at least 0 when every solve is optimal; with gaps each
  comes with the range the bounds allow. A commitment of the expected-value future that some future cannot
  make (a chip not on sale there yet) is dropped in that future at no cost, so VSS is then a lower bound (and
  ``notes`` says so). ``regret`` is :math:`C_f - z^*_f` per future.

Every future's plan is a full :class:`~gigawatt.Plan` and is verified on its own by :mod:`gigawatt.plan.verify`;
:func:`shared_differences` checks from the plan tables alone that the commitments agree across futures.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from gigawatt.analysis._parallel import dask_client
from gigawatt.errors import InfeasibleScenario, NoPlan, OptionError
from gigawatt.matrix.compile import CompiledModel, compile_model
from gigawatt.matrix.extensive import ExtensiveForm, cvar, extensive_form, future_costs
from gigawatt.matrix.scaling import choose_scaling
from gigawatt.model import ModelOptions, build_model
from gigawatt.model.families import variables
from gigawatt.model.shortlist import COVERAGES, shortlist
from gigawatt.plan.extract import extract_tables, objective_usd
from gigawatt.plan.infeasibility import audit, summary
from gigawatt.plan.plan import Plan
from gigawatt.scenario import Scenario
from gigawatt.scenario.futures import Future, Futures, load_futures
from gigawatt.solvers import registry, stop
from gigawatt.solvers.base import SolveResult, TerminationCondition
from gigawatt.strategies import STRATEGIES, Columns, choose

#: Plan-table columns that record a commitment, by table, with the columns naming its entity: what
#: :func:`shared_differences` compares across futures in the years up to the commitment year. Supply contracts
#: are left out: the supplies table's available MW is also the capacity of supplies nobody contracts, which a
#: future may change.
COMMITTED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sites": (("site_id",), ("open", "blocks")),
    "chips": (("chip_id", "site_id"), ("installed_units", "retired_units")),
    "links": (("link_id",), ("expansion_mw", "built")),
    "onsite": (("site_id", "tech_id"), ("units", "retired_units")),
    "interconnection": (("tranche_id",), ("taken",)),
}
#: A two-stage plan's gap above which the summary says its figures are rough.
ROUGH_GAP = 0.01
#: Two committed values closer than this (units of the column) are the same.
SHARED_TOLERANCE = 1e-6


#: Each future's built Pyomo model and its compiled form, in the futures' order.
Built = tuple[list[pyo.ConcreteModel], list[CompiledModel]]


@dataclass(frozen=True)
class Stage:
    """One solve of futures: their plans (by future id), the result, and the shared decisions' values by key."""

    plans: dict[str, Plan]
    result: SolveResult
    shared: dict[Hashable, float]
    built: Built
    unmet: tuple[Hashable, ...] = ()

    def costs(self, futures: Futures) -> np.ndarray:
        """Each future's cost [USD], in the order of ``futures``."""
        return np.array([self.plans[f].objective for f in futures.ids])


@dataclass
class TwoStagePlan:
    """A two-stage plan and what it is worth (see the module docstring).

    ``plans`` holds each future's plan (the shared commitments plus its recourse), ``commitments`` the
    decisions shared by all futures, ``regret`` the table per future, ``evpi_usd`` and ``vss_usd`` the
    figures (None when they could not be worked out: ``notes`` says why) with their ranges.
    """

    scenario: Scenario
    futures: Futures
    commit_year: int
    cvar_weight: float
    alpha: float
    plans: dict[str, Plan]
    status: str
    objective_usd: float
    bound_usd: float | None
    seconds: float
    model_size: dict[str, int]
    commitments: pd.DataFrame
    regret: pd.DataFrame = field(default_factory=pd.DataFrame)
    evpi_usd: float | None = None
    evpi_range_usd: tuple[float, float] | None = None
    vss_usd: float | None = None
    vss_range_usd: tuple[float, float] | None = None
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False
    risk_table: pd.DataFrame | None = None
    solve_options: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def probabilities(self) -> np.ndarray:
        return np.array([f.probability for f in self.futures])

    @property
    def costs_usd(self) -> pd.Series:
        """Each future's cost under this plan [USD, discounted]."""
        return pd.Series({fid: plan.objective for fid, plan in self.plans.items()}, name="cost_usd")

    @property
    def expected_cost_usd(self) -> float:
        return float(self.probabilities @ self.costs_usd.to_numpy())

    @property
    def cvar_usd(self) -> float:
        """The conditional value at risk of the cost at level ``alpha`` [USD]."""
        return cvar(self.costs_usd.to_numpy(), self.probabilities, self.alpha)

    @property
    def gap(self) -> float | None:
        if self.bound_usd is None or not self.objective_usd:
            return None
        return max(0.0, (self.objective_usd - self.bound_usd) / abs(self.objective_usd))

    def verify(self) -> dict[str, list]:
        """Each future's violations (:meth:`Plan.verify`), plus ``shared`` when commitments differ across futures."""
        found = {fid: plan.verify() for fid, plan in self.plans.items()}
        differ = shared_differences(self.plans, self.commit_year)
        return {**found, "shared": differ} if differ else found

    def risk(self, weights: Sequence[float] = (0.0, 0.5, 1.0), built: Built | None = None) -> pd.DataFrame:
        """The plan re-solved for each CVaR weight: expected cost, CVaR and the worst future's cost, side by side [USD]
        (``built``: the futures' models, when the caller still holds them)."""
        rows = []
        p = self.probabilities
        for weight in weights:
            options = dict(self.solve_options)
            stage = solve_stage(self.scenario, self.futures, self.commit_year, options, cvar_weight=weight, alpha=self.alpha, built=built)
            costs = stage.costs(self.futures)
            rows.append(
                {
                    "cvar_weight": weight,
                    "expected_cost_usd": float(p @ costs),
                    "cvar_usd": cvar(costs, p, self.alpha),
                    "worst_cost_usd": float(costs.max()),
                    "status": stage.result.termination.value,
                }
            )
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """The commit-now decisions, each future's cost, EVPI, VSS and the regret per future, in text."""
        b = 1e9
        lines = [
            f"Two-stage plan for {self.scenario.name!r}: {len(self.futures)} futures, commitments up to {self.commit_year} shared",
            f"  status {self.status}, gap {_pct(self.gap)}, {self.seconds:.1f} s; extensive form "
            f"{self.model_size['columns']:,} columns x {self.model_size['rows']:,} rows ({self.model_size['integers']:,} integer)",
            f"  expected cost {self.expected_cost_usd / b:,.2f} B USD; CVaR at {self.alpha:.0%} {self.cvar_usd / b:,.2f} B USD"
            + (f" (objective weighs it x{self.cvar_weight:g})" if self.cvar_weight else ""),
            f"  EVPI {_range(self.evpi_usd, self.evpi_range_usd)}   (what knowing the future in advance would save)",
            f"  VSS  {_range(self.vss_usd, self.vss_range_usd)}   (what planning for every future saves over planning for the mean one)",
            "",
            f"Commit now (up to {self.commit_year}):",
        ]
        lines += _commitment_lines(self.commitments) or ["  nothing"]
        table = self.per_future()
        lines += ["", "Per future (B USD):", _indent(table.assign(**_in_b(table)).to_string(index=False))]
        if self.risk_table is not None:
            risk = self.risk_table
            lines += ["", f"CVaR at {self.alpha:.0%} against the mean (B USD):", _indent(risk.assign(**_in_b(risk)).to_string(index=False))]
        bad = {k: v for k, v in self.verify().items() if v}
        if bad:
            lines += ["", "NOT verified:"] + [f"  {fid}: {len(found)} violations, e.g. {found[0]}" for fid, found in bad.items()]
        else:
            lines += ["", "Verified: every future's plan passes the independent check, and the commitments agree."]
        if self.gap is not None and self.gap > ROUGH_GAP:
            lines.append(
                f"Note: the two-stage plan is proven only within {self.gap:.1%}, so its cost, EVPI and VSS are rough "
                "(see their ranges): give it more time (time_limit, --time-limit)"
            )
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def per_future(self) -> pd.DataFrame:
        """One row per future: probability and cost, with the figures of :attr:`regret` once evaluated [USD]."""
        if not self.regret.empty:
            return self.regret
        return pd.DataFrame({"future_id": self.futures.ids, "probability": self.probabilities, "cost_usd": self.costs_usd.to_numpy()})

    def report(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """An offline HTML page: the summary, the decisions to commit now, each future, and power per year by future."""
        from gigawatt.plot import futures_report

        power = pd.concat([p.power.assign(run_id=fid) for fid, p in self.plans.items()], ignore_index=True)
        title = f"Two-stage plan for {self.scenario.name} over {len(self.futures)} futures"
        table = self.per_future().assign(description=[f.description for f in self.futures])
        return futures_report(self.summary(), self.commitments, table, power, path, title=title, risk=self.risk_table, overwrite=overwrite)

    def __repr__(self) -> str:
        return f"TwoStagePlan({self.scenario.name!r}, futures={self.futures.ids}, commit_year={self.commit_year}, status={self.status!r})"


def two_stage(
    scenario: Scenario,
    futures: Futures | Mapping[str, tuple[float, Mapping[str, object]]] | str | Path,
    *,
    commit_year: int | None = None,
    cvar_weight: float = 0.0,
    alpha: float = 0.9,
    evaluate: bool = True,
    risk_weights: Sequence[float] = (),
    workers: int = 0,
    client: object | None = None,
    scheduler: str | None = None,
    **solve_options: object,
) -> TwoStagePlan:
    """The two-stage plan of ``scenario`` over ``futures`` (a :class:`Futures`, ``{id: (probability, overrides)}``
    or a ``futures.csv`` path), commitments shared up to ``commit_year`` (default: the first modelled year).

    ``evaluate`` also solves each future alone and the expected-value future (EVPI, VSS, regret); ``risk_weights``
    re-solves for each CVaR weight given (:meth:`TwoStagePlan.risk`, kept in ``risk_table``);
    ``workers`` > 0, ``client`` or ``scheduler`` solve the futures alone as Dask tasks. ``solve_options``
    (``time_limit``, ``mip_gap``, ``threads``, ``strategy``, ``solver``) apply to every solve; without a
    ``time_limit``, a solve of several futures at once gets the scenario's limit once per future.
    """
    if isinstance(futures, str | Path):
        futures = load_futures(futures, scenario)
    futures = Futures.of(futures)
    first, last = scenario.settings.years[0], scenario.settings.years[-1]
    commit_year = first if commit_year is None else commit_year
    if isinstance(commit_year, bool) or not isinstance(commit_year, int) or not first <= commit_year <= last:
        raise OptionError("commit_year", f"{commit_year!r}: expected a year from {first} to {last}")
    if isinstance(cvar_weight, bool) or not isinstance(cvar_weight, int | float) or not cvar_weight >= 0:
        raise OptionError("cvar_weight", f"{cvar_weight!r}: expected a number >= 0")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 <= alpha < 1:
        raise OptionError("alpha", f"{alpha!r}: expected a level >= 0 and < 1")
    if any(isinstance(w, bool) or not isinstance(w, int | float) or not 0 <= w < float("inf") for w in risk_weights):
        raise OptionError("risk_weights", f"{list(risk_weights)!r}: expected CVaR weights, numbers >= 0")
    options = {"duals": False, **solve_options}
    with stop.handling():  # Ctrl-C ends the solve under way with its best plan, and skips what comes after
        t0 = time.perf_counter()
        stage = solve_stage(scenario, futures, commit_year, options, cvar_weight=cvar_weight, alpha=alpha)
        seconds = time.perf_counter() - t0
        out = _two_stage_plan(scenario, futures, commit_year, float(cvar_weight), float(alpha), stage, seconds, options)
        if evaluate and not stop.requested():
            _evaluate(out, stage, options, workers, client, scheduler)
        if risk_weights and not stop.requested():
            out.risk_table = out.risk(risk_weights, built=stage.built)
        out.interrupted = stop.requested()
        if out.interrupted:
            out.notes.append("interrupted (Ctrl-C): the best plan found so far" + (", without EVPI and VSS" if evaluate else ""))
    return out


def _two_stage_plan(
    scenario: Scenario,
    futures: Futures,
    commit_year: int,
    cvar_weight: float,
    alpha: float,
    stage: Stage,
    seconds: float,
    options: dict[str, object],
) -> TwoStagePlan:
    """The :class:`TwoStagePlan` of a solved stage, before EVPI and VSS."""
    result = stage.result
    return TwoStagePlan(
        scenario=scenario,
        futures=futures,
        commit_year=commit_year,
        cvar_weight=cvar_weight,
        alpha=alpha,
        plans=stage.plans,
        status=result.termination.value,
        objective_usd=objective_usd(result.objective),  # type: ignore[arg-type]
        bound_usd=objective_usd(result.bound),
        seconds=seconds,
        model_size=next(iter(stage.plans.values())).metadata["model_size"],  # type: ignore[arg-type]
        commitments=commitments(stage.shared),
        solve_options=options,
    )


def solve_stage(
    scenario: Scenario,
    futures: Futures,
    commit_year: int,
    options: Mapping[str, object],
    *,
    cvar_weight: float = 0.0,
    alpha: float = 0.9,
    fixed: Mapping[Hashable, float] | None = None,
    built: Built | None = None,
) -> Stage:
    """Build (unless ``built``), stack, solve and read back the extensive form of ``futures`` (``fixed``: the shared
    decisions held). The time limit covers the whole call; without one in ``options``, the scenario's limit times the
    number of futures."""
    from gigawatt.solving import LEAST_SEARCH_S, SolveRequest, column_roles

    t0 = time.perf_counter()
    request = SolveRequest.from_keywords(**options)
    mopts = request.model_options()
    models, compiled = built or build_futures(scenario, futures, mopts)
    shared = [shared_columns(cm, commit_year) for cm in compiled]
    probabilities = [f.probability for f in futures]
    ef = extensive_form([cm.form for cm in compiled], probabilities, shared, cvar_weight=cvar_weight, alpha=alpha, fixed=fixed)
    defaults = scenario.settings.solver
    name = request.solver or defaults.name
    sopts = request.solve_options(defaults)
    chosen = choose(ef.form) if request.strategy == "auto" else request.strategy
    shortlists = [shortlist(models[0].data, c) for c in COVERAGES] if chosen == "shortlist" else []
    if request.time_limit is None and sopts.time_limit is not None:  # the scenario's limit is for one future: one each
        sopts = dataclasses.replace(sopts, time_limit=sopts.time_limit * len(futures))
    if sopts.time_limit is not None:  # the limit covers building the futures and stacking them too
        left = sopts.time_limit - (time.perf_counter() - t0)
        sopts = dataclasses.replace(sopts, time_limit=max(left, LEAST_SEARCH_S))
    groups = _groups(ef, [column_roles(cm) for cm in compiled])
    result, strategy = _solve(ef, name, sopts, chosen, groups, shortlists)
    strategy["requested"] = request.strategy
    label = "the two-stage plan" if len(futures) > 1 else f"future {futures.ids[0]!r}"
    if not result.has_solution or result.x is None:
        message = f"no plan for {label} of scenario {scenario.name!r}: solver stopped with '{result.termination.value}'"
        if result.termination in (TerminationCondition.INFEASIBLE, TerminationCondition.INFEASIBLE_OR_UNBOUNDED):
            raise InfeasibleScenario(message)
        raise NoPlan(message, result.termination.value)
    xs = ef.split(result.x)
    costs = future_costs([cm.form for cm in compiled], xs)
    plans = {}
    integer = mopts.integer_units and not mopts.relax
    for future, m, cm, x, cost in zip(futures, models, compiled, xs, costs, strict=True):
        tables = extract_tables(cm, m.data, m.ledger, x, integer_units=integer, relaxed=mopts.relax)
        meta = {
            "scenario_hash": m.data.scenario.hash,
            "overrides": list(m.data.scenario.overrides),
            "future": future.future_id,
            "probability": future.probability,
            "commit_year": commit_year,
            "solver": result.solver,
            "model_size": ef.form.size(),
            "strategy": strategy,
        }
        plans[future.future_id] = Plan(
            scenario=m.data.scenario,
            tables=tables,
            status=result.termination.value,
            solution=result.solution.value,
            objective=objective_usd(float(cost)),  # type: ignore[arg-type]
            bound=None,
            gap=None,
            timings={"solve": result.seconds},
            options={**mopts.as_dict(), **sopts.as_dict()},
            metadata=meta,
            log=result.log,
        )
    values = {key: float(result.x[col]) for key, col in ef.shared.items()}
    return Stage(plans, result, values, (models, compiled), ef.unmet)


def build_futures(scenario: Scenario, futures: Futures, mopts: ModelOptions) -> Built:
    """Each future's model and its compiled form; :class:`InfeasibleScenario` naming a future its data alone rule out."""
    models, compiled = [], []
    for future in futures:
        m = build_model(future.scenario(scenario), mopts)
        proof = audit(m.data)
        if len(proof):
            raise InfeasibleScenario(f"no plan in future {future.future_id!r}: {summary(proof)}", proof)
        models.append(m)
        compiled.append(compile_model(m, scaling="off"))
    return models, compiled


def shared_columns(cm: CompiledModel, commit_year: int) -> dict[Hashable, int]:
    """The columns of ``cm`` that are commitments in a year up to ``commit_year``, by ``(component, index)``."""
    out: dict[Hashable, int] = {}
    for name, spec in variables().items():
        if not spec.commitment:
            continue
        at = spec.index.index("year")
        keys, cols = cm.indexed_columns(name)
        for key, col in zip(keys, cols.tolist(), strict=True):
            if int(key[at]) <= commit_year:
                out[(name, key)] = col
    return out


def commitments(shared: Mapping[Hashable, float]) -> pd.DataFrame:
    """The shared decisions taken (nonzero): ``decision`` (the component), ``entity``, ``year``, ``value``, ``unit``."""
    specs = variables()
    rows = []
    for (name, key), value in shared.items():  # type: ignore[misc]
        if abs(value) <= SHARED_TOLERANCE:
            continue
        spec = specs[name]
        parts = dict(zip(spec.index, key, strict=True))
        year = int(parts.pop("year"))
        whole = spec.role != "continuous"
        rows.append(
            {
                "decision": name.removeprefix("v_"),
                "entity": ", ".join(map(str, parts.values())),
                "year": year,
                "value": float(round(value)) if whole else value,
                "unit": spec.unit,
            }
        )
    frame = pd.DataFrame(rows, columns=["decision", "entity", "year", "value", "unit"])
    return frame.sort_values(["decision", "year", "entity"], ignore_index=True)


def shared_differences(plans: Mapping[str, Plan], commit_year: int) -> list[str]:
    """Committed plan-table values (:data:`COMMITTED`) in the years up to ``commit_year`` that differ between futures."""
    found: list[str] = []
    first_id, first = next(iter(plans.items()))
    for fid, plan in list(plans.items())[1:]:
        for table, (keys, cols) in COMMITTED.items():
            a, b = (p.tables.get(table) for p in (first, plan))
            if a is None or b is None or (a.empty and b.empty):
                continue
            on = [*keys, "year"]
            cols_here = [c for c in cols if c in a.columns and c in b.columns]
            a, b = (t[t["year"] <= commit_year].set_index(on)[cols_here].astype(float) for t in (a, b))
            joined = a.merge(b, how="outer", left_index=True, right_index=True, suffixes=("_a", "_b")).fillna(0.0)
            for col in cols_here:
                diff = (joined[f"{col}_a"] - joined[f"{col}_b"]).abs() > SHARED_TOLERANCE
                for index in joined.index[diff][:3]:
                    here, there = joined.at[index, f"{col}_a"], joined.at[index, f"{col}_b"]
                    found.append(f"{table} {col} {index}: {here:g} in {first_id}, {there:g} in {fid}")
    return found


def _groups(ef: ExtensiveForm, per_future: Sequence[Columns]) -> Columns:
    """The strategies' column roles in the extensive form: each future's, mapped to its columns (shared ones once)."""

    def merged(cols: Sequence[np.ndarray], entities: Sequence[list[str]] | None) -> tuple[np.ndarray, list[str]]:
        mapped = np.concatenate([ef.columns[f][c] for f, c in enumerate(cols)])
        named = [e for es in entities for e in es] if entities is not None else [""] * len(mapped)
        _, first = np.unique(mapped, return_index=True)
        first.sort()
        return mapped[first], [named[i] for i in first]

    units, _ = merged([g.units for g in per_future], None)
    blocks, block_entity = merged([g.blocks for g in per_future], [g.block_entity for g in per_future])
    opens, open_entity = merged([g.opens for g in per_future], [g.open_entity for g in per_future])
    assignments, _ = merged([g.assignments for g in per_future], None)
    return Columns(units=units, blocks=blocks, opens=opens, open_entity=open_entity, block_entity=block_entity, assignments=assignments)


def _solve(
    ef: ExtensiveForm, name: str, sopts: object, chosen: str, groups: Columns, shortlists: list[set[str]]
) -> tuple[SolveResult, dict[str, object]]:
    """The extensive form solved as a deterministic model is: the ``chosen`` strategy for a HiGHS MIP, else one backend call."""
    scaling = choose_scaling(ef.form)
    form = scaling.apply(ef.form)
    if name == "highs" and form.n_integer > 0 and chosen in STRATEGIES:
        result, report = STRATEGIES[chosen](form, groups, sopts, shortlists)  # type: ignore[arg-type]
        return scaling.unscale(result), report.as_dict()
    return scaling.unscale(registry.backend(name)(form, sopts)), {"name": "single"}  # type: ignore[arg-type]


def _evaluate(out: TwoStagePlan, stage: Stage, options: Mapping[str, object], workers: int, client: object, scheduler: str | None) -> None:
    """EVPI, VSS and the regret table of ``out``, from each future solved alone and the expected-value future's commitments."""
    futures, scenario = out.futures, out.scenario
    p = out.probabilities
    alone = _each_alone([f.scenario(scenario) for f in futures], options, workers, client, scheduler)
    ws_cost = np.array([np.nan if plan is None else plan.objective for plan in alone])
    ws_bound = np.array([np.nan if plan is None or plan.bound is None else plan.bound for plan in alone])
    ev_costs = np.full(len(futures), np.nan)
    ev_bound = np.nan
    mean = Future("expected_value", 1.0, futures.expected_overrides())
    try:
        ev = solve_stage(scenario, Futures((mean,)), out.commit_year, options)
        fixed = solve_stage(scenario, futures, out.commit_year, options, fixed=ev.shared, built=stage.built)
        ev_costs = fixed.costs(futures)
        ev_bound = objective_usd(fixed.result.bound) if fixed.result.bound is not None else np.nan
        if fixed.unmet:
            name, key = fixed.unmet[0]  # type: ignore[misc]
            out.notes.append(
                f"the expected-value future commits to {len(fixed.unmet)} decisions that some future cannot carry out "
                f"(e.g. {name.removeprefix('v_')} {key}); those futures go without them at no cost, so VSS is a lower bound"
            )
    except (InfeasibleScenario, NoPlan) as err:
        out.notes.append(f"no VSS: the expected-value future's commitments leave a future without a plan ({err})")
    costs = out.costs_usd.to_numpy()
    if np.isfinite(ws_cost).all():
        out.evpi_usd = float(p @ (costs - ws_cost))
        bound = out.bound_usd if out.bound_usd is not None and not out.cvar_weight else out.objective_usd
        ws_low = np.where(np.isnan(ws_bound), ws_cost, ws_bound)
        out.evpi_range_usd = (float(bound - p @ ws_cost), float(out.expected_cost_usd - p @ ws_low))
    else:
        missing = [f for f, c in zip(futures.ids, ws_cost, strict=True) if np.isnan(c)]
        out.notes.append(f"no EVPI: a future has no plan of its own ({', '.join(missing)})")
    if np.isfinite(ev_costs).all():
        out.vss_usd = float(p @ ev_costs - out.expected_cost_usd)
        low = (ev_bound if np.isfinite(ev_bound) else p @ ev_costs) - out.expected_cost_usd
        high = p @ ev_costs - (out.bound_usd if out.bound_usd is not None and not out.cvar_weight else out.objective_usd)
        out.vss_range_usd = (float(low), float(high))
    out.regret = pd.DataFrame(
        {
            "future_id": futures.ids,
            "probability": p,
            "cost_usd": costs,
            "perfect_information_usd": ws_cost,
            "regret_usd": costs - ws_cost,
            "expected_value_plan_usd": ev_costs,
        }
    )


def _each_alone(
    scenarios: list[Scenario], options: Mapping[str, object], workers: int, client: object, scheduler: str | None
) -> list[Plan | None]:
    """Each scenario solved on its own (None where it has no plan): here one after another, or as Dask tasks."""
    if not workers and client is None and scheduler is None:
        return [_alone(s, options) for s in scenarios]
    with dask_client(workers or None, client, scheduler) as dask:
        futures = [dask.submit(_alone, s, dict(options), pure=False) for s in scenarios]  # type: ignore[attr-defined]
        return [f.result() for f in futures]


def _alone(scenario: Scenario, options: Mapping[str, object]) -> Plan | None:
    from gigawatt.solving import solve

    try:
        return solve(scenario, **{**options, "explain": False})
    except (InfeasibleScenario, NoPlan):
        return None


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _range(value: float | None, span: tuple[float, float] | None) -> str:
    if value is None:
        return "not available"
    text = f"{value / 1e9:,.3f} B USD"
    if span is not None and span[1] - span[0] > 1e-6 * max(1.0, abs(value)):
        text += f" (bounds allow {span[0] / 1e9:,.3f} to {span[1] / 1e9:,.3f})"
    return text


def _commitment_lines(frame: pd.DataFrame) -> list[str]:
    lines = []
    for (decision, unit), rows in frame.groupby(["decision", "unit"], sort=False):
        items = ", ".join(f"{r.entity} {r.year}: {r.value:,.{0 if float(r.value).is_integer() else 1}f}" for r in rows.itertuples())
        lines.append(f"  {decision} [{unit}]: {items}")
    return lines


def _in_b(frame: pd.DataFrame) -> dict[str, pd.Series]:
    return {c: (frame[c] / 1e9).round(3) for c in frame.columns if c.endswith("_usd")}


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
