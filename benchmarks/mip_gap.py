"""MIP progress per instance: LP bound, time to the first plan, gap at 10/30/60/300 s, final gap.

.. code-block:: bash

    .venv/bin/python benchmarks/mip_gap.py                                  # default, 200x8x10, 1000x10x15
    .venv/bin/python benchmarks/mip_gap.py base:200x8x10 tight_ceiling:200x8x10 --time-limit 60 --strategy single phased
    .venv/bin/python benchmarks/mip_gap.py scenarios/default --time-limit 60 --threads 1 --json out.jsonl

An instance is ``default`` / ``tiny`` (shipped scenarios), a scenario folder, ``[family:]SITESxCHIPSxYEARS``
or ``facility_location:SITESxREGIONS[@CAPACITY_RATIO]`` (:mod:`benchmarks.generator`, seed ``--seed``). Every solve runs inside
:func:`gigawatt.solvers.progress.tracing`, which keeps only plans of the instance itself and true lower bounds of
it (relaxations, the MIP's dual bound), never numbers from restricted models. Times count from the call to ``gw.solve`` (model build
included). Gaps are ``(best plan - best bound) / best plan``. Peak RSS is of this process and the
solver's child process together, sampled (:class:`benchmarks.memory.TreePeak`), and of this process alone over its
life (``ru_maxrss``, which includes generating the scenario). Measures, does not assert; the load average is printed
with each row since other work on the machine skews the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import gigawatt as gw  # noqa: E402
from benchmarks.memory import TreePeak  # noqa: E402
from gigawatt.matrix.compile import compile_model  # noqa: E402
from gigawatt.model import build_model  # noqa: E402
from gigawatt.solvers import highs, progress  # noqa: E402
from gigawatt.solvers.base import SolveOptions  # noqa: E402

CHECKPOINTS_S = (10.0, 30.0, 60.0, 300.0)
DEFAULT_INSTANCES = ("default", "base:200x8x10", "base:1000x10x15")
SIZE = re.compile(r"^(?:(?P<family>[a-z_]+):)?(?P<sites>\d+)x(?P<chips>\d+)x(?P<years>\d+)$")
FACILITY_LOCATION = re.compile(r"^facility_location:(?P<sites>\d+)x(?P<regions>\d+)(?:@(?P<ratio>[\d.]+))?$")


def load(instance: str, seed: int) -> gw.Scenario:
    """The scenario an instance name stands for."""
    if match := FACILITY_LOCATION.match(instance):
        from benchmarks.generator import facility_location

        ratio = {"capacity_ratio": float(match["ratio"])} if match["ratio"] else {}
        return facility_location(sites=int(match["sites"]), regions=int(match["regions"]), seed=seed, **ratio).scenario()
    match = SIZE.match(instance)
    if match:
        from benchmarks.generator import synthetic_scenario

        family = match["family"] or "base"
        return synthetic_scenario(sites=int(match["sites"]), chips=int(match["chips"]), years=int(match["years"]), seed=seed, family=family)
    folder = ROOT / "scenarios" / instance if (ROOT / "scenarios" / instance).is_dir() else Path(instance)
    return gw.load_scenario(folder)


def lp_bound(scenario: gw.Scenario, threads: int | None) -> tuple[float | None, float, dict[str, int]]:
    """LP relaxation value (solver units, million USD), HiGHS seconds, and the model size."""
    compiled = compile_model(build_model(scenario))
    result = highs.solve(compiled.form, SolveOptions(threads=threads), relax=True)
    return result.objective, result.seconds, compiled.form.size()


def run(instance: str, strategy: str, args: argparse.Namespace) -> dict[str, object]:
    """One traced solve of ``instance`` with ``strategy``; a row of figures."""
    scenario = load(instance, args.seed)
    row: dict[str, object] = {"instance": instance, "strategy": strategy, "time_limit": args.time_limit, "threads": args.threads}
    row["load_before"] = os.getloadavg()[0]
    if not args.no_lp:
        lp, lp_s, size = lp_bound(scenario, args.threads)
        row |= {"lp_bound": lp, "lp_s": lp_s, **size}
    t0 = time.perf_counter()
    with progress.tracing() as trace, TreePeak() as memory:
        try:
            limits = {"time_limit": args.time_limit, "mip_gap": args.mip_gap, "threads": args.threads}
            plan = gw.solve(scenario, strategy=strategy, duals=False, **limits)
        except gw.NoPlan as error:  # a figure too: no plan within the limit
            plan = None
            row["no_plan"] = str(error)
    row["wall_s"] = time.perf_counter() - t0
    row["first_plan_s"] = trace.first_plan_s
    wall = float(row["wall_s"])  # type: ignore[arg-type]
    for t in CHECKPOINTS_S:  # a solve that ended early keeps its final gap; checkpoints past the time limit are left out
        row[f"gap_{t:g}s"] = trace.gap_at(min(t, wall)) if t <= max(args.time_limit, wall) + 1e-9 else None
    row |= {
        "status": plan.status if plan is not None else "no_plan",
        "objective": plan.objective if plan is not None else None,
        "bound": plan.bound if plan is not None else None,
        "final_gap": plan.gap if plan is not None else None,
        "violations": len(plan.verify()) if plan is not None else None,
        "strategy_used": (plan.metadata.get("strategy") or {}).get("name") if plan is not None else None,
        "load_after": os.getloadavg()[0],
        "peak_tree_rss_mb": memory.peak_mb,
        "peak_self_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux reports KB
    }
    if args.events:
        row["events"], row["phases"] = trace.events, trace.phases
    return row


def _fmt(value: object, kind: str = "") -> str:
    if value is None:
        return "-"
    if kind == "pct":
        return f"{float(value):.3%}"
    if kind == "s":
        return f"{float(value):.1f}"
    if isinstance(value, float):
        return f"{value:,.6g}"
    return str(value)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="*", default=list(DEFAULT_INSTANCES))
    parser.add_argument("--strategy", nargs="+", default=["phased"], help="strategies to compare (gw.solve strategy=)")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--mip-gap", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=1, help="solver threads; 0 for the solver's choice (both cores here)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-lp", action="store_true", help="skip the separate LP relaxation solve")
    parser.add_argument("--events", action="store_true", help="print each solver call's phase; keep them and the trace in the JSON rows")
    parser.add_argument("--json", type=Path, default=None, help="append one JSON row per run to this file")
    args = parser.parse_args(argv)
    args.threads = args.threads or None
    columns = [("first_plan_s", "s"), *((f"gap_{t:g}s", "pct") for t in CHECKPOINTS_S), ("final_gap", "pct"), ("wall_s", "s")]
    print(f"time limit {args.time_limit:g} s, mip gap {args.mip_gap:g}, threads {args.threads}, seed {args.seed}; load {os.getloadavg()}")
    for instance in args.instances:
        for strategy in args.strategy:
            row = run(instance, strategy, args)
            lp = (
                ""
                if args.no_lp
                else f"LP {_fmt(row['lp_bound'])} ({_fmt(row['lp_s'], 's')} s, {row['columns']} cols, {row['integers']} int)  "
            )
            figures = "  ".join(f"{name} {_fmt(row[name], kind)}" for name, kind in columns)
            print(
                f"{instance} [{strategy}] {lp}{figures}  obj {_fmt(row['objective'])} bound {_fmt(row['bound'])} "
                f"status {row['status']} violations {row['violations']} peak RSS {_fmt(row['peak_tree_rss_mb'], 's')} MB "
                f"(this process alone {_fmt(row['peak_self_rss_mb'], 's')}) "
                f"load {row['load_before']:.2f}/{row['load_after']:.2f}",
                flush=True,
            )
            if args.events:  # where the time went: each solver call's phase, start and end
                for t, phase, what in row["phases"]:  # type: ignore[attr-defined]
                    print(f"    {t:8.1f} s  {phase} {what}")
            if args.json:
                with args.json.open("a") as out:
                    out.write(json.dumps(row, default=float) + "\n")


if __name__ == "__main__":
    main()
