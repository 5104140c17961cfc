"""``gw.sweep``: expand a sweep, skip what the store already holds, run the rest on Dask, record every run.

Runs are resolved (overrides applied and validated) in this process, so a bad override fails only
its own run, before anything is solved. Each run is one Dask task (:func:`gigawatt.sweeps.worker.run_one`)
on single-threaded workers; results are written by this process alone, one transaction per run. A
run whose worker dies is submitted once more; if that worker dies too, the run is recorded as ``lost``
and a later sweep on the same store runs it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gigawatt.scenario import Scenario, ScenarioError, load_scenario
from gigawatt.sweeps.progress import make_progress
from gigawatt.sweeps.spec import RunSpec, SweepSpec, load_spec, spec_from_mapping
from gigawatt.sweeps.store import RunStore
from gigawatt.sweeps.worker import RETRY_ON_RESUME, run_one

log = logging.getLogger(__name__)

#: Worker deaths a run survives: it is submitted once more after the first.
ATTEMPTS = 2


@dataclass
class Run:
    """A resolved run: its id, its scenario (None when the overrides were invalid) and why not."""

    spec: RunSpec
    run_id: str
    scenario: Scenario | None
    error: str | None = None

    def row(self, sweep: str) -> dict[str, object]:
        name = self.scenario.name if self.scenario is not None else None
        return {"run_id": self.run_id, "sweep": sweep, "label": self.spec.label, "params": dict(self.spec.params), "scenario": name}


def sweep(
    scenario: Scenario | str | Path,
    *,
    grid: Mapping[str, Sequence[object]] | None = None,
    variants: Sequence[str | Path] | None = None,
    sensitivity: Mapping[str, object] | None = None,
    samples: Mapping[str, object] | None = None,
    spec: SweepSpec | Mapping[str, object] | str | Path | None = None,
    store: str | Path | None = None,
    workers: int | None = None,
    client: object | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    callback: Callable[[dict[str, object]], None] | None = None,
    **solve_options: object,
) -> pd.DataFrame:
    """Run a sweep of ``scenario`` variants and return one row per run (see :mod:`gigawatt.sweeps`).

    Parameters
    ----------
    scenario
        The base scenario, or its folder.
    grid, variants, sensitivity, samples
        The runs (:class:`~gigawatt.sweeps.spec.SweepSpec`): ``grid={"ceiling_mw": [3000, 5000]}``,
        ``variants=["scenarios/rubin_delay"]``, ``sensitivity={"step": 0.2, "parameters": [...]}``,
        ``samples={"n": 16, "ranges": {"ceiling_mw": [3000, 8000]}}``. Or ``spec``: a SweepSpec, a
        mapping, or a YAML file.
    store
        DuckDB file that keeps every run (default: in memory, gone when this returns). Runs already
        in it are not run again.
    workers
        Single-threaded workers of a local Dask cluster (default: one per core); 0 runs in this
        process without Dask.
    client, scheduler
        An existing ``distributed.Client``, or the address of a Dask scheduler to connect to.
    progress
        Show a progress bar (terminal) or line (Jupyter).
    callback
        Called with each run's row once it is recorded.
    **solve_options
        As :func:`gigawatt.solve` (``time_limit``, ``mip_gap``, ``threads`` (default 1), ``solver``,
        ``strategy``, ...); they override the spec's ``solve`` section.
    """
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    spec = _spec(spec, grid=grid, variants=variants, sensitivity=sensitivity, samples=samples)
    options = {"threads": 1, **spec.solve, **{k: v for k, v in solve_options.items() if v is not None}}
    runs = resolve(base, spec, options)
    with RunStore(store if store is not None else ":memory:") as db:
        stored = db.statuses()
        for run in runs:
            if run.scenario is None and run.run_id not in stored:
                db.record(run.row(spec.name) | {"status": "invalid", "error": run.error, "options": options})
        pending = [r for r in runs if r.scenario is not None and stored.get(r.run_id, "lost") in RETRY_ON_RESUME]
        bar = make_progress(progress)
        bar.start(len(pending), len(runs) - len(pending))
        try:

            def record(run: Run, result: Mapping[str, object], attempts: int) -> None:
                row = run.row(spec.name) | dict(result["row"]) | {"options": options, "attempts": attempts}  # type: ignore[arg-type]
                row["scenario_hash"] = run.scenario.hash if run.scenario is not None else None
                db.record(row, result.get("tables"))  # type: ignore[arg-type]
                bar.update(str(row["status"]))
                if callback is not None:
                    callback(row)

            if pending:
                if workers == 0 and client is None and scheduler is None:
                    for run in pending:
                        record(run, run_one(run.scenario, options), 1)  # type: ignore[arg-type]
                else:
                    with _client(workers, client, scheduler) as dask_client:
                        _run_on_dask(dask_client, pending, options, record)
        finally:
            bar.close()
        return db.runs(list(dict.fromkeys(r.run_id for r in runs)))


def _spec(spec: object, **parts: object) -> SweepSpec:
    given = {k: v for k, v in parts.items() if v is not None}
    if spec is not None and given:
        raise ValueError(f"give either spec or {', '.join(given)}, not both")
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, str | Path):
        return load_spec(spec)
    if spec is not None:
        return spec_from_mapping(spec)
    if "variants" in given:
        given["variants"] = [str(v) for v in given["variants"]]  # type: ignore[attr-defined]
    return spec_from_mapping(given)


def run_id(scenario_hash: str, options: Mapping[str, object], params: Mapping[str, object] | None = None) -> str:
    """16 hex digits of SHA-256 over the resolved scenario's hash and the solve options (canonical JSON)."""
    text = json.dumps({"scenario": scenario_hash, "options": options, "params": params}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def resolve(base: Scenario, spec: SweepSpec, options: Mapping[str, object]) -> list[Run]:
    """Apply every run's overrides; a run whose overrides (or variant) are invalid carries the reason instead."""
    bases: dict[str | None, Scenario | str] = {None: base}
    for folder in spec.variants:
        try:
            bases[folder] = load_scenario(folder)
        except ScenarioError as err:
            bases[folder] = f"variant {folder}: " + "; ".join(map(str, err.problems))
    runs = []
    for run in spec.runs():
        origin = bases[run.variant]
        if isinstance(origin, str):
            runs.append(Run(run, run_id(origin, options, dict(run.params)), None, origin))
            continue
        try:
            scenario = origin.with_overrides(dict(run.params)) if run.params else origin
        except ScenarioError as err:
            runs.append(Run(run, run_id(origin.hash, options, dict(run.params)), None, "; ".join(map(str, err.problems))))
            continue
        runs.append(Run(run, run_id(scenario.hash, options), scenario))
    return runs


@contextmanager
def _client(workers: int | None, client: object | None, scheduler: str | None) -> Iterator[object]:
    """The given client, a client of the scheduler at ``scheduler``, or a new local cluster (closed afterwards)."""
    if client is not None:
        yield client
        return
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as remote:
            yield remote
        return
    # A worker death fails its tasks at once (this module retries them), and single-threaded
    # workers are sent about one task at a time, so a death touches its own run and rarely one more.
    config = {
        "distributed.scheduler.allowed-failures": 0,
        "distributed.scheduler.worker-saturation": 1.0,
        "distributed.worker.profile.enabled": False,
    }
    with dask.config.set(config):
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    with cluster, Client(cluster) as local:
        local.run(_warm_up)
        yield local


def _warm_up() -> None:
    """Import the solver stack on a worker before its first run."""
    import gigawatt.solving  # noqa: F401


def _run_on_dask(client: object, runs: list[Run], options: Mapping[str, object], record: Callable[[Run, Mapping, int], None]) -> None:
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    def submit(run: Run, attempt: int) -> object:
        return client.submit(run_one, run.scenario, options, key=f"gigawatt-run-{run.run_id}-{attempt}", pure=False)  # type: ignore[attr-defined]

    futures = {submit(run, 1): (run, 1) for run in runs}
    queue = as_completed(list(futures))
    try:
        for future in queue:
            run, attempt = futures.pop(future)
            try:
                result = future.result()  # type: ignore[attr-defined]
            except KilledWorker as err:
                if attempt < ATTEMPTS:
                    log.warning("run %s: its worker died; running it again", run.run_id)
                    retry = submit(run, attempt + 1)
                    futures[retry] = (run, attempt + 1)
                    queue.add(retry)
                    continue
                result = {"row": {"status": "lost", "error": f"its worker died on each of {attempt} attempts ({err})"}}
            except Exception as err:
                result = {"row": {"status": "failed", "error": f"{type(err).__name__}: {err}"}}
            future.release()  # type: ignore[attr-defined]
            record(run, result, attempt)
    finally:
        for future in futures:
            future.cancel()  # type: ignore[attr-defined]
