"""Near-optimal alternatives and a CO2 front on a scenario: wall time and each plan's figures.

Prints, for ``gw.alternatives`` (by campus set unless ``--by``), each plan's cost, how far above the
optimum and its bound, its gap, campuses added and dropped, the verifier's count and the whole wall
time; then, with ``--front N``, the N points of the CO2 front with their cost, CO2, gap and wall time.

    python benchmarks/alternatives.py [SCENARIO] [--k 5] [--slack 0.01] [--time-limit 60] [--threads 1] [--workers 1] [--front 8]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import gigawatt as gw

DEFAULT = Path(__file__).resolve().parents[1] / "scenarios" / "default"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--slack", type=float, default=0.01)
    parser.add_argument("--by", default="sites")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="solves at once (alternatives: polish beside the next search)")
    parser.add_argument("--front", type=int, default=0, help="points of a CO2 front (0: none)")
    args = parser.parse_args()
    scn = gw.load_scenario(args.scenario)
    options = {"time_limit": args.time_limit, "threads": args.threads}
    if args.k:
        started = time.perf_counter()
        alts = gw.alternatives(scn, k=args.k, slack=args.slack, by=args.by, workers=args.workers, **options)
        wall = time.perf_counter() - started
        table = alts.table().assign(violations=[len(p.verify()) for p in alts.plans])
        print(table.to_string(index=False))
        print(f"alternatives: {len(alts.plans) - 1} of {args.k} in {wall:.1f} s; stopped: {alts.stopped or '-'}")
    if args.front:
        started = time.perf_counter()
        front = gw.front(scn, x="co2", n=args.front, workers=args.workers, **options)
        wall = time.perf_counter() - started
        columns = ["emissions_cap_t_per_year", "status", "objective_usd", "gap", "co2_t", "worst_year_co2_t", "dominated"]
        print(front.table()[columns].to_string(index=False))
        print(f"front: {len(front.plans)} points in {wall:.1f} s")


if __name__ == "__main__":
    main()
