"""Run many seeded hostile-input cases outside pytest and print counts per kind.

    python tests/fuzz/run.py --cases 25000            # every kind, round robin
    python tests/fuzz/run.py --kinds nan_inf,plan_folder --cases 500 --seed 7
    python tests/fuzz/run.py --replay truncate:default:12345   # one case again, with its traceback

Kinds are the scenario mutations of :mod:`fuzz.mutations` (each on tiny, default and rubin_delay in
turn) and the other entry points of :mod:`fuzz.entries` (saved plans, results stores, sweep files,
``--grid`` items, ``solve()`` keywords, ``--set`` overrides; their source is ``-``). Case ``i`` uses
seed ``seed + i``, so every failure printed can be replayed. Exit status 1 when any case broke the
property (an exception other than a gigawatt error, a wrong verdict, an error not naming the file or
argument). ``--cli-every N`` also runs every Nth refused case through the command line in-process
(typer's runner) and checks exit code 2, the file or option named and no traceback.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.entries import ENTRIES, command_failure
from fuzz.mutations import MUTATIONS, SOURCES, RandomDraw, Workspace, check


def run_case(kind: str, source: str, seed: int, cli: bool = False) -> tuple[str, str | None]:
    """Apply one mutation, or feed one hostile input to an entry point, and check the property; return (verdict, failure)."""
    if kind in ENTRIES:
        return run_entry(kind, seed, cli)
    with tempfile.TemporaryDirectory(prefix="gw-fuzz-") as tmp:
        ws = Workspace.create(Path(tmp), source)
        expect = MUTATIONS[kind](ws, RandomDraw(seed))
        try:
            outcome = check(ws, expect)
        except Exception:
            return "crashed", traceback.format_exc(limit=-6)
        verdict = "refused" if outcome.error is not None else "loaded"
        if outcome.failure is None and cli and outcome.error is not None:
            return verdict, cli_failure(ws, expect.file)
        notes = f" ({'; '.join(ws.notes)})" if ws.notes and outcome.failure else ""
        return verdict, outcome.failure and outcome.failure + notes


def run_entry(kind: str, seed: int, cli: bool) -> tuple[str, str | None]:
    """One case of an entry-point kind (:data:`fuzz.entries.ENTRIES`): (verdict, failure)."""
    with tempfile.TemporaryDirectory(prefix="gw-fuzz-") as tmp:
        try:
            case = ENTRIES[kind](RandomDraw(seed), Path(tmp))
        except Exception:
            return "crashed", traceback.format_exc(limit=-6)
        verdict = "refused" if case.error is not None else "loaded"
        if case.failure is None and cli and case.error is not None:
            return verdict, command_failure(case)
        return verdict, case.failure


def cli_failure(ws: Workspace, file: str | None) -> str | None:
    from typer.testing import CliRunner

    from gigawatt.cli import app

    result = CliRunner().invoke(app, ["validate", str(ws.folder)])
    output = result.output
    if result.exit_code != 2 or "Traceback" in output or not isinstance(result.exception, SystemExit):
        return f"CLI exit {result.exit_code}, exception {result.exception!r}:\n{output[-2000:]}"
    if file is not None and file not in output:
        return f"CLI output does not name {file}:\n{output[-2000:]}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=2000, help="Cases in all (round robin over kinds and sources).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", default="", help="Comma-separated mutation kinds (default: all).")
    parser.add_argument("--sources", default=",".join(SOURCES), help="Comma-separated shipped scenarios to break.")
    parser.add_argument("--cli-every", type=int, default=0, help="Also run every Nth refused case through the CLI.")
    parser.add_argument("--replay", default="", help="KIND:SOURCE:SEED of one case: run it and show the details.")
    parser.add_argument("--show", type=int, default=20, help="Failures printed in full.")
    args = parser.parse_args(argv)

    if args.replay:
        kind, source, seed = args.replay.split(":")
        verdict, failure = run_case(kind, source, int(seed), cli=True)
        print(f"{kind} on {source}, seed {seed}: {verdict}")
        print(failure or "property holds")
        return 1 if failure else 0

    known = [*MUTATIONS, *ENTRIES]
    kinds = [k for k in args.kinds.split(",") if k] or known
    unknown = [k for k in kinds if k not in known]
    if unknown:
        parser.error(f"unknown kinds {unknown}; known: {', '.join(known)}")
    sources = [s for s in args.sources.split(",") if s]
    counts: dict[str, Counter] = {k: Counter() for k in kinds}
    failures: list[tuple[str, str, int, str]] = []
    start = time.perf_counter()
    for i in range(args.cases):
        kind, seed = kinds[i % len(kinds)], args.seed + i
        source = "-" if kind in ENTRIES else sources[(i // len(kinds)) % len(sources)]
        cli = bool(args.cli_every) and i % args.cli_every == 0
        verdict, failure = run_case(kind, source, seed, cli=cli)
        counts[kind][verdict] += 1
        if failure:
            counts[kind]["failed"] += 1
            failures.append((kind, source, seed, failure))
            print(f"  FAILED {kind}:{source}:{seed}: {failure.splitlines()[0][:200]}", file=sys.stderr)
        if (i + 1) % 500 == 0:
            print(f"  {i + 1:,} cases, {len(failures)} failures, {time.perf_counter() - start:,.0f} s", file=sys.stderr)
    print(f"{'kind':<26}{'cases':>7}{'refused':>9}{'loaded':>8}{'crashed':>9}{'failed':>8}")
    for kind, c in counts.items():
        total = c["refused"] + c["loaded"] + c["crashed"]
        print(f"{kind:<26}{total:>7}{c['refused']:>9}{c['loaded']:>8}{c['crashed']:>9}{c['failed']:>8}")
    total = sum(c["refused"] + c["loaded"] + c["crashed"] for c in counts.values())
    print(f"{'all':<26}{total:>7}  in {time.perf_counter() - start:,.1f} s; {len(failures)} failures")
    for kind, source, seed, failure in failures[: args.show]:
        print(f"\n--- {kind}:{source}:{seed}\n{failure if len(failure) < 1500 else failure[:1500] + ' ...'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
