r"""Training runs, each placed whole for all its years on one campus or on one group of campuses within its latency.

A run (``training_runs.csv``) needs ``eflops`` in every modelled year of [``first_year``, ``last_year``] (its
years, :math:`Y_r`; :math:`y_r` the first), on campuses that stay the same in all of them, of one accelerator
family unless it may mix them.

**Candidates** (before Pyomo, :func:`candidates`). A campus is a candidate of run r when the run may use it
(``training_sites``: its listed campuses; any campus when it is not listed), it can open by :math:`y_r`, and a
chip of a family the run may use is active there in every year of :math:`Y_r` (one family in all of them
unless the run mixes). Campuses s, t are joined in the run's latency graph when their round-trip
latency, great-circle km x ``latency_route_factor`` x 0.0098 ms/km, is at most ``max_latency_ms``; a group is
a clique of at most ``max_campuses`` campuses (single campuses included). A group g needs

.. math::

    need_{r,g} = eflops_r \text{ on one campus}, \qquad need_{r,g} = eflops_r / (1 - split\_loss\_frac_r) \text{ split}

and is kept with family f (``*`` for a run that mixes: any family it may use) only when its campuses could host
it: :math:`\sum_{s \in g} max\_mw_s \, e_{s,f,y} \ge need_{r,g}` in every y of :math:`Y_r`, where
:math:`e_{s,f,y}` is the most EFLOP/s per MW of facility power of a chip of f active at s in y
(``pflops_per_unit / (pue_peak it_kw_per_unit)``). Of the groups left, at most ``max_groups_per_run`` are
kept: single campuses first, then the shortest route (the cheapest bandwidth); a warning says how many the
cap dropped.

**Formulation.** ``PLACE_INDEX`` (r, g, f) over the candidates, ``TRAIN_INDEX`` (r, s, t, y): compute of run r at
campus s of family t in y, where t = f for a run on one family, and for a run that mixes, each family it may
use active at s in y (``*``, any family, when it may use all of them; :math:`f(t)` = ``*``).

.. math::

    \sum_{g, f} place_{r,g,f} + unplaced_r = 1 \qquad (\texttt{c\_place[r, y_r]};\ unplaced_r = 0 \text{ for a strict run})

    \sum_{s,\ t:\, f(t) = f} train_{r,s,t,y} = \sum_g need_{r,g} \, place_{r,g,f} \qquad (\texttt{c\_train\_need[r, f, y]})

    \sum_{t:\, f(t) = f} train_{r,s,t,y} \le \sum_{g \ni s} need_{r,g} \, place_{r,g,f} \qquad (\texttt{c\_train\_site[r, s, f, y]})

``train`` is compute used at s in y (of family t: :mod:`gigawatt.model.compute` holds it within the compute of
that family installed there). A run left unplaced asks for ``eflops`` it does not get in each of its years
(workload ``training``), and forgoes ``value_usd`` (USD of ``first_year``, discounted from it) in
:math:`y_r` (category ``unplaced_training``). A split group pays ``fibre_usd_per_tbps_km_yr`` x
``bandwidth_tbps`` x the route km of the minimum spanning tree of its campuses (great-circle km x
``latency_route_factor``) in each year of the run (category ``training_bandwidth``); the ``cost_usd`` of its
``training_sites`` rows is paid once, in :math:`y_r` (category ``training_placement``).

Example: a run of 150 EFLOP/s with a 4 % split loss on campuses that each host 100 needs
150 / 0.96 = 156.25 EFLOP/s over two of them; with 1 Tb/s over 500 route-km at 0.5 USD per Tbps-km-yr it pays
250 USD a year.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from gigawatt.errors import InfeasibleScenario
from gigawatt.model.data import ModelData, great_circle_km
from gigawatt.model.family import Extraction, Family, Rows, Slack, StartValues, Variables
from gigawatt.model.ledger import Ledger, linear
from gigawatt.model.options import ModelOptions
from gigawatt.scenario.schema import FAMILY_SEPARATOR, RTT_MS_PER_KM

#: The family of a run that may mix families: compute of any family it may use.
ANY = "*"


#: Candidate groups tested at once (bounds the memory of :func:`candidates` at about CHUNK x campuses x families x years floats).
CHUNK = 50_000


class GroupsPrunedWarning(UserWarning):
    """``max_groups_per_run`` dropped candidate campus groups that could host a run."""


class UnplaceableRunWarning(UserWarning):
    """A training run with a value has no campus or group that could host it: it is left unplaced at its value."""


@dataclass(frozen=True)
class Run:
    """A training run as the model reads it: its modelled ``years``, the ``families`` it may use and its allowed
    campuses with their placement cost (``sites`` None: any campus at no cost)."""

    run_id: str
    first_year: int
    years: tuple[int, ...]
    eflops: float
    families: tuple[str, ...]
    mix: bool
    max_campuses: int
    max_latency_ms: float
    bandwidth_tbps: float
    loss: float
    value_usd: float | None
    sites: Mapping[str, float] | None

    def need(self, campuses: int) -> float:
        """EFLOP/s the run needs on ``campuses`` campuses: its eflops, over ``1 - split_loss_frac`` when split."""
        return self.eflops if campuses == 1 else self.eflops / (1.0 - self.loss)

    def cost(self, sites: tuple[str, ...]) -> float:
        """Placement cost of ``sites`` (USD, paid once)."""
        return 0.0 if self.sites is None else sum(self.sites[s] for s in sites)


@dataclass(frozen=True)
class Placement:
    """A candidate: run on ``sites`` (sorted) with ``family``; ``latency_ms`` its largest pairwise RTT, ``route_km``
    the route length of the minimum spanning tree of its campuses."""

    sites: tuple[str, ...]
    family: str
    latency_ms: float
    route_km: float

    @property
    def key(self) -> str:
        return FAMILY_SEPARATOR.join(self.sites)


def training_runs(d: ModelData) -> dict[str, Run]:
    """The scenario's training runs (none without a ``training_runs`` table), by ``run_id``."""
    table = d.scenario.tables.get("training_runs")
    if table is None:
        return {}
    allowed: dict[str, dict[str, float]] = defaultdict(dict)
    pairs = d.scenario.tables.get("training_sites")
    if pairs is not None:
        for r, s, cost in zip(pairs["run_id"], pairs["site_id"], pairs["cost_usd"], strict=True):
            allowed[r][s] = float(cost)
    families = d.scenario.run_families()
    runs = {}
    for row in table.itertuples(index=False):
        value = None if pd.isna(row.value_usd) else float(row.value_usd)
        runs[row.run_id] = Run(
            row.run_id,
            int(row.first_year),
            tuple(y for y in d.years if row.first_year <= y <= row.last_year),
            float(row.eflops),
            families[row.run_id],
            bool(row.mix_families),
            int(row.max_campuses),
            float(row.max_latency_ms),
            float(row.bandwidth_tbps),
            float(row.split_loss_frac),
            value,
            allowed.get(row.run_id),
        )
    return runs


def site_km(d: ModelData, sites: list[str]) -> np.ndarray:
    """Route km between every two of ``sites``: great-circle km x ``latency_route_factor``."""
    lat, lon = d.sites.loc[sites, "lat"].to_numpy(float), d.sites.loc[sites, "lon"].to_numpy(float)
    km = great_circle_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    return km * d.scenario.settings.latency_route_factor


def figures(km: np.ndarray) -> tuple[float, float]:
    """(largest round-trip latency [ms], route km of the minimum spanning tree) of campuses with route-km matrix ``km``."""
    latency, route = group_figures(km[None, :, :])
    return float(latency[0]), float(route[0])


def group_figures(km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`figures` of many groups of k campuses at once, ``km`` of shape (groups, k, k): the largest RTT and the
    minimum spanning tree's route km of each (Prim, O(k^2) numpy steps for all groups together)."""
    n, k, _ = km.shape
    rows = np.arange(n)
    inside = np.zeros((n, k), dtype=bool)
    inside[:, 0] = True
    nearest = km[:, 0, :].astype(float)
    total = np.zeros(n)
    for _ in range(k - 1):
        j = np.where(inside, np.inf, nearest).argmin(axis=1)
        total += nearest[rows, j]
        inside[rows, j] = True
        nearest = np.minimum(nearest, km[rows, j, :])
    return km.max(axis=(1, 2)) * RTT_MS_PER_KM if k > 1 else np.zeros(n), total


def host_eflops(d: ModelData) -> dict[tuple[str, str, int], float]:
    """(site, family, year) -> EFLOP/s per MW of facility power of the family's most efficient chip active there then."""
    best: dict[tuple[str, str, int], float] = defaultdict(float)
    for c, s, y in d.active_vintages():
        chip = d.chip[c]
        best[s, chip.family, y] = max(best[s, chip.family, y], chip.pflops_per_unit / (d.site[s].pue_peak * chip.it_kw_per_unit))
    return best


def candidates(d: ModelData, runs: Mapping[str, Run], eff: Mapping[tuple[str, str, int], float]) -> dict[str, list[Placement]]:
    """Candidate placements of each run (see the module docstring) given :func:`host_eflops`; warns when
    ``max_groups_per_run`` dropped some, unless the scenario sets it.

    The cliques of each run's latency graph are enumerated size by size as arrays of campus indices
    (:func:`cliques`), and the capacity test, latency and spanning tree run on all groups of a size at once: a
    run that may span 3 of 200 campuses has about a million triangles, too many for a Python loop per group.
    """
    if not runs:
        return {}
    names = list(d.site)
    km = site_km(d, names)
    rank = np.argsort(np.argsort(names))  # position of each campus in name order: ties broken by names
    cap = d.scenario.settings.max_groups_per_run
    out, dropped = {}, {}
    for run in runs.values():
        hosts = _hosts(d, run, eff)
        local = np.array([i for i, s in enumerate(names) if s in hosts], dtype=np.int64)
        options = sorted({f for s in hosts for f in hosts[s]})
        # most EFLOP/s each candidate campus hosts per family option and year: (campus, option, year)
        most = np.array(
            [
                [
                    [d.site[names[i]].max_mw * max(eff.get((names[i], g, y), 0.0) for g in families(run, f)) for y in run.years]
                    if f in hosts[names[i]]
                    else [0.0] * len(run.years)
                    for f in options
                ]
                for i in local
            ]
        ).reshape(len(local), len(options), len(run.years))
        adjacent = km[np.ix_(local, local)] * RTT_MS_PER_KM <= run.max_latency_ms
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # (campuses, fits by option, latency, route)
        for groups in cliques(adjacent, run.max_campuses):
            need = run.need(groups.shape[1])
            for members in (groups[i : i + CHUNK] for i in range(0, len(groups), CHUNK)):
                hosted = most[members]  # (group, campus, option, year)
                offered = (hosted > 0).all(axis=(1, 3))  # every campus offers the option in every year
                fits = offered & (hosted.sum(axis=1) >= need * (1.0 - 1e-9)).all(axis=2)
                keep = fits.any(axis=1)
                if keep.any():
                    kept = local[members[keep]]
                    latency, route = group_figures(km[kept[:, :, None], kept[:, None, :]])
                    found.append((kept, fits[keep], latency, route))
        total = sum(len(f[0]) for f in found)
        if total > cap:
            dropped[run.run_id] = total - cap
        out[run.run_id] = _first_groups(run, names, rank, options, found, cap)
    if dropped and "max_groups_per_run" not in d.scenario.settings.model_fields_set:  # a cap the user chose is not news
        listed = ", ".join(f"{r} ({n:,})" for r, n in sorted(dropped.items()))
        warnings.warn(
            f"max_groups_per_run ({cap}) dropped candidate campus groups that could host training runs: {listed}; "
            "the plan may miss a cheaper placement (raise max_groups_per_run to keep them)",
            GroupsPrunedWarning,
            stacklevel=2,
        )
    return out


def cliques(adjacent: np.ndarray, largest: int, chunk: int = 20_000) -> Iterator[np.ndarray]:
    """Cliques of 1 to ``largest`` nodes of the graph with boolean adjacency matrix ``adjacent``, one array per size of
    shape (cliques, size), each row increasing: a clique of size k + 1 is one of size k and a larger node adjacent to
    all its members (in chunks of ``chunk`` cliques, to bound memory)."""
    n = len(adjacent)
    groups = np.arange(n, dtype=np.int64)[:, None]
    later = np.arange(n)
    for size in range(1, largest + 1):
        if not len(groups):
            return
        yield groups
        if size == largest:
            return
        grown = []
        for part in (groups[i : i + chunk] for i in range(0, len(groups), chunk)):
            common = adjacent[part].all(axis=1) & (later[None, :] > part[:, -1:])
            row, node = np.nonzero(common)
            grown.append(np.column_stack([part[row], node]))
        groups = np.concatenate(grown)


def _first_groups(
    run: Run, names: list[str], rank: np.ndarray, options: list[str], found: list[tuple[np.ndarray, ...]], cap: int
) -> list[Placement]:
    """The ``cap`` groups of ``found`` kept: single campuses first, then the shortest route, the cheapest placement, and
    the campus names; each with the family options that fit it."""
    rows = []
    for members, fits, latency, route in found:
        by_name = np.take_along_axis(members, np.argsort(rank[members], axis=1), axis=1)
        cost = np.array([run.cost(tuple(names[i] for i in g)) for g in by_name]) if run.sites is not None else np.zeros(len(members))
        order = np.lexsort((*(rank[by_name][:, j] for j in reversed(range(by_name.shape[1]))), cost, route))[:cap]
        rows += [(by_name.shape[1] > 1, route[i], cost[i], tuple(names[j] for j in by_name[i]), latency[i], fits[i]) for i in order]
    rows.sort(key=lambda r: r[:4])
    return [
        Placement(sites, f, float(lat), float(km))
        for _, km, _, sites, lat, fits in rows[:cap]
        for f, ok in zip(options, fits, strict=True)
        if ok
    ]


def _hosts(d: ModelData, run: Run, eff: Mapping[tuple[str, str, int], float]) -> dict[str, list[str]]:
    """Candidate campuses of ``run`` and the families each can host it with in every one of its years (``*`` when it mixes)."""
    allowed = d.site if run.sites is None else [s for s in d.site if s in run.sites]
    out = {}
    for s in allowed:
        if not run.years or d.site[s].earliest_year > run.years[0]:
            continue
        if run.mix:
            ok = all(any(eff.get((s, f, y), 0.0) > 0 for f in run.families) for y in run.years)
            families = [ANY] if ok else []
        else:
            families = [f for f in run.families if all(eff.get((s, f, y), 0.0) > 0 for y in run.years)]
        if families:
            out[s] = families
    return out


def families(run: Run, family: str) -> tuple[str, ...]:
    """The families a placement with ``family`` may use: the family itself, or any the run may use for ``*``."""
    return run.families if family == ANY else (family,)


def train_families(run: Run, site: str, family: str, year: int, eff: Mapping, every: frozenset[str]) -> tuple[str, ...]:
    """Families of ``train`` for ``run`` placed with ``family`` at ``site`` in ``year``: the family itself, or for a run that
    mixes, each family it may use active there (``*`` when it may use every family)."""
    if family != ANY:
        return (family,)
    if every <= set(run.families):
        return (ANY,)
    return tuple(f for f in run.families if eff.get((site, f, year), 0.0) > 0)


def add_training(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """Declare ``v_place``, ``v_unplaced`` and ``v_train`` with ``c_place``, ``c_train_need`` and ``c_train_site``; register
    compute used, compute not delivered and its value, bandwidth and placement costs."""
    runs = training_runs(d)
    eff = host_eflops(d) if runs else {}
    found = candidates(d, runs, eff)
    stranded = [r for r, run in runs.items() if run.value_usd is None and not found[r]]
    if stranded:
        what = f"{len(stranded)} strict training run(s) have no campus or campus group that can host them"
        raise InfeasibleScenario(what, _why(runs, stranded))
    hopeless = [r for r, run in runs.items() if run.value_usd is not None and not found[r]]
    if hopeless:
        reasons = "; ".join(_why(runs, hopeless, advice="")["message"])
        warnings.warn(f"left unplaced at their value, since nothing can host them: {reasons}", UnplaceableRunWarning, stacklevel=2)
    h = d.horizon
    place_index = [(r, p.key, p.family) for r in runs for p in found[r]]
    m.PLACE_INDEX = pyo.Set(initialize=place_index, dimen=3, ordered=True)
    m.v_place = pyo.Var(m.PLACE_INDEX, domain=pyo.Binary)
    valued = [r for r, run in runs.items() if run.value_usd is not None]
    m.v_unplaced = pyo.Var(valued, domain=pyo.NonNegativeReals, bounds=(0.0, 1.0))
    every = frozenset(d.chips["family"])
    need: dict[tuple[str, str, int], list] = defaultdict(list)
    site: dict[tuple[str, str, str, int], list] = defaultdict(list)
    train: dict[tuple[str, str, str, int], str] = {}
    for r, run in runs.items():
        for p in found[r]:
            x, amount = m.v_place[r, p.key, p.family], run.need(len(p.sites))
            for y in run.years:
                need[r, p.family, y].append((amount, x))
                for s in p.sites:
                    site[r, s, p.family, y].append((amount, x))
                    train.update({(r, s, t, y): p.family for t in train_families(run, s, p.family, y, eff, every)})
            bandwidth = d.scenario.settings.fibre_usd_per_tbps_km_yr * run.bandwidth_tbps * p.route_km
            for y in run.years if bandwidth else ():
                ledger.yearly("training_bandwidth", y, bandwidth, x)
            if run.cost(p.sites):
                ledger.discounted("training_placement", run.years[0], run.cost(p.sites) * h.discount(run.years[0]), x)
    m.TRAIN_INDEX = pyo.Set(initialize=list(train), dimen=4, ordered=True)
    m.v_train = pyo.Var(m.TRAIN_INDEX, domain=pyo.NonNegativeReals)
    used: dict[tuple[str, str, str, int], list] = defaultdict(list)
    for (r, s, t, y), f in train.items():
        x = m.v_train[r, s, t, y]
        need[r, f, y].append((-1.0, x))
        used[r, s, f, y].append((1.0, x))
        ledger.use_compute(s, y, 1.0, x, family=None if t == ANY else t)
    placed: dict[str, list] = defaultdict(list)
    for r, key, f in place_index:
        placed[r].append((1.0, m.v_place[r, key, f]))
    for r in valued:
        run = runs[r]
        placed[r].append((1.0, m.v_unplaced[r]))
        for y in run.years:
            ledger.unserve("training", r, y, run.eflops, m.v_unplaced[r])
        if run.value_usd:
            ledger.forgo("unplaced_training", run.years[0], run.value_usd * h.discount(run.first_year), m.v_unplaced[r])
    m.c_place = pyo.Constraint([(r, run.years[0]) for r, run in runs.items()], rule=lambda _, r, y: linear(placed[r]) == 1.0)
    m.c_train_need = pyo.Constraint(list(need), rule=lambda _, r, f, y: linear([(-a, x) for a, x in need[r, f, y]]) == 0.0)
    m.c_train_site = pyo.Constraint(
        list(site), rule=lambda _, r, s, f, y: linear([*used[r, s, f, y], *((-a, x) for a, x in site[r, s, f, y])]) <= 0.0
    )


def _why(
    runs: Mapping[str, Run], stranded: list[str], advice: str = "; give it a value_usd to leave it unplaced, or allow more campuses"
) -> pd.DataFrame:
    """Why runs have no candidate, one finding each, each message ending in ``advice`` (strict runs: the infeasibility
    explanation)."""
    rows = []
    for r in stranded:
        run = runs[r]
        year = run.years[0] if run.years else run.first_year
        where = "its allowed campuses (training_sites)" if run.sites is not None else "the campuses"
        message = (
            f"{year}, training run {r}: no group of at most {run.max_campuses} of {where} within {run.max_latency_ms:g} ms, open by "
            f"{year} with a chip of {', '.join(run.families)}{' (mixed)' if run.mix else ' (one family)'} in all its years, can host "
            f"{run.eflops:,.1f} EFLOP/s{advice}"
        )
        rows.append(("training run", f"training run {r}", year, run.eflops, "EFLOP/s", message))
    return pd.DataFrame(rows, columns=["requirement", "entity", "year", "shortfall", "unit", "message"])


def extract_training(e: Extraction) -> None:
    """``training``: compute per run, campus, family and year; ``placements``: each run's campuses, family and costs."""
    d = e.data
    train = {k: v for k, v in e.values("v_train").items() if v > 1e-9}
    keys = sorted(train)
    e.tables["training"] = pd.DataFrame(
        {
            "run_id": pd.Series([k[0] for k in keys], dtype=object),
            "site_id": pd.Series([k[1] for k in keys], dtype=object),
            "family": pd.Series([k[2] for k in keys], dtype=object),
            "year": [k[3] for k in keys],
            "eflops": [train[k] for k in keys],
        }
    )
    runs = training_runs(d)
    chosen: dict[str, tuple[float, str, str]] = {}
    for (r, key, f), value in e.values("v_place").items():
        if value > 1e-9 and value > chosen.get(r, (0.0,))[0]:
            chosen[r] = (value, key, f)
    fibre = d.scenario.settings.fibre_usd_per_tbps_km_yr
    rows = []
    for r, run in runs.items():
        value, key, family = chosen.get(r, (0.0, "", ""))
        sites = key.split(FAMILY_SEPARATOR) if key else []
        latency, route = figures(site_km(d, sites)) if sites else (0.0, 0.0)
        placed = value if e.relaxed else value > 0.5
        rows.append((r, placed, key, family, len(sites), latency, fibre * run.bandwidth_tbps * route, run.cost(tuple(sites))))
    columns = ["run_id", "placed", "sites", "family", "campuses", "latency_ms", "bandwidth_usd_per_yr", "placement_cost_usd"]
    e.tables["placements"] = pd.DataFrame(rows, columns=columns)


def start_training(tables: Mapping[str, pd.DataFrame]) -> StartValues:
    """Placements, from a plan's ``placements`` table (its placed runs; every other candidate 0)."""
    placements = tables.get("placements")
    if placements is None or not len(placements):
        return {}
    placed = placements[placements["placed"].astype(float) > 0.5]
    keys = zip(placed["run_id"], placed["sites"], placed["family"], strict=True)
    return {"v_place": dict.fromkeys(keys, 1.0)}


RUN_KEY = ("run_id", "site_id", "family", "year")
FAMILY = Family(
    name="training",
    add=add_training,
    order=55,
    variables=(
        Variables("v_place", "-", ("run_id", "sites", "family"), role="assignment"),
        Variables("v_unplaced", "-", ("run_id",)),
        Variables("v_train", "EFLOP/s", RUN_KEY),
    ),
    rows=(
        Rows(
            "c_place",
            "runs",
            ("run_id", "year"),
            "training run {run_id}",
            slack=Slack(
                "training run",
                +1.0,
                "{year}, training run {run_id} cannot be placed",
                demand_first=1.0,
                caps=None,
                under_caps=True,
            ),
        ),
        Rows(
            "c_train_need",
            "EFLOP/s",
            ("run_id", "family", "year"),
            "training run {run_id}",
            coefficients={"v_place": "training_runs.eflops"},
        ),
        Rows(
            "c_train_site",
            "EFLOP/s",
            ("run_id", "site_id", "family", "year"),
            "training run {run_id} at site {site_id}",
            coefficients={"v_place": "training_runs.eflops"},
        ),
    ),
    tables={
        "training": {
            "run_id": "training run",
            "site_id": "campus computing it",
            "family": "accelerator family of the compute ('*': any, for a run that mixes every family)",
            "year": "modelled year (rows with compute)",
            "eflops": "compute of the run at the campus",
        },
        "placements": {
            "run_id": "training run (one row each)",
            "placed": "whether the run is placed (bool); an unplaced run forgoes its value_usd",
            "sites": "its campuses, ';'-joined and sorted (empty when unplaced)",
            "family": "accelerator family of all its compute ('*' when it mixes)",
            "campuses": "number of campuses",
            "latency_ms": "largest round-trip latency between two of its campuses",
            "bandwidth_usd_per_yr": "fibre_usd_per_tbps_km_yr x bandwidth_tbps x route km of the minimum spanning tree of its campuses",
            "placement_cost_usd": "sum of the cost_usd of its training_sites rows, paid once in its first modelled year",
        },
    },
    extract=extract_training,
    start=start_training,
)
