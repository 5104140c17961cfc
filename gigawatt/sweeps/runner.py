"""``gw.sweep``: expand a sweep, skip what the store already holds, run the rest on Dask, record every run.

Runs are resolved (overrides applied and validated) in this process, so a bad override fails only
its own run, before anything is solved. Each run is one Dask task (:func:`gigawatt.sweeps.worker.run_one`)
on single-threaded workers; results are written by this process alone, one transaction per run. A
run whose worker dies is submitted once more; if that worker dies too, the run is recorded as ``lost``
and a later sweep on the same store runs it again.

Ctrl-C (:mod:`gigawatt.solvers.stop`) stops a sweep cleanly: the runs under way are told to stop and
are not recorded, the runs that finished stay in the store, the Dask cluster is closed (its worker
processes ignore SIGINT, so a terminal's Ctrl-C does not kill them mid-run), and the same sweep on the
same store runs the rest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gigawatt.analysis._parallel import dask_client
from gigawatt.errors import OptionError
from gigawatt.scenario import Scenario, ScenarioError, load_scenario
from gigawatt.solvers import stop
from gigawatt.sweeps.progress import make_progress
from gigawatt.sweeps.spec import RunSpec, SweepSpec, check_run_inputs, load_spec, spec_from_mapping
from gigawatt.sweeps.store import RunStore
from gigawatt.sweeps.worker import RETRY_ON_RESUME, run_one

log = logging.getLogger(__name__)

#: Worker deaths a run survives: it is submitted once more after the first.
ATTEMPTS = 2


@dataclass
class Run:
    """A resolved run: its id, its scenario and that scenario's hash (None when the overrides were invalid) and why not."""

    spec: RunSpec
    run_id: str
    scenario: Scenario | None
    error: str | None = None
    scenario_hash: str | None = None

    def row(self, sweep: str) -> dict[str, object]:
        name = self.scenario.name if self.scenario is not None else None
        return {
            "run_id": self.run_id,
            "sweep": sweep,
            "label": self.spec.label,
            "params": dict(self.spec.params),
            "scenario": name,
            "scenario_hash": self.scenario_hash,
        }


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

    Ctrl-C stops the sweep: the runs that finished are kept (and returned), the ones under way or not
    started are not recorded, and a warning says so; the same sweep on the same store runs the rest.

    Raises
    ------
    ScenarioError
        Before a store is opened or a run starts, for a bad base scenario or spec (more than
        :data:`~gigawatt.sweeps.spec.MAX_RUNS` runs included), a bad solve option or a bad ``workers``.
    """
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    spec = _spec(spec, grid=grid, variants=variants, sensitivity=sensitivity, samples=samples)
    options = {"threads": 1, **spec.solve, **{k: v for k, v in solve_options.items() if v is not None}}
    check_run_inputs(options, workers, base.settings.solver.name)
    with stop.handling():
        frame = _run_sweep(base, spec, options, store, workers, client, scheduler, progress, callback)
        if stop.requested():
            kept = f"in {store}; the same sweep on that store runs the rest" if store is not None else "(no store: nothing was kept)"
            log.warning("sweep stopped by Ctrl-C: %d runs recorded %s", len(frame), kept)
    return frame


def _run_sweep(
    base: Scenario,
    spec: SweepSpec,
    options: dict[str, object],
    store: str | Path | None,
    workers: int | None,
    client: object | None,
    scheduler: str | None,
    progress: bool,
    callback: Callable[[dict[str, object]], None] | None,
) -> pd.DataFrame:
    """The sweep's runs: resolve, skip those stored, solve the rest, record each (until every run is done or a stop)."""
    with RunStore(store if store is not None else ":memory:") as db, ExitStack() as stack:
        stored = db.statuses()
        runs: list[Run] = []
        invalid: list[Run] = []
        jobs: _Jobs | None = None
        queued: set[str] = set()
        for run in resolve_each(base, spec, options):  # each run goes out as soon as it is resolved
            if stop.requested():
                break
            runs.append(run)
            if run.run_id in queued:
                continue
            queued.add(run.run_id)
            if run.scenario is None:
                if run.run_id not in stored:
                    invalid.append(run)
            elif stored.get(run.run_id, "lost") in RETRY_ON_RESUME:
                if jobs is None:
                    jobs = stack.enter_context(_jobs(workers, client, scheduler, options))
                jobs.submit(run)
        db.record_many([(run.row(spec.name) | {"status": "invalid", "error": run.error, "options": options}, None) for run in invalid])
        pending = jobs.submitted if jobs is not None else 0
        bar = stack.enter_context(closing(make_progress(progress)))
        bar.start(pending, len(runs) - pending, jobs.slots() if jobs is not None else 1)
        for batch in jobs.results() if jobs is not None else ():
            rows = []
            for run, result, attempts in batch:
                row = run.row(spec.name) | dict(result["row"]) | {"options": options, "attempts": attempts}  # type: ignore[arg-type]
                rows.append((row, result.get("tables")))
            db.record_many(rows)  # type: ignore[arg-type]
            for row, _ in rows:
                bar.update(str(row["status"]))
                if callback is not None:
                    callback(row)
        return db.runs(list(dict.fromkeys(r.run_id for r in runs)))


def _spec(spec: object, **parts: object) -> SweepSpec:
    given = {k: v for k, v in parts.items() if v is not None}
    if spec is not None and given:
        raise OptionError("spec", f"give either spec or {', '.join(given)}, not both")
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
    """Every run of ``spec``, resolved (see :func:`resolve_each`)."""
    return list(resolve_each(base, spec, options))


def resolve_each(base: Scenario, spec: SweepSpec, options: Mapping[str, object]) -> Iterator[Run]:
    """Apply each run's overrides in turn; a run whose overrides (or variant) are invalid carries the reason instead."""
    bases: dict[str | None, Scenario | str] = {None: base}
    for folder in spec.variants:
        try:
            bases[folder] = load_scenario(folder)
        except ScenarioError as err:
            bases[folder] = f"variant {folder}: " + "; ".join(map(str, err.problems))
    hashes = {folder: origin.hash for folder, origin in bases.items() if isinstance(origin, Scenario)}
    for run in spec.runs():
        origin = bases[run.variant]
        if isinstance(origin, str):
            yield Run(run, run_id(origin, options, dict(run.params)), None, origin)
            continue
        try:
            scenario = origin.with_overrides(dict(run.params)) if run.params else origin
        except ScenarioError as err:
            yield Run(run, run_id(hashes[run.variant], options, dict(run.params)), None, "; ".join(map(str, err.problems)))
            continue
        digest = scenario.hash if run.params else hashes[run.variant]
        yield Run(run, run_id(digest, options), scenario, scenario_hash=digest)


#: Results that arrive within this many seconds of each other are written in one transaction.
WRITE_EVERY_S = 1.0
#: Seconds between two looks for finished runs (and for a stop request).
POLL_S = 0.05
#: A finished run (run, result, attempts) as the writer receives it.
Done = tuple[Run, Mapping[str, object], int]


def _cut_short(result: Mapping[str, object]) -> bool:
    """True for a run that a stop request ended before it finished (a resumed sweep runs it again)."""
    return result["row"].get("termination") == "interrupted"  # type: ignore[attr-defined]


class _Jobs:
    """Runs handed out to be solved; :meth:`results` yields them back, finished, in batches."""

    submitted = 0

    def submit(self, run: Run) -> None:
        raise NotImplementedError

    def slots(self) -> int:
        """How many runs can be under way at once."""
        return 1

    def results(self) -> Iterator[list[Done]]:
        raise NotImplementedError


class _InProcess(_Jobs):
    """Solve in this process, one run after another; runs finished within :data:`WRITE_EVERY_S` are written together."""

    def __init__(self, options: Mapping[str, object]):
        self.options, self.runs = options, []

    def submit(self, run: Run) -> None:
        self.runs.append(run)
        self.submitted += 1

    def results(self) -> Iterator[list[Done]]:
        done: list[Done] = []
        since = 0.0
        for run in self.runs:
            if stop.requested():
                break
            result = run_one(run.scenario, self.options)  # type: ignore[arg-type]
            if stop.requested() and _cut_short(result):
                break
            since = since if done else time.perf_counter()
            done.append((run, result, 1))
            if time.perf_counter() - since >= WRITE_EVERY_S:
                yield done
                done = []
        if done:
            yield done


class _OnDask(_Jobs):
    """One Dask task per run; a run whose worker died goes out once more."""

    def __init__(self, client: object, options: Mapping[str, object]):
        from distributed import as_completed

        self.client, self.options = client, options
        self.futures: dict[object, tuple[Run, int]] = {}
        self.queue = as_completed(with_results=True, raise_errors=False)  # results come back with their futures

    def submit(self, run: Run, attempt: int = 1) -> None:
        future = self.client.submit(run_one, run.scenario, self.options, key=f"gigawatt-run-{run.run_id}-{attempt}", pure=False)  # type: ignore[attr-defined]
        self.futures[future] = (run, attempt)
        self.queue.add(future)
        self.submitted += attempt == 1

    def slots(self) -> int:
        """The cluster's worker threads (each solves one run at a time)."""
        return max(1, sum(self.client.nthreads().values()))  # type: ignore[attr-defined]

    def results(self) -> Iterator[list[Done]]:
        """Finished runs, gathered for up to :data:`WRITE_EVERY_S` while others keep arriving, so writes stay few."""
        done: list[Done] = []
        since = 0.0
        try:
            while not self.queue.is_empty() or done:
                if done and (self.queue.is_empty() or time.perf_counter() - since >= WRITE_EVERY_S):
                    yield done
                    done = []
                    continue
                if stop.requested():
                    self.cancel_all()
                    break
                ready = self.queue.next_batch(block=False)
                if not ready:
                    time.sleep(POLL_S)
                    continue
                since = since if done else time.perf_counter()
                done += [d for d in (self._finish(future, value) for future, value in ready) if d is not None]
                done = [d for d in done if not (stop.requested() and _cut_short(d[1]))]
        finally:
            for future in self.futures:
                future.cancel()  # type: ignore[attr-defined]
        if done:
            yield done

    def cancel_all(self) -> None:
        """Cancel the runs not started and tell the workers to stop the ones under way (they are not recorded)."""
        for future in self.futures:
            future.cancel()  # type: ignore[attr-defined]
        self.client.run(stop.request)  # type: ignore[attr-defined]

    def _finish(self, future: object, value: object) -> Done | None:
        """The run's result, or None when it was sent out again; errors become failed or lost rows."""
        from distributed.scheduler import KilledWorker

        run, attempt = self.futures.pop(future)
        try:
            result = value if future.status == "finished" else future.result()  # type: ignore[attr-defined]  # raises the task's error
        except KilledWorker as err:
            if attempt < ATTEMPTS:
                log.warning("run %s: its worker died; running it again", run.run_id)
                self.submit(run, attempt + 1)
                return None
            result = {"row": {"status": "lost", "error": f"its worker died on each of {attempt} attempts ({err})"}}
        except Exception as err:
            result = {"row": {"status": "failed", "error": f"{type(err).__name__}: {err}"}}
        future.release()  # type: ignore[attr-defined]
        return run, result, attempt


@contextmanager
def _jobs(workers: int | None, client: object | None, scheduler: str | None, options: Mapping[str, object]) -> Iterator[_Jobs]:
    """Where runs are solved: in this process (``workers=0``, no client or scheduler) or on Dask."""
    if workers == 0 and client is None and scheduler is None:
        yield _InProcess(options)
        return
    with dask_client(workers, client, scheduler) as connected:
        yield _OnDask(connected, options)
