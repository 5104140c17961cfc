"""Two-stage plans on a scenario: the extensive form's size, time, gap and peak memory; EVPI, VSS and regret.

With ``--futures FILE`` the table's futures; with ``--grid N`` (4 or 16) the four of ``scenarios/pool/futures.csv``
(the default's buildout with training as one pool, the scenario these figures were first measured on), or sixteen
made of Rubin on time or a year late x full or half throughput x grid on time or two years late x demand as given
or +20% (probabilities: the product of 0.6/0.4, 0.85/0.15, 0.85/0.15, 0.7/0.3).

    python benchmarks/futures.py [SCENARIO] [--futures FILE | --grid 16] [--time-limit 300] [--mip-gap 0.005] [--evaluate]
"""

from __future__ import annotations

import argparse
import itertools
import resource
import time
from pathlib import Path

import gigawatt as gw
from gigawatt.scenario.futures import Future, Futures

POOL = Path(__file__).resolve().parents[1] / "scenarios" / "pool"
RENTED = {"demand.value_usd_per_eflops_yr": 10_400_000}  # as in scenarios/pool/futures.csv
GRID_LATE = {f"interconnection[earliest_year={y}].earliest_year+": 2 for y in range(2032, 2026, -1)}
AXES = [
    [("on_time", 0.6, {}), ("late", 0.4, {"chips[rubin_nvl144].first_year+": 1})],
    [("full", 0.85, {}), ("half", 0.15, {"chips[rubin_nvl144].pflops_per_unit*": 0.5})],
    [("grid", 0.85, {}), ("grid_late", 0.15, GRID_LATE)],
    [("demand", 0.7, {}), ("demand_up", 0.3, {"demand.eflops*": 1.2})],
]


def sixteen() -> Futures:
    items = []
    for combo in itertools.product(*AXES):
        name = "-".join(c[0] for c in combo)
        p = 1.0
        overrides: dict[str, object] = dict(RENTED)
        for _, q, o in combo:
            p *= q
            overrides |= o
        items.append(Future(name, p, overrides))
    return Futures(tuple(items))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(POOL))
    parser.add_argument("--futures", default=None)
    parser.add_argument("--grid", type=int, default=4, choices=(4, 16))
    parser.add_argument("--commit-year", type=int, default=None)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--mip-gap", type=float, default=0.005)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--evaluate", action="store_true", help="also EVPI, VSS and regret (each future alone, the mean future)")
    args = parser.parse_args()
    scn = gw.load_scenario(args.scenario)
    futures: Futures | str = args.futures or (str(Path(args.scenario) / "futures.csv") if args.grid == 4 else sixteen())
    started = time.perf_counter()
    ts = gw.two_stage(
        scn,
        futures,
        commit_year=args.commit_year,
        evaluate=args.evaluate,
        time_limit=args.time_limit,
        mip_gap=args.mip_gap,
        threads=args.threads,
    )
    wall = time.perf_counter() - started
    size = ts.model_size
    print(f"futures: {len(ts.futures)}; extensive form {size['columns']:,} columns, {size['rows']:,} rows, {size['integers']:,} integers")
    print(f"two-stage solve: {ts.seconds:.1f} s, status {ts.status}, gap {ts.gap:.3%}" if ts.gap is not None else f"status {ts.status}")
    print(f"whole call: {wall:.1f} s; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(ts.summary())


if __name__ == "__main__":
    main()
