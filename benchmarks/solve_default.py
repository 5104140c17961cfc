"""Time ``gigawatt solve scenarios/default`` end to end, in process: load, imports, build, hand-off, solve, extract, verify.

Run from the repository root::

    .venv/bin/python benchmarks/solve_default.py                  # scenarios/default
    .venv/bin/python benchmarks/solve_default.py scenarios/other --time-limit 120

Target: the default scenario end to end (load + solve + verify) in under 60 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gigawatt as gw

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "default"
TARGET_S = 60.0  # seconds, end to end


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time load + solve + verify of a scenario folder (default: scenarios/default).")
    parser.add_argument("scenario", nargs="?", type=Path, default=DEFAULT, help="scenario folder")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds (default: the scenario's)")
    parser.add_argument("--mip-gap", type=float, default=None, help="relative (default: the scenario's)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--relax", action="store_true", help="solve the LP relaxation instead")
    parser.add_argument("--tee", action="store_true", help="show the HiGHS log")
    args = parser.parse_args(argv)

    if not (args.scenario / "scenario.yaml").is_file():
        print(
            f"no scenario at {args.scenario} (no scenario.yaml there). The default scenario is not written yet, or "
            "give another scenario folder: benchmarks/solve_default.py PATH",
            file=sys.stderr,
        )
        return 2

    t0 = time.perf_counter()
    scn = gw.load_scenario(args.scenario)
    load_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    solve = gw.solve  # first access imports the solver stack (Pyomo, SciPy, highspy)
    import_s = time.perf_counter() - t1
    t1 = time.perf_counter()
    plan = solve(scn, time_limit=args.time_limit, mip_gap=args.mip_gap, threads=args.threads, relax=args.relax, tee=args.tee)
    solve_call_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    try:
        violations: list | None = plan.verify()
    except ImportError as error:  # verifier not available yet
        print(f"verify unavailable: {error}", file=sys.stderr)
        violations = None
    verify_s = time.perf_counter() - t2
    total_s = time.perf_counter() - t0

    t = plan.timings
    other_s = solve_call_s - sum(t.values())
    size = plan.metadata.get("model_size", {})
    print(scn.summary())
    print()
    print(
        f"model      {size.get('columns', 0):,} columns, {size.get('rows', 0):,} rows, {size.get('nonzeros', 0):,} nonzeros, "
        f"{size.get('integers', 0):,} integers"
    )
    print(f"status     {plan.status} ({plan.solution} solution)")
    print(f"objective  {_usd(plan.objective)}   bound {_usd(plan.bound)}   gap {_pct(plan.gap)}")
    print("verify     " + ("unavailable" if violations is None else f"{len(violations)} violation(s)"))
    for v in (violations or [])[:10]:
        print(f"           - {getattr(v, 'message', v)}")
    print()
    print("seconds")
    labels = {"handoff": "hand-off", "solve": "solve (solver)"}
    phases = [(labels.get(k, k), v) for k, v in t.items()]  # build, handoff, solve, extract, and whatever solve() adds
    rows = [("load", load_s), ("import solver", import_s), *phases, ("other in solve()", other_s), ("verify", verify_s)]
    for name, value in [*rows, ("total", total_s)]:
        print(f"  {name:<18}{value:8.2f}")
    verdict = "PASS" if total_s < TARGET_S else "FAIL"
    print(f"\n{verdict}  end to end {total_s:.1f} s (target < {TARGET_S:.0f} s)")
    return 0 if violations in (None, []) else 1


def _usd(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e9:,.3f} B USD"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3%}"


if __name__ == "__main__":
    raise SystemExit(main())
