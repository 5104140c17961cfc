"""What a sweep runs: a grid, named variants, a one-at-a-time sensitivity, Latin-hypercube samples.

Every run is a set of overrides (keys as in :mod:`gigawatt.scenario.overrides`) applied to a base
scenario, optionally one of several variant folders. A sweep can be written as YAML::

    name: ceiling-and-prices
    grid:                                   # every combination
      ceiling_mw: [3000, 4000, 5000]
      chips[rubin_nvl144].first_year: [2027, 2028]
    variants: [../rubin_delay]              # scenario folders, crossed with the runs above
    sensitivity:                            # each parameter at (1 - step) and (1 + step)
      step: 0.2
      parameters: [supplies.energy_price_usd_per_mwh, chips.capex_usd_per_unit]
    samples:                                # Latin hypercube over ranges
      n: 16
      seed: 1
      ranges: {ceiling_mw: [3000, 8000], supplies.energy_price_usd_per_mwh*: [0.8, 1.2]}
    solve: {time_limit: 30, mip_gap: 0.001}
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pydantic

from gigawatt.scenario.errors import Problem, ScenarioError
from gigawatt.scenario.files import parse_scalar, read_yaml_lines
from gigawatt.scenario.overrides import OPERATORS, split_override

if TYPE_CHECKING:
    from gigawatt.solving import OptionCheck

#: Most runs one sweep may hold (grid combinations, sensitivity and sample runs, times the variants):
#: more is a typing slip or a job for several sweeps, and is refused before anything is stored or run.
MAX_RUNS = 100_000
#: Most Latin-hypercube samples one sweep may draw.
MAX_SAMPLES = 100_000
#: Largest sample seed (numpy takes any non-negative integer; 2**63 - 1 keeps it a 64-bit integer in the store).
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class RunSpec:
    """One run: overrides on a base scenario (``variant`` names a variant folder, else the base)."""

    params: Mapping[str, object] = field(default_factory=dict)
    variant: str | None = None

    @property
    def label(self) -> str:
        parts = ([f"variant={self.variant}"] if self.variant else []) + [f"{k}={v}" for k, v in self.params.items()]
        return ", ".join(parts) or "base"


class Sensitivity(pydantic.BaseModel, extra="forbid"):
    """Each parameter multiplied by ``1 - step`` and ``1 + step``, one at a time, plus the base run."""

    step: float = pydantic.Field(gt=0, lt=1)
    parameters: list[str] = pydantic.Field(min_length=1)


class Samples(pydantic.BaseModel, extra="forbid"):
    """``n`` Latin-hypercube samples over ``ranges`` (``[low, high]`` per key; whole numbers stay whole)."""

    n: int = pydantic.Field(gt=0, le=MAX_SAMPLES)
    seed: int = pydantic.Field(default=0, ge=0, le=MAX_SEED)
    ranges: dict[str, tuple[float, float]] = pydantic.Field(min_length=1)

    @pydantic.field_validator("n", "seed", mode="before")
    @classmethod
    def _not_a_flag(cls, value: object) -> object:
        """``true`` is not a number of samples or a seed (pydantic would read it as 1)."""
        if isinstance(value, bool):
            raise ValueError(f"{str(value).lower()} is not a number; expected a whole number")
        return value

    @pydantic.field_validator("ranges")
    @classmethod
    def _ordered(cls, ranges: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for key, (low, high) in ranges.items():
            if not low < high:
                raise ValueError(f"{key}: expected low < high, got [{low}, {high}]")
        return ranges


class SweepSpec(pydantic.BaseModel, extra="forbid"):
    """A sweep definition; :meth:`runs` expands it into :class:`RunSpec` s."""

    name: str = "sweep"
    grid: dict[str, list[object]] = pydantic.Field(default_factory=dict)
    variants: list[str] = pydantic.Field(default_factory=list)
    sensitivity: Sensitivity | None = None
    samples: Samples | None = None
    solve: dict[str, object] = pydantic.Field(default_factory=dict)

    @pydantic.field_validator("grid")
    @classmethod
    def _non_empty(cls, grid: dict[str, list[object]]) -> dict[str, list[object]]:
        empty = [k for k, values in grid.items() if not values]
        if empty:
            raise ValueError(f"no values for {', '.join(empty)}")
        return grid

    @pydantic.model_validator(mode="after")
    def _few_enough_runs(self) -> SweepSpec:
        """At most :data:`MAX_RUNS` runs, counted before any is expanded (a grid of 10**6 points is refused at once)."""
        total = self.run_count()
        if total > MAX_RUNS:
            raise ValueError(
                f"the sweep holds {total:,} runs ({self._count_parts()}); at most {MAX_RUNS:,} expected: split it into smaller sweeps"
            )
        return self

    def run_count(self) -> int:
        """How many runs :meth:`runs` gives, computed from the sizes alone."""
        grid = math.prod(len(values) for values in self.grid.values()) if self.grid else 0
        sensitivity = 1 + 2 * len(self.sensitivity.parameters) if self.sensitivity else 0
        samples = self.samples.n if self.samples else 0
        return max(1, grid + sensitivity + samples) * max(1, len(self.variants))

    def _count_parts(self) -> str:
        parts = []
        if self.grid:
            sizes = " x ".join(f"{len(values):,}" for values in self.grid.values())
            parts.append(f"grid {sizes}" + (f" = {math.prod(len(v) for v in self.grid.values()):,}" if len(self.grid) > 1 else ""))
        if self.sensitivity:
            parts.append(f"sensitivity {1 + 2 * len(self.sensitivity.parameters):,}")
        if self.samples:
            parts.append(f"samples {self.samples.n:,}")
        if self.variants:
            parts.append(f"times {len(self.variants):,} variants")
        return ", ".join(parts)

    def runs(self) -> list[RunSpec]:
        """Grid combinations, then sensitivity runs, then samples; each crossed with every variant."""
        runs = [dict(zip(self.grid, combo, strict=True)) for combo in itertools.product(*self.grid.values())] if self.grid else []
        if self.sensitivity:
            runs.append({})
            for key in self.sensitivity.parameters:
                factor_key = key if key[-1:] in OPERATORS else f"{key}*"
                runs += [{factor_key: round(1 + sign * self.sensitivity.step, 12)} for sign in (-1, 1)]
        if self.samples:
            runs += latin_hypercube(self.samples)
        if not runs:
            runs = [{}]
        variants: list[str | None] = list(self.variants) or [None]
        return [RunSpec(params, variant) for variant in variants for params in runs]


def latin_hypercube(samples: Samples) -> list[dict[str, object]]:
    """``samples.n`` points, stratified in every dimension (scipy's ``qmc.LatinHypercube``)."""
    from scipy.stats import qmc

    keys = list(samples.ranges)
    unit = qmc.LatinHypercube(d=len(keys), seed=samples.seed).random(samples.n)
    lows = [samples.ranges[k][0] for k in keys]
    highs = [samples.ranges[k][1] for k in keys]
    points = qmc.scale(unit, lows, highs)
    whole = [float(lo).is_integer() and float(hi).is_integer() and not k.endswith("*") for k, lo, hi in zip(keys, lows, highs, strict=True)]
    return [{k: (round(float(x)) if w else float(x)) for k, x, w in zip(keys, point, whole, strict=True)} for point in points]


def parse_grid(items: Sequence[str]) -> dict[str, list[object]]:
    """``["ceiling_mw=3000,4000", "supplies[node_id=south].capacity_mw=90,100"]`` -> a grid; values parsed as YAML scalars.

    Each item is split as a ``--set`` is (:func:`~gigawatt.scenario.overrides.split_override`): at the
    first ``=`` outside square brackets, so a row selector's ``=`` stays in the key.
    """
    grid: dict[str, list[object]] = {}
    problems = []
    for item in items:
        try:
            key, values = split_override(item)
        except ValueError:
            key = values = ""
        if not values.strip():
            problems.append(Problem("--grid", f"expected KEY=V1,V2,..., got {item!r}"))
            continue
        grid[key] = [parse_scalar(v.strip()) for v in values.split(",")]
    if problems:
        raise ScenarioError(problems)
    return grid


def load_spec(path: str | Path) -> SweepSpec:
    """Read a sweep YAML file; variant folders are taken relative to it. Raise :class:`ScenarioError`."""
    path = Path(path)
    raw, lines = read_yaml_lines(path, path.name)
    spec = spec_from_mapping(raw, path.name, lines)
    variants = [str((path.parent / v).resolve()) for v in spec.variants]
    return spec.model_copy(update={"variants": variants})


def spec_from_mapping(raw: object, label: str = "sweep", lines: Mapping[str, int] | None = None) -> SweepSpec:
    """Validate a sweep definition, reporting each problem with its key (and line when known)."""
    if not isinstance(raw, Mapping):
        raise ScenarioError([Problem(label, f"expected a mapping of sweep settings, found a {type(raw).__name__}")])
    try:
        return SweepSpec.model_validate(raw)
    except pydantic.ValidationError as err:
        problems = []
        for e in err.errors():
            key = ".".join(str(p) for p in e["loc"])
            line = (lines or {}).get(key) or (lines or {}).get(key.split(".")[0])
            problems.append(Problem(label, str(e["msg"]).removeprefix("Value error, "), line=line, column=key or None))
        raise ScenarioError(problems) from None


# -- sweep-wide solve options and workers, checked before a store is opened or a run starts ----------------
#: Most local Dask workers a sweep may start (each one a process).
MAX_WORKERS = 1024


def _typed_options() -> dict[str, OptionCheck]:
    """The options :func:`gigawatt.solve` checks itself, less ``start`` (a sweep has no plan to start from).

    Imported here: the solver stack loads only when a sweep runs.
    """
    from gigawatt.solving import OPTION_CHECKS

    return {name: check for name, check in OPTION_CHECKS.items() if name != "start"}


def solve_option_problems(options: Mapping[str, object], default_solver: str = "highs", label: str = "solve options") -> list[Problem]:
    """Every problem with sweep-wide solve options: typed ones (:func:`gigawatt.solve`) checked against their
    expectation, others passed to HiGHS as raw options (when the solver is HiGHS) checked by HiGHS itself.
    """
    typed = _typed_options()
    problems = []
    for key, value in options.items():
        option = typed.get(str(key))
        if option is not None and not option.accepts(value):
            problems.append(Problem(label, f"expected {option.expectation}", column=str(key), value=value))
    solver = options.get("solver") or default_solver
    if solver == "highs":
        problems += _highs_option_problems({k: v for k, v in options.items() if k not in typed}, list(typed), label)
    return problems


def _highs_option_problems(raw: Mapping[str, object], typed: list[str], label: str) -> list[Problem]:
    """Raw HiGHS options that HiGHS does not know, or refuses the value of (tried on a fresh, quiet instance)."""
    if not raw:
        return []
    import highspy

    from gigawatt.solvers.highs import new_highs

    highs = new_highs()
    known = typed + [n for n in dir(highspy.HighsOptions()) if not n.startswith("_")]
    problems = []
    for key, value in raw.items():
        name = str(key)
        if highs.getOptionValue(name)[0] != highspy.HighsStatus.kOk:
            match = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f" (did you mean '{match[0]}'?)" if match else ""
            message = f"unknown solve option{hint}; expected one of {', '.join(typed)} or a HiGHS option"
            problems.append(Problem(label, message, column=name))
            continue
        try:
            refused = isinstance(value, bool) != (highs.getOptionType(name)[1] == highspy.HighsOptionType.kBool)
            refused = refused or highs.setOptionValue(name, value) != highspy.HighsStatus.kOk
        except TypeError:
            refused = True
        if refused:
            problems.append(Problem(label, "HiGHS refuses this value for the option", column=name, value=value))
    return problems


def check_run_inputs(options: Mapping[str, object], workers: object, default_solver: str = "highs") -> None:
    """Raise :class:`ScenarioError` naming every bad solve option and a bad ``workers``, before anything is stored or run."""
    problems = solve_option_problems(options, default_solver)
    whole = isinstance(workers, int) and not isinstance(workers, bool)
    if workers is not None and not (whole and 0 <= workers <= MAX_WORKERS):  # type: ignore[operator]
        expected = f"a whole number from 0 (run in this process) to {MAX_WORKERS:,}, or none for one per core"
        problems.append(Problem("sweep", f"expected {expected}", column="workers", value=workers))
    if problems:
        raise ScenarioError(problems)
