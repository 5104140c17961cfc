"""Sweep throughput: N runs of ``scenarios/tiny`` variants, one after another in one process vs on Dask.

Prints two one-process figures, a bare loop of solves over the resolved scenarios and the same
sweep run with ``workers=0`` (which resolves, solves and stores every run, as the Dask sweep does),
then the Dask sweep with ``--workers`` workers (cluster started and warmed beforehand; its start-up
is printed separately), the throughput ratio against each, and the per-run overhead of the Dask
path (scheduling, transfer and the DuckDB write): a one-worker sweep's time minus the time spent
inside the runs, per run.

    python benchmarks/sweep_throughput.py [--runs 16] [--workers 2]
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

import gigawatt as gw
from gigawatt.sweeps.runner import _client
from gigawatt.sweeps.worker import run_one

TINY = Path(__file__).resolve().parents[1] / "scenarios" / "tiny"


def grid(runs: int) -> dict[str, list[float]]:
    """``runs`` distinct variants: ceilings times energy-price factors."""
    ceilings = [100.0 + 5 * i for i in range(4)]
    factors = [round(0.8 + 0.1 * i, 2) for i in range(max(1, runs // len(ceilings)))]
    return {"ceiling_mw": ceilings, "supplies.energy_price_usd_per_mwh*": factors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    base = gw.load_scenario(TINY)
    spec = grid(args.runs)
    scenarios = [
        base.with_overrides({"ceiling_mw": c, "supplies.energy_price_usd_per_mwh*": f})
        for c in spec["ceiling_mw"]
        for f in spec["supplies.energy_price_usd_per_mwh*"]
    ]
    n = len(scenarios)
    run_one(scenarios[0], {"threads": 1})  # warm: imports and first-solve costs are not part of either figure

    t0 = time.perf_counter()
    for scenario in scenarios:
        run_one(scenario, {"threads": 1})
    sequential = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        gw.sweep(base, grid=spec, workers=0, store=Path(tmp) / "s.duckdb", progress=False)
        in_process = time.perf_counter() - t0
        t0 = time.perf_counter()
        with _client(args.workers, None, None) as client:
            start_up = time.perf_counter() - t0
            client.run(run_one, scenarios[0], {"threads": 1})  # warm each worker as the sequential loop was warmed
            t0 = time.perf_counter()
            runs = gw.sweep(base, grid=spec, client=client, store=Path(tmp) / "a.duckdb", progress=False)
            parallel = time.perf_counter() - t0
        assert len(runs) == n and (runs["status"] == "optimal").all(), runs[["label", "status", "error"]]
        with _client(1, None, None) as client:
            client.run(run_one, scenarios[0], {"threads": 1})
            t0 = time.perf_counter()
            one = gw.sweep(base, grid=spec, client=client, store=Path(tmp) / "b.duckdb", progress=False)
            single = time.perf_counter() - t0
    overhead = (single - one["seconds"].sum()) / n
    print(f"runs                      {n} variants of scenarios/tiny, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"solves in a loop          {sequential:6.2f} s  ({sequential / n:.3f} s per run: solve, verify, plan tables)")
    print(f"sweep in one process      {in_process:6.2f} s  (gw.sweep(workers=0): the same runs resolved, solved and stored)")
    print(f"sweep on Dask, {args.workers} workers  {parallel:6.2f} s  (cluster start-up {start_up:.2f} s, not included)")
    print(f"throughput ratio          {in_process / parallel:6.2f}x  against the sweep in one process (target >= 1.6x)")
    print(f"                          {sequential / parallel:6.2f}x  against the bare loop of solves")
    inside = one["seconds"].sum()
    print(f"Dask overhead per run     {overhead:6.3f} s  (1 worker: {single:.2f} s wall - {inside:.2f} s in runs; target < 0.5 s)")


if __name__ == "__main__":
    main()
