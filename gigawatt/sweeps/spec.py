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

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pydantic

from gigawatt.scenario.errors import Problem, ScenarioError
from gigawatt.scenario.files import parse_scalar, read_yaml_lines
from gigawatt.scenario.overrides import OPERATORS


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

    n: int = pydantic.Field(gt=0)
    seed: int = 0
    ranges: dict[str, tuple[float, float]] = pydantic.Field(min_length=1)

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
    """``["ceiling_mw=3000,4000", "chips[x].first_year=2027,2028"]`` -> a grid; values parsed as YAML scalars."""
    grid: dict[str, list[object]] = {}
    problems = []
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not key.strip() or not values.strip():
            problems.append(Problem("--grid", f"expected KEY=V1,V2,..., got {item!r}"))
            continue
        grid[key.strip()] = [parse_scalar(v.strip()) for v in values.split(",")]
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
            line = (lines or {}).get(key) or (lines or {}).get(str(e["loc"][0]))
            problems.append(Problem(label, e["msg"], line=line, column=key or None))
        raise ScenarioError(problems) from None
