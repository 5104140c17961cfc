"""Model size, build / hand-off / extract seconds against HiGHS's LP relaxation time, and build memory.

Run from the repository root::

    .venv/bin/python benchmarks/model_size.py                   # 200x8x10 and 1000x10x15
    .venv/bin/python benchmarks/model_size.py 500x10x12 --profile
    PYTHONPATH=/path/to/other/checkout .venv/bin/python benchmarks/model_size.py   # measure another gigawatt

Sizes are SITESxCHIPSxYEARS of :func:`benchmarks.generator.synthetic_scenario`. For each size the
script builds the MIP (:func:`gigawatt.model.build_model`), compiles it to the standard form and
passes it to HiGHS (:func:`gigawatt.matrix.compile.compile_model` + :func:`gigawatt.solvers.highs.to_highs`
+ ``Highs.passModel``), solves the LP relaxation, and extracts the plan tables. Every phase is timed in
wall seconds and in CPU seconds of this process (robust when the machine is shared; HiGHS may use
more than one thread, so its CPU seconds can exceed its wall seconds). A tiny model is built first so
one-off lazy imports (Pyomo's writer, SciPy) are reported apart. Memory is measured in a fresh process
per size.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import io
import math
import multiprocessing
import pstats
import resource
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.append(str(Path(__file__).resolve().parents[1]))  # appended: PYTHONPATH may point at another gigawatt

import numpy as np

import gigawatt
import gigawatt.model.build as build_module
from benchmarks.generator import FAMILIES, synthetic_scenario
from benchmarks.memory import status_mb
from gigawatt.matrix.compile import compile_model
from gigawatt.model import ModelOptions, build_model
from gigawatt.plan.extract import extract_tables
from gigawatt.scenario import Scenario
from gigawatt.solvers import highs
from gigawatt.solving import solve_model

DEFAULT_SIZES = ("200x8x10", "1000x10x15")
#: Targets at 1000x10x15 (see benchmarks/README.md).
TARGET_SIZE = (1000, 10, 15)
TARGET_OVERHEAD_SHARE = 0.05  # (build + hand-off + extract) / LP seconds
TARGET_OVERHEAD_S = 2.0  # build + hand-off + extract, seconds
TARGET_PEAK_MB = 1024.0  # peak resident memory through the build, MB
OVERHEAD = ("build", "compile", "pass", "extract")


@dataclass(frozen=True)
class Size:
    """A scenario size: candidate sites, chips and modelled years."""

    sites: int
    chips: int
    years: int

    @classmethod
    def parse(cls, text: str) -> Size:
        try:
            sites, chips, years = (int(p) for p in text.lower().split("x"))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected SITESxCHIPSxYEARS like 200x8x10, got {text!r}") from None
        return cls(sites, chips, years)

    def __str__(self) -> str:
        return f"{self.sites}x{self.chips}x{self.years}"


@dataclass
class Result:
    """Figures for one size: (wall, CPU) seconds per phase, model size, LP status, memory (MB)."""

    size: Size
    seconds: dict[str, tuple[float, float]] = field(default_factory=dict)
    highs_s: float = 0.0  # HiGHS's own run clock, seconds
    lp_status: str = ""
    model_size: dict[str, int] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)

    def total(self, phases: tuple[str, ...], cpu: bool = False) -> float:
        return sum(self.seconds.get(p, (0.0, 0.0))[cpu] for p in phases)

    @property
    def ratio(self) -> float:
        """(build + hand-off + extract) wall seconds / HiGHS's LP seconds."""
        return self.total(OVERHEAD) / self.highs_s if self.highs_s > 0 else float("nan")


@contextmanager
def timed(res: Result, phase: str) -> Iterator[None]:
    """Record wall and process-CPU seconds of the block under ``phase``."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    res.seconds[phase] = (time.perf_counter() - wall, time.process_time() - cpu)


def make_scenario(size: Size, seed: int, family: str, regions: int | None, nodes: int | None) -> Scenario:
    """The synthetic scenario of ``size`` (validated)."""
    return synthetic_scenario(sites=size.sites, chips=size.chips, years=size.years, seed=seed, family=family, regions=regions, nodes=nodes)


def warm_up(args: argparse.Namespace) -> tuple[float, float]:
    """Build, compile, solve and extract a 3x1x2 model so lazy imports are paid once: (wall, CPU) seconds."""
    res = Result(Size(3, 1, 2))
    with timed(res, "warm-up"):
        run_phases(make_scenario(res.size, args.seed, "base", 1, 2), res, argparse.Namespace(**{**vars(args), "no_lp": False}))
    return res.seconds["warm-up"]


def run_phases(scn: Scenario, res: Result, args: argparse.Namespace) -> None:
    """Build, compile, pass to HiGHS, solve the LP relaxation, extract; fill ``res``."""
    with timed(res, "build"):
        model = build_model(scn, ModelOptions())
    with timed(res, "compile"):
        compiled = compile_model(model)
    res.model_size = compiled.form.size()
    h = highs.new_highs(args.tee)
    h.setOptionValue("output_flag", bool(args.tee))
    if args.threads:
        h.setOptionValue("threads", args.threads)
    if args.time_limit:
        h.setOptionValue("time_limit", float(args.time_limit))
    for item in args.highs_option:
        key, _, value = item.partition("=")
        h.setOptionValue(key, _parse(value))
    with timed(res, "pass"):
        h.passModel(highs.to_highs(compiled.form, relax=True))
    if args.no_lp:  # extract from x = 1 clipped to the bounds: same work, no LP
        res.lp_status = "not solved"
        x = np.clip(np.ones(res.model_size["columns"]), compiled.form.col_lower, compiled.form.col_upper)
    else:
        with timed(res, "lp"):
            h.run()
        res.highs_s = float(h.getRunTime())
        res.lp_status = h.modelStatusToString(h.getModelStatus())
        x = np.asarray(h.getSolution().col_value)
    if len(x) == res.model_size["columns"]:
        with timed(res, "extract"):
            extract_tables(compiled, model.data, model.ledger, x, integer_units=False)


def run_via_solve(scn: Scenario, res: Result, args: argparse.Namespace) -> None:
    """As ``gigawatt.solve(scn, relax=True)`` does it: build, then :func:`gigawatt.solve_model`; phases from ``plan.timings``.

    Captures whatever the solve pipeline does around the phases (garbage-collector handling, for one).
    CPU seconds are not split by phase here; "pass" is the rest of solve_model (to_highs, passModel, set-up,
    scenario hash, metadata); phases solve_model adds (e.g. shadow prices) are listed apart, not in the ratio.
    """
    with timed(res, "build"):
        model = build_model(scn, ModelOptions(relax=True))
    options = {key: _parse(value) for key, _, value in (item.partition("=") for item in args.highs_option)}
    wall, cpu = time.perf_counter(), time.process_time()
    plan = solve_model(model, time_limit=args.time_limit, threads=args.threads, tee=args.tee, **options)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    t, nan = dict(plan.timings), float("nan")
    res.seconds["compile"] = (t.pop("handoff"), nan)
    res.seconds["lp"] = (t.pop("solve"), nan)
    res.seconds["extract"] = (t.pop("extract"), nan)
    t.pop("build", None)
    for key, value in t.items():  # phases solve_model adds (shadow prices, ...)
        res.seconds[f"solve_model: {key}"] = (value, nan)
    res.seconds["pass"] = (wall - sum(v[0] for k, v in res.seconds.items() if k not in ("build", "generate")), nan)
    res.seconds["solve_model"] = (wall, cpu)
    res.highs_s = res.seconds["lp"][0]
    res.lp_status = plan.status
    res.model_size = dict(plan.metadata["model_size"])


def measure(size: Size, args: argparse.Namespace) -> Result:
    """Time every phase for one size, in this process."""
    res = Result(size)
    with timed(res, "generate"):
        scn = make_scenario(size, args.seed, args.family, args.regions, args.nodes)
    if args.via_solve:
        run_via_solve(scn, res, args)
    else:
        run_phases(scn, res, args)
    return res


def _parse(value: str) -> Any:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(value.lower(), value)


# -- memory ---------------------------------------------------------------------------------------


def _reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux ``clear_refs``); False if unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def memory_probe(size: Size, seed: int, family: str, regions: int | None, nodes: int | None) -> dict[str, float]:
    """In a fresh process: resident set sizes (MB), then tracemalloc peaks (MB) of build and compile.

    ``VmHWM`` is reset just before the build, so it is the peak resident set through the build (then the
    compile) on top of the imports and the scenario. ``ru_maxrss`` is the process's lifetime peak (Linux
    carries the parent's peak over to a spawned child, so probes run before the parent grows). The
    tracemalloc pass runs second, on a fresh model, so the tracer's own memory does not inflate the RSS.
    """
    scn = make_scenario(size, seed, family, regions, nodes)
    out: dict[str, float] = {}
    rss = status_mb("VmRSS")
    if rss is not None:
        out["rss_before_mb"] = rss
    reset = _reset_peak_rss()
    model = build_model(scn, ModelOptions())
    hwm = status_mb("VmHWM")
    if reset and hwm is not None:
        out["hwm_build_mb"] = hwm
    out["maxrss_build_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KB
    compiled = compile_model(model)
    hwm = status_mb("VmHWM")
    if reset and hwm is not None:
        out["hwm_compile_mb"] = hwm
    out["maxrss_compile_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del model, compiled
    gc.collect()

    tracemalloc.start()
    model = build_model(scn, ModelOptions())
    build_kept, build_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    compiled = compile_model(model)
    compile_kept, compile_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del model, compiled
    out |= {
        "build_peak_mb": build_peak / 2**20,
        "build_kept_mb": build_kept / 2**20,
        "compile_peak_mb": compile_peak / 2**20,
        "compile_kept_mb": compile_kept / 2**20,
    }
    return out


def measure_memory(size: Size, args: argparse.Namespace) -> dict[str, float]:
    """Run :func:`memory_probe` in a spawned process so peaks belong to this size alone."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(memory_probe, (size, args.seed, args.family, args.regions, args.nodes))


# -- profile --------------------------------------------------------------------------------------


def family_seconds(scn: Scenario) -> dict[str, float]:
    """CPU seconds of each step of :func:`build_model` (``build_data`` and every ``add_*`` family it calls)."""
    spent: dict[str, float] = defaultdict(float)

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed_fn(*a: Any, **kw: Any) -> Any:
            t0 = time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] += time.process_time() - t0

        return timed_fn

    names = [n for n in vars(build_module) if n == "build_data" or n.startswith("add_")]
    originals = {n: getattr(build_module, n) for n in names}
    try:
        for n in names:
            setattr(build_module, n, wrap(n, originals[n]))
        t0 = time.process_time()
        build_model(scn, ModelOptions())
        total = time.process_time() - t0
    finally:
        for n, fn in originals.items():
            setattr(build_module, n, fn)
    spent["(rest of build_model)"] = total - sum(spent.values())
    spent["total"] = total
    return dict(spent)


def profile(size: Size, args: argparse.Namespace) -> str:
    """CPU seconds per build step, then cProfile of build_model + compile_model (top by cumulative and own time)."""
    scn = make_scenario(size, args.seed, args.family, args.regions, args.nodes)
    out = io.StringIO()
    out.write(f"\n--- {size}: build_model CPU seconds by step ---\n")
    for name, sec in family_seconds(scn).items():
        out.write(f"  {name:<24}{sec:8.2f}\n")
    prof = cProfile.Profile()
    prof.enable()
    model = build_model(scn, ModelOptions())
    compile_model(model)
    prof.disable()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    for key in ("cumulative", "tottime"):
        out.write(f"\n--- {size}: build + compile under cProfile, top {args.top} by {key} ---\n")
        stats.sort_stats(key).print_stats(args.top)
    return out.getvalue()


# -- report ---------------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    """Metrics as rows, sizes as columns; seconds as 'wall (CPU)'."""

    def sec(r: Result, *phases: str) -> str:
        cpu = r.total(phases, cpu=True)
        return f"{r.total(phases):.2f} ({'-' if math.isnan(cpu) else f'{cpu:.2f}'})"

    rows: list[tuple[str, list[str]]] = [
        ("columns", [f"{r.model_size.get('columns', 0):,}" for r in results]),
        ("rows", [f"{r.model_size.get('rows', 0):,}" for r in results]),
        ("nonzeros", [f"{r.model_size.get('nonzeros', 0):,}" for r in results]),
        ("integers", [f"{r.model_size.get('integers', 0):,}" for r in results]),
        ("seconds, wall (CPU):", ["" for _ in results]),
        ("  generate scenario (not counted)", [sec(r, "generate") for r in results]),
        ("  build", [sec(r, "build") for r in results]),
        ("  hand-off", [sec(r, "compile", "pass") for r in results]),
        ("    compile_model", [sec(r, "compile") for r in results]),
        ("    to_highs + passModel", [sec(r, "pass") for r in results]),
        ("  extract", [sec(r, "extract") for r in results]),
        ("  build + hand-off + extract", [sec(r, *OVERHEAD) for r in results]),
        ("  LP relaxation, Highs.run()", [sec(r, "lp") for r in results]),
        ("  LP relaxation, HiGHS clock", [f"{r.highs_s:.2f}" for r in results]),
        *[(f"  {key}", [sec(r, key) for r in results]) for key in _extra_phases(results)],
        ("LP status", [r.lp_status for r in results]),
        ("(build+hand-off+extract) / LP", [f"{r.ratio:.1%}" for r in results]),
    ]
    if any(r.memory for r in results):
        rows += [
            ("memory, MB:", ["" for _ in results]),
            ("  RSS before build (imports, scenario)", [_mb(r, "rss_before_mb") for r in results]),
            ("  peak RSS through build (VmHWM)", [_mb(r, "hwm_build_mb") for r in results]),
            ("  peak RSS through compile (VmHWM)", [_mb(r, "hwm_compile_mb") for r in results]),
            ("  ru_maxrss after build", [_mb(r, "maxrss_build_mb") for r in results]),
            ("  ru_maxrss after compile", [_mb(r, "maxrss_compile_mb") for r in results]),
            ("  build peak (tracemalloc)", [_mb(r, "build_peak_mb") for r in results]),
            ("    model kept after build", [_mb(r, "build_kept_mb") for r in results]),
            ("  compile peak (tracemalloc)", [_mb(r, "compile_peak_mb") for r in results]),
            ("    model + matrix kept after compile", [_mb(r, "compile_kept_mb") for r in results]),
        ]
    head = [str(r.size) for r in results]
    width = max(len(name) for name, _ in rows) + 2
    cols = [max(len(h), *(len(v[i]) for _, v in rows)) + 2 for i, h in enumerate(head)]
    lines = ["".ljust(width) + "".join(h.rjust(w) for h, w in zip(head, cols, strict=True))]
    lines.append("-" * len(lines[0]))
    lines += [name.ljust(width) + "".join(v.rjust(w) for v, w in zip(values, cols, strict=True)) for name, values in rows]
    return "\n".join(lines)


def _extra_phases(results: list[Result]) -> list[str]:
    """Phases reported by solve_model besides the usual ones (``--via-solve``), then its total."""
    keys = [k for r in results for k in r.seconds if k.startswith("solve_model: ")]
    return list(dict.fromkeys(keys)) + (["solve_model"] if any("solve_model" in r.seconds for r in results) else [])


def _mb(r: Result, key: str) -> str:
    return f"{r.memory[key]:,.0f}" if key in r.memory else "-"


def targets(results: list[Result]) -> str:
    """PASS/FAIL against the README's targets, for 1000x10x15 when measured."""
    lines = []
    for r in results:
        if (r.size.sites, r.size.chips, r.size.years) != TARGET_SIZE:
            continue
        overhead = r.total(OVERHEAD)
        ok = r.ratio <= TARGET_OVERHEAD_SHARE
        lines.append(f"{_verdict(ok)}  {r.size}: (build+hand-off+extract) / LP = {r.ratio:.1%} (target <= 5%)")
        ok = overhead < TARGET_OVERHEAD_S
        lines.append(f"{_verdict(ok)}  {r.size}: build+hand-off+extract = {overhead:.2f} s wall (target < 2 s)")
        if r.memory:
            peak = r.memory.get("hwm_build_mb", r.memory["maxrss_build_mb"])
            ok = peak < TARGET_PEAK_MB
            lines.append(f"{_verdict(ok)}  {r.size}: peak resident memory through the build {peak:,.0f} MB (target < 1 GB)")
    return "\n".join(lines)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Model size and build/hand-off/extract seconds against the LP relaxation.")
    parser.add_argument("sizes", nargs="*", type=Size.parse, default=[Size.parse(s) for s in DEFAULT_SIZES], help="SITESxCHIPSxYEARS")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--family", default="base", choices=sorted(FAMILIES))
    parser.add_argument("--regions", type=int, default=None, help="demand regions (default: the family's)")
    parser.add_argument("--nodes", type=int, default=None, help="grid nodes (default: sites / 20)")
    parser.add_argument("--threads", type=int, default=None, help="HiGHS threads")
    parser.add_argument("--time-limit", type=float, default=None, help="LP time limit, seconds")
    parser.add_argument("--highs-option", action="append", default=[], metavar="KEY=VALUE", help="extra HiGHS option, e.g. solver=ipm")
    parser.add_argument("--via-solve", action="store_true", help="time hand-off, LP and extract through gigawatt.solve_model")
    parser.add_argument("--no-lp", action="store_true", help="skip the LP relaxation (extract from x = 1 within bounds)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory probe (one extra process per size)")
    parser.add_argument("--profile", action="store_true", help="print build seconds per family and a cProfile of build + compile")
    parser.add_argument("--top", type=int, default=25, help="functions shown per profile listing")
    parser.add_argument("--tee", action="store_true", help="show the HiGHS log")
    args = parser.parse_args(argv)

    print(f"gigawatt from {Path(gigawatt.__file__).parent}, HiGHS {highs.version()}", file=sys.stderr)
    memory = {}
    if not args.no_memory:  # first, while this process is small: a spawned child starts from its parent's ru_maxrss
        for size in args.sizes:
            print(f"memory probe {size} ...", file=sys.stderr, flush=True)
            memory[size] = measure_memory(size, args)
    wall, cpu = warm_up(args)
    results = []
    for size in args.sizes:
        print(f"timing {size} ...", file=sys.stderr, flush=True)
        res = measure(size, args)
        res.memory = memory.get(size, {})
        results.append(res)
    print(table(results))
    print(f"\none-off warm-up before timing (lazy imports; 3x1x2 model): {wall:.2f} s wall ({cpu:.2f} s CPU)")
    verdict = targets(results)
    if verdict:
        print("\n" + verdict)
    if args.profile:
        for size in args.sizes:
            print(profile(size, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
